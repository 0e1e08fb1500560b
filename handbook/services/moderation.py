"""The review workflow: approve (as sent, or with a librarian's edits), request changes,
reject, withdraw and amend a proposal. Every move is made by `workflow`."""

from dataclasses import dataclass

from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import permissions
from handbook.diffing import has_conflict_marks
from handbook.diffing import three_way_merge
from handbook.models import Protection
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow
from handbook.render_budget import RenderRefused
from handbook.services import audit
from handbook.services import claims
from handbook.services import events
from handbook.services import links
from handbook.services import discussion
from handbook.services import pages
from handbook.services import protection
from handbook.services import reasons
from handbook.services import workflow
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.validation import MAX_REASON_CHARS
from handbook.services.validation import clean_body
from handbook.services.validation import clean_summary


def get_proposal(session, user, revision_id):
    """A proposal that `user` may see: their own, or any for a librarian; else NotFound."""
    revision = session.get(Revision, revision_id)
    if revision is None or not permissions.may_view_revision(user, revision):
        raise NotFound("No such proposal.")
    return revision


def successor(session, proposal):
    """The proposal that replaced this one when the page moved on (eager rebase), if any."""
    return session.scalar(select(Revision).where(Revision.rebased_from_id == proposal.id))


def _pending(proposal):
    if proposal.status is not RevisionStatus.pending:
        raise InvalidTransition(f"This proposal is already {proposal.status.value}.")


OUTSIDE = ("This proposal is in a section you do not review. An admin can give you that section,"
           " or every section, on the People page.")


def _for_decision(session, librarian, revision_id, confirm_claim):
    """The proposal a librarian is deciding: in their sections, not claimed by another
    (unless they confirmed), or Forbidden / InvalidInput."""
    permissions.require(permissions.may_review(librarian))
    proposal = get_proposal(session, librarian, revision_id)
    permissions.require(permissions.may_review_section(librarian, proposal.page.section_id), OUTSIDE)
    if proposal.second_look_at is not None and proposal.reviewer_id == librarian.id:
        raise permissions.Forbidden("You rejected this proposal, and its author asked for a second"
                                    " look: another librarian decides it.")
    claims.check(proposal, librarian, confirm_claim)
    return proposal


def ask_second_look(session, author, revision_id):
    """A rejected author asks, once, for another librarian to decide: it returns to the queue."""
    proposal = get_proposal(session, author, revision_id)
    permissions.require(permissions.may_ask_second_look(author, proposal),
                        "A second look can be asked once, by the author of a rejected proposal.")
    db.begin_write(session)
    workflow.move(session, proposal, "second_look", second_look_at=utcnow())
    audit.record(session, author, "second look", page=proposal.page, revision=proposal,
                 detail=f"rejected by reviewer {proposal.reviewer_id}")
    changes.rebase_owed(session, proposal.page_id)
    events.second_look(session, proposal)
    return proposal


def approve(session, librarian, revision_id, *, renderer, confirm_claim=False):
    """Publish a pending proposal; a stale one is merged onto the current text first. On a
    two-approvals page the first librarian's approval is recorded (None is returned) and the
    second, by another librarian, publishes."""
    proposal = _for_decision(session, librarian, revision_id, confirm_claim)
    page = proposal.page
    _pending(proposal)
    if page.effective_protection is Protection.two_approvals and not _second_approval(
            session, librarian, proposal):
        protection.record_approval(session, librarian, proposal)
        audit.record(session, librarian, "first approval", page=page, revision=proposal,
                     target_user=proposal.author, detail=f"proposal {proposal.id}")
        return None
    if proposal.base_revision_id == page.current_revision_id:
        db.begin_write(session)
        pages.publish(session, page, proposal, expected=page.current_revision_id,
                      reviewer=librarian, action="approve")
        published = proposal
    else:
        published = _merge_onto_current(session, librarian, proposal, renderer)
    claims.end(session, proposal)
    audit.record(session, librarian, "approve", page=page, revision=published,
                 target_user=proposal.author, detail=f"proposal {proposal.id}")
    events.proposal_published(session, proposal, published, librarian)
    return published


