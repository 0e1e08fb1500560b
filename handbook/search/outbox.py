"""The durable record of what the index owes, and the one writer that pays it off."""

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from handbook import db
from handbook.models import SearchOutbox
from handbook.models import utcnow
from handbook.search import documents

BATCH = 1000


def owe(session, page_ids):
    """Record, in the current transaction, that these pages must be (re)indexed."""
    session.add_all(SearchOutbox(page_id=page_id) for page_id in set(page_ids))
    session.info["search_owed"] = True


def pending(session):
    """How many outbox rows are not yet in the index."""
    return len(session.scalars(
        select(SearchOutbox.id).where(SearchOutbox.done_at.is_(None)).limit(BATCH)
    ).all())


def drain(engine, backend):
    """Apply owed pages to the index until none are left; False if another writer holds it."""
    while True:
        with Session(bind=db.writer(engine), expire_on_commit=False) as session:
            rows = session.execute(
                select(SearchOutbox.id, SearchOutbox.page_id)
                .where(SearchOutbox.done_at.is_(None)).order_by(SearchOutbox.id).limit(BATCH)
            ).all()
            if not rows:
                return True
            page_ids = {page_id for _, page_id in rows}
            current = documents.documents_for(session, page_ids)
            if not backend.apply(session, list(current.values()), page_ids - set(current)):
                return False
            session.execute(
                update(SearchOutbox).where(SearchOutbox.id.in_([row_id for row_id, _ in rows]))
                .values(done_at=utcnow())
            )
            session.commit()
