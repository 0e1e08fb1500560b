"""The patrol queue: edits that trusted contributors published at once, waiting for a
librarian of the section to look them over afterwards ("mark patrolled", or revert)."""

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from handbook import db
from handbook import permissions
from handbook.models import Page
from handbook.models import Revision
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import pages
from handbook.services import queues
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NotFound


#: edits shown at once in the patrol queue (each with its diff)
PAGE_SIZE = 50


def queue(session, librarian, limit=PAGE_SIZE):
    """The oldest unpatrolled edits in the librarian's sections."""
    return session.scalars(queues.in_sections(
        select(Revision).join(Page, Page.id == Revision.page_id).where(Revision.unpatrolled),
        librarian)
        .options(joinedload(Revision.page), joinedload(Revision.author))
        .order_by(Revision.published_at, Revision.id).limit(limit)).all()


def get_edit(session, librarian, revision_id):
    """An edit awaiting patrol that this librarian may patrol, or NotFound."""
    revision = session.get(Revision, revision_id)
    if revision is None or not revision.unpatrolled:
        raise NotFound("No such edit waiting for patrol.")
    permissions.require(permissions.may_patrol(librarian, revision.page.section_id))
    return revision


def mark_patrolled(session, librarian, revision, *, action="patrol"):
    """Take the edit out of the patrol queue (compare-and-set: once); audited."""
    permissions.require(permissions.may_patrol(librarian, revision.page.section_id))
    db.begin_write(session)
    marked = session.execute(
        update(Revision).where(Revision.id == revision.id, Revision.unpatrolled)
        .values(unpatrolled=False, patrolled_by_id=librarian.id, patrolled_at=utcnow())
        .execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        raise InvalidTransition("Another librarian patrolled this edit a moment ago.")
    set_committed_value(revision, "unpatrolled", False)
    if action == "patrol":
        audit.record(session, librarian, "patrol", page=revision.page, revision=revision)


def revert(session, librarian, revision, *, renderer):
    """Undo a patrolled edit: restore the text before it (while it is still the current text)
    and mark it patrolled, in one transaction."""
    page = revision.page
    if page.current_revision_id != revision.id or revision.base_revision_id is None:
        raise InvalidTransition("The page has changed since this edit: revert it from the"
                                " page's history instead.")
    pages.revert(session, librarian, page, revision.base_revision_id, renderer=renderer)
    mark_patrolled(session, librarian, revision, action="revert")
