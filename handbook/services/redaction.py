"""Redaction: hiding one published revision's text and/or edit summary from everyone but
librarians, with a reason. If the hidden text was the page's current text, the page shows
its newest visible revision instead. Admins can undo a redaction (the page's current text
stays where it is). Every step is audited."""

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from handbook import changes
from handbook import db
from handbook import permissions
from handbook.models import Notification
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import pages
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.services.validation import clean_summary

ONLY_VISIBLE = ("This is the page's only visible version, so its text cannot be hidden: remove"
                " the page instead, or publish a corrected version first.")


def newest_visible_before(session, revision):
    """The newest published revision of the page, other than `revision`, whose text shows."""
    return session.scalar(
        select(Revision).where(
            Revision.page_id == revision.page_id, Revision.id != revision.id,
            Revision.status == RevisionStatus.published, Revision.text_hidden.is_(False))
        .order_by(Revision.published_at.desc(), Revision.id.desc()).limit(1))


def hide(session, librarian, revision, *, text, summary, reason):
    """Hide the revision's text and/or summary; returns the revision the page now shows."""
    permissions.require(permissions.may_redact(librarian, revision))
    reason = clean_summary(reason, field="reason")
    if not reason:
        raise InvalidInput("Say why it is hidden (librarians see the reason).", "reason")
    text, summary = bool(text) and not revision.text_hidden, bool(summary) and not revision.summary_hidden
    if not (text or summary):
        raise NoChange("Choose the text or the summary (or both); what you chose is hidden already.")
    page = revision.page
    fallback = None
    if text and page.current_revision_id == revision.id:
        fallback = newest_visible_before(session, revision)
        if fallback is None:
            raise InvalidInput(ONLY_VISIBLE)
    db.begin_write(session)
    if fallback is not None:
        pages.show_instead(session, page, fallback, expected=revision.id)
    _set(session, revision, dict(
        text_hidden=revision.text_hidden or text, summary_hidden=revision.summary_hidden or summary,
        hidden_reason=reason, hidden_by_id=librarian.id, hidden_at=utcnow()),
        expected=(revision.text_hidden, revision.summary_hidden))
    if summary:
        _scrub_notifications(session, revision)
    hidden = " and ".join(word for word, chosen in (("text", text), ("summary", summary)) if chosen)
    audit.record(session, librarian, "redact", page=page, revision=revision,
                 detail=f"{hidden} hidden: {reason}"
                 + (f"; the page now shows revision {fallback.id}" if fallback else ""))
    changes.page_changed(session, page.id, placed=True)
    return fallback or page.current_revision


def _scrub_notifications(session, revision):
    """Watchers' notices of the change quoted its summary: drop the quote (from their inbox, feed
    and any mail not yet sent, which is composed from the notice)."""
    session.execute(
        update(Notification).where(Notification.key == f"change:{revision.id}")
        .values(body=f"“{revision.title}” was changed. Its edit summary was hidden by a"
                     " librarian.").execution_options(synchronize_session=False))


def unhide(session, admin, revision):
    """Show a hidden revision's text and summary again (admins); audited."""
    permissions.require(permissions.may_unredact(admin))
    if not revision.is_redacted:
        raise NoChange("Nothing of this revision is hidden.")
    db.begin_write(session)
    _set(session, revision, dict(text_hidden=False, summary_hidden=False, hidden_reason="",
                                 hidden_by_id=None, hidden_at=None),
         expected=(revision.text_hidden, revision.summary_hidden))
    audit.record(session, admin, "unredact", page=revision.page, revision=revision)
    changes.page_changed(session, revision.page_id, placed=True)


def _set(session, revision, values, *, expected):
    """Compare-and-set the redaction fields, so two librarians cannot both change them."""
    changed = session.execute(
        update(Revision).where(Revision.id == revision.id,
                               Revision.text_hidden.is_(expected[0]),
                               Revision.summary_hidden.is_(expected[1]))
        .values(**values).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise InvalidTransition("Another librarian changed this revision's redaction a moment ago.")
    for name, value in values.items():
        set_committed_value(revision, name, value)
