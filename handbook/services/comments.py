"""Page discussions: comments by confirmed members under the comments policy, replies one
level deep, held for a librarian while a member is new or when the confidentiality guard or the
link rule flags them, edited for a short while, removed by their authors, hidden by librarians.

Only published comments reach everyone; a held or rejected comment reaches its author (and
librarians) only; a hidden or removed one leaves a line saying so in its place.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from handbook import changes
from handbook import db
from handbook import permissions
from handbook import rendering
from handbook.models import Comment
from handbook.models import CommentEdit
from handbook.models import CommentState
from handbook.models import Notification
from handbook.models import Page
from handbook.models import utcnow
from handbook.render_budget import RenderRefused
from handbook.services import audit
from handbook.services import events
from handbook.services import links
from handbook.services import queues
from handbook.services import screening
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NotFound
from handbook.services.validation import clean_body
from handbook.services.validation import clean_summary

#: how long its author may edit a comment after writing it
EDIT_WINDOW = timedelta(minutes=15)
MAX_COMMENT_CHARS = 5000
#: a member's comments wait for a librarian until this many have been approved
HELD_UNTIL = 2
_held, _published = CommentState.held, CommentState.published
#: (from, action) -> to: the only moves a comment makes
MOVES = {
    (_held, "approve"): _published,
    (_held, "reject"): CommentState.rejected,
    (_published, "hide"): CommentState.hidden,
    (CommentState.hidden, "restore"): _published,
    **{(state, "remove"): CommentState.removed for state in (_held, _published)},
}


@dataclass
class Thread:
    """A top-level comment and its replies, as one viewer may see them."""

    comment: Comment
    replies: list = field(default_factory=list)


def get(session, comment_id):
    comment = session.get(Comment, comment_id) if comment_id else None
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


def _seen_by(viewer):
    """Which comments a viewer meets in a discussion: published, hidden and removed ones (the
    last two as a line saying so) for everyone; held and rejected ones only for their author."""
    shown = Comment.state.in_([_published, CommentState.hidden, CommentState.removed])
    if permissions.is_member(viewer):
        return or_(shown, Comment.author_id == viewer.id)
    return shown


def discussion(session, viewer, page):
    """The page's threads, oldest thread first, each with its replies oldest first."""
    found = session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.page_id == page.id, _seen_by(viewer))
        .order_by(Comment.created_at, Comment.id)).all()
    threads = {comment.id: Thread(comment) for comment in found if comment.parent_id is None}
    for comment in found:
        if comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return list(threads.values())


def published_count(session, page_id):
    return session.scalar(select(func.count(Comment.id)).where(
        Comment.page_id == page_id, Comment.state == _published))


def _render(session, renderer, body):
    body = clean_body(body)
    if not body.strip():
        raise InvalidInput("Write something first.", "body")
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"Keep a comment to {MAX_COMMENT_CHARS} characters (it has"
                           f" {len(body)}).", "body")
    try:
        html = links.render_text(session, renderer, body).html
    except RenderRefused as refused:
        raise InvalidInput(str(refused), "body") from None
    return body, rendering.sanitize_comment(html)


def must_wait(session, author, page, body, *, held_until=HELD_UNTIL, own_host=""):
    """Why a new comment waits for a librarian: "new" while fewer than `held_until` of the
    author's comments were approved, "flagged" when the confidentiality guard or the link rule
    flags it, "" when it need not wait (librarians' never do)."""
    if permissions.is_librarian(author):
        return ""
    if screening.findings(page.section, author, "", body, own_host):
        return "flagged"
    approved = session.scalar(select(func.count(Comment.id)).where(
        Comment.author_id == author.id, Comment.state.in_([_published, CommentState.hidden]),
        Comment.decided_by_id.is_not(None)))
    return "new" if approved < held_until else ""


def post(session, user, page, body, *, parent_id=None, renderer, held_until=HELD_UNTIL,
         own_host=""):
    """Write a comment, or a reply to a top-level comment; returns it (held or published)."""
    permissions.require(permissions.may_comment(user),
                        "Confirm your address first: then you can join the discussion.")
    if not page.is_published:
        raise NotFound("There is no page here.")
    parent = None
    if parent_id is not None:
        parent = get(session, parent_id)
        if parent.page_id != page.id or parent.parent_id is not None or (
                parent.state is not _published):
            raise InvalidInput("You can reply only to a published comment on this page.")
    body, html = _render(session, renderer, body)
    wait = must_wait(session, user, page, body, held_until=held_until, own_host=own_host)
    db.begin_write(session)
    now = utcnow()
    comment = Comment(page_id=page.id, author_id=user.id, parent_id=parent_id, body=body,
                      html=html, state=_held if wait else _published,
                      published_at=None if wait else now, reason=wait)
    session.add(comment)
    session.flush()
    if not wait:
        _published_now(session, comment)
    return comment


def _published_now(session, comment):
    """A comment everyone can now read: the page's count changes, watchers and the thread's
    participants are told."""
    changes.page_shown_changed(session, comment.page_id)
    events.comment_reply(session, comment)
    events.new_comment(session, comment)


def may_still_edit(comment, now=None):
    return (comment.state in (_held, _published)
            and (now or utcnow()) - comment.created_at <= EDIT_WINDOW)


