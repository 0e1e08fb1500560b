"""The review workflow: the allowed transitions and one function for each."""

from sqlalchemy import update

from handbook import permissions
from handbook.diffing import three_way_merge
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import pages
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.validation import MAX_REASON_CHARS
from handbook.services.validation import clean_body
from handbook.services.validation import clean_summary

#: (from, action) -> to: the only moves a proposal can make; all start from pending.
TRANSITIONS = {
    (RevisionStatus.pending, "approve"): RevisionStatus.published,
    (RevisionStatus.pending, "merge"): RevisionStatus.merged,
    (RevisionStatus.pending, "reject"): RevisionStatus.rejected,
    (RevisionStatus.pending, "withdraw"): RevisionStatus.withdrawn,
    (RevisionStatus.pending, "amend"): RevisionStatus.superseded,
}


def _transition(session, revision, action, **fields):
    """Move a proposal by compare-and-set on its status, so two decisions cannot both win."""
    target = TRANSITIONS.get((revision.status, action))
    if target is None:
        raise InvalidTransition(f"This proposal is already {revision.status.value}.")
    moved = session.execute(
        update(Revision)
        .where(Revision.id == revision.id, Revision.status == revision.status)
        .values(status=target, **fields)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise InvalidTransition("Someone decided this proposal a moment ago.")
    session.expire(revision)


def get_proposal(session, user, revision_id):
    """A proposal that `user` may see: their own, or any for a librarian; else NotFound."""
    revision = session.get(Revision, revision_id)
    if revision is None or not permissions.may_view_revision(user, revision):
        raise NotFound("No such proposal.")
    return revision


def approve(session, librarian, revision_id):
    """Publish a pending proposal; a stale one is merged onto the current text first."""
    permissions.require(permissions.may_review(librarian))
    proposal = get_proposal(session, librarian, revision_id)
    page = proposal.page
    if proposal.status is not RevisionStatus.pending:
        raise InvalidTransition(f"This proposal is already {proposal.status.value}.")
    if proposal.base_revision_id == page.current_revision_id:
        _transition(session, proposal, "approve")
        pages.publish(session, page, proposal, expected=page.current_revision_id, reviewer=librarian)
        published = proposal
    else:
        published = _merge_onto_current(session, librarian, proposal)
    audit.record(session, librarian, "approve", page=page, revision=published,
                 target_user=proposal.author, detail=f"proposal {proposal.id}")
    return published


def _merge_onto_current(session, librarian, proposal):
    """Publish proposal ∪ changes since its base as a new revision, or raise EditConflict."""
    page = proposal.page
    current = page.current_revision
    base_text = proposal.base_revision.body if proposal.base_revision else ""
    result = three_way_merge(base_text, current.body if current else "", proposal.body)
    if result.conflicts:
        raise EditConflict(current, result.conflicts)
    if current is not None and result.text == current.body:
        raise NoChange("The published text already contains this change.")
    merged = Revision(
        page=page, title=current.title if current else proposal.title, body=result.text,
        summary=proposal.summary, author_id=proposal.author_id,
        base_revision_id=current.id if current else None, status=RevisionStatus.pending,
    )
    pages.links.store_rendering(merged, pages.links.render_text(session, result.text))
    session.add(merged)
    session.flush()
    _transition(session, proposal, "merge", merged_into_id=merged.id,
                reviewer_id=librarian.id, reviewed_at=utcnow())
    pages.publish(session, page, merged, expected=page.current_revision_id, reviewer=librarian)
    return merged


def reject(session, librarian, revision_id, reason):
    """Refuse a proposal; the reason is required and shown to its author."""
    permissions.require(permissions.may_review(librarian))
    reason = clean_summary(reason, MAX_REASON_CHARS, "reason")
    if not reason:
        raise InvalidInput("Give the author a reason for the rejection.", "reason")
    proposal = get_proposal(session, librarian, revision_id)
    _transition(session, proposal, "reject", reason=reason, reviewer_id=librarian.id,
                reviewed_at=utcnow())
    audit.record(session, librarian, "reject", page=proposal.page, revision=proposal,
                 target_user=proposal.author, detail=reason)
    return proposal


def withdraw(session, user, revision_id):
    """The author takes back a pending proposal."""
    proposal = get_proposal(session, user, revision_id)
    permissions.require(permissions.may_change_own_proposal(user, proposal))
    _transition(session, proposal, "withdraw")
    return proposal


def amend(session, user, revision_id, *, body, summary=""):
    """Replace a pending proposal with a new one from the same base; the old is superseded."""
    proposal = get_proposal(session, user, revision_id)
    permissions.require(permissions.may_change_own_proposal(user, proposal))
    page = proposal.page
    _transition(session, proposal, "amend")
    if not page.is_published:
        outcome = _amend_new_page(session, user, proposal, body, summary)
    else:
        outcome = pages.save_edit(session, user, page, body=body, summary=summary,
                                  base_revision_id=proposal.base_revision_id)
    return outcome


def _amend_new_page(session, user, proposal, body, summary):
    """A new page's proposal is replaced by another proposal for the same new page."""
    body = clean_body(body)
    if body == proposal.body:
        raise NoChange("Nothing changed, so the proposal stays as it was.")
    revision = pages.add_revision(session, proposal.page, user, proposal.title, body,
                                   clean_summary(summary) or proposal.summary, base=None)
    return pages.SaveOutcome(revision, False, False)
