"""What the index holds for a page: public fields of its published revision, as plain text."""

import html
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from handbook.models import Page
from handbook.models import Revision
from handbook.models import Section

_HEADING = re.compile(r"<h[2-4][^>]*>(.*?)</h[2-4]>", re.S)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|li|h\d|tr|td|th|pre|blockquote|div)>")


@dataclass(frozen=True)
class SearchDocument:
    """One indexed page; `revision_id` tells whether an index entry is current."""

    page_id: int
    slug: str
    title: str
    section_slug: str
    section_title: str
    tags: tuple
    headings: str
    body: str
    revision_id: int
    published_at: datetime


def html_to_text(fragment):
    """Plain text of sanitized HTML (the index never sees markup)."""
    fragment = fragment.replace('<a class="headerlink"', "<a ").replace(">#</a>", "></a>")
    text = _TAG.sub(" ", _BLOCK_END.sub("\n", fragment))
    return "\n".join(" ".join(line.split()) for line in html.unescape(text).splitlines() if line.strip())


def from_row(page, revision, section):
    headings = "\n".join(html_to_text(match) for match in _HEADING.findall(revision.html))
    return SearchDocument(
        page_id=page.id, slug=page.slug, title=revision.title, section_slug=section.slug,
        section_title=section.title, tags=tuple(page.tags or ()), headings=headings,
        body=html_to_text(revision.html), revision_id=revision.id,
        published_at=revision.published_at,
    )


def _published(session):
    return (
        select(Page, Revision, Section)
        .join(Revision, Revision.id == Page.current_revision_id)
        .join(Section, Section.id == Page.section_id)
    )


def documents_for(session, page_ids):
    """{page_id: document} for those of `page_ids` that are published now."""
    rows = session.execute(_published(session).where(Page.id.in_(set(page_ids)))).all()
    return {page.id: from_row(page, revision, section) for page, revision, section in rows}


def all_documents(session, batch=500):
    """Every published page, in batches (for a full rebuild)."""
    last = 0
    while True:
        rows = session.execute(
            _published(session).where(Page.id > last).order_by(Page.id).limit(batch)
        ).all()
        if not rows:
            return
        for page, revision, section in rows:
            yield from_row(page, revision, section)
        last = rows[-1][0].id
        session.expunge_all()


def published_versions(session, page_ids=None):
    """{slug: current revision id} of published pages (to check hits and the index)."""
    query = select(Page.slug, Page.current_revision_id).where(Page.current_revision_id.is_not(None))
    if page_ids is not None:
        query = query.where(Page.id.in_(set(page_ids)))
    return dict(session.execute(query).all())
