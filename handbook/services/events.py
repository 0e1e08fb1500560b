"""The events people are told of, and who is told of each.

To add a kind of event: write one function here, decorated with `@notifications.event(name,
label, default)`, that decides who is told and calls `notifications.tell` for each; and write
its text, templates/events/<name>.txt (subject line, blank line, body). Tell many people of
one event with `notifications.tell_each`, which costs a few queries however many they are. Services call the
function where the event happens, inside the transaction that makes it happen. Nothing here
may tell anyone of text they may not see: a page's watchers hear of published changes only.
"""

from sqlalchemy import select

from handbook import reader_pages
from handbook.models import Comment
from handbook.models import CommentState
from handbook.models import ProposalNote
from handbook.models import Role
from handbook.models import RevisionStatus
from handbook.models import User
from handbook.services import notifications
from handbook.services import watching


@notifications.event("proposal_published", "My proposal was approved", default="mail")
def proposal_published(session, proposal, published, librarian):
    """The author hears that their proposal is live (merged with later changes, or as sent)."""
    notifications.tell(
        session, proposal.author, "proposal_published", key=f"decided:{proposal.id}",
        path=f"/wiki/{proposal.page.slug}/revisions/{published.id}",
        title=published.title, librarian=librarian.public_name,
        edited=published.edited_by_id is not None,
        merged=published.id != proposal.id and published.edited_by_id is None)


@notifications.event("proposal_rejected", "My proposal was rejected", default="mail")
def proposal_rejected(session, proposal, librarian):
    """The author hears why their proposal was not published."""
    notifications.tell(
        session, proposal.author, "proposal_rejected", key=f"decided:{proposal.id}",
        path="/me/proposals", title=proposal.title, librarian=librarian.public_name,
        reason=proposal.reason)


@notifications.event("proposal_withdrawn", "A librarian withdrew my proposal", default="mail")
def proposal_withdrawn(session, proposal, librarian, reason):
    """The author hears that a librarian took their proposal out of review."""
    notifications.tell(
        session, proposal.author, "proposal_withdrawn", key=f"decided:{proposal.id}",
        path="/me/proposals", title=proposal.title, librarian=librarian.public_name,
        reason=reason)


@notifications.event("watched_change", "A page or section I watch got a published change")
def watched_change(session, page, revision, actor, watchers=None):
    """Watchers of the page or its section hear of a change readers can now see (`watchers`:
    already asked for, as for many new pages of one section)."""
    if revision.status is not RevisionStatus.published:
        raise ValueError("watchers are told of published changes only")
    if watchers is None:
        watchers = watching.watchers(session, page)
    watchers = [watcher for watcher in watchers if watcher.id not in (actor.id, revision.author_id)]
    notifications.tell_each(
        session, watchers, "watched_change", key=f"change:{revision.id}",
        path=f"/wiki/{page.slug}/diff?to={revision.id}", title=revision.title,
        section=page.section.title, author=revision.author.public_name,
        summary=revision.summary, new=revision.base_revision_id is None)


@notifications.event("new_proposal", "A new proposal waits for review", for_librarians=True)
def new_proposal(session, proposal):
    """Librarians hear of work arriving in the review queue."""
    librarians = session.scalars(select(User).where(
        User.role.in_([Role.librarian, Role.admin]), User.is_system.is_(False),
        User.id != proposal.author_id)).all()
    notifications.tell_each(
        session, librarians, "new_proposal", key=f"proposal:{proposal.id}",
        path=f"/review/{proposal.id}", title=proposal.title,
        author=proposal.author.public_name, summary=proposal.summary,
        new=proposal.base_revision_id is None)


@notifications.event("changes_requested", "A librarian asked for changes to my proposal",
                     default="mail")
def changes_requested(session, proposal, note, librarian):
    """The author hears what to change; the proposal waits for them."""
    notifications.tell(
        session, proposal.author, "changes_requested", key=f"changes:{proposal.id}",
        path=f"/me/proposals/{proposal.id}/amend", title=proposal.title,
        librarian=librarian.public_name, note=note.body)


@notifications.event("proposal_note", "A note in the discussion of a proposal", default="mail")
def proposal_note(session, proposal, note, writer):
    """The other side hears of a note: the author when a librarian writes; when the author
    writes, the librarians who have written in this discussion (or, if none has, all)."""
    if writer.id == proposal.author_id:
        written = set(session.scalars(select(ProposalNote.author_id).where(
            ProposalNote.thread_id == note.thread_id, ProposalNote.author_id != writer.id)))
        readers = session.scalars(select(User).where(
            User.role.in_([Role.librarian, Role.admin]), User.is_system.is_(False),
            *([User.id.in_(written)] if written else []))).all()
        path = f"/review/{proposal.id}"
    else:
        readers, path = [proposal.author], f"/me/proposals/{proposal.id}/amend"
    notifications.tell_each(
        session, [reader for reader in readers if reader.id != writer.id], "proposal_note",
        key=f"note:{note.id}", path=path, title=proposal.title, writer=writer.public_name,
        note=note.body)


