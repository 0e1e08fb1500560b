"""The one table of a revision's moves through review, and the one function that makes them."""

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.services.errors import InvalidTransition

_pending = RevisionStatus.pending
_changes = RevisionStatus.changes_requested
_needs_author = RevisionStatus.needs_author

#: (from, action) -> to: the only moves a revision can make. Only a pending proposal can be
#: published; one waiting for its author (changes requested, or a conflict to resolve) is
#: amended back into the queue, withdrawn or rejected; a rejected one may go back to the
#: queue once, for a second look by another librarian.
TRANSITIONS = {
    (_pending, "publish"): RevisionStatus.published,
    (_pending, "approve"): RevisionStatus.published,
    (_pending, "merge"): RevisionStatus.merged,
    (_pending, "request_changes"): _changes,
    (_pending, "conflict"): _needs_author,
    (_pending, "rebase"): RevisionStatus.superseded,
    (RevisionStatus.rejected, "second_look"): _pending,
    **{(state, action): target for state in (_pending, _changes, _needs_author)
       for action, target in (("reject", RevisionStatus.rejected),
                              ("withdraw", RevisionStatus.withdrawn),
                              ("amend", RevisionStatus.superseded))},
}
#: states in which a proposal is still open (it may yet be published)
OPEN = frozenset({_pending, _changes, _needs_author})


def move(session, revision, action, **fields):
    """Move a revision by compare-and-set on its status, so two decisions cannot both win."""
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
    for name, value in {"status": target, **fields}.items():
        set_committed_value(revision, name, value)


def second_look_of(proposal):
    """What a proposal's replacement (rebased or amended) keeps of a second look: when it was
    asked, who rejected it and why, so that librarian still may not decide it, nor may it be
    asked for again."""
    if proposal.second_look_at is None:
        return {}
    return {"second_look_at": proposal.second_look_at, "reviewer_id": proposal.reviewer_id,
            "reason": proposal.reason}
