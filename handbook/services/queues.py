"""The librarians' moderation queues at a glance: how many items wait in each, in the
sections a librarian reviews, counted in one query (for the navigation)."""

from dataclasses import dataclass

from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import select

from handbook import permissions
from handbook.models import Comment
from handbook.models import CommentState
from handbook.models import Page
from handbook.models import Report
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow


@dataclass
class Counts:
    proposals: int
    patrol: int
    reports: int
    due: int
    comments: int


def in_sections(query, librarian):
    """`query` (over pages, or joined to them) narrowed to the sections `librarian` reviews."""
    if permissions.reviews_every_section(librarian):
        return query
    return query.where(Page.section_id.in_([section.id for section in librarian.review_sections]))


def counts(session, librarian):
    """Items waiting in each queue for `librarian`."""
    def on_pages(query, column):
        return in_sections(query.join(Page, Page.id == column), librarian)

    proposals = on_pages(select(func.count(Revision.id)), Revision.page_id).where(
        Revision.status == RevisionStatus.pending)
    patrol = on_pages(select(func.count(Revision.id)), Revision.page_id).where(Revision.unpatrolled)
    reports = on_pages(select(func.count(distinct(Report.page_id))), Report.page_id).where(
        Report.resolved_at.is_(None))
    due = in_sections(select(func.count(Page.id)).where(
        Page.current_revision_id.is_not(None), Page.review_due_at <= utcnow()), librarian)
    held = on_pages(select(func.count(Comment.id)), Comment.page_id).where(
        Comment.state == CommentState.held)
    row = session.execute(select(*(query.scalar_subquery()
                                   for query in (proposals, patrol, reports, due, held)))).one()
    return Counts(*row)