@notifications.event("needs_author", "My proposal conflicts with a newer version of the page",
                     default="mail")
def proposal_needs_author(session, proposal, current):
    """The author hears that the page changed on the lines they changed, and where to
    resolve it; the proposal waits for them."""
    notifications.tell(
        session, proposal.author, "needs_author", key=f"conflict:{proposal.id}:{current.id}",
        path=f"/me/proposals/{proposal.id}/amend", title=proposal.title)


@notifications.event("second_look", "An author asks for a second look at a rejection",
                     for_librarians=True)
def second_look(session, proposal):
    """Librarians (but not the one who rejected it) hear that a rejection is to be looked at again."""
    librarians = session.scalars(select(User).where(
        User.role.in_([Role.librarian, Role.admin]), User.is_system.is_(False),
        User.id != proposal.author_id, User.id != proposal.reviewer_id)).all()
    notifications.tell_each(
        session, librarians, "second_look", key=f"second-look:{proposal.id}",
        path=f"/review/{proposal.id}", title=proposal.title, author=proposal.author.public_name,
        reason=proposal.reason)


@notifications.event("report_resolved", "A problem I reported was dealt with")
def report_resolved(session, page, resolved, librarian, resolution, note):
    """Reporters with an account hear what a librarian did about the page, once each however
    many of the `resolved` (report id, reporter id) pairs were theirs."""
    first_report = {}
    for report_id, reporter_id in sorted(resolved):
        if reporter_id is not None and reporter_id != librarian.id:
            first_report.setdefault(reporter_id, report_id)
    if not first_report:
        return
    for reporter in session.scalars(select(User).where(User.id.in_(first_report))):
        notifications.tell(
            session, reporter, "report_resolved", key=f"report:{first_report[reporter.id]}",
            path=reader_pages.page_path(page.slug), title=page.title, resolution=resolution,
            librarian=librarian.public_name, note=note)


def _discussion_path(comment):
    return f"/wiki/{comment.page.slug}/discussion#comment-{comment.id}"


def _thread_participants(session, comment):
    """The author of the thread a reply joins and everyone who replied in it before."""
    if comment.parent_id is None:
        return []
    return session.scalars(select(User).where(User.id.in_(
        select(Comment.author_id).where(
            Comment.state == CommentState.published,
            (Comment.id == comment.parent_id) | (Comment.parent_id == comment.parent_id))),
        User.id != comment.author_id)).all()


@notifications.event("comment_reply", "Someone replied in a discussion I took part in",
                     default="mail")
def comment_reply(session, comment):
    """The people in a thread hear of a published reply."""
    notifications.tell_each(
        session, _thread_participants(session, comment), "comment_reply",
        key=f"comment:{comment.id}", path=_discussion_path(comment), title=comment.page.title,
        author=comment.author.public_name, text=comment.body)


@notifications.event("new_comment", "A new comment on a page I watch")
def new_comment(session, comment):
    """Watchers of the page (or its section) hear of a published comment, unless they hear of
    it as a reply in their thread."""
    skip = {comment.author_id} | {person.id for person in _thread_participants(session, comment)}
    notifications.tell_each(
        session, [watcher for watcher in watching.watchers(session, comment.page)
                  if watcher.id not in skip], "new_comment",
        key=f"comment:{comment.id}", path=_discussion_path(comment), title=comment.page.title,
        author=comment.author.public_name, text=comment.body)


@notifications.event("comment_decided", "A librarian rejected or hid my comment",
                     default="mail")
def comment_decided(session, comment, librarian, action, reason):
    """A comment's author hears why it was not published, or was hidden."""
    notifications.tell(
        session, comment.author, "comment_decided", key=f"comment-{action}:{comment.id}",
        path=_discussion_path(comment), title=comment.page.title,
        librarian=librarian.public_name, action=action, reason=reason)


@notifications.event("coffee_match", "I was matched for a coffee conversation", default="mail")
def coffee_match(session, user, match, partners, openers):
    """A member hears whom a coffee round paired them with (`partners`, services.coffee's
    Partner: what each chose to tell their matches) and questions to open with."""
    notifications.tell(session, user, "coffee_match", key=f"coffee:{match.id}", path="/coffee",
                       partners=partners, openers=openers)


@notifications.event("coffee_followup", "Did you meet for coffee?")
def coffee_followup(session, user, match):
    """A member who has not said whether they met is asked once; the notification, or None."""
    return notifications.tell(
        session, user, "coffee_followup", key=f"coffee-met:{match.id}", path="/coffee",
        names=[member.user.public_name for member in match.members if member.user_id != user.id])


@notifications.event("comment_approved", "A librarian published my waiting comment")
def comment_approved(session, comment, librarian):
    """A comment's author hears that it now shows in the discussion."""
    notifications.tell(
        session, comment.author, "comment_approved", key=f"comment-approve:{comment.id}",
        path=_discussion_path(comment), title=comment.page.title,
        librarian=librarian.public_name)
