"""What readers, contributors and librarians look at: queries shaped for the views."""

from dataclasses import dataclass

from datetime import timedelta

from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload

from handbook import permissions
from handbook.diffing import change_size
from handbook.models import AuditEntry
from handbook.models import Comment
from handbook.models import CommentState
from handbook.models import Link
from handbook.models import Page
from handbook.models import Protection
from handbook.models import Redirect
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Section
from handbook.models import User
from handbook.models import Watch
from handbook.models import utcnow
from handbook.rendering import slugify
from handbook.services import claims
from handbook.services import links
from handbook.services import workflow
from handbook.services.errors import NotFound


@dataclass
class PageView:
    """Everything the page view shows, gathered in four queries."""

    page: Page
    revision: Revision
    section: Section
    author: User
    reviewer: User | None
    #: the librarian who last reviewed the page (Page.reviewed_at says when)
    checked_by: User | None
    pending: int
    #: published comments in its discussion
    comments: int
    backlinks: list
    previous: tuple | None
    next: tuple | None
    #: the handbook's tree beside the text: every section, and this section's published pages
    sections: list
    siblings: list


@dataclass
class Neighbour:
    """The previous or next page in the section."""

    slug: str
    title: str


@dataclass
class Moved:
    """The slug was renamed: answer with a redirect to `slug`."""

    slug: str


def _pending_subquery(page_id_column):
    pending = aliased(Revision)
    return (
        select(func.count(pending.id))
        .where(pending.page_id == page_id_column, pending.status == RevisionStatus.pending)
        .scalar_subquery()
    )


# The page view's three statements, built once: a page view is the hot path.
_AUTHOR = aliased(User)
_REVIEWER = aliased(User)
_CHECKER = aliased(User)
_COMMENTS = (select(func.count(Comment.id))
             .where(Comment.page_id == Page.id, Comment.state == CommentState.published)
             .scalar_subquery())
_PAGE = (
    select(Page, Revision, Section, _AUTHOR, _REVIEWER, _CHECKER, _pending_subquery(Page.id),
           _COMMENTS)
    .join(Revision, Revision.id == Page.current_revision_id)
    .join(Section, Section.id == Page.section_id)
    .join(_AUTHOR, _AUTHOR.id == Revision.author_id)
    .outerjoin(_REVIEWER, _REVIEWER.id == Revision.reviewer_id)
    .outerjoin(_CHECKER, _CHECKER.id == Page.reviewed_by_id)
    .where(Page.slug == bindparam("slug"))
)
_BACKLINKS = (
    select(Page.slug, Page.title)
    .join(Link, Link.source_page_id == Page.id)
    .where(
        Page.current_revision_id.is_not(None),
        Page.id != bindparam("page_id"),
        Link.target_slug.in_(
            select(Redirect.old_slug).where(Redirect.page_id == bindparam("page_id"))
            .union_all(select(bindparam("slug")), select(bindparam("title_key")))
        ),
    )
    .distinct()
    .order_by(Page.title)
)
#: the section's published pages in order, and (in the same statement) every section
_TREE = union_all(
    select(literal(0).label("kind"), Section.slug, Section.title, Section.position, Section.id),
    select(literal(1), Page.slug, Page.title, Page.position, Page.id)
    .where(Page.section_id == bindparam("section_id"), Page.current_revision_id.is_not(None)),
).order_by("kind", "position", "id")


