"""Compare the index with the database: pages missing from it, stale in it, or extra."""

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import update

from handbook.models import OutboxEntry
from handbook.models import utcnow
from handbook.search import documents


@dataclass
class Report:
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    extra: list = field(default_factory=list)

    @property
    def clean(self):
        return not (self.missing or self.stale or self.extra)


def compare(session, backend):
    """What differs between published pages and the index."""
    published = documents.published_versions(session)
    indexed = backend.indexed_versions(session)
    return Report(
        missing=sorted(set(published) - set(indexed)),
        stale=sorted(slug for slug in published.keys() & indexed.keys()
                     if published[slug] != indexed[slug]),
        extra=sorted(set(indexed) - set(published)),
    )


def rebuild(session, backend, progress=None):
    """Index every published page from scratch; settles the outbox it covers."""
    started = utcnow()
    count = backend.rebuild(session, documents.all_documents(session), progress)
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.kind == "search", OutboxEntry.done_at.is_(None),
               OutboxEntry.queued_at <= started)
        .values(done_at=utcnow())
    )
    session.commit()
    backend.tidy(session.get_bind())
    return count
