"""The librarians' review queue: inspect a proposal, discuss it, and decide: approve, approve
with edits, request changes, or reject with a reason."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from handbook import db
from handbook import permissions
from handbook.diffing import changed_passages
from handbook.diffing import line_diff
from handbook.diffing import side_by_side
from handbook.forms import ActionForm
from handbook.forms import ApproveEditsForm
from handbook.forms import NoteForm
from handbook.forms import RejectProposalForm
from handbook.forms import RequestChangesForm
from handbook.models import RevisionStatus
from handbook.search.query import MAX_QUERY_CHARS
from handbook.search.query import clean
from handbook import rate_limits
from handbook.services import claims
from handbook.services import discussion
from handbook.services import guard
from handbook.services import moderation
from handbook.services import pages
from handbook.services import protection
from handbook.services import queue_health
from handbook.services import reading
from handbook.services import reasons
from handbook.services import screening
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import form_id
from handbook.views.common import own_host
from handbook.views.common import renderer
from handbook.views.common import user
from handbook.views.proposals import amend_page

blueprint = Blueprint("review", __name__)


@blueprint.get("/review")
@allowed(permissions.may_review)
def queue():
    """The queue: my sections by default (`scope=all` for every section), filtered and sorted."""
    text = clean(request.args.get("q", ""))[:MAX_QUERY_CHARS]
    filters = {name: request.args.get(name, "")[:120] for name in reading.QUEUE_FILTERS}
    sort = request.args.get("sort") if request.args.get("sort") in reading.QUEUE_SORTS else "oldest"
    mine = request.args.get("scope") != "all"
    found = reading.review_queue(db.get_session(), text, librarian=user(), mine=mine,
                                 filters=filters, sort=sort)
    return render_template("review_queue.html", queue=found, items=found.items, query=text,
                           filters={name: value for name, value in filters.items() if value},
                           sort=sort, mine=mine, sorts=reading.QUEUE_SORTS,
                           everywhere=permissions.reviews_every_section(current_user),
                           sections={section.slug: section.title
                                     for section in reading.sections(db.get_session())})


@blueprint.get("/review/stats")
@allowed(permissions.may_review)
def stats():
    return render_template("review_stats.html", health=queue_health.health(db.get_session()))


@blueprint.post("/review/<int:revision_id>/claim")
@allowed(permissions.may_review)
def claim(revision_id):
    """Claim ("I'm reviewing this"), or release with `release=1`."""
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    if ActionForm().validate_on_submit():
        minutes = current_app.config["REVIEW_CLAIM_MINUTES"]
        if request.form.get("release") == "1":
            _, problem = attempt(lambda session: claims.release(session, user(), proposal))
            message = "Released: others see it as free to review."
        else:
            _, problem = attempt(lambda session: claims.claim(session, user(), proposal, minutes))
            message = f"You are reviewing this; others see that for {minutes} minutes."
        flash(str(problem) if problem else message, "info" if problem else "success")
    return redirect(url_for("review.item", revision_id=revision_id))


def _confirmed():
    """Whether the decider ticked "Decide anyway" over another librarian's claim."""
    return request.form.get("confirm_claim") == "1"


def _undecided(proposal, problem):
    """After a refused decision: to the proposal's rebased successor if the page moved on,
    else back to the queue, saying why."""
    later = moderation.successor(db.get_session(), proposal)
    if later is not None and later.status is RevisionStatus.pending:
        flash(f"The page changed, so this proposal was rebased onto the current text as"
              f" #{later.id}: check it there before deciding.", "info")
        return redirect(url_for("review.item", revision_id=later.id))
    flash(str(problem), "info")
    return redirect(url_for("review.queue"))


def reject_form(session, form=None):
    """The rejection form, offering the handbook's canned reasons."""
    form = form or RejectProposalForm()
    form.reason_id.choices = [(0, "Choose a reason, or write one below")] + [
        (reason.id, reason.text) for reason in reasons.all_reasons(session)]
    return form


#: how much unchanged text the review diff shows around each change (?context=all: the whole)
CONTEXT_LINES = 3
WHOLE_TEXT = 10**9


