"""The librarians' review queue: inspect a proposal, approve it or reject it with a reason."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import request
from flask import render_template
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook.diffing import line_diff
from handbook.forms import ActionForm
from handbook.forms import RejectForm
from handbook.search.query import MAX_QUERY_CHARS
from handbook.search.query import clean
from handbook.services import moderation
from handbook.services import reading
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import renderer
from handbook.views.common import user

blueprint = Blueprint("review", __name__)


@blueprint.get("/review")
@allowed(permissions.may_review)
def queue():
    text = clean(request.args.get("q", ""))[:MAX_QUERY_CHARS]
    return render_template("review_queue.html", items=reading.review_queue(db.get_session(), text),
                           query=text)


def _show(proposal, status=200, **extra):
    page = proposal.page
    current = page.current_revision
    base = proposal.base_revision
    against_published = line_diff(current.body if current else "", proposal.body)
    against_base = None
    if proposal.base_revision_id != page.current_revision_id:
        against_base = line_diff(base.body if base else "", proposal.body)
    return render_template(
        "review_item.html", proposal=proposal, page=page, current=current,
        against_published=against_published, against_base=against_base,
        reject_form=extra.pop("reject_form", None) or RejectForm(), action_form=ActionForm(),
        **extra,
    ), status


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
    published, problem = attempt(lambda session: moderation.approve(
        session, user(), revision_id, renderer=renderer()))
    if isinstance(problem, EditConflict):
        return _show(proposal, 409, conflict=problem, error=str(problem))
    if isinstance(problem, InvalidInput):
        return _show(proposal, 400, error=str(problem))
    if problem is not None:
        flash(str(problem), "info")
        return redirect(url_for("review.queue"))
    flash(f"Approved and published “{published.title}”.", "success")
    return redirect(url_for("review.queue"))


@blueprint.post("/review/<int:revision_id>/reject")
@allowed(permissions.may_review)
def reject(revision_id):
    session = db.get_session()
    proposal = moderation.get_proposal(session, current_user, revision_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _show(proposal, 400, reject_form=form, error="The form had expired; try again.")
    _, problem = attempt(lambda session: moderation.reject(session, user(), revision_id,
                                                           form.reason.data))
    if isinstance(problem, InvalidInput):
        return _show(proposal, 400, reject_form=form, error=str(problem))
    if problem is not None:
        flash(str(problem), "info")
        return redirect(url_for("review.queue"))
    flash("Rejected; the author will see your reason.", "info")
    return redirect(url_for("review.queue"))
