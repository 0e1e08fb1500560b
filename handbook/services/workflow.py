"""The one table of a revision's moves through review, and the one function that makes them."""

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.services.errors import InvalidTransition

#: (from, action) -> to: the only moves a revision can make; all start from pending.
TRANSITIONS = {
    (RevisionStatus.pending, "publish"): RevisionStatus.published,
    (RevisionStatus.pending, "approve"): RevisionStatus.published,
    (RevisionStatus.pending, "merge"): RevisionStatus.merged,
    (RevisionStatus.pending, "reject"): RevisionStatus.rejected,
    (RevisionStatus.pending, "withdraw"): RevisionStatus.withdrawn,
    (RevisionStatus.pending, "amend"): RevisionStatus.superseded,
}


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
