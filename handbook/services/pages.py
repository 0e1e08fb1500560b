"""Creating, editing, reverting and renaming pages; every change is a new revision."""

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from handbook import permissions
from handbook.diffing import three_way_merge
from handbook.models import Page
from handbook.models import Redirect
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Section
from handbook.models import utcnow
from handbook.render_budget import RenderRefused
from handbook.rendering import link_targets
from handbook.rendering import slugify
from handbook.search import outbox
from handbook.services import audit
from handbook.services import links
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.validation import clean_body
from handbook.services.validation import clean_summary
from handbook.services.validation import clean_title


@dataclass
class SaveOutcome:
    """What a save did: the new revision, whether it went live, whether it was merged."""

    revision: Revision
    published: bool
    merged: bool


def get_revision(session, revision_id):
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound("No such revision.")
    return revision


def get_section(session, section_id):
    section = session.get(Section, section_id)
    if section is None:
        raise NotFound("No such section.")
    return section


def create_page(session, user, *, section_id, title, body, summary=""):
    """Propose a new page (contributors) or publish it (librarians)."""
    permissions.require(permissions.may_edit(user))
    title = clean_title(title)
    body = clean_body(body)
    summary = clean_summary(summary) or "New page"
    section = get_section(session, section_id)
    page = _claim_slug(session, slugify(title), title, section)
    revision = add_revision(session, page, user, title, body, summary, base=None)
    return _finish(session, user, page, revision, expected=None, merged=False)


def _claim_slug(session, slug, title, section):
    """A page row for a new title: refuse a taken slug, reuse an abandoned proposal's."""
    if session.get(Redirect, slug) is not None:
        raise InvalidInput("A page with this title exists (under a newer name).", "title")
    page = session.scalar(select(Page).where(Page.slug == slug))
    if page is not None:
        if page.is_published or _pending_count(session, page) > 0:
            raise InvalidInput(f"A page called “{page.title}” already exists.", "title")
        page.title, page.section = title, section
        return page
    position = session.scalar(
        select(func.coalesce(func.max(Page.position), 0)).where(Page.section_id == section.id)
    )
    page = Page(slug=slug, title=title, section=section, position=position + 1, tags=[])
    session.add(page)
    session.flush()
    return page


def _pending_count(session, page):
    return session.scalar(
        select(func.count(Revision.id)).where(
            Revision.page_id == page.id, Revision.status == RevisionStatus.pending
        )
    )


def save_edit(session, user, page, *, body, summary="", base_revision_id):
    """Edit a page from `base_revision_id`; merge with changes since, or raise EditConflict."""
    permissions.require(permissions.may_edit(user))
    body = clean_body(body)
    summary = clean_summary(summary)
    current = page.current_revision
    merged = False
    if base_revision_id != page.current_revision_id:
        base = get_revision(session, base_revision_id) if base_revision_id else None
        if base is None or base.page_id != page.id:
            raise InvalidInput("The edit names a starting version of another page.")
        result = three_way_merge(base.body, current.body if current else "", body)
        if result.conflicts:
            raise EditConflict(current, result.conflicts)
        body, merged = result.text, True
    if current is not None and body == current.body:
        raise NoChange("Nothing changed, so no new revision was made.")
    title = current.title if current else page.title
    revision = add_revision(session, page, user, title, body, summary, base=current)
    return _finish(session, user, page, revision, expected=page.current_revision_id, merged=merged)


def add_revision(session, page, user, title, body, summary, *, base, live=None):
    """Render under the time budget and add a pending revision; refuse what cannot render."""
    try:
        rendered = links.render_text(session, body, live)
    except RenderRefused as refused:
        raise InvalidInput(str(refused), "body") from None
    revision = Revision(
        page=page, title=title, body=body, summary=summary, author_id=user.id,
        base_revision_id=base.id if base else None, status=RevisionStatus.pending,
    )
    links.store_rendering(revision, rendered)
    session.add(revision)
    session.flush()
    return revision


def _finish(session, user, page, revision, *, expected, merged):
    """Publish a librarian's revision at once; a contributor's waits in the queue."""
    if permissions.publishes_directly(user):
        publish(session, page, revision, expected=expected, reviewer=user)
        audit.record(session, user, "publish", page=page, revision=revision, detail=revision.summary)
    return SaveOutcome(revision, revision.status is RevisionStatus.published, merged)


