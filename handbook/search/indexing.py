"""Paying the index what the outbox says it owes: one writer at a time, in batches of the
backend's size."""

from handbook import db
from handbook import outbox
from handbook.search import documents

#: from this many pages indexed by one pay on, the backend tidies up after the commits
TIDY_FROM = 500


def pay(runtime):
    """Apply owed pages to the index until none are due; False if another writer holds it."""
    paid = 0
    while True:
        with db.new_session(runtime, writing=True) as session:
            rows = outbox.due(session, "search", runtime.search.batch)
            if not rows:
                break
            page_ids = {page_id for _, page_id in rows}
            current = documents.documents_for(session, page_ids)
            if not runtime.search.apply(session, list(current.values()), page_ids - set(current)):
                return False
            outbox.settle(session, [row_id for row_id, _ in rows])
            session.commit()
            paid += len(rows)
    if paid >= TIDY_FROM:
        runtime.search.tidy(runtime.engine)
    return True
