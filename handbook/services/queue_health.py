"""How the review queue is doing, computed from the revisions and the audit log (no counters
kept by hand): backlog per section over time, time to decision, decisions per librarian,
approvals after a rebase, second looks; and for authors, their place in the queue."""

import statistics
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handbook.models import AuditEntry
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Section
from handbook.models import User
from handbook.models import utcnow

DAYS = 90
DECIDED = (RevisionStatus.published, RevisionStatus.merged, RevisionStatus.rejected)
DECISIONS = ("approve", "approve with edits", "first approval", "reject", "request changes")


@dataclass
class Waits:
    """Time from sending to decision over decided proposals."""

    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass
class Health:
    days: list
    backlog: dict          # section title -> [waiting at the end of each day]
    waits: dict            # section title -> Waits
    overall: Waits
    oldest: Revision | None
    decisions: list        # (librarian, count), most first
    approved: int
    approved_after_rebase: int
    second_looks: int
    overturned: int


def _proposals(session, since):
    """Proposals (not librarians' own edits, imports or the revisions a merge published) sent
    or open since `since`."""
    merges = select(Revision.merged_into_id).where(Revision.merged_into_id.is_not(None))
    return session.scalars(
        select(Revision).options(joinedload(Revision.page).joinedload(Page.section))
        .where(Revision.status != RevisionStatus.superseded, Revision.id.not_in(merges),
               (Revision.status != RevisionStatus.published) | (Revision.reviewer_id != Revision.author_id),
               (Revision.created_at >= since) | (Revision.reviewed_at >= since)
               | Revision.status.in_([RevisionStatus.pending, RevisionStatus.changes_requested,
                                      RevisionStatus.needs_author]))
    ).all()


def _waits(durations):
    if not durations:
        return Waits(0, None, None)
    ordered = sorted(durations)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return Waits(len(ordered), statistics.median_low(ordered), p90)


def health(session, now=None):
    now = now or utcnow()
    since = now - timedelta(days=DAYS)
    proposals = _proposals(session, since)
    days = [(since + timedelta(days=number + 1)).date() for number in range(DAYS)]
    ends = [since + timedelta(days=number + 1) for number in range(DAYS)]
    backlog, durations = {}, {}
    for proposal in proposals:
        title = proposal.page.section.title
        line = backlog.setdefault(title, [0] * DAYS)
        decided = proposal.reviewed_at if proposal.status in DECIDED else None
        closed = decided or (None if proposal.status is RevisionStatus.pending else proposal.reviewed_at)
        for number, end in enumerate(ends):
            if proposal.created_at <= end and (closed is None or closed > end) and \
                    proposal.status is not RevisionStatus.withdrawn:
                line[number] += 1
        if decided is not None and decided >= since:
            durations.setdefault(title, []).append(decided - proposal.created_at)
    oldest = session.scalar(select(Revision).where(Revision.status == RevisionStatus.pending)
                            .order_by(Revision.created_at).limit(1))
    decisions = session.execute(
        select(User, func.count(AuditEntry.id)).join(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.action.in_(DECISIONS), AuditEntry.at >= since)
        .group_by(User.id).order_by(func.count(AuditEntry.id).desc(), User.name)).all()
    approved = [proposal for proposal in proposals if proposal.status in
                (RevisionStatus.published, RevisionStatus.merged) and proposal.reviewed_at
                and proposal.reviewed_at >= since]
    looked = [proposal for proposal in proposals if proposal.second_look_at is not None]
    return Health(
        days=days, backlog=dict(sorted(backlog.items())),
        waits={title: _waits(values) for title, values in sorted(durations.items())},
        overall=_waits([value for values in durations.values() for value in values]),
        oldest=oldest, decisions=decisions, approved=len(approved),
        approved_after_rebase=sum(1 for proposal in approved if proposal.rebased_from_id),
        second_looks=len(looked),
        overturned=sum(1 for proposal in looked if proposal.status in
                       (RevisionStatus.published, RevisionStatus.merged)))


def place(session, proposal):
    """(1-based place among the pending proposals of its section, oldest first; the section's
    median time to decision over the last 90 days, or None)."""
    section_id = proposal.page.section_id
    ahead = session.scalar(
        select(func.count(Revision.id)).join(Page, Page.id == Revision.page_id)
        .where(Page.section_id == section_id, Revision.status == RevisionStatus.pending,
               (Revision.created_at < proposal.created_at)
               | ((Revision.created_at == proposal.created_at) & (Revision.id < proposal.id))))
    since = utcnow() - timedelta(days=DAYS)
    decided = session.execute(
        select(Revision.created_at, Revision.reviewed_at).join(Page, Page.id == Revision.page_id)
        .where(Page.section_id == section_id, Revision.status.in_(DECIDED),
               Revision.reviewed_at >= since, Revision.reviewer_id != Revision.author_id)).all()
    return ahead + 1, _waits([reviewed - created for created, reviewed in decided]).median


def section_title(session, section_id):
    return session.scalar(select(Section.title).where(Section.id == section_id))