def publish(session, page, revision, *, expected, reviewer, refresh_links=True):
    """Make `revision` the page's live text: a compare-and-set on the current revision.

    A first publication renders again the pages that link to it, unless the caller does that
    itself for many pages at once (`refresh_links=False`, as an import does).
    """
    swapped = session.execute(
        update(Page)
        .where(
            Page.id == page.id,
            Page.current_revision_id.is_(None) if expected is None
            else Page.current_revision_id == expected,
        )
        .values(current_revision_id=revision.id, title=revision.title)
        .execution_options(synchronize_session=False)
    )
    if swapped.rowcount != 1:
        session.expire(page)
        raise EditConflict(page.current_revision, [])
    first_publication = expected is None
    set_committed_value(page, "current_revision_id", revision.id)
    set_committed_value(page, "current_revision", revision)
    set_committed_value(page, "title", revision.title)
    revision.status = RevisionStatus.published
    revision.published_at = utcnow()
    revision.reviewer_id = reviewer.id
    revision.reviewed_at = revision.published_at
    links.replace_links(session, page, link_targets(revision.body))
    outbox.owe(session, [page.id])
    session.flush()
    if first_publication and refresh_links:
        links.refresh_linking_pages(session, {page.slug})
    audit.bump_generation(session)


def revert(session, user, page, revision_id):
    """Restore an earlier published revision as a new revision (history stays as it was)."""
    permissions.require(permissions.may_revert(user))
    target = get_revision(session, revision_id)
    if target.page_id != page.id or target.status is not RevisionStatus.published:
        raise NotFound("No such published revision of this page.")
    current = page.current_revision
    if target.body == current.body and target.title == current.title:
        raise NoChange("That revision's text is already the current text.")
    revision = Revision(
        page=page, title=current.title, body=target.body, author_id=user.id,
        summary=f"Reverted to revision {target.id}", base_revision_id=current.id,
        status=RevisionStatus.pending,
    )
    links.store_rendering(revision, links.render_text(session, target.body))
    session.add(revision)
    session.flush()
    publish(session, page, revision, expected=current.id, reviewer=user)
    audit.record(session, user, "revert", page=page, revision=revision,
                 detail=f"to revision {target.id}")
    return revision


def rename(session, user, page, *, title, section_id):
    """Rename and/or move a page; the old address redirects to the new one."""
    permissions.require(permissions.may_rename(user))
    title = clean_title(title)
    section = get_section(session, section_id)
    current = page.current_revision
    if current is None:
        raise NotFound("Only published pages can be renamed.")
    old_slug, new_slug = page.slug, slugify(title)
    if title == page.title and section.id == page.section_id:
        raise NoChange("The page already has this title and section.")
    if new_slug != old_slug:
        _check_slug_free(session, new_slug, page)
        session.execute(delete(Redirect).where(Redirect.old_slug == new_slug))
        session.add(Redirect(old_slug=old_slug, page_id=page.id))
        page.slug = new_slug
    if section.id != page.section_id:
        page.section = section
        page.position = 1 + (session.scalar(
            select(func.coalesce(func.max(Page.position), 0)).where(Page.section_id == section.id)
        ))
    if title != current.title:
        revision = Revision(
            page=page, title=title, body=current.body, author_id=user.id,
            summary=f"Renamed from “{current.title}”", base_revision_id=current.id,
            status=RevisionStatus.pending, html=current.html, toc_html=current.toc_html,
            render_version=current.render_version,
        )
        session.add(revision)
        session.flush()
        publish(session, page, revision, expected=current.id, reviewer=user)
    outbox.owe(session, [page.id])
    session.flush()
    links.refresh_linking_pages(session, {old_slug, new_slug})
    audit.bump_generation(session)
    audit.record(session, user, "rename", page=page,
                 detail=f"{old_slug} → {new_slug}, section {section.title}")
    return page


def _check_slug_free(session, slug, page):
    other = session.scalar(select(Page).where(Page.slug == slug, Page.id != page.id))
    if other is not None:
        raise InvalidInput(f"Another page already uses the address /wiki/{slug}.", "title")
    redirect = session.get(Redirect, slug)
    if redirect is not None and redirect.page_id != page.id:
        raise InvalidInput(f"The address /wiki/{slug} redirects to another page.", "title")


def remove(session, user, page, reason):
    """Take a page out of the handbook; its history stays and re-creating it continues it."""
    permissions.require(permissions.may_remove(user))
    reason = clean_summary(reason, field="reason")
    if not reason:
        raise InvalidInput("Say why the page is removed.", "reason")
    current = page.current_revision_id
    if current is None:
        raise NotFound("Only published pages can be removed.")
    swapped = session.execute(
        update(Page).where(Page.id == page.id, Page.current_revision_id == current)
        .values(current_revision_id=None).execution_options(synchronize_session=False)
    )
    if swapped.rowcount != 1:
        raise EditConflict(page.current_revision, [])
    set_committed_value(page, "current_revision_id", None)
    set_committed_value(page, "current_revision", None)
    links.replace_links(session, page, set())
    outbox.owe(session, [page.id])
    redirects = session.scalars(select(Redirect.old_slug).where(Redirect.page_id == page.id)).all()
    session.flush()
    links.refresh_linking_pages(session, {page.slug, *redirects})
    audit.bump_generation(session)
    audit.record(session, user, "remove", page=page, revision=session.get(Revision, current),
                 detail=reason)
