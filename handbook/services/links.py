"""Wiki links: which targets are live pages, the links table, and refreshing kept HTML."""

from sqlalchemy import delete
from sqlalchemy import select

from handbook import rendering
from handbook.models import Link
from handbook.models import Page
from handbook.models import Redirect
from handbook.models import Revision


def renderer(session):
    """The bounded renderer that the session's creator supplied."""
    return session.info["renderer"]


def live_slugs(session, slugs=None):
    """Which of `slugs` (or of all slugs) lead to a published page, directly or by redirect."""
    pages = select(Page.slug).where(Page.current_revision_id.is_not(None))
    redirects = (select(Redirect.old_slug).join(Page, Page.id == Redirect.page_id)
                 .where(Page.current_revision_id.is_not(None)))
    if slugs is not None:
        slugs = set(slugs)
        if not slugs:
            return frozenset()
        pages = pages.where(Page.slug.in_(slugs))
        redirects = redirects.where(Redirect.old_slug.in_(slugs))
    return frozenset(session.scalars(pages)) | frozenset(session.scalars(redirects))


def render_text(session, text, live=None):
    """Render under the time budget, marking links to live pages (`live`, or asked of the database)."""
    targets = rendering.link_targets(text)
    existing = live_slugs(session, targets) if live is None else frozenset(targets & live)
    return renderer(session).render(text, existing)


def store_rendering(revision, rendered):
    revision.html = rendered.html
    revision.toc_html = rendered.toc_html if rendered.heading_count >= 3 else ""
    revision.render_version = rendering.RENDER_VERSION


def replace_links(session, page, targets):
    """Record the pages that `page`'s published text links to."""
    session.execute(delete(Link).where(Link.source_page_id == page.id))
    session.add_all(Link(source_page_id=page.id, target_slug=slug) for slug in sorted(targets))


def refresh_linking_pages(session, slugs, skip=()):
    """Render again the published text of pages linking to `slugs` (a page came or went),
    leaving out pages whose slug is in `skip`."""
    sources = session.scalars(
        select(Revision)
        .join(Page, Page.current_revision_id == Revision.id)
        .join(Link, Link.source_page_id == Page.id)
        .where(Link.target_slug.in_(set(slugs)), Page.slug.not_in(set(skip)))
        .distinct()
    ).all()
    live = live_slugs(session) if len(sources) > 1 else None
    for revision in sources:
        store_rendering(revision, render_text(session, revision.body, live))


def rerender_stale(session, revision):
    """Render a revision kept by an older renderer again; True when it changed."""
    if revision.render_version == rendering.RENDER_VERSION:
        return False
    store_rendering(revision, render_text(session, revision.body))
    return True
