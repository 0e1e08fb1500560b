"""Searching as readers see it: parse, ask the backend, check hits against the database."""

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select

from handbook.models import Page
from handbook.models import Revision
from handbook.models import Section
from handbook.search import documents
from handbook.search.backend import SearchUnavailable
from handbook.search import query as query_language
from handbook.search.highlight import best_part
from handbook.search.highlight import snippet

PAGE_SIZE = 20
FEW_RESULTS = 3


@dataclass
class Hit:
    slug: str
    title: str
    section_slug: str
    section_title: str
    snippet: str
    published_at: object
    #: the heading under which the words are found (None: at the top, or only in the title)
    anchor: str | None = None
    #: the titles of the headings it sits under
    heading_path: tuple = ()


@dataclass
class Results:
    """What a search shows: hits of one results page, facets, a suggestion, hints."""

    text: str
    total: int = 0
    hits: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    suggestion: str | None = None
    hints: list = field(default_factory=list)
    page: int = 1

    @property
    def pages(self):
        return max(1, -(-self.total // PAGE_SIZE))


def search(session, backend, raw, *, section=None, tag=None, page=1, size=PAGE_SIZE):
    """Published pages matching `raw`, best first; stale index entries are never shown."""
    parsed = query_language.parse(raw)
    results = Results(text=parsed.text(), hints=list(parsed.hints), page=page)
    if parsed.is_empty:
        return results
    try:
        return _answer(session, backend, parsed, results, section, tag, page, size)
    except SearchUnavailable:
        raise
    except Exception as error:
        raise SearchUnavailable(repr(error)) from error


def _answer(session, backend, parsed, results, section, tag, page, size):
    raw_results = backend.search(session, parsed, section=section, tag=tag,
                                 offset=(page - 1) * size, limit=size)
    results.total = raw_results.total
    results.hits = _verified_hits(session, raw_results.hits, parsed)
    results.sections = _section_facets(session, raw_results.sections)
    results.tags = sorted(raw_results.tags.items(), key=lambda item: (-item[1], item[0]))
    if raw_results.total < FEW_RESULTS:
        results.suggestion = _suggestion(session, backend, parsed, raw_results.total)
    return results


def _verified_hits(session, hits, parsed):
    """Hits whose page is published at exactly the indexed revision; others are re-queued."""
    if not hits:
        return []
    slugs = [slug for slug, _ in hits]
    rows = session.execute(
        select(Page, Revision, Section)
        .join(Revision, Revision.id == Page.current_revision_id)
        .join(Section, Section.id == Page.section_id)
        .where(Page.slug.in_(slugs))
    ).all()
    current = {page.slug: (page, revision, section) for page, revision, section in rows}
    verified = []
    prefixes = [atom.text for clause in parsed.positive for atom in clause.atoms
                if atom.kind == "prefix"]
    for slug, revision_id in hits:
        row = current.get(slug)
        if row is None or row[1].id != revision_id:
            continue  # not yet re-indexed: the outbox still owes it
        page, revision, section = row
        best = best_part(revision.html, parsed.words(), prefixes, documents.html_to_text)
        part, text, finder = best or (None, documents.html_to_text(revision.html), None)
        verified.append(Hit(page.slug, revision.title, section.slug, section.title,
                            snippet(text, parsed.words(), prefixes, finder), revision.published_at,
                            part.anchor if part else None, part.path if part else ()))
    return verified


def _section_facets(session, counts):
    if not counts:
        return []
    titles = dict(session.execute(
        select(Section.slug, Section.title).where(Section.slug.in_(list(counts)))
    ).all())
    return sorted(((slug, titles.get(slug, slug), count) for slug, count in counts.items()),
                  key=lambda item: (-item[2], item[1]))


def _suggestion(session, backend, parsed, total):
    """A corrected query that finds more, when the reader's finds little."""
    words = [atom.text for clause in parsed.positive for atom in clause.atoms
             if atom.kind == "word" and atom.field is None]
    better = backend.corrections(session, words)
    if not better:
        return None
    corrected = " ".join(better.get(word, word) if not word.startswith("-") else word
                         for word in parsed.text().split(" "))
    found = backend.search(session, query_language.parse(corrected), limit=1)
    return corrected if found.total > total else None