def page_view(session, slug):
    """The published page at `slug`, a Moved for an old slug, or NotFound."""
    row = session.execute(_PAGE, {"slug": slug}).first()
    if row is None:
        return _moved_or_missing(session, slug)
    page, revision, section, author, reviewer, checked_by, pending, comment_count = row
    backlinks = session.execute(
        _BACKLINKS, {"page_id": page.id, "slug": page.slug, "title_key": page.title_key}).all()
    tree = session.execute(_TREE, {"section_id": section.id}).all()
    every_section = [Neighbour(row.slug, row.title) for row in tree if row.kind == 0]
    siblings = [row for row in tree if row.kind == 1]  # rows have .slug and .title too
    here = next(number for number, sibling in enumerate(siblings) if sibling.slug == page.slug)
    return PageView(
        page=page, revision=revision, section=section, author=author,
        reviewer=reviewer if reviewer is not None and reviewer.id != author.id else None,
        checked_by=checked_by, pending=pending, comments=comment_count, backlinks=backlinks,
        previous=siblings[here - 1] if here > 0 else None,
        next=siblings[here + 1] if here + 1 < len(siblings) else None,
        sections=every_section, siblings=siblings,
    )


#: what a member's view of a kept page adds to it (member_pages), in one statement
_ACTIONS = (
    select(Page.slug, Page.section_id, Page.protection, Section.protection, Revision.title,
           _pending_subquery(Page.id),
           exists().where(Watch.page_id == Page.id, Watch.user_id == bindparam("user_id")))
    .join(Revision, Revision.id == Page.current_revision_id)
    .join(Section, Section.id == Page.section_id)
    .where(Page.slug == bindparam("slug"))
)


@dataclass
class PageActions:
    """What a page's actions and notices need (as a Page would give it), for one account."""

    slug: str
    section_id: int
    effective_protection: Protection
    title: str
    pending: int
    watching: bool


def page_actions(session, slug, user):
    """The published page at `slug`, for its actions and notices as `user` sees them; None when
    there is none."""
    row = session.execute(_ACTIONS, {"slug": slug, "user_id": user.id}).first()
    if row is None:
        return None
    slug, section_id, protection, section_protection, title, pending, watching = row
    return PageActions(slug=slug, section_id=section_id,
                       effective_protection=Protection.effective(protection, section_protection),
                       title=title, pending=pending, watching=watching)


def _moved_or_missing(session, slug):
    """An old slug, or a title's key ([[Title]] links), answers with the page's address."""
    target = session.scalar(
        select(Page.slug).join(Redirect, Redirect.page_id == Page.id).where(Redirect.old_slug == slug)
    ) or session.scalar(
        select(Page.slug).where(Page.title_key == slug, Page.current_revision_id.is_not(None)).limit(1)
    )
    if target is None:
        raise NotFound("There is no page here.")
    return Moved(target)


def find_page(session, slug):
    """The page row at `slug`, published or not (permissions decide who sees it)."""
    page = session.scalar(select(Page).where(Page.slug == slug))
    if page is None:
        redirect = session.get(Redirect, slug)
        if redirect is not None:
            return Moved(session.get(Page, redirect.page_id).slug)
        raise NotFound("There is no page here.")
    return page


def own_pending_proposal(session, user, page):
    """The user's newest open proposal on `page` (pending, or waiting for them), if any."""
    return session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.author_id == user.id,
                               Revision.status.in_(workflow.OPEN))
        .order_by(Revision.id.desc()).limit(1)
    )


def published_page_titled(session, title):
    """The published page a wiki link with this text leads to, or None."""
    slug = links.live_targets(session, {slugify(title)}).get(slugify(title))
    return session.scalar(select(Page).where(Page.slug == slug)) if slug else None


def proposer_ids(session, page):
    """Authors of the open proposals on a page."""
    return set(session.scalars(
        select(Revision.author_id).where(
            Revision.page_id == page.id, Revision.status.in_(workflow.OPEN)
        )
    ))


def contents(session):
    """Sections in order, each with its published pages in order."""
    sections = session.scalars(select(Section).order_by(Section.position, Section.id)).all()
    pages = session.scalars(
        select(Page).where(Page.current_revision_id.is_not(None)).order_by(Page.position, Page.id)
    ).all()
    by_section = {section.id: [] for section in sections}
    for page in pages:
        by_section[page.section_id].append(page)
    return [(section, by_section[section.id]) for section in sections]


