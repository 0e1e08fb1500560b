"""Queueing mail: a row in mail_messages, sent after the commit by the outbox ("mail" kind).

Each mail has a key naming the event it tells of; a key already queued is not queued again,
so one event never makes two mails. Tokens are not stored: links are signed when it is sent.
"""

from sqlalchemy import select

from handbook import changes
from handbook.models import MailMessage

#: the mails the handbook sends: templates/mail/<name>.txt and .html
TEMPLATES = ("confirm", "change_email", "email_changed", "account_exists", "reset",
             "notification", "digest")


def queue(session, *, key, template, to_address, user=None, context=None):
    """Owe a mail; returns the row, or None when this event's mail is already queued."""
    if template not in TEMPLATES:
        raise ValueError(f"no mail template {template!r}")
    if session.scalar(select(MailMessage.id).where(MailMessage.key == key)):
        return None
    message = MailMessage(key=key, template=template, to_address=to_address,
                          user_id=user.id if user is not None else None, context=context or {})
    session.add(message)
    session.flush()
    changes.mail_owed(session, message.id)
    return message


def forget_unsent(session, user):
    """Drop the account's mail not yet sent (its outbox entries then settle as nothing to do)."""
    for message in session.scalars(select(MailMessage).where(
            MailMessage.user_id == user.id, MailMessage.sent_at.is_(None))):
        session.delete(message)
