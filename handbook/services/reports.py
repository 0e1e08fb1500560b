"""Readers' reports of problems on a page, and the librarians' queue that resolves them.

Anyone may report a published page; nothing identifies a reader who is not logged in. The
librarians of the page's section see one queue item per page with open reports, fix the page
with the usual tools, and resolve its reports at once, saying what was done.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from handbook import db
from handbook import permissions
from handbook.models import CommentState
from handbook.models import Page
from handbook.models import Report
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import events
from handbook.services import queues
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NotFound
from handbook.services.validation import MAX_REASON_CHARS
from handbook.services.validation import clean_summary

#: what a reader may say is wrong, in the order the form offers them
REASONS = {
    "factually_wrong": "It is factually wrong",
    "out_of_date": "It is out of date",
    "harmful": "It is harmful or unsafe",
    "personal_data": "It contains personal or confidential information",
    "spam": "It is spam or advertising",
    "other": "Something else",
}
#: what a librarian did about a page's reports
RESOLUTIONS = {
    "edited": "Fixed by editing the page",
    "reverted": "Fixed by reverting to an earlier version",
    "redacted": "A revision's text was hidden",
    "protected": "The page was protected",
    "comment_hidden": "The comment was hidden",
    "dismissed": "Dismissed: nothing to change",
}
#: resolved reports shown beside a page's open ones
RECENTLY_RESOLVED = 5
OUTSIDE = "This page is in a section you do not review, so its reports are not yours to resolve."


@dataclass
class ReportedPage:
    """A page with open reports: how many, of which reasons, since when."""

    page: Page
    count: int
    reasons: dict[str, int]
    first_at: datetime
    latest_at: datetime


@dataclass
class PageReports:
    """A page's open reports, oldest first, and its latest resolved ones, newest first."""

    open: list[Report]
    resolved: list[Report]


def report(session, user, page, reason, note, comment=None):
    """Store a reader's report on a published page (or on a published comment in its
    discussion), as of the revision they saw; the reporter is kept only for a logged-in
    member, who hears when it is resolved."""
    permissions.require(permissions.may_report(user))
    if page is None or not page.is_published:
        raise NotFound("There is no page here.")
    if comment is not None and (comment.page_id != page.id
                                or comment.state is not CommentState.published):
        raise NotFound("There is no such comment.")
    if reason not in REASONS:
        raise InvalidInput("Choose what is wrong with the page.", "reason")
    note = clean_summary(note, MAX_REASON_CHARS, "note")
    db.begin_write(session)
    made = Report(page_id=page.id, revision_id=page.current_revision_id, reason=reason,
                  note=note, reporter_id=user.id if permissions.is_member(user) else None,
                  comment_id=comment.id if comment is not None else None)
    session.add(made)
    return made


def _open_in_sections(query, librarian):
    """`query` over reports narrowed to open ones on pages in the librarian's sections."""
    return queues.in_sections(query.join(Page, Page.id == Report.page_id), librarian).where(
        Report.resolved_at.is_(None))


def open_items(session, librarian):
    """The queue: one item per page with open reports in the librarian's sections, the
    longest waiting first."""
    permissions.require(permissions.may_review(librarian))
    rows = session.execute(_open_in_sections(
        select(Report.page_id, Report.reason, func.count(Report.id), func.min(Report.created_at),
               func.max(Report.created_at)), librarian)
        .group_by(Report.page_id, Report.reason)).all()
    pages = {page.id: page for page in session.scalars(
        select(Page).options(joinedload(Page.section))
        .where(Page.id.in_({row[0] for row in rows})))} if rows else {}
    items = {}
    for page_id, reason, count, first_at, latest_at in rows:
        item = items.setdefault(page_id, ReportedPage(pages[page_id], 0, {}, first_at, latest_at))
        item.count += count
        item.reasons[reason] = count
        item.first_at, item.latest_at = min(item.first_at, first_at), max(item.latest_at, latest_at)
    for item in items.values():
        item.reasons = {key: item.reasons[key] for key in REASONS if key in item.reasons}
    return sorted(items.values(), key=lambda item: (item.first_at, item.page.id))


def reports_for(session, librarian, page):
    """The page's open reports and, for context, the last few resolved ones."""
    permissions.require(permissions.may_resolve_reports(librarian, page.section_id), OUTSIDE)
    query = select(Report).options(joinedload(Report.reporter), joinedload(Report.resolved_by),
                                   joinedload(Report.comment)) \
        .where(Report.page_id == page.id)
    return PageReports(
        open=session.scalars(query.where(Report.resolved_at.is_(None))
                             .order_by(Report.created_at, Report.id)).all(),
        resolved=session.scalars(query.where(Report.resolved_at.is_not(None))
                                 .order_by(Report.resolved_at.desc(), Report.id.desc())
                                 .limit(RECENTLY_RESOLVED)).all())


def resolve(session, librarian, page, resolution, note, *, up_to_id):
    """Resolve the page's open reports up to `up_to_id` (those the librarian saw; a later one
    stays open), saying what was done; reporters with an account are told. How many."""
    permissions.require(permissions.may_resolve_reports(librarian, page.section_id), OUTSIDE)
    if resolution not in RESOLUTIONS:
        raise InvalidInput("Choose what was done about the reports.", "resolution")
    note = clean_summary(note, MAX_REASON_CHARS, "note")
    if resolution == "dismissed" and not note:
        raise InvalidInput("Say why nothing needs to change; the reporters are told.", "note")
    if not up_to_id:
        raise InvalidInput("The form named no report: reload the page and try again.")
    db.begin_write(session)
    resolved = [tuple(row) for row in session.execute(
        update(Report).where(Report.page_id == page.id, Report.resolved_at.is_(None),
                             Report.id <= up_to_id)
        .values(resolved_at=utcnow(), resolved_by_id=librarian.id, resolution=resolution,
                resolution_note=note)
        .returning(Report.id, Report.reporter_id))]
    if not resolved:
        raise InvalidTransition("Another librarian resolved these reports already.")
    label = RESOLUTIONS[resolution]
    audit.record(session, librarian, "resolve reports", page=page,
                 detail=f"{len(resolved)} report{'s' if len(resolved) != 1 else ''}: {label}"
                        + (f". {note}" if note else ""))
    events.report_resolved(session, page, resolved, librarian, label, note)
    return len(resolved)
