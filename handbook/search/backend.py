"""The narrow interface every search backend implements (whoosh_backend, postgres_backend).

    apply(session, documents, removed_page_ids) -> bool   index these, drop those; False if busy
    rebuild(session, documents, progress) -> int          a full rebuild from the database
    indexed_versions(session) -> {slug: revision_id}      what the index holds
    search(session, parsed, section=, tag=, offset=, limit=) -> RawResults
    corrections(session, words) -> {word: better}         spelling suggestions
    is_current() -> bool                                  False when a rebuild is needed
    tidy(engine)                                          after many committed changes
    batch                                                 owed pages given to one apply
"""

from dataclasses import dataclass


@dataclass
class RawResults:
    """A backend's answer: the total, one page of (slug, revision id) hits, facet counts."""

    total: int
    hits: list
    sections: dict
    tags: dict


class SearchUnavailable(Exception):
    """The index cannot be read (missing, damaged, or its server is down); pages still work."""
