"""The handbook's canned reasons for rejecting a proposal, kept by admins at /admin/reasons."""

from sqlalchemy import func
from sqlalchemy import select

from handbook import db
from handbook import permissions
from handbook.models import RejectionReason
from handbook.services import audit
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound
from handbook.services.validation import clean_summary


def all_reasons(session):
    return session.scalars(select(RejectionReason).order_by(RejectionReason.position,
                                                            RejectionReason.id)).all()


def get(session, reason_id):
    reason = session.get(RejectionReason, reason_id) if reason_id else None
    if reason is None:
        raise InvalidInput("Choose a reason from the list.", "reason_id")
    return reason


def _text(text):
    text = clean_summary(text, field="text")
    if not text:
        raise InvalidInput("Write the reason.", "text")
    return text


def add(session, admin, text):
    permissions.require(permissions.may_manage_reasons(admin))
    text = _text(text)
    db.begin_write(session)
    last = session.scalar(select(func.coalesce(func.max(RejectionReason.position), 0)))
    reason = RejectionReason(text=text, position=last + 1)
    session.add(reason)
    audit.record(session, admin, "reason", detail=f"added: {text}")
    return reason


def change(session, admin, reason_id, text):
    permissions.require(permissions.may_manage_reasons(admin))
    reason = session.get(RejectionReason, reason_id)
    if reason is None:
        raise NotFound("No such reason.")
    text = _text(text)
    db.begin_write(session)
    audit.record(session, admin, "reason", detail=f"changed: {reason.text} → {text}")
    reason.text = text
    return reason


def remove(session, admin, reason_id):
    permissions.require(permissions.may_manage_reasons(admin))
    reason = session.get(RejectionReason, reason_id)
    if reason is None:
        raise NotFound("No such reason.")
    db.begin_write(session)
    audit.record(session, admin, "reason", detail=f"removed: {reason.text}")
    session.delete(reason)