def edit(session, user, comment, body, *, renderer, own_host=""):
    """Its author rewrites a comment within EDIT_WINDOW; the earlier text is kept for
    librarians. A published comment the guard now flags goes back to the librarians."""
    permissions.require(comment.author_id == user.id and permissions.may_comment(user),
                        "Only its author edits a comment.")
    if not may_still_edit(comment):
        raise InvalidInput(f"A comment can be edited for {EDIT_WINDOW.seconds // 60} minutes"
                           " after it is written; this one can no longer be.")
    body, html = _render(session, renderer, body)
    if body == comment.body:
        raise InvalidInput("Nothing changed.", "body")
    flagged = bool(screening.findings(comment.page.section, user, comment.body, body, own_host))
    db.begin_write(session)
    session.add(CommentEdit(comment_id=comment.id, body=comment.body))
    values = dict(body=body, html=html, edited_at=utcnow())
    if flagged and not permissions.is_librarian(user):
        values.update(state=_held, reason="flagged")
    _move_to(session, comment, comment.state, values)
    changes.page_shown_changed(session, comment.page_id)


def remove(session, user, comment):
    """Its author deletes a comment: "comment removed" stays in its place."""
    permissions.require(comment.author_id == user.id, "Only its author deletes a comment.")
    db.begin_write(session)
    session.add(CommentEdit(comment_id=comment.id, body=comment.body))
    _move(session, comment, "remove", body="", html="")
    _scrub_notices(session, comment, "was removed by its author")
    changes.page_shown_changed(session, comment.page_id)


def decide(session, librarian, comment, action, reason=""):
    """A librarian approves, rejects (with a reason), hides (with a reason) or restores a
    comment; audited, and its author told of an approval, a rejection or a hiding."""
    permissions.require(permissions.may_moderate_comment(librarian, comment.page.section_id))
    reason = clean_summary(reason, field="reason")
    if action in ("reject", "hide") and not reason:
        raise InvalidInput("Say why (the author is told).", "reason")
    set_state(session, librarian, comment, action, reason)
    audit.record(session, librarian, f"comment {action}", page=comment.page,
                 target_user=comment.author, detail=f"comment {comment.id}: {reason}".rstrip(": "))
    if action in ("reject", "hide"):
        events.comment_decided(session, comment, librarian, action, reason)
    elif action == "approve":
        events.comment_approved(session, comment, librarian)


def set_state(session, librarian, comment, action, reason=""):
    """Move a comment by `action` and do what follows for readers (the page's count, watchers
    told of a newly published comment, a hidden one's text dropped from notices); the caller
    audits it."""
    if (comment.state, action) not in MOVES:
        raise InvalidTransition(f"This comment is {comment.state.value}; it cannot be"
                                f" {action}d now.")
    fields = dict(decided_by_id=librarian.id, decided_at=utcnow(), reason=reason)
    if action == "approve":
        fields["published_at"] = utcnow()
    _move(session, comment, action, **fields)
    if action == "approve":
        _published_now(session, comment)
        return
    changes.page_shown_changed(session, comment.page_id)
    if action == "hide":
        _scrub_notices(session, comment, "was hidden by a librarian")


def _scrub_notices(session, comment, what):
    """Notices of a comment quoted it: drop the quote once it is hidden or removed (from
    inboxes, feeds and mail not yet sent, which is composed from the notice)."""
    session.execute(
        update(Notification).where(Notification.key == f"comment:{comment.id}")
        .values(body=f"A comment on “{comment.page.title}” {what}.")
        .execution_options(synchronize_session=False))


def _move(session, comment, action, **fields):
    target = MOVES.get((comment.state, action))
    if target is None:
        raise InvalidTransition(f"This comment is already {comment.state.value}.")
    db.begin_write(session)
    _move_to(session, comment, comment.state, dict(state=target, **fields))


def _move_to(session, comment, expected, values):
    """Compare-and-set on the comment's state, so two decisions cannot both win."""
    moved = session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.state == expected)
        .values(**values).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise InvalidTransition("Someone changed this comment a moment ago.")
    for name, value in values.items():
        set_committed_value(comment, name, value)


def held_queue(session, librarian, text="", limit=100):
    """Held comments in the librarian's sections, oldest first; with `text`, comments of any
    state that mention it (librarians' search; comments are not in the handbook's search)."""
    query = (select(Comment).join(Page, Page.id == Comment.page_id)
             .options(joinedload(Comment.author), joinedload(Comment.page)))
    query = queues.in_sections(query, librarian)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Comment.body.ilike(f"%{escaped}%", escape="\\"))
    else:
        query = query.where(Comment.state == _held)
    return session.scalars(query.order_by(Comment.created_at, Comment.id).limit(limit)).all()


def edits_of(session, comment):
    """A comment's earlier texts, oldest first (for librarians)."""
    return session.scalars(select(CommentEdit).where(CommentEdit.comment_id == comment.id)
                           .order_by(CommentEdit.id)).all()


def recent(session, limit=50):
    """The newest published comments on published pages (for recent changes)."""
    return session.scalars(
        select(Comment).join(Page, Page.id == Comment.page_id)
        .options(joinedload(Comment.author), joinedload(Comment.page))
        .where(Comment.state == _published, Page.current_revision_id.is_not(None))
        .order_by(Comment.published_at.desc(), Comment.id.desc()).limit(limit)).all()
