"""The durable queue of work owed after commits: add, take what is due, settle, retry later."""

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from handbook.models import OutboxEntry
from handbook.models import utcnow

#: how long a failed entry waits before its next attempt: doubling from 10 s, at most an hour
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(hours=1)


def add(session, kind, subject_ids):
    """Owe `kind` work for each subject, in the session's transaction."""
    session.add_all(OutboxEntry(kind=kind, subject_id=subject_id) for subject_id in sorted(set(subject_ids)))


def due(session, kind, limit):
    """(entry id, subject id) of undone entries of `kind` whose time has come, oldest first."""
    return session.execute(
        select(OutboxEntry.id, OutboxEntry.subject_id)
        .where(OutboxEntry.kind == kind, OutboxEntry.done_at.is_(None),
               or_(OutboxEntry.not_before.is_(None), OutboxEntry.not_before <= utcnow()))
        .order_by(OutboxEntry.id).limit(limit)
    ).all()


def settle(session, entry_ids):
    """Mark entries done."""
    if entry_ids:
        session.execute(update(OutboxEntry).where(OutboxEntry.id.in_(list(entry_ids)))
                        .values(done_at=utcnow()))


def postpone(session, entry_ids, error):
    """Count a failed attempt; the entries wait longer each time."""
    for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.id.in_(list(entry_ids)))):
        entry.attempts += 1
        delay = min(LAST_RETRY, FIRST_RETRY * 2 ** (entry.attempts - 1))
        entry.not_before = utcnow() + delay
        entry.last_error = str(error)[:2000]


def owed(session, kind=None):
    """How many entries (of `kind`, or of every kind) are not done."""
    query = select(func.count(OutboxEntry.id)).where(OutboxEntry.done_at.is_(None))
    if kind is not None:
        query = query.where(OutboxEntry.kind == kind)
    return session.scalar(query)


def claim(session, entry_id, lease):
    """Take one due entry for `lease` (so no other process does it meanwhile); whether this
    session got it. Work that must not be done twice (sending mail) claims before it acts."""
    now = utcnow()
    taken = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id, OutboxEntry.done_at.is_(None),
               or_(OutboxEntry.not_before.is_(None), OutboxEntry.not_before <= now))
        .values(not_before=now + lease)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def failures(session, kind):
    """Undone entries of `kind` that have failed at least once: (attempts, not_before, error)."""
    return session.execute(
        select(OutboxEntry.subject_id, OutboxEntry.attempts, OutboxEntry.not_before,
               OutboxEntry.last_error)
        .where(OutboxEntry.kind == kind, OutboxEntry.done_at.is_(None), OutboxEntry.attempts > 0)
        .order_by(OutboxEntry.id)
    ).all()
