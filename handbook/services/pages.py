"""Creating, editing, reverting, renaming and removing pages; every change is a new revision.

Each function checks and renders first, then calls `db.begin_write` and writes: on SQLite no
text is ever rendered while the write lock is held.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from handbook import changes
from handbook import db
from handbook import permissions
from handbook import text_passages
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
from handbook.services import audit
from handbook.services import events
from handbook.services import freshness
from handbook.services import links
from handbook.services import media
from handbook.services import protection
from handbook.services import reading
from handbook.services import titles
from handbook.services import trust
from handbook.services import watching
from handbook.services import workflow
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.errors import TextRefused
from handbook.services.validation import clean_body
from handbook.services.validation import clean_summary

#: a second identical proposal (same author, page, base and text) within this time is the first
DUPLICATE_WINDOW = timedelta(minutes=10)
BAD_BASE = "The edit names a starting version that is not a published version of this page."
TAKEN = "That title is not available; choose another."
PROTECTED = ("Only librarians change this page. To suggest a change, write to a librarian"
             " (see the page “The librarian role”).")


MAX_TAGS = 12
MAX_TAG_CHARS = 40


@dataclass(frozen=True)
class Details:
    """The page's tags and summary as an edit sets them; None where it leaves them."""

    tags: list | None = None
    summary: str | None = None

    def changed(self, page):
        """What publishing these would change on the page: {"tags" or "summary": (now, new)}."""
        found = {}
        if self.tags is not None and list(self.tags) != list(page.tags or []):
            found["tags"] = (list(page.tags or []), list(self.tags))
        if self.summary is not None and self.summary != (page.summary or ""):
            found["summary"] = (page.summary or "", self.summary)
        return found

    def change(self, page):
        """Whether publishing these would change the page."""
        return bool(self.changed(page))


def details_of(revision):
    """The details a revision sets, to carry into the revision that publishes it."""
    return Details(revision.tags, revision.page_summary)


