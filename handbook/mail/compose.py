"""Turning a queued mail_messages row into an email: plain text and HTML from templates,
signed links made now, and the headers that let the reader stop that kind of mail."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select

from handbook import tokens
from handbook.models import Notification
from handbook.models import User
from handbook.models import utcnow
from handbook.services import notifications

#: subject of each account mail (notifications carry their own)
SUBJECTS = {
    "confirm": "Confirm your email address",
    "change_email": "Confirm your new email address",
    "email_changed": "The email address of your account was changed",
    "account_exists": "Someone tried to register with your address",
    "reset": "Set a new password",
}


def external_url(app, endpoint, **values):
    """An absolute URL at the configured base address (a request's Host is never trusted)."""
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                               url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def site_url(app, path):
    return app.config["BASE_URL"].rstrip("/") + path


def compose(app, session, message):
    """The email for `message`, or None when there is nothing left to send (the account or
    notification is gone, or a reset request is older than its link would be valid)."""
    user = session.get(User, message.user_id) if message.user_id else None
    if user is None or not user.is_active:
        return None
    context = _CONTEXTS[message.template](app, session, message, user)
    if context is None:
        return None
    context.update(site_name=app.config["SITE_NAME"], user=user, home=site_url(app, "/"),
                   settings=external_url(app, "settings.index"))
    subject = context.pop("subject")
    headers = {"Auto-Submitted": "auto-generated", "X-Handbook-Mail": str(message.id)}
    if context.get("unsubscribe"):
        headers["List-Unsubscribe"] = f"<{context['unsubscribe']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=f"{subject} · {app.config['SITE_NAME']}",
        body=_render(app, f"mail/{message.template}.txt", context),
        from_email=app.config["MAIL_FROM"], to=[message.to_address], headers=headers)
    email.attach_alternative(_render(app, f"mail/{message.template}.html", context), "text/html")
    return email


def _render(app, name, context):
    """A mail template, without the page templates' context (no request, no current user)."""
    return app.jinja_env.get_template(name).render(**context)


def _secret(app):
    return app.config["SECRET_KEY"]


def _confirm(app, session, message, user):
    if user.is_confirmed or user.email != message.to_address:
        return None
    token = tokens.confirm_address(_secret(app), user.id, message.to_address)
    return {"subject": SUBJECTS["confirm"], "link": external_url(app, "accounts.confirm", token=token),
            "days": tokens.CONFIRM_MAX_AGE // 86400}


def _change_email(app, session, message, user):
    token = tokens.change_email(_secret(app), user.id, message.to_address, user.email)
    return {"subject": SUBJECTS["change_email"], "days": tokens.CONFIRM_MAX_AGE // 86400,
            "link": external_url(app, "settings.confirm_email", token=token)}


def _email_changed(app, session, message, user):
    return {"subject": SUBJECTS["email_changed"], "when": message.created_at}


def _account_exists(app, session, message, user):
    return {"subject": SUBJECTS["account_exists"], "login": external_url(app, "accounts.login"),
            "forgot": external_url(app, "accounts.forgot")}


def _reset(app, session, message, user):
    if message.created_at < utcnow() - timedelta(seconds=tokens.RESET_MAX_AGE):
        return None
    token = tokens.reset_password(_secret(app), user)
    return {"subject": SUBJECTS["reset"], "link": external_url(app, "accounts.reset", token=token),
            "minutes": tokens.RESET_MAX_AGE // 60}


def _notification(app, session, message, user):
    notification = session.get(Notification, message.context.get("notification"))
    if notification is None or notification.user_id != user.id:
        return None
    kind = notifications.KINDS[notification.kind]
    return {"subject": notification.subject, "notification": notification, "kind": kind,
            "link": site_url(app, notification.path),
            "unsubscribe": _unsubscribe(app, user, notification.kind)}


def _digest(app, session, message, user):
    entries = session.scalars(select(Notification).where(
        Notification.id.in_(message.context.get("notifications", [])),
        Notification.user_id == user.id).order_by(Notification.id)).all()
    if not entries:
        return None
    return {"subject": f"Your daily digest: {len(entries)} new", "entries": entries,
            "links": {entry.id: site_url(app, entry.path) for entry in entries},
            "day": message.context.get("day"), "unsubscribe": _unsubscribe(app, user, "digest")}


def _unsubscribe(app, user, kind):
    return external_url(app, "notifications.unsubscribe",
                        token=tokens.unsubscribe(_secret(app), user.id, kind))


_CONTEXTS = {
    "confirm": _confirm, "change_email": _change_email, "email_changed": _email_changed,
    "account_exists": _account_exists, "reset": _reset, "notification": _notification,
    "digest": _digest,
}
