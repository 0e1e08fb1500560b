"""Review freshness: when a librarian last checked each page, and when it is due again.

Publishing a page counts as reviewing it; "mark reviewed" resets the clock without a new
revision. A section with a review interval (in months) makes its pages due that long after
their last review; `/review/due` lists those past their date, oldest first.
"""

import calendar

from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import permissions
from handbook.models import Page
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import queues
from handbook.services.errors import InvalidInput
from handbook.services.validation import clean_summary

#: the longest review interval a section may set
MAX_INTERVAL_MONTHS = 120


def add_months(moment, months):
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def counts_as_review(reviewer):
    """A librarian publishing (or the handbook importing its own content) reviews the page."""
    return permissions.is_librarian(reviewer) or reviewer.is_system


def note_review(page, reviewer, at):
    """Record a review of `page` (inside the caller's write)."""
    page.reviewed_at, page.reviewed_by_id = at, reviewer.id
    page.review_due_at = due_after(page.section, at)


def due_after(section, reviewed_at):
    months = section.review_interval_months
    return add_months(reviewed_at, months) if months and reviewed_at else None


def mark_reviewed(session, librarian, page, note=""):
    """Reset the page's review clock without a new revision; audited with the note."""
    permissions.require(permissions.may_review_section(librarian, page.section_id))
    note = clean_summary(note, field="note")
    if not page.is_published:
        raise InvalidInput("Only published pages are reviewed.")
    db.begin_write(session)
    note_review(page, librarian, utcnow())
    audit.record(session, librarian, "mark reviewed", page=page, detail=note)
    changes.page_changed(session, page.id)


def set_interval(session, section, months):
    """Give `section` a review interval (None: never due) and re-date its pages (inside the
    caller's write)."""
    if months is not None and not 1 <= months <= MAX_INTERVAL_MONTHS:
        raise InvalidInput(f"A review interval is between 1 and {MAX_INTERVAL_MONTHS} months.",
                           "review_interval_months")
    section.review_interval_months = months
    for page in section.pages:
        page.review_due_at = due_after(section, page.reviewed_at)
    changes.layout_changed(session)


def due_pages(session, librarian, limit=200):
    """Published pages past their review date in the librarian's sections, most overdue first."""
    return session.scalars(queues.in_sections(select(Page).where(
        Page.current_revision_id.is_not(None), Page.review_due_at <= utcnow()), librarian)
        .order_by(Page.review_due_at, Page.id).limit(limit)).all()