def details(page, tags_text, summary):
    """Details from the editor's fields: "a, b" for tags; only what differs from the page's
    own (a new page, `page` None, sets whatever was given)."""
    tags = []
    for tag in (tags_text or "").split(","):
        tag = " ".join(tag.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS or not tag.isprintable():
            raise InvalidInput(f"A tag is a word or two, at most {MAX_TAG_CHARS} characters.", "tags")
        if tag.casefold() not in {kept.casefold() for kept in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"Give a page at most {MAX_TAGS} tags.", "tags")
    summary = clean_summary(summary or "", 500, "page_summary")
    if page is None:
        return Details(tags, summary)
    return Details(tags if tags != list(page.tags or []) else None,
                   summary if summary != (page.summary or "") else None)


@dataclass
class SaveOutcome:
    """What a save did: the revision, whether it went live, whether it was merged, and
    whether it was an identical resubmission of a proposal already waiting."""

    revision: Revision
    published: bool
    merged: bool
    duplicate: bool = False


def get_revision(session, revision_id):
    revision = session.get(Revision, revision_id) if revision_id else None
    if revision is None:
        raise NotFound("No such revision.")
    return revision


def get_section(session, section_id):
    section = session.get(Section, section_id)
    if section is None:
        raise NotFound("No such section.")
    return section


#: an image whose description (its alt text) is missing or empty
_UNDESCRIBED_IMAGE = re.compile(r'<img(?![^>]*\balt="[^"]*[^"\s])[^>]*>')
UNDESCRIBED = ("Describe each image in words, between the brackets of ![…](…): readers who"
               " cannot see it are given that text instead.")


def render(session, renderer, body):
    """The rendering of a text to be saved, or InvalidInput saying why it cannot be."""
    try:
        rendered = links.render_text(session, renderer, body)
    except RenderRefused as refused:
        raise TextRefused(str(refused)) from None
    if _UNDESCRIBED_IMAGE.search(rendered.html):
        raise InvalidInput(UNDESCRIBED, "body")
    return rendered


def create_page(session, user, *, section_id, title, body, summary="", renderer, details=None):
    """Propose a new page (contributors) or publish it (librarians)."""
    permissions.require(permissions.may_edit(user))
    title = titles.normalise(title)
    body = clean_body(body)
    summary = clean_summary(summary) or "New page"
    section = get_section(session, section_id)
    permissions.require(permissions.may_propose(user, section.protection), PROTECTED)
    trusted = _trusted(session, user, section)
    rendered = render(session, renderer, body)
    db.begin_write(session)
    page = _claim_slug(session, user, title, section)
    revision = add_revision(session, page, user, title, body, summary, base=None, rendered=rendered,
                            details=details)
    return _finish(session, user, page, revision, expected=None, merged=False, trusted=trusted)


def _trusted(session, user, section):
    """Whether the author is trusted in `section`; refuses a throttled author at their limit."""
    standing = trust.check_may_open(session, user, section)
    return standing is not None and standing.trusted


def _claim_slug(session, user, title, section):
    """A page row for a new title: refuse a title in use, reuse an abandoned proposal's row."""
    key = slugify(title)
    existing = page_at_key(session, key)
    if existing is not None and existing.is_published:
        raise InvalidInput(f"A page called “{existing.title}” already exists.", "title")
    titles.refuse_look_alike(title, session.scalars(
        select(Page.title).where(Page.current_revision_id.is_not(None))))
    page = session.scalar(select(Page).where(Page.slug == key))
    if page is not None and page.is_published:
        raise InvalidInput(f"A page called “{page.title}” already exists.", "title")
    if page is not None:
        proposers = set(session.scalars(select(Revision.author_id).where(
            Revision.page_id == page.id, Revision.status.in_(workflow.OPEN))))
        if user.id in proposers:
            raise InvalidInput("You have already proposed a page with this title: continue it"
                               " from My proposals.", "title")
        if proposers:
            raise InvalidInput(TAKEN, "title")
        page.title, page.title_key, page.section = title, key, section
        return page
    session.execute(delete(Redirect).where(Redirect.old_slug == key))
    position = session.scalar(
        select(func.coalesce(func.max(Page.position), 0)).where(Page.section_id == section.id)
    )
    page = Page(slug=key, title=title, title_key=key, section=section, position=position + 1, tags=[])
    session.add(page)
    session.flush()
    return page


def page_at_key(session, key):
    """The page a wiki-link key leads to (published or not): by slug, title, or old slug."""
    page = session.scalar(select(Page).where(Page.slug == key))
    if page is None:
        page = session.scalar(select(Page).where(Page.title_key == key,
                                                 Page.current_revision_id.is_not(None)).limit(1))
    if page is None:
        redirect = session.get(Redirect, key)
        page = session.get(Page, redirect.page_id) if redirect else None
    return page


def save_edit(session, user, page, *, body, summary="", base_revision_id, renderer,
              details=None):
    """Edit a page from `base_revision_id`; merge with changes since, or raise EditConflict.
    `details` are the page's tags and summary the edit sets (None: as they are)."""
    details = details or Details()
    permissions.require(permissions.may_propose(user, page.effective_protection), PROTECTED)
    body = clean_body(body)
    summary = clean_summary(summary)
    base = published_base(session, page, base_revision_id)
    current = page.current_revision
    merged = False
    if base is not None and base.id != page.current_revision_id:
        result = three_way_merge(base.body, current.body if current else "", body)
        if result.conflicts:
            raise EditConflict(current, result.conflicts)
        body, merged = result.text, True
    if current is not None and body == current.body and not details.change(page):
        raise NoChange("Nothing changed, so no new revision was made.")
    trusted = _trusted(session, user, page.section)
    rendered = render(session, renderer, body)
    db.begin_write(session)
    lock_page(session, page)
    if not permissions.publishes_directly(user, page.effective_protection, trusted):
        duplicate = _same_proposal(session, user, page, body)
        if duplicate is not None:
            return SaveOutcome(duplicate, False, merged, duplicate=True)
    title = current.title if current else page.title
    revision = add_revision(session, page, user, title, body, summary, base=current,
                            rendered=rendered, details=details)
    return _finish(session, user, page, revision, expected=page.current_revision_id, merged=merged,
                   trusted=trusted)


NO_SECTION = "That section is not in the version you started from: edit the whole page instead."


def section_text(page, anchor):
    """The current text of the page's section under the heading with `anchor`, or None."""
    current = page.current_revision
    passage = text_passages.find(current.body, current.html, anchor) if current else None
    return text_passages.passage_text(current.body, passage) if passage else None


def with_section(session, page, base_revision_id, anchor, section_body):
    """The whole text that an edit of one section makes: the text it started from, with the
    section under `anchor` replaced (saved like any edit, so changes since are merged)."""
    base = published_base(session, page, base_revision_id)
    passage = text_passages.find(base.body, base.html, anchor) if base else None
    if passage is None:
        raise InvalidInput(NO_SECTION)
    return text_passages.replace(base.body, passage, clean_body(section_body))


def published_base(session, page, base_revision_id):
    """The published revision of `page` an edit started from (None for a new page's text)."""
    if base_revision_id is None and page.current_revision_id is None:
        return None
    base = session.get(Revision, base_revision_id) if base_revision_id else None
    if base is None or base.page_id != page.id or base.status is not RevisionStatus.published:
        raise InvalidInput(BAD_BASE)
    return base


def lock_page(session, page):
    """Serialise writers of one page (PostgreSQL; SQLite's write lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Page.id).where(Page.id == page.id).with_for_update())


def _same_proposal(session, user, page, body):
    """A pending proposal of the user's with this base and text, made moments ago."""
    return session.scalar(
        select(Revision).where(
            Revision.page_id == page.id, Revision.author_id == user.id,
            Revision.status == RevisionStatus.pending,
            Revision.base_revision_id.is_(None) if page.current_revision_id is None
            else Revision.base_revision_id == page.current_revision_id,
            Revision.body == body, Revision.created_at >= utcnow() - DUPLICATE_WINDOW,
        ).limit(1)
    )


def add_revision(session, page, user, title, body, summary, *, base, rendered, details=None):
    """Add a pending revision with its kept rendering (done before the write began); `details`
    are the page's tags and summary it sets (a Details; None leaves them)."""
    details = details or Details()
    revision = Revision(
        page=page, title=title, body=body, summary=summary, author_id=user.id,
        base_revision_id=base.id if base else None, status=RevisionStatus.pending,
        tags=details.tags, page_summary=details.summary,
    )
    links.store_rendering(revision, rendered)
    session.add(revision)
    session.flush()
    return revision


def _finish(session, user, page, revision, *, expected, merged, trusted=False):
    """Publish a librarian's revision at once, and a trusted contributor's (which then waits
    for patrol); any other waits in the queue (and its author watches the page, by their
    settings)."""
    if permissions.publishes_directly(user, page.effective_protection, trusted):
        revision.unpatrolled = not permissions.is_librarian(user)
        publish(session, page, revision, expected=expected, reviewer=user)
        audit.record(session, user, "publish", page=page, revision=revision, detail=revision.summary)
    else:
        proposal_sent(session, user, page, revision)
        if permissions.is_librarian(user):  # a two-approvals page: theirs is the first
            protection.record_approval(session, user, revision)
    return SaveOutcome(revision, revision.status is RevisionStatus.published, merged)


def proposal_sent(session, user, page, revision):
    """A new pending proposal: librarians hear of it, its author watches the page."""
    watching.watch_own_proposal(session, user, page)
    events.new_proposal(session, revision)


def publish(session, page, revision, *, expected, reviewer, action="publish"):
    """Make `revision` the page's live text: a compare-and-set on the current revision."""
    _make_current(session, page, revision, expected)
    now = utcnow()
    workflow.move(session, revision, action, published_at=now, reviewer_id=reviewer.id,
                  reviewed_at=now)
    if freshness.counts_as_review(reviewer):
        freshness.note_review(page, reviewer, now)
    if revision.render_version != links.rendering.RENDER_VERSION or action == "approve":
        changes.rendering_owed(session, page.id)
    events.watched_change(session, page, revision, reviewer)


def show_instead(session, page, revision, *, expected):
    """Make an earlier published `revision` the page's live text again, without a new
    revision (when the current one is hidden)."""
    _make_current(session, page, revision, expected)
    if revision.render_version != links.rendering.RENDER_VERSION:
        changes.rendering_owed(session, page.id)


def _make_current(session, page, revision, expected):
    """Compare-and-set the page's current revision, and declare what that changes."""
    swapped = session.execute(
        update(Page)
        .where(
            Page.id == page.id,
            Page.current_revision_id.is_(None) if expected is None
            else Page.current_revision_id == expected,
        )
        .values(current_revision_id=revision.id, title=revision.title,
                title_key=slugify(revision.title))
        .execution_options(synchronize_session=False)
    )
    if swapped.rowcount != 1:
        session.expire(page)
        raise EditConflict(page.current_revision, [])
    old_key, old_title = page.title_key, page.title
    set_committed_value(page, "current_revision_id", revision.id)
    set_committed_value(page, "current_revision", revision)
    set_committed_value(page, "title", revision.title)
    set_committed_value(page, "title_key", slugify(revision.title))
    links.replace_links(session, page, link_targets(revision.body))
    changes.page_changed(session, page.id, placed=expected is None or old_title != revision.title)
    if expected is None:
        changes.addresses_changed(session, links.addresses_of(session, page))
    elif old_key != page.title_key:
        changes.addresses_changed(session, {old_key, page.title_key})
    changes.rebase_owed(session, page.id)
    media.publish_used(session, revision.body)
    _apply_details(session, page, revision)


def _apply_details(session, page, revision):
    """A published revision that sets the page's tags or summary sets them now."""
    if revision.tags is not None and list(revision.tags) != list(page.tags or []):
        page.tags = list(revision.tags)
        changes.page_changed(session, page.id)
    if revision.page_summary is not None and revision.page_summary != page.summary:
        page.summary = revision.page_summary
        changes.page_changed(session, page.id, placed=True)  # its section lists the summary


def revert(session, user, page, revision_id, *, renderer):
    """Restore an earlier published revision as a new revision (history stays as it was)."""
    permissions.require(permissions.may_revert(user))
    target = session.get(Revision, revision_id)
    if target is None or target.page_id != page.id or target.status is not RevisionStatus.published:
        raise NotFound("No such published revision of this page.")
    if target.text_hidden:
        raise InvalidInput("That revision's text is hidden, so it cannot be restored.")
    current = page.current_revision
    if target.body == current.body and target.title == current.title:
        raise NoChange("That revision's text is already the current text.")
    try:
        rendered = links.render_text(session, renderer, target.body)
    except RenderRefused:
        rendered = None  # it rendered once: keep that rendering and try again after the commit
    db.begin_write(session)
    revision = restore(session, user, page, target, rendered=rendered)
    audit.record(session, user, "revert", page=page, revision=revision,
                 detail=f"to revision {target.id}")
    return revision


def restore(session, user, page, target, *, rendered=None,
            summary="Reverted to revision {target}"):
    """Publish `target`'s text again as a new revision (inside the caller's write), with a
    fresh rendering or, without one, the target's own until it is rendered again."""
    current = page.current_revision
    revision = Revision(
        page=page, title=current.title, body=target.body, author_id=user.id,
        summary=summary.format(target=reading.number_in_history(session, target)),
        base_revision_id=current.id,
        status=RevisionStatus.pending, html=target.html, toc_html=target.toc_html,
        render_version=target.render_version,
    )
    if rendered is not None:
        links.store_rendering(revision, rendered)
    else:
        changes.rendering_owed(session, page.id)
    session.add(revision)
    session.flush()
    publish(session, page, revision, expected=current.id, reviewer=user)
    return revision


def rename(session, user, page, *, title, section_id):
    """Rename and/or move a page; the old address redirects to the new one."""
    permissions.require(permissions.may_rename(user))
    title = titles.normalise(title)
    section = get_section(session, section_id)
    current = page.current_revision
    if current is None:
        raise NotFound("Only published pages can be renamed.")
    old_slug, new_slug = page.slug, slugify(title)
    if title == page.title and section.id == page.section_id:
        raise NoChange("The page already has this title and section.")
    db.begin_write(session)
    old_addresses = links.addresses_of(session, page)
    if new_slug != old_slug:
        _check_slug_free(session, new_slug, page)
        titles.refuse_look_alike(title, session.scalars(
            select(Page.title).where(Page.current_revision_id.is_not(None), Page.id != page.id)))
        session.execute(delete(Redirect).where(Redirect.old_slug == new_slug))
        session.add(Redirect(old_slug=old_slug, page_id=page.id))
        page.slug = new_slug
    if section.id != page.section_id:
        page.section = section
        page.position = 1 + (session.scalar(
            select(func.coalesce(func.max(Page.position), 0)).where(Page.section_id == section.id)
        ))
    session.flush()
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
    changes.page_changed(session, page.id, placed=True)
    changes.addresses_changed(session, old_addresses | links.addresses_of(session, page))
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
    """Take a page out of the handbook; its history stays and re-creating it continues it.
    Proposals waiting on it are withdrawn, and their authors told why."""
    permissions.require(permissions.may_remove(user))
    reason = clean_summary(reason, field="reason")
    if not reason:
        raise InvalidInput("Say why the page is removed.", "reason")
    if page.current_revision_id is None:
        raise NotFound("Only published pages can be removed.")
    db.begin_write(session)
    audit.record(session, user, "remove", page=page, revision=page.current_revision,
                 detail=reason)
    take_down(session, user, page, reason)


def take_down(session, user, page, reason):
    """Unpublish the page (inside the caller's write) and withdraw the proposals on it."""
    current = page.current_revision_id
    swapped = session.execute(
        update(Page).where(Page.id == page.id, Page.current_revision_id == current)
        .values(current_revision_id=None).execution_options(synchronize_session=False)
    )
    if swapped.rowcount != 1:
        raise EditConflict(page.current_revision, [])
    set_committed_value(page, "current_revision_id", None)
    set_committed_value(page, "current_revision", None)
    links.replace_links(session, page, set())
    changes.page_changed(session, page.id, placed=True)
    changes.addresses_changed(session, links.addresses_of(session, page))
    for proposal in session.scalars(select(Revision).where(
            Revision.page_id == page.id, Revision.status.in_(workflow.OPEN))).all():
        workflow.move(session, proposal, "withdraw", reason=f"The page was removed: {reason}",
                      reviewer_id=user.id, reviewed_at=utcnow())
        events.proposal_withdrawn(session, proposal, user, f"The page was removed: {reason}")
