"""Eager rebase: when a page's published text moves, each of its pending proposals is
brought onto the new text at once, after the commit (outbox kind "rebase").

A clean rebase replaces the proposal with a new pending one (same author, thread and
summary) whose base is the current text; the original stays in the history, superseded, and
the new one names it (`rebased_from_id`). A proposal whose changes overlap the new text goes
to "needs author": its author is told and resolves the conflict when amending. Running it
again changes nothing: a proposal already on the current text is left alone, and so is one
whose change the published text already holds (approving it says so).
"""

import logging

from sqlalchemy import select

from handbook import db
from handbook import outbox
from handbook.diffing import three_way_merge
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.render_budget import RenderRefused
from handbook.services import events
from handbook.services import links
from handbook.services import protection
from handbook.services import workflow
from handbook.services.errors import InvalidTransition

log = logging.getLogger(__name__)
BATCH = 200


def pay(runtime):
    """Rebase the pending proposals of every page owed a rebase."""
    while True:
        with db.new_session(runtime) as session:
            rows = outbox.due(session, "rebase", BATCH)
            if not rows:
                return
            for page_id in _with_pending(session, {page_id for _entry_id, page_id in rows}):
                rebase_page(session, runtime.renderer, page_id)
            db.begin_write(session)
            outbox.settle(session, [entry_id for entry_id, _page_id in rows])
            session.commit()


def _with_pending(session, page_ids):
    """Those of `page_ids` with a pending proposal (most owed pages have none: one query)."""
    return sorted(session.scalars(select(Revision.page_id).distinct().where(
        Revision.page_id.in_(page_ids), Revision.status == RevisionStatus.pending)))


def stale_proposals(session, page):
    return session.scalars(select(Revision).where(
        Revision.page_id == page.id, Revision.status == RevisionStatus.pending,
        Revision.base_revision_id.is_distinct_from(page.current_revision_id))
        .order_by(Revision.id)).all()


def rebase_page(session, renderer, page_id):
    """Rebase each pending proposal of the page that does not start from its current text;
    (clean, conflicting) counts. Each proposal is its own transaction."""
    clean = conflicting = 0
    page = session.get(Page, page_id)
    if page is None or page.current_revision is None:
        return clean, conflicting
    for proposal in stale_proposals(session, page):
        outcome = _rebase(session, renderer, page, proposal)
        clean += outcome == "clean"
        conflicting += outcome == "conflict"
    return clean, conflicting


def _rebase(session, renderer, page, proposal):
    current = page.current_revision
    base_text = proposal.base_revision.body if proposal.base_revision else ""
    result = three_way_merge(base_text, current.body, proposal.body)
    if not result.conflicts and result.text == current.body:
        return None  # the published text already holds this change; approving says so
    rendered = None
    if not result.conflicts:
        try:
            rendered = links.render_text(session, renderer, result.text)
        except RenderRefused as refused:
            log.warning("proposal %s could not be rebased: %s", proposal.id, refused)
            session.rollback()
            return None
    db.begin_write(session)
    if session.scalar(select(Page.current_revision_id).where(Page.id == page.id)) != current.id:
        session.rollback()  # the page moved again: the rebase owed for that move will do it
        return None
    try:
        if rendered is None:
            workflow.move(session, proposal, "conflict")
            events.proposal_needs_author(session, proposal, current)
            outcome = "conflict"
        else:
            _replace(session, proposal, current, result.text, rendered)
            outcome = "clean"
    except InvalidTransition:
        session.rollback()  # decided meanwhile
        return None
    session.commit()
    return outcome


def _replace(session, proposal, current, text, rendered):
    workflow.move(session, proposal, "rebase")
    rebased = Revision(
        page_id=proposal.page_id, title=proposal.title, body=text, summary=proposal.summary,
        tags=proposal.tags, page_summary=proposal.page_summary,
        author_id=proposal.author_id, base_revision_id=current.id, status=RevisionStatus.pending,
        rebased_from_id=proposal.id, thread_id=proposal.thread_id or proposal.id,
        created_at=proposal.created_at, **workflow.second_look_of(proposal))
    links.store_rendering(rebased, rendered)
    session.add(rebased)
    session.flush()
    protection.carry_approvals(session, proposal, rebased)
    return rebased