def _second_approval(session, librarian, proposal):
    """Whether another librarian has approved already (this one would be the second)."""
    db.begin_write(session)
    pages.lock_page(session, proposal.page)
    given = {approval.librarian_id for approval in protection.approvals(session, proposal)}
    if librarian.id in given:
        raise InvalidInput("You have approved this already: a second librarian's approval"
                           " publishes it.")
    return bool(given)


def _merge_onto_current(session, librarian, proposal, renderer):
    """Publish proposal ∪ changes since its base as a new revision, or raise EditConflict."""
    page = proposal.page
    current = page.current_revision
    base_text = proposal.base_revision.body if proposal.base_revision else ""
    result = three_way_merge(base_text, current.body if current else "", proposal.body)
    if result.conflicts:
        raise EditConflict(current, result.conflicts)
    if (current is not None and result.text == current.body
            and not pages.details_of(proposal).change(page)):
        raise NoChange("The published text already contains this change.")
    try:
        rendered = links.render_text(session, renderer, result.text)
    except RenderRefused as refused:
        raise InvalidInput(f"The merged text cannot be published: {refused}") from None
    db.begin_write(session)
    expected = page.current_revision_id
    merged = pages.add_revision(
        session, page, proposal.author, current.title if current else proposal.title,
        result.text, proposal.summary, base=current, rendered=rendered,
        details=pages.details_of(proposal))
    workflow.move(session, proposal, "merge", merged_into_id=merged.id,
                  reviewer_id=librarian.id, reviewed_at=utcnow())
    pages.publish(session, page, merged, expected=expected, reviewer=librarian, action="approve")
    return merged


def approve_with_edits(session, librarian, revision_id, *, body, base_revision_id, renderer,
                       confirm_claim=False):
    """Publish the librarian's edit of a pending proposal's text, made on the published
    version `base_revision_id`: credited to the author, "edited by" the librarian."""
    proposal = _for_decision(session, librarian, revision_id, confirm_claim)
    _pending(proposal)
    page = proposal.page
    body = clean_body(body)
    if has_conflict_marks(body):
        raise InvalidInput("The text still holds marked conflicts; resolve them first.", "body")
    if base_revision_id != page.current_revision_id:
        raise EditConflict(page.current_revision, [])
    if body == proposal.body and proposal.base_revision_id == page.current_revision_id:
        raise NoChange("The text is as the author sent it: use Approve and publish.")
    if page.current_revision is not None and body == page.current_revision.body:
        raise NoChange("The edited text is the published text: nothing would change.")
    if page.effective_protection is Protection.two_approvals and not {
            approval.librarian_id for approval in protection.approvals(session, proposal)} - {
            librarian.id}:
        raise InvalidInput("This page needs two approvals: approve the proposal first, and a"
                           " second librarian may then publish it, with edits if needed.")
    rendered = pages.render(session, renderer, body)
    db.begin_write(session)
    pages.lock_page(session, page)
    current = page.current_revision
    edited = pages.add_revision(
        session, page, proposal.author, current.title if current else proposal.title, body,
        proposal.summary, base=current, rendered=rendered, details=pages.details_of(proposal))
    edited.edited_by_id = librarian.id
    workflow.move(session, proposal, "merge", merged_into_id=edited.id,
                  reviewer_id=librarian.id, reviewed_at=utcnow())
    pages.publish(session, page, edited, expected=base_revision_id, reviewer=librarian,
                  action="approve")
    claims.end(session, proposal)
    audit.record(session, librarian, "approve with edits", page=page, revision=edited,
                 target_user=proposal.author, detail=f"proposal {proposal.id}")
    events.proposal_published(session, proposal, edited, librarian)
    return edited


def request_changes(session, librarian, revision_id, note, *, renderer, confirm_claim=False):
    """Send a pending proposal back to its author with a note saying what to change; it
    leaves the queue until the author amends it."""
    proposal = _for_decision(session, librarian, revision_id, confirm_claim)
    _pending(proposal)
    if not (note or "").strip():
        raise InvalidInput("Tell the author what to change.", "note")
    written = discussion.add_note(session, librarian, proposal, note, renderer=renderer, tell=False)
    workflow.move(session, proposal, "request_changes", reviewer_id=librarian.id,
                  reviewed_at=utcnow())
    claims.end(session, proposal)
    events.changes_requested(session, proposal, written, librarian)
    audit.record(session, librarian, "request changes", page=proposal.page, revision=proposal,
                 target_user=proposal.author, detail=written.body[:500])
    return proposal


