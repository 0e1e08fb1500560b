"""A contributor's own proposals: list, withdraw, amend (and resolve a conflict while amending)."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from handbook import db
from handbook import rate_limits
from handbook.forms import ActionForm
from handbook.forms import EditForm
from handbook.forms import NoteForm
from handbook.services import discussion
from handbook.models import RevisionStatus
from handbook.services import moderation
from handbook.services import pages
from handbook.services import queue_health
from handbook.services import reading
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import form_id
from handbook.views.common import renderer
from handbook.views.common import user
from handbook.views.editing import announce
from handbook.views.editing import screen

blueprint = Blueprint("proposals", __name__)


@blueprint.get("/me/proposals")
@login_required
def mine():
    session = db.get_session()
    proposals = reading.my_proposals(session, current_user)
    places = {proposal.id: queue_health.place(session, proposal) for proposal in proposals
              if proposal.status is RevisionStatus.pending}
    return render_template("proposals.html", proposals=proposals, places=places)


@blueprint.post("/me/proposals/<int:revision_id>/second-look")
@login_required
def second_look(revision_id):
    _own(db.get_session(), revision_id)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: moderation.ask_second_look(session, user(), revision_id),
                        "Asked: another librarian will look at it again.")
    return redirect(url_for("proposals.mine"))


def _own(session, revision_id):
    """The user's own proposal (404 for anyone else's, whatever its id)."""
    proposal = moderation.get_proposal(session, current_user, revision_id)
    if proposal.author_id != current_user.id:
        raise moderation.NotFound("No such proposal.")
    return proposal


@blueprint.post("/me/proposals/<int:revision_id>/withdraw")
@login_required
def withdraw(revision_id):
    _own(db.get_session(), revision_id)
    if ActionForm().validate_on_submit():
        _, problem = attempt(lambda session: moderation.withdraw(session, user(), revision_id))
        flash(str(problem) if problem else "Proposal withdrawn.", "info")
    return redirect(url_for("proposals.mine"))


@blueprint.route("/me/proposals/<int:revision_id>/amend", methods=["GET", "POST"])
@login_required
@rate_limits.expensive
@rate_limits.propose
def amend(revision_id):
    session = db.get_session()
    proposal = _own(session, revision_id)
    form = EditForm()
    if request.method == "GET":
        draft = moderation.amend_draft(proposal)
        form.body.data, form.summary.data = draft.body, proposal.summary
        form.base_revision_id.data = draft.base_revision_id or ""
        page = proposal.page
        form.tags.data = ", ".join(proposal.tags if proposal.tags is not None else page.tags or [])
        form.page_summary.data = (proposal.page_summary if proposal.page_summary is not None
                                  else page.summary)
        return amend_page(proposal, form=form, draft=draft)
    if not form.validate_on_submit():
        return amend_page(proposal, 400, form=form)
    current = proposal.page.current_revision
    findings = screen(proposal.page.section, current.body if current else "", form.body.data)
    if findings:
        return amend_page(proposal, form=form, findings=findings)
    outcome, problem = attempt(lambda session: moderation.amend(
        session, user(), revision_id, body=form.body.data, summary=form.summary.data,
        base_revision_id=form_id(form.base_revision_id.data), renderer=renderer(),
        details=pages.details(proposal.page if proposal.page.is_published else None,
                              form.tags.data, form.page_summary.data)))
    if problem is not None:
        return amend_page(proposal, 400, form=form, error=str(problem))
    announce(outcome)
    return redirect(url_for("proposals.mine"))


def amend_page(proposal, status=200, *, form=None, note_form=None, **extra):
    """The author's page for a proposal: its text to amend and its discussion."""
    if form is None:
        draft = moderation.amend_draft(proposal)
        form = EditForm(formdata=None, body=draft.body, summary=proposal.summary,
                        base_revision_id=draft.base_revision_id or "")
        extra.setdefault("draft", draft)
    return render_template("amend.html", proposal=proposal, form=form,
                           note_form=note_form or NoteForm(formdata=None),
                           notes=discussion.notes(db.get_session(), proposal), **extra), status
