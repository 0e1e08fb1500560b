"""Undo everything one account did: a confirmation page listing it all, then one action."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook.forms import UndoAccountForm
from handbook.services import accounts
from handbook.services import cleanup
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import user

blueprint = Blueprint("cleanup", __name__)


@blueprint.route("/users/<name>/undo", methods=["GET", "POST"])
@allowed(permissions.may_review)
def undo(name):
    session = db.get_session()
    person = accounts.get_by_name(session, name)
    plan = cleanup.plan(session, current_user, person)
    form = UndoAccountForm()
    if not form.is_submitted():
        form.digest.data = plan.digest
        return render_template("undo_account.html", person=person, plan=plan, form=form)
    if not form.validate():
        return _again(person, plan, form, "The form had expired; try again.")
    done, problem = attempt(lambda session: cleanup.undo_all(
        session, user(), person, digest=form.digest.data, block=form.block.data))
    if problem is not None:
        return _again(person, cleanup.plan(db.get_session(), current_user, person), form,
                      str(problem))
    flash(f"Undid {person.public_name}'s work: {len(done.proposals)} proposal(s) withdrawn,"
          f" {len(done.reverts)} page(s) reverted or removed,"
          f" {len(done.comments)} comment(s) rejected or hidden"
          + (", account blocked." if form.block.data else "."), "success")
    return redirect(url_for("reading.person", name=person.name))


def _again(person, plan, form, error):
    form.digest.data = plan.digest
    return render_template("undo_account.html", person=person, plan=plan, form=form,
                           error=error), 400
