"""Every "may this user do that?" decision, asked by views, templates and services alike."""

from handbook.models import CommentState
from handbook.models import Protection
from handbook.models import Role
from handbook.models import RevisionStatus


class Forbidden(Exception):
    """The acting user may not do this."""


def role(user):
    """The user's effective role: None for readers and blocked accounts."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_member(user):
    """A logged-in, unblocked account (a contributor or more)."""
    return role(user) is not None


def is_librarian(user):
    current = role(user)
    return current is not None and current.value >= Role.librarian.value


def is_admin(user):
    return role(user) is Role.admin


def may_view_page(user, page, proposer_ids=()):
    """Published pages are public; a proposed new page only to its proposers and librarians."""
    if page.is_published:
        return True
    return is_librarian(user) or (is_member(user) and user.id in proposer_ids)


def may_view_revision(user, revision):
    """Readers see published text only, unless it was hidden; authors their own proposals;
    librarians everything."""
    if is_librarian(user):
        return True
    if revision.text_hidden:
        return False
    if revision.status is RevisionStatus.published:
        return True
    return is_member(user) and revision.author_id == user.id


def may_edit(user):
    """Propose edits and new pages (contributors) or publish them (librarians), once the
    account's email address is confirmed."""
    return is_member(user) and user.is_confirmed


def needs_confirmation(user):
    """A member who could edit but has not yet confirmed their address."""
    return is_member(user) and not user.is_confirmed


def may_propose(user, protection):
    """Edit a page, or add one to a section, of this protection level."""
    return may_edit(user) and (protection is not Protection.librarians or is_librarian(user))


def publishes_directly(user, protection=None, trusted=False):
    """Librarians' own edits skip the queue, except where two approvals are needed (their
    edit then counts as the first); so do the edits of a contributor `trusted` in the section,
    on open pages only (they then wait for patrol)."""
    if is_librarian(user):
        return protection is not Protection.two_approvals
    return trusted and may_edit(user) and protection in (None, Protection.open)


def may_protect(user):
    return is_librarian(user)


def may_review(user):
    return is_librarian(user)


def reviews_every_section(user):
    return is_admin(user) or (is_librarian(user) and user.all_sections)


def may_review_section(user, section_id):
    """Decide proposals in this section: librarians given it, or given every section."""
    return reviews_every_section(user) or (
        is_librarian(user) and section_id in {section.id for section in user.review_sections})


def may_report(user):
    """Report a problem on a published page: anyone, readers included."""
    return True


def may_save_reflection(user):
    """Keep one's answers to the network-role reflection: members (anyone may take it)."""
    return is_member(user)


def may_resolve_reports(user, section_id):
    """Resolve readers' reports on a page: librarians who review its section."""
    return may_review_section(user, section_id)


def may_patrol(user, section_id):
    """Mark a trusted contributor's published edit patrolled, or revert it."""
    return may_review_section(user, section_id)


def may_grant_trust(user, section_id, target):
    """Grant or revoke a contributor's trust in a section: its librarians."""
    return may_review_section(user, section_id) and target.role is Role.contributor


def may_set_trust_rules(user):
    """Change a section's trust and throttle thresholds: admins."""
    return is_admin(user)


def may_redact(user, revision):
    """Hide a published revision's text or summary: librarians of its section."""
    return (revision.status is RevisionStatus.published
            and may_review_section(user, revision.page.section_id))


def may_unredact(user):
    """Undo a redaction: admins."""
    return is_admin(user)


def may_see_redacted(user):
    return is_librarian(user)


def may_see_summary(user, revision):
    """A revision's edit summary shows unless a librarian hid it (librarians still see it)."""
    return not revision.summary_hidden or may_see_redacted(user)


def may_undo_account(user, target):
    """Undo everything a contributor did: librarians of every section, never to a librarian or
    to themselves."""
    return (reviews_every_section(user) and target.role is Role.contributor
            and target.id != user.id and not target.is_system)


def may_comment(user):
    """Write in a page's discussion: confirmed members."""
    return may_edit(user)


def may_change_comment(user, comment):
    """Edit (within its window) or delete a comment: its author, while it is waiting or
    published."""
    return (is_member(user) and comment.author_id == user.id
            and comment.state in (CommentState.held, CommentState.published))


def may_moderate_comment(user, section_id):
    """Approve, reject, hide or restore comments on a section's pages: its librarians."""
    return may_review_section(user, section_id)


def may_see_pending(user):
    """The "N changes awaiting review" notice is for contributors and librarians."""
    return is_member(user)


#: a proposal its author may still amend or withdraw
_OPEN = (RevisionStatus.pending, RevisionStatus.changes_requested, RevisionStatus.needs_author)


def may_change_own_proposal(user, revision):
    """Only the author may withdraw or amend a proposal, and only while it is open."""
    return is_member(user) and revision.author_id == user.id and revision.status in _OPEN


def may_discuss(user, revision):
    """A proposal's discussion: its author and librarians, while it is open."""
    return (revision.status in _OPEN and is_member(user)
            and (is_librarian(user) or revision.author_id == user.id))


def may_manage_reasons(user):
    return is_admin(user)


def may_revert(user):
    return is_librarian(user)


def may_decide(user, revision):
    """Approve, approve with edits, request changes, claim: librarians of the proposal's
    section, while it is pending (for a second look, not the librarian who rejected it)."""
    return (revision.status is RevisionStatus.pending
            and may_review_section(user, revision.page.section_id)
            and not (revision.second_look_at is not None and revision.reviewer_id == user.id))


def may_ask_second_look(user, revision):
    """The author of a rejected proposal, once."""
    return (is_member(user) and revision.author_id == user.id
            and revision.status is RevisionStatus.rejected and revision.second_look_at is None)


def may_reject(user, revision):
    """Reject: librarians of the proposal's section, while it is open (also while it waits
    for its author); a second look is not for the librarian who rejected it."""
    return (revision.status in _OPEN and may_review_section(user, revision.page.section_id)
            and not (revision.second_look_at is not None and revision.reviewer_id == user.id))


def may_assign_sections(user):
    return is_admin(user)


def may_restore(user, page, revision):
    """Revert `page` to `revision`: librarians, to an earlier published revision."""
    return (may_revert(user) and revision.status is RevisionStatus.published
            and revision.id != page.current_revision_id)


def may_rename(user):
    return is_librarian(user)


def may_remove(user):
    return is_librarian(user)


def may_manage_sections(user):
    return is_librarian(user)


def may_manage_users(user):
    return is_admin(user)


def may_use_inbox(user):
    """Notifications, watches and settings: any logged-in, unblocked account."""
    return is_member(user)


def may_join_coffee(user):
    """Take part in coffee pairings: confirmed members."""
    return is_member(user) and user.is_confirmed


def may_manage_coffee(user):
    """Make a coffee round by hand and see the rounds' totals: admins."""
    return is_admin(user)


def may_read_audit_log(user):
    return is_admin(user)


def require(allowed, message="You may not do that."):
    """Raise Forbidden unless `allowed`; services call this before acting."""
    if not allowed:
        raise Forbidden(message)
