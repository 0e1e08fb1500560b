"""A proposal's discussion: notes between its author and librarians, kept across amendments
and never shown to anyone else."""

from sqlalchemy import select

from handbook import db
from handbook import permissions
from handbook.models import ProposalNote
from handbook.render_budget import RenderRefused
from handbook.services import events
from handbook.services import links
from handbook.services.errors import InvalidInput
from handbook.services.validation import MAX_REASON_CHARS
from handbook.services.validation import clean_body


def thread_of(proposal):
    return proposal.thread_id or proposal.id


def notes(session, proposal):
    """The discussion of a proposal and of those it amended, oldest first."""
    return session.scalars(select(ProposalNote).where(ProposalNote.thread_id == thread_of(proposal))
                           .order_by(ProposalNote.id)).all()


def add_note(session, user, proposal, body, *, renderer, tell=True):
    """Write a note (markdown, sanitized as pages are); the other side is told (unless the
    note comes with a decision that tells them itself)."""
    permissions.require(permissions.may_discuss(user, proposal),
                        "Only the author and librarians may write here, while the proposal is open.")
    if not (body or "").strip():
        raise InvalidInput("Write something first.", "body")
    body = clean_body(body)
    if len(body) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep a note to {MAX_REASON_CHARS} characters.", "body")
    try:
        html = links.render_text(session, renderer, body).html
    except RenderRefused as refused:
        raise InvalidInput(str(refused), "body") from None
    db.begin_write(session)
    note = ProposalNote(thread_id=thread_of(proposal), author_id=user.id, body=body, html=html)
    session.add(note)
    session.flush()
    if tell:
        events.proposal_note(session, proposal, note, user)
    return note
