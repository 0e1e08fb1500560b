"""Claims: "I'm reviewing this", so two librarians do not review the same proposal at once.

A claim lasts a while (REVIEW_CLAIM_MINUTES, 30 by default), and ends when released, when
the proposal is decided, or when it lapses. Another librarian may still decide a claimed
proposal, once they confirm they mean to.
"""

from datetime import timedelta

from sqlalchemy import update

from handbook import db
from handbook import permissions
from handbook.models import Revision
from handbook.models import utcnow
from handbook.services import audit
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange


def holder(proposal):
    """The librarian whose claim on the proposal has not lapsed, or None."""
    if proposal.claimed_until is not None and proposal.claimed_until > utcnow():
        return proposal.claimed_by
    return None


def claim(session, librarian, proposal, minutes):
    """Claim a pending proposal (compare-and-set: of two at once, one gets it)."""
    permissions.require(permissions.may_decide(librarian, proposal),
                        "You may claim only pending proposals in the sections you review.")
    current = holder(proposal)
    if current is not None and current.id == librarian.id:
        raise NoChange("You are reviewing this already.")
    if current is not None:
        raise InvalidTransition(f"{current.public_name} is reviewing this, since"
                                f" {proposal.claimed_at:%H:%M} UTC.")
    db.begin_write(session)
    now = utcnow()
    taken = session.execute(
        update(Revision).where(Revision.id == proposal.id,
                               Revision.claimed_until.is_not_distinct_from(proposal.claimed_until))
        .values(claimed_by_id=librarian.id, claimed_at=now,
                claimed_until=now + timedelta(minutes=minutes))
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise InvalidTransition("Another librarian claimed this a moment ago.")
    session.expire(proposal, ["claimed_by_id", "claimed_at", "claimed_until", "claimed_by"])
    audit.record(session, librarian, "claim", page=proposal.page, revision=proposal)


def release(session, librarian, proposal):
    """End one's own claim."""
    current = holder(proposal)
    if current is None or current.id != librarian.id:
        raise NoChange("You are not reviewing this.")
    db.begin_write(session)
    end(session, proposal)


def end(session, proposal):
    """Clear the claim (a decision ends it)."""
    session.execute(update(Revision).where(Revision.id == proposal.id)
                    .values(claimed_by_id=None, claimed_at=None, claimed_until=None)
                    .execution_options(synchronize_session=False))
    session.expire(proposal, ["claimed_by_id", "claimed_at", "claimed_until", "claimed_by"])


def check(proposal, librarian, confirmed):
    """Before a decision: refuse, with a clear message, to overrule another librarian's
    claim unless the decider confirmed they mean to."""
    current = holder(proposal)
    if current is not None and current.id != librarian.id and not confirmed:
        raise InvalidInput(f"{current.public_name} is reviewing this, since"
                           f" {proposal.claimed_at:%H:%M} UTC. Tick “Decide anyway” to decide"
                           " it yourself.", "confirm_claim")