def history(session, page, number, size):
    """One page of the published revisions, newest first, and the total count."""
    query = (
        select(Revision)
        .options(joinedload(Revision.author), joinedload(Revision.reviewer))
        .where(Revision.page_id == page.id, Revision.status == RevisionStatus.published)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    revisions = session.scalars(
        query.order_by(Revision.published_at.desc(), Revision.id.desc())
        .limit(size).offset((number - 1) * size)
    ).all()
    return revisions, total


@dataclass
class Place:
    """A published revision's place in its page's history: its number (1 for the first),
    its length in characters and the change in length from the one before."""

    number: int
    length: int
    change: int


def places_in_history(session, page):
    """{revision id: Place} for every published revision of the page (one query)."""
    return places_on_pages(session, [page.id])


def number_in_history(session, revision):
    """A published revision's number in its page's history (1 for the first), in the order
    places_on_pages counts them (published time, then id)."""
    earlier = session.scalar(select(func.count()).select_from(Revision).where(
        Revision.page_id == revision.page_id, Revision.status == RevisionStatus.published,
        or_(Revision.published_at < revision.published_at,
            and_(Revision.published_at == revision.published_at, Revision.id < revision.id))))
    return earlier + 1


def places_on_pages(session, page_ids):
    """{revision id: Place} for every published revision of these pages (one query)."""
    rows = session.execute(
        select(Revision.id, Revision.page_id, func.length(Revision.body))
        .where(Revision.page_id.in_(set(page_ids)), Revision.status == RevisionStatus.published)
        .order_by(Revision.published_at, Revision.id)).all()
    places, numbers, before = {}, {}, {}
    for revision_id, page_id, length in rows:
        numbers[page_id] = numbers.get(page_id, 0) + 1
        places[revision_id] = Place(numbers[page_id], length, length - before.get(page_id, 0))
        before[page_id] = length
    return places


def previous_published(session, revision, *, hidden_too=False):
    """The published revision before `revision` on its page (what it changed), or None;
    revisions whose text is hidden are passed over unless `hidden_too`."""
    query = select(Revision).where(
        Revision.page_id == revision.page_id,
        Revision.status == RevisionStatus.published,
        Revision.id < revision.id,
    )
    if not hidden_too:
        query = query.where(Revision.text_hidden.is_(False))
    return session.scalar(query.order_by(Revision.id.desc()).limit(1))


def recent_changes(session, limit=50, section_id=None):
    """The newest published revisions across the handbook, or in one section."""
    query = (
        select(Revision)
        .join(Page, Page.id == Revision.page_id)
        .options(joinedload(Revision.author), joinedload(Revision.page),
                 joinedload(Revision.reviewer))
        .where(Revision.status == RevisionStatus.published, Page.current_revision_id.is_not(None))
    )
    if section_id is not None:
        query = query.where(Page.section_id == section_id)
    return session.scalars(
        query.order_by(Revision.published_at.desc(), Revision.id.desc()).limit(limit)).all()


def contributions(session, user, limit=100):
    """A person's published revisions, newest first."""
    return session.scalars(
        select(Revision)
        .join(Page, Page.id == Revision.page_id)
        .options(joinedload(Revision.page))
        .where(Revision.author_id == user.id, Revision.status == RevisionStatus.published,
               Page.current_revision_id.is_not(None))
        .order_by(Revision.published_at.desc())
        .limit(limit)
    ).all()


def my_proposals(session, user):
    """Everything `user` sent for review, with its state, newest first (a merged proposal
    once: not also as the revision that carried it)."""
    merged = aliased(Revision)
    carried = select(merged.id).where(merged.merged_into_id == Revision.id).exists()
    return session.scalars(
        select(Revision)
        .options(joinedload(Revision.page), joinedload(Revision.reviewer))
        .where(
            Revision.author_id == user.id,
            or_(Revision.status != RevisionStatus.published, Revision.reviewer_id != user.id),
            ~carried,
        )
        .order_by(Revision.created_at.desc(), Revision.id.desc())
    ).all()


@dataclass
class QueueItem:
    revision: Revision
    added: int
    removed: int
    stale: bool
    #: the librarian whose claim has not lapsed, or None
    claimed_by: User | None = None

    @property
    def kind(self):
        return "new" if self.revision.base_revision_id is None else "edit"

    @property
    def state(self):
        return "rebased" if self.revision.rebased_from_id else "pending"


@dataclass
class Queue:
    """The proposals a librarian sees, with how many each filter would show."""

    items: list
    total: int
    counts: dict


#: what the queue may be filtered by: name -> (value of an item, the values offered)
QUEUE_FILTERS = ("section", "kind", "age", "state", "claim", "author")
QUEUE_SORTS = ("oldest", "newest", "smallest")


def review_queue(session, text="", *, librarian=None, mine=True, filters=None, sort="oldest"):
    """Pending proposals (in the librarian's sections unless `mine` is off), with the size of
    each change, narrowed by `text` and `filters` ({name: value}), sorted; counts per filter
    value are over the items the other filters leave."""
    query = (
        select(Revision)
        .options(
            joinedload(Revision.page).joinedload(Page.current_revision),
            joinedload(Revision.page).joinedload(Page.section),
            joinedload(Revision.author),
            joinedload(Revision.base_revision),
            joinedload(Revision.claimed_by),
        )
        .where(Revision.status == RevisionStatus.pending)
        .order_by(Revision.created_at, Revision.id)
    )
    if librarian is not None and mine and not permissions.reviews_every_section(librarian):
        query = query.join(Page, Page.id == Revision.page_id).where(
            Page.section_id.in_([section.id for section in librarian.review_sections]))
    for word in text.split()[:10]:
        query = query.where(or_(*(column.icontains(word, autoescape=True) for column in (
            Revision.body, Revision.summary, Revision.title))))
    items = []
    for revision in session.scalars(query).unique():
        base = revision.base_revision.body if revision.base_revision else ""
        added, removed = change_size(base, revision.body)
        stale = revision.base_revision_id != revision.page.current_revision_id
        items.append(QueueItem(revision, added, removed, stale, claims.holder(revision)))
    filters = {name: value for name, value in (filters or {}).items() if value}
    facets = [(item, {name: _facet(item, name, librarian) for name in QUEUE_FILTERS})
              for item in items]
    counts = {name: {} for name in QUEUE_FILTERS}
    for item, facet in facets:
        for name in QUEUE_FILTERS:
            if all(facet[other] == value for other, value in filters.items() if other != name):
                counts[name][facet[name]] = counts[name].get(facet[name], 0) + 1
    shown = [item for item, facet in facets
             if all(facet[name] == value for name, value in filters.items())]
    if sort == "newest":
        shown.reverse()
    elif sort == "smallest":
        shown.sort(key=lambda item: (item.added + item.removed, item.revision.id))
    return Queue(shown, len(items), counts)


def _facet(item, name, librarian):
    if name == "section":
        return item.revision.page.section.slug
    if name == "author":
        return item.revision.author.name
    if name == "age":
        waited = utcnow() - item.revision.created_at
        return "day" if waited < timedelta(days=1) else "week" if waited < timedelta(days=7) else "older"
    if name == "claim":
        if item.claimed_by is None:
            return "unclaimed"
        return "mine" if librarian is not None and item.claimed_by.id == librarian.id else "others"
    return getattr(item, name)


def audit_log(session, number, size=100):
    entries = session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor), joinedload(AuditEntry.page),
                 joinedload(AuditEntry.target_user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(size).offset((number - 1) * size)
    ).all()
    total = session.scalar(select(func.count(AuditEntry.id)))
    return entries, total


def users(session):
    return session.scalars(
        select(User).where(User.is_system.is_(False)).order_by(User.name_key)
    ).all()


def sections(session):
    return session.scalars(select(Section).order_by(Section.position, Section.id)).all()