def _show(proposal, status=200, **extra):
    session = db.get_session()
    page = proposal.page
    current = page.current_revision
    base = proposal.base_revision
    findings = flagged(proposal)
    context = "all" if request.args.get("context") == "all" else None
    lines = WHOLE_TEXT if context else CONTEXT_LINES
    view = request.args.get("view") if request.args.get("view") in ("split", "unified") else None
    published_text = current.body if current else ""
    against_published = guard.flag_rows(line_diff(published_text, proposal.body, lines), findings)
    against_base = None
    if proposal.base_revision_id != page.current_revision_id:
        against_base = guard.flag_rows(line_diff(base.body if base else "", proposal.body, lines),
                                       findings)
    return render_template(
        "review_item.html", proposal=proposal, page=page, current=current,
        against_published=against_published, against_base=against_base,
        published_pairs=side_by_side(against_published),
        base_pairs=side_by_side(against_base) if against_base else None,
        looks=_how_it_will_look(session, proposal, published_text), view=view, context=context,
        detail_changes=_detail_changes(page, proposal),
        places=reading.places_in_history(session, page),
        reject_form=reject_form(session, extra.pop("reject_form", None)),
        changes_form=extra.pop("changes_form", None) or RequestChangesForm(),
        note_form=extra.pop("note_form", None) or NoteForm(),
        notes=discussion.notes(session, proposal), action_form=ActionForm(),
        successor=moderation.successor(session, proposal),
        approvals=protection.approvals(session, proposal),
        claimed_by=claims.holder(proposal), findings=findings,
        **extra,
    ), status


def _detail_changes(page, proposal):
    """(what, now, proposed) for the page's tags and summary where the proposal changes them."""
    shown = {"tags": lambda tags: ", ".join(tags) or "none", "summary": lambda text: text or "none"}
    labels = {"tags": "Tags", "summary": "Page summary"}
    return [(labels[name], shown[name](now), shown[name](proposed))
            for name, (now, proposed) in pages.details_of(proposal).changed(page).items()]


def _how_it_will_look(session, proposal, published_text):
    """The proposal rendered as readers will see it: a new page whole, an edit only in the
    passages (a heading and what follows it) it adds or changes."""
    if not published_text:
        return [proposal.html]
    return [pages.render(session, renderer(), passage).html
            for passage in changed_passages(published_text, proposal.body)]


def flagged(proposal, body=None):
    """The confidentiality guard's findings in what the proposal (or a librarian's edit of
    it, `body`) adds to the published text."""
    current = proposal.page.current_revision
    return screening.findings(proposal.page.section, proposal.author,
                              current.body if current else "",
                              proposal.body if body is None else body, own_host())


@blueprint.get("/review/<int:revision_id>")
@allowed(permissions.may_review)
def item(revision_id):
    return _show(moderation.get_proposal(db.get_session(), current_user, revision_id))


@blueprint.post("/review/<int:revision_id>/approve")
@allowed(permissions.may_review)
def approve(revision_id):
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("review.item", revision_id=revision_id))
    if request.form.get("confirm_findings") != "1" and flagged(proposal):
        return _show(proposal, 400, error="The confidentiality guard flagged passages in this"
                     " proposal: check them, tick the box to confirm, then approve.")
    published, problem = attempt(lambda session: moderation.approve(
        session, user(), revision_id, renderer=renderer(), confirm_claim=_confirmed()))
    if isinstance(problem, EditConflict):
        return _show(proposal, 409, conflict=problem, error=str(problem))
    if isinstance(problem, InvalidInput):
        return _show(proposal, 400, error=str(problem))
    if problem is not None:
        return _undecided(proposal, problem)
    if published is None:
        flash("Your approval is recorded. This page needs two: another librarian's approval"
              " will publish it.", "success")
        return redirect(url_for("review.queue"))
    flash(f"Approved and published “{published.title}”.", "success")
    return redirect(url_for("review.queue"))


