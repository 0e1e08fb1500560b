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
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.views.common import allowed
from handbook.views.common import check_encoding

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
    ActionForm().validate_on_submit()
    try:
        published = moderation.approve(session, current_user, revision_id)
        session.commit()
    except EditConflict as conflict:
        session.rollback()
        return _show(proposal, 409, conflict=conflict, error=str(conflict))
    except (InvalidTransition, NoChange) as problem:
        session.rollback()
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
    form.validate_on_submit()
    try:
        check_encoding()
        moderation.reject(session, current_user, revision_id, form.reason.data)
        session.commit()
    except InvalidInput as invalid:
        session.rollback()
        return _show(proposal, 400, reject_form=form, error=str(invalid))
    except InvalidTransition as late:
        session.rollback()
        flash(str(late), "info")
        return redirect(url_for("review.queue"))
    flash("Rejected; the author will see your reason.", "info")
    return redirect(url_for("review.queue"))
