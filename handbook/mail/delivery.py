"""The outbox handler for mail: claim an owed message, send it, then settle or retry.

A message is claimed (its outbox entry leased for a few minutes) before it is sent and
settled right after, so two processes never send it both; a failure leaves it owed, with
the error, to be tried again with backoff. The action that queued it is committed already.
"""

import logging
from datetime import timedelta

from handbook import db
from handbook import outbox
from handbook.models import MailMessage
from handbook.models import utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 100


def pay(runtime):
    """Send every owed mail whose time has come; how many were sent."""
    session = db.new_session(runtime)
    sent = 0
    try:
        due = outbox.due(session, "mail", BATCH)
        session.rollback()
        for entry_id, message_id in due:
            sent += _deliver(session, runtime.mailer, entry_id, message_id)
    finally:
        session.close()
    return sent


def _deliver(session, mailer, entry_id, message_id):
    db.begin_write(session)
    if not outbox.claim(session, entry_id, LEASE):
        session.rollback()
        return 0
    session.commit()
    message = session.get(MailMessage, message_id)
    try:
        email = None if message is None or message.sent_at else mailer.compose(session, message)
        session.rollback()
        if email is not None:
            mailer.send(email)
    except Exception as error:
        session.rollback()
        log.warning("mail %s not sent (%s); it will be tried again", message_id, error)
        db.begin_write(session)
        outbox.postpone(session, [entry_id], f"{type(error).__name__}: {error}")
        session.commit()
        return 0
    db.begin_write(session)
    if email is not None:
        session.get(MailMessage, message_id).sent_at = utcnow()
    outbox.settle(session, [entry_id])
    session.commit()
    return 1 if email is not None else 0
