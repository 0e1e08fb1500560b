"""A contributor's own proposals: list, withdraw, amend."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from handbook import db
from handbook.forms import ActionForm
from handbook.forms import EditForm
from handbook.services import moderation
from handbook.services import reading
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.views.common import check_encoding
from handbook.views.editing import announce

blueprint = Blueprint("proposals", __name__)


@blueprint.get("/me/proposals")
@login_required
def mine():
    return render_template("proposals.html",
                           proposals=reading.my_proposals(db.get_session(), current_user))


def _own_pending(session, revision_id):
    """The user's own proposal (404 for anyone else's, whatever its id)."""
    proposal = moderation.get_proposal(session, current_user, revision_id)
    if proposal.author_id != current_user.id:
        raise moderation.NotFound("No such proposal.")
    return proposal


@blueprint.post("/me/proposals/<int:revision_id>/withdraw")
@login_required
def withdraw(revision_id):
    session = db.get_session()
    _own_pending(session, revision_id)
    if ActionForm().validate_on_submit():
        try:
            moderation.withdraw(session, current_user, revision_id)
            session.commit()
            flash("Proposal withdrawn.", "info")
        except InvalidTransition as late:
            session.rollback()
            flash(str(late), "info")
    return redirect(url_for("proposals.mine"))


@blueprint.route("/me/proposals/<int:revision_id>/amend", methods=["GET", "POST"])
@login_required
def amend(revision_id):
    session = db.get_session()
    proposal = _own_pending(session, revision_id)
    form = EditForm()
    if request.method == "GET":
        form.body.data, form.summary.data = proposal.body, proposal.summary
        return render_template("amend.html", proposal=proposal, form=form)
    if not form.validate_on_submit():
        return render_template("amend.html", proposal=proposal, form=form), 400
    try:
        check_encoding()
        outcome = moderation.amend(session, current_user, revision_id, body=form.body.data,
                                   summary=form.summary.data)
        session.commit()
    except EditConflict as conflict:
        session.rollback()
        return render_template("amend.html", proposal=proposal, form=form, conflict=conflict,
                               error=str(conflict)), 409
    except (InvalidInput, NoChange, InvalidTransition) as problem:
        session.rollback()
        return render_template("amend.html", proposal=proposal, form=form, error=str(problem)), 400
    announce(outcome)
    return redirect(url_for("proposals.mine"))