def rejection_reason(session, reason_id, text):
    """The reason shown to the author: a canned reason, free text, or both; one is needed."""
    parts = [reasons.get(session, reason_id).text] if reason_id else []
    text = clean_summary(text, MAX_REASON_CHARS, "reason")
    if text:
        parts.append(text)
    if not parts:
        raise InvalidInput("Give the author a reason for the rejection: choose one, write one,"
                           " or both.", "reason")
    return " ".join(parts)


def reject(session, librarian, revision_id, reason, reason_id=None, confirm_claim=False):
    """Refuse an open proposal; the reason (canned and/or written) is shown to its author."""
    reason = rejection_reason(session, reason_id, reason)
    proposal = _for_decision(session, librarian, revision_id, confirm_claim)
    db.begin_write(session)
    workflow.move(session, proposal, "reject", reason=reason, reviewer_id=librarian.id,
                  reviewed_at=utcnow())
    audit.record(session, librarian, "reject", page=proposal.page, revision=proposal,
                 target_user=proposal.author, detail=reason)
    claims.end(session, proposal)
    events.proposal_rejected(session, proposal, librarian)
    return proposal


def withdraw(session, user, revision_id):
    """The author takes back a pending proposal."""
    proposal = get_proposal(session, user, revision_id)
    permissions.require(permissions.may_change_own_proposal(user, proposal))
    db.begin_write(session)
    workflow.move(session, proposal, "withdraw")
    return proposal



@dataclass
class Draft:
    """What the author edits when amending: a text, the version it starts from, and whether
    it holds marked conflicts to resolve."""

    body: str
    base_revision_id: int | None
    conflicts: int = 0
    rebased: bool = False


def amend_draft(proposal):
    """The proposal's text brought up to date with the page: merged onto the current text,
    with any conflicts marked in it for the author to resolve."""
    page = proposal.page
    current = page.current_revision
    if current is None or proposal.base_revision_id == current.id:
        return Draft(proposal.body, proposal.base_revision_id)
    base_text = proposal.base_revision.body if proposal.base_revision else ""
    result = three_way_merge(base_text, current.body, proposal.body, markers=True)
    return Draft(result.text, current.id, len(result.conflicts), rebased=True)


def amend(session, user, revision_id, *, body, summary="", base_revision_id, renderer,
          details=None):
    """Replace a pending proposal with the author's new text; the old one is superseded.

    The new proposal starts from the version the author edited: the proposal's own base, or
    the current text when they took the brought-up-to-date draft.
    """
    proposal = get_proposal(session, user, revision_id)
    permissions.require(permissions.may_change_own_proposal(user, proposal))
    page = proposal.page
    body = clean_body(body)
    if has_conflict_marks(body):
        raise InvalidInput("The text still holds marked conflicts (the lines starting with"
                           " <<<<<<<, ======= and >>>>>>>). Keep what should stay, delete the"
                           " marker lines, then save.", "body")
    if base_revision_id != proposal.base_revision_id:
        pages.published_base(session, page, base_revision_id)
    details = details if details is not None else pages.details_of(proposal)
    if (body == proposal.body and base_revision_id == proposal.base_revision_id
            and details == pages.details_of(proposal)):
        raise NoChange("Nothing changed, so the proposal stays as it was.")
    base = session.get(Revision, base_revision_id) if base_revision_id else None
    rendered = pages.render(session, renderer, body)
    db.begin_write(session)
    workflow.move(session, proposal, "amend")
    revision = pages.add_revision(session, page, user, proposal.title, body,
                                  clean_summary(summary) or proposal.summary, base=base,
                                  rendered=rendered, details=details)
    revision.thread_id = discussion.thread_of(proposal)
    for name, value in workflow.second_look_of(proposal).items():
        setattr(revision, name, value)
    pages.proposal_sent(session, user, page, revision)
    return pages.SaveOutcome(revision, False, False)
