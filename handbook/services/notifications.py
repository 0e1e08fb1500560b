"""Telling people of events: the inbox, preferences of delivery, the private feed, digests.

`tell` is the one way to tell someone something. The kinds of event and who is told of each
live in `services.events`; this module only knows how a notification is stored and delivered.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timezone

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import StrictUndefined
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from handbook import db
from handbook import permissions
from handbook import paths
from handbook.models import Notification
from handbook.models import NotificationPreference
from handbook.models import User
from handbook.models import utcnow
from handbook.services import outgoing
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound

#: how a person may get a kind of event
DELIVERIES = {
    "inbox": "In my notifications only",
    "mail": "Also by mail, at once",
    "digest": "Also in a daily digest mail",
}
PAGE_SIZE = 30
FEED_SIZE = 50
_templates = Environment(loader=FileSystemLoader(str(paths.templates_dir() / "events")),
                         autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)


@dataclass(frozen=True)
class Kind:
    """A kind of event: what the settings page calls it and how people get it by default."""

    name: str
    label: str
    default: str
    for_librarians: bool = False


#: every kind of event, filled by the @event decorator in services.events
KINDS: dict[str, Kind] = {}


def event(name, label, default="inbox", for_librarians=False):
    """Register a kind of event; its text is templates/events/<name>.txt."""
    def register(function):
        KINDS[name] = Kind(name, label, default, for_librarians)
        return function
    return register


def tell(session, user, kind, *, key, path, **context):
    """Tell `user` of an event, once per `key`: an inbox entry, and a mail by preference.
    Returns the notification, or None when the account is not told (inactive, unconfirmed,
    or told already)."""
    told = tell_each(session, [user], kind, key=key, path=path, **context)
    return told[0] if told else None


def tell_each(session, users, kind, *, key, path, **context):
    """Tell each of `users` of one event (in a few queries, however many they are).

    The template's first line is the subject; the rest, after a blank line, the body.
    """
    users = {user.id: user for user in users
             if user is not None and user.is_active and user.is_confirmed}
    if not users:
        return []
    told = set(session.scalars(select(Notification.user_id).where(
        Notification.user_id.in_(users), Notification.key == key)))
    chosen = dict(session.execute(select(NotificationPreference.user_id, NotificationPreference.delivery)
                                  .where(NotificationPreference.user_id.in_(users),
                                         NotificationPreference.kind == kind)).all())
    subject, _, body = _templates.get_template(f"{kind}.txt").render(**context).partition("\n\n")
    db.begin_write(session)
    created = []
    for user_id, user in users.items():
        if user_id in told:
            continue
        delivery = chosen.get(user_id, KINDS[kind].default)
        created.append((Notification(user_id=user_id, kind=kind, key=key,
                                     subject=subject.strip()[:300], body=body.strip(), path=path,
                                     awaiting_digest=delivery == "digest"), user, delivery))
    session.add_all(notification for notification, _user, _delivery in created)
    session.flush()
    for notification, user, delivery in created:
        if delivery == "mail":
            outgoing.queue(session, key=f"notification:{notification.id}", template="notification",
                           to_address=user.email, user=user, context={"notification": notification.id})
    return [notification for notification, _user, _delivery in created]


def delivery_for(session, user, kind):
    chosen = session.get(NotificationPreference, (user.id, kind))
    return chosen.delivery if chosen is not None else KINDS[kind].default


def preferences(session, user):
    """(Kind, chosen delivery) for every kind the account can get."""
    return [(kind, delivery_for(session, user, kind.name)) for kind in KINDS.values()
            if not kind.for_librarians or permissions.is_librarian(user)]


def set_preferences(session, user, chosen, watch_own_proposals):
    """Save deliveries per kind ({kind: delivery}) and whether proposing starts a watch."""
    for kind, delivery in chosen.items():
        if kind not in KINDS or delivery not in DELIVERIES:
            raise InvalidInput("Choose one of the offered ways for each kind of notification.")
    db.begin_write(session)
    for kind, delivery in chosen.items():
        session.merge(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    user.watch_own_proposals = bool(watch_own_proposals)


def stop_mail(session, user_id, kind):
    """The one-click stop in a mail: that kind (or every digest) comes to the inbox only."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("This account no longer exists.")
    kinds = [name for name in KINDS if delivery_for(session, user, name) == "digest"] \
        if kind == "digest" else [kind]
    if kind != "digest" and kind not in KINDS:
        raise NotFound("This link names a kind of mail the handbook does not send.")
    set_preferences(session, user, {name: "inbox" for name in kinds}, user.watch_own_proposals)
    return user, kinds


def inbox(session, user, number=1):
    """One page of the account's notifications, newest first, and how many pages there are."""
    total = session.scalar(select(func.count(Notification.id))
                           .where(Notification.user_id == user.id))
    entries = session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return entries, max(1, -(-total // PAGE_SIZE))


def mark_read(session, user, notification_id):
    """Mark one of the account's own notifications read (another's is NotFound)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        db.begin_write(session)
        notification.read_at = utcnow()
    return notification


def mark_all_read(session, user):
    db.begin_write(session)
    session.execute(update(Notification)
                    .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                    .values(read_at=utcnow()))


def new_feed_token(session, user):
    """Give the account a new secret feed address; the old one stops working."""
    db.begin_write(session)
    user.feed_token = secrets.token_urlsafe(24)
    return user.feed_token


def feed(session, token):
    """(account, its latest notifications) for a feed token, or NotFound."""
    user = session.scalar(select(User).where(User.feed_token == token)) if token else None
    if user is None or not user.is_active:
        raise NotFound("There is no feed at this address.")
    entries = session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id.desc()).limit(FEED_SIZE)).all()
    return user, entries


def queue_digests(session, day):
    """One digest mail per account with notifications waiting for it; at most one per account
    and day, so running it twice on a day sends nothing more. How many were queued."""
    db.begin_write(session)
    waiting = session.scalars(
        select(Notification).where(Notification.awaiting_digest.is_(True),
                                   Notification.created_at < _end_of(day))
        .order_by(Notification.user_id, Notification.id)).all()
    by_user = {}
    for notification in waiting:
        by_user.setdefault(notification.user_id, []).append(notification)
    queued = 0
    for user_id, entries in by_user.items():
        user = session.get(User, user_id)
        message = outgoing.queue(
            session, key=f"digest:{user_id}:{day.isoformat()}", template="digest",
            to_address=user.email, user=user,
            context={"notifications": [entry.id for entry in entries], "day": day.isoformat()})
        if message is not None:
            queued += 1
            for entry in entries:
                entry.awaiting_digest = False
    return queued


def _end_of(day):
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def forget(session, user):
    """Remove the account's notifications and preferences (deleting an account)."""
    for model in (Notification, NotificationPreference):
        for row in session.scalars(select(model).where(model.user_id == user.id)):
            session.delete(row)


# The kinds of event register themselves when their module is read; importing it here means
# every user of KINDS sees all of them.
from handbook.services import events  # noqa: E402,F401