@blueprint.post("/review/<int:revision_id>/reject")
@allowed(permissions.may_review)
def reject(revision_id):
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    form = reject_form(session)
    if not form.validate_on_submit():
        return _show(proposal, 400, reject_form=form, error="The form had expired; try again.")
    _, problem = attempt(lambda session: moderation.reject(
        session, user(), revision_id, form.reason.data, reason_id=form.reason_id.data or None,
        confirm_claim=_confirmed()))
    if isinstance(problem, InvalidInput):
        return _show(proposal, 400, reject_form=form, error=str(problem))
    if problem is not None:
        return _undecided(proposal, problem)
    flash("Rejected; the author will see your reason.", "info")
    return redirect(url_for("review.queue"))


@blueprint.post("/review/<int:revision_id>/request-changes")
@allowed(permissions.may_review)
@rate_limits.expensive
def request_changes(revision_id):
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    form = RequestChangesForm()
    if not form.validate_on_submit():
        return _show(proposal, 400, changes_form=form, error="The form had expired; try again.")
    _, problem = attempt(lambda session: moderation.request_changes(
        session, user(), revision_id, form.note.data, renderer=renderer(),
        confirm_claim=_confirmed()))
    if isinstance(problem, InvalidInput):
        return _show(proposal, 400, changes_form=form, error=str(problem))
    if problem is not None:
        return _undecided(proposal, problem)
    flash(f"Sent back to {proposal.author.public_name} with your note; it returns to the queue"
          " when they amend it.", "success")
    return redirect(url_for("review.queue"))


@blueprint.route("/review/<int:revision_id>/edit", methods=["GET", "POST"])
@allowed(permissions.may_review)
@rate_limits.expensive
def edit(revision_id):
    """Approve with edits: the librarian edits the proposed text, sees the difference from
    what the author sent, and publishes it (credited to both)."""
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    form = ApproveEditsForm()
    if request.method == "GET":
        draft = moderation.amend_draft(proposal)
        form.body.data = draft.body
        form.base_revision_id.data = draft.base_revision_id or ""
        return render_template("approve_edits.html", proposal=proposal, form=form, draft=draft)
    if not form.validate_on_submit():
        return render_template("approve_edits.html", proposal=proposal, form=form,
                               error="The form had expired; try again."), 400
    findings = flagged(proposal, form.body.data or "")
    changes = guard.flag_rows(line_diff(proposal.body, form.body.data or ""), findings)
    if request.form.get("publish") != "1":
        return render_template("approve_edits.html", proposal=proposal, form=form,
                               changes=changes, findings=findings)
    if findings and request.form.get("confirm_findings") != "1":
        return render_template("approve_edits.html", proposal=proposal, form=form,
                               changes=changes, findings=findings,
                               error="The confidentiality guard flagged passages in the text:"
                                     " check them, tick the box to confirm, then publish."), 400
    published, problem = attempt(lambda session: moderation.approve_with_edits(
        session, user(), revision_id, body=form.body.data,
        base_revision_id=form_id(form.base_revision_id.data), renderer=renderer(),
        confirm_claim=_confirmed()))
    if problem is not None:
        return render_template("approve_edits.html", proposal=proposal, form=form,
                               changes=changes, findings=findings, error=str(problem)), 400
    flash(f"Published “{published.title}” with your edits; the author is credited, and you as"
          " editor.", "success")
    return redirect(url_for("review.queue"))


@blueprint.post("/proposals/<int:revision_id>/notes")
@login_required
@rate_limits.expensive
def note(revision_id):
    """A note in a proposal's discussion, from its author or a librarian."""
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    back = (url_for("review.item", revision_id=revision_id) if permissions.may_review(current_user)
            else url_for("proposals.amend", revision_id=revision_id))
    form = NoteForm()
    if not form.validate_on_submit():
        return redirect(back + "#discussion")
    _, problem = attempt(lambda session: discussion.add_note(
        session, user(), proposal, form.body.data, renderer=renderer()))
    if problem is not None:
        if permissions.may_review(current_user):
            return _show(proposal, 400, note_form=form, error=str(problem))
        return amend_page(proposal, 400, note_form=form, error=str(problem))
    flash("Note added; the other side has been told.", "success")
    return redirect(back + "#discussion")
