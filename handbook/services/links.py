"""Wiki links: which pages they lead to, the links table, and rendering texts with them.

A link's key is `rendering.slugify` of its target: `[[Running an improvement lab]]` and
`[[running-an-improvement-lab]]` have the same key. A key leads to the published page whose
address (slug), title key or old address (redirect) it is, in that order.
"""

import logging

from sqlalchemy import delete
from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import outbox
from handbook import rendering
from handbook.models import Link
from handbook.models import Page
from handbook.models import Redirect
from handbook.models import Revision
from handbook.render_budget import RenderRefused

log = logging.getLogger(__name__)
BATCH = 50


def live_targets(session, keys=None):
    """{key: slug of the published page it leads to}, for `keys` (or every key)."""
    published = Page.current_revision_id.is_not(None)
    by_slug = select(Page.slug, Page.slug).where(published)
    by_title = select(Page.title_key, Page.slug).where(published)
    by_redirect = (select(Redirect.old_slug, Page.slug).join(Page, Page.id == Redirect.page_id)
                   .where(published))
    if keys is not None:
        keys = set(keys)
        if not keys:
            return {}
        by_slug = by_slug.where(Page.slug.in_(keys))
        by_title = by_title.where(Page.title_key.in_(keys))
        by_redirect = by_redirect.where(Redirect.old_slug.in_(keys))
    targets = {}
    for query in (by_redirect, by_title, by_slug):  # later ones win
        targets.update(session.execute(query).all())
    return targets


def render_text(session, renderer, text, live=None):
    """Render under the time budget, with links to live pages (`live`, or asked of the database)."""
    keys = rendering.link_targets(text)
    if live is None:
        targets = live_targets(session, keys)
    else:
        targets = {key: live[key] for key in keys if key in live}
    return renderer.render(text, targets)


def store_rendering(revision, rendered):
    revision.html = rendered.html
    revision.toc_html = rendered.toc_html if rendered.heading_count >= 3 else ""
    revision.render_version = rendering.RENDER_VERSION


def replace_links(session, page, targets):
    """Record the keys that `page`'s published text links to."""
    changes.links_changed(session, session.scalars(
        select(Link.target_slug).where(Link.source_page_id == page.id)))
    session.execute(delete(Link).where(Link.source_page_id == page.id))
    session.add_all(Link(source_page_id=page.id, target_slug=key) for key in sorted(targets))


def addresses_of(session, page):
    """Every key that leads to `page`: its slug, its title key and its old slugs."""
    old = session.scalars(select(Redirect.old_slug).where(Redirect.page_id == page.id)).all()
    return {page.slug, page.title_key, *old} - {""}


def pay_rendering(runtime):
    """Render again the pages owed a rendering (a page they link to came, went or moved).

    Each text is rendered outside any write; one that cannot be rendered in time keeps its
    old rendering, is logged and is tried again later. It never blocks what caused it.
    """
    while True:
        with db.new_session(runtime) as session:
            rows = outbox.due(session, "render", BATCH)
            if not rows:
                return
            for entry_id, page_id in rows:
                _render_again(session, runtime.renderer, entry_id, page_id)


def _render_again(session, renderer, entry_id, page_id):
    revision = session.scalar(select(Revision).join(Page, Page.current_revision_id == Revision.id)
                              .where(Page.id == page_id))
    try:
        rendered = render_text(session, renderer, revision.body) if revision else None
    except RenderRefused as refused:
        log.warning("page %s could not be rendered again: %s", page_id, refused)
        db.begin_write(session)
        outbox.postpone(session, [entry_id], refused)
        session.commit()
        return
    db.begin_write(session)
    if rendered is not None and rendered.html != revision.html:
        current = session.scalar(select(Page.current_revision_id).where(Page.id == page_id))
        if current == revision.id:
            store_rendering(revision, rendered)
            changes.page_shown_changed(session, page_id)
    outbox.settle(session, [entry_id])
    session.commit()


def rerender_stale(session, renderer, revision):
    """Render a revision kept by an older renderer again; True when it changed."""
    if revision.render_version == rendering.RENDER_VERSION:
        return False
    store_rendering(revision, render_text(session, renderer, revision.body))
    if session.scalar(select(Page.current_revision_id).where(Page.id == revision.page_id)) == revision.id:
        changes.page_changed(session, revision.page_id)
    return True
