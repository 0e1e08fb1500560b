"""Undo everything one account did, in one action: withdraw its open proposals, revert its
published edits where they are still the current text (removing pages only it ever wrote),
reject its waiting comments and hide its published ones, list what cannot be reverted
cleanly, and optionally block it. One audit entry lists every
page touched. The plan is shown first; doing it checks that nothing changed since."""

import hashlib
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handbook import db
from handbook import permissions
from handbook.models import Comment
from handbook.models import CommentState
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import comments
from handbook.services import pages
from handbook.services import workflow
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange

WITHDRAWN = "Withdrawn by a librarian undoing everything this account did."


@dataclass
class Revert:
    """A page whose current text is the account's: restore `to` (None: remove the page, which
    only the account ever wrote). `partial` when earlier edits of theirs lie under others'."""

    page: Page
    to: Revision | None
    partial: bool = False


@dataclass
class Plan:
    target: object
    proposals: list = field(default_factory=list)
    reverts: list = field(default_factory=list)
    #: (page, why): published edits that cannot be reverted cleanly
    stuck: list = field(default_factory=list)
    #: its waiting comments (to reject) and published ones (to hide)
    comments: list = field(default_factory=list)

    @property
    def digest(self):
        """What the plan would do, as a short fingerprint: doing it checks it is unchanged."""
        parts = [f"p{revision.id}:{revision.status.value}" for revision in self.proposals]
        parts += [f"r{item.page.id}:{item.page.current_revision_id}" for item in self.reverts]
        parts += [f"s{page.id}:{page.current_revision_id}" for page, _ in self.stuck]
        parts += [f"c{comment.id}:{comment.state.value}" for comment in self.comments]
        return hashlib.sha256(",".join(sorted(parts)).encode()).hexdigest()[:16]

    @property
    def empty(self):
        return not (self.proposals or self.reverts or self.comments)


def plan(session, actor, target):
    """What undoing `target`'s work would do, without doing it."""
    permissions.require(permissions.may_undo_account(actor, target))
    found = Plan(target)
    found.proposals = session.scalars(
        select(Revision).options(joinedload(Revision.page))
        .where(Revision.author_id == target.id, Revision.status.in_(workflow.OPEN))
        .order_by(Revision.id)).all()
    touched = session.scalars(
        select(Page).where(Page.current_revision_id.is_not(None), Page.id.in_(
            select(Revision.page_id).where(Revision.author_id == target.id,
                                           Revision.status == RevisionStatus.published)))
        .order_by(Page.title)).all()
    for page in touched:
        _plan_page(session, found, page, target)
    found.comments = session.scalars(
        select(Comment).options(joinedload(Comment.page))
        .where(Comment.author_id == target.id,
               Comment.state.in_([CommentState.held, CommentState.published]))
        .order_by(Comment.id)).all()
    return found


def _plan_page(session, found, page, target):
    published = session.scalars(
        select(Revision).where(Revision.page_id == page.id,
                               Revision.status == RevisionStatus.published)
        .order_by(Revision.published_at.desc(), Revision.id.desc())).all()
    current = page.current_revision
    if current.author_id != target.id:
        found.stuck.append((page, f"edited since by {current.author.public_name}"))
        return
    others = [revision for revision in published
              if revision.author_id != target.id and not revision.text_hidden]
    if not others:
        found.reverts.append(Revert(page, None))
        return
    restore_to = others[0]
    earlier = any(revision.author_id == target.id and revision.published_at < restore_to.published_at
                  for revision in published)
    found.reverts.append(Revert(page, restore_to, partial=earlier))


def undo_all(session, actor, target, *, digest, block=False):
    """Carry out the plan the actor saw (`digest`), in one transaction; returns it."""
    found = plan(session, actor, target)
    if found.digest != digest:
        raise InvalidTransition("Something changed since you looked: check the list again.")
    if found.empty and not (block and not target.blocked):
        raise NoChange("There is nothing of this account's to undo.")
    db.begin_write(session)
    now = utcnow()
    for proposal in found.proposals:
        workflow.move(session, proposal, "withdraw", reason=WITHDRAWN, reviewer_id=actor.id,
                      reviewed_at=now)
    for item in found.reverts:
        if item.to is None:
            pages.take_down(session, actor, item.page, f"undoing {target.name}'s work")
        else:
            pages.restore(session, actor, item.page, item.to,
                          summary=f"Undid {target.name}'s edits: back to revision {{target}}")
    for comment in found.comments:
        action = "reject" if comment.state is CommentState.held else "hide"
        comments.set_state(session, actor, comment, action, WITHDRAWN)
    for revision in session.scalars(select(Revision).where(
            Revision.author_id == target.id, Revision.unpatrolled)):
        revision.unpatrolled, revision.patrolled_by_id, revision.patrolled_at = False, actor.id, now
    if block and not target.blocked:
        target.blocked = True
        target.rotate_session_token()
    audit.record(session, actor, "undo all", target_user=target, detail=_summary(found, block))
    return found


def _summary(found, block):
    lines = [f"withdrew {len(found.proposals)} proposal(s)"
             + "".join(f"; #{revision.id} on {revision.page.title}" for revision in found.proposals)]
    lines += [f"reverted {item.page.title} to revision {item.to.id}"
              + (" (earlier edits of theirs remain under later ones)" if item.partial else "")
              if item.to else f"removed {item.page.title} (only they wrote it)"
              for item in found.reverts]
    lines += [f"left {page.title}: {why}" for page, why in found.stuck]
    if found.comments:
        lines.append(f"rejected or hid {len(found.comments)} comment(s)")
    if block:
        lines.append("blocked the account")
    return "\n".join(lines)
