"""Earned trust, per section, and the throttle on authors whose proposals keep being rejected.

A contributor is trusted in a section after `trust_after` approved proposals there and no
rejection there in the last `trust_window_days`; a librarian may grant or revoke trust by hand,
which overrides what was earned until it is cleared. A trusted contributor's edits on open
pages of the section publish at once and wait in the patrol queue. An author with
`throttle_after` recent rejections in a section may have at most `throttle_pending` open
proposals there.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from handbook import db
from handbook import permissions
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Section
from handbook.models import TrustGrant
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import workflow
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange

_APPROVED = (RevisionStatus.published, RevisionStatus.merged)


@dataclass
class Standing:
    """Where an author stands in one section."""

    section: Section
    approved: int
    recent_rejections: int
    open_proposals: int
    #: a librarian's decision (True granted, False revoked), or None
    grant: bool | None

    @property
    def earned(self):
        return self.approved >= self.section.trust_after and self.recent_rejections == 0

    @property
    def trusted(self):
        return self.earned if self.grant is None else self.grant

    @property
    def throttled(self):
        """Whether the author has so many recent rejections that their open proposals are
        limited to `section.throttle_pending`."""
        return 0 < self.section.throttle_after <= self.recent_rejections

    @property
    def at_limit(self):
        return self.throttled and self.open_proposals >= self.section.throttle_pending

    @property
    def limit_message(self):
        """What a throttled author is told, plainly."""
        return (f"{self.recent_rejections} of your proposals in “{self.section.title}” were"
                f" rejected in the last {self.section.trust_window_days} days, so you may have"
                f" at most {self.section.throttle_pending} waiting for review there at a time."
                f" You have {self.open_proposals}: wait for a decision, or withdraw one, first.")


def _approved_in(section_id=None):
    """Approved proposals (published or merged by someone other than their author)."""
    query = (select(Revision.author_id, Page.section_id, func.count())
             .join(Page, Page.id == Revision.page_id)
             .where(Revision.status.in_(_APPROVED), Revision.reviewer_id != Revision.author_id))
    return query if section_id is None else query.where(Page.section_id == section_id)


def _counts(session, user, query):
    rows = session.execute(query.where(Revision.author_id == user.id)
                           .group_by(Revision.author_id, Page.section_id))
    return {section_id: count for _, section_id, count in rows}


def _rejections_since(since):
    return (select(Revision.author_id, Page.section_id, func.count())
            .join(Page, Page.id == Revision.page_id)
            .where(Revision.status == RevisionStatus.rejected, Revision.reviewed_at >= since))


def standing(session, user, section):
    """The author's standing in `section` (a few counting queries)."""
    since = utcnow() - timedelta(days=section.trust_window_days)
    approved = _counts(session, user, _approved_in(section.id))
    rejected = _counts(session, user, _rejections_since(since).where(
        Page.section_id == section.id))
    open_count = session.scalar(
        select(func.count()).select_from(Revision).join(Page, Page.id == Revision.page_id)
        .where(Revision.author_id == user.id, Page.section_id == section.id,
               Revision.status.in_(workflow.OPEN)))
    grant = session.get(TrustGrant, (user.id, section.id))
    return Standing(section, approved.get(section.id, 0), rejected.get(section.id, 0),
                    open_count, grant.trusted if grant else None)


def trusted_sections(session, user):
    """The sections `user` is trusted in, in contents order (for their profile)."""
    sections = session.scalars(select(Section).order_by(Section.position, Section.id)).all()
    approved = _counts(session, user, _approved_in())
    window = max((section.trust_window_days for section in sections), default=0)
    recent = session.execute(
        select(Page.section_id, Revision.reviewed_at).join(Page, Page.id == Revision.page_id)
        .where(Revision.author_id == user.id, Revision.status == RevisionStatus.rejected,
               Revision.reviewed_at >= utcnow() - timedelta(days=window))).all()
    grants = {grant.section_id: grant.trusted for grant in session.scalars(
        select(TrustGrant).where(TrustGrant.user_id == user.id))}
    trusted = []
    for section in sections:
        since = utcnow() - timedelta(days=section.trust_window_days)
        rejections = sum(1 for section_id, at in recent if section_id == section.id and at >= since)
        found = Standing(section, approved.get(section.id, 0), rejections, 0,
                         grants.get(section.id))
        if found.trusted:
            trusted.append(section)
    return trusted


def check_may_open(session, user, section):
    """Refuse another proposal from a throttled author already at their limit; returns the
    standing (so the caller knows whether the author is trusted). Librarians are never
    throttled."""
    if permissions.is_librarian(user):
        return None
    found = standing(session, user, section)
    if found.at_limit and not found.trusted:
        raise InvalidInput(found.limit_message)
    return found


def set_grant(session, librarian, user, section, trusted):
    """Grant (True) or revoke (False) trust by hand, or (None) go back to what was earned."""
    permissions.require(permissions.may_grant_trust(librarian, section.id, user))
    grant = session.get(TrustGrant, (user.id, section.id))
    if (grant.trusted if grant else None) == trusted:
        raise NoChange("Nothing changed.")
    db.begin_write(session)
    if trusted is None:
        session.delete(grant)
    elif grant is None:
        session.add(TrustGrant(user_id=user.id, section_id=section.id, trusted=trusted,
                               by_id=librarian.id))
    else:
        grant.trusted, grant.by_id, grant.at = trusted, librarian.id, utcnow()
    word = {True: "granted", False: "revoked", None: "as earned"}[trusted]
    audit.record(session, librarian, "trust", target_user=user, detail=f"{section.title}: {word}")
