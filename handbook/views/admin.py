"""Admins: accounts (roles, blocks, confirming an address by hand), the canned rejection
reasons and the audit log."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook.forms import ActionForm
from handbook.forms import ReasonForm
from handbook.forms import RoleForm
from handbook.models import Role
from handbook.services import accounts
from handbook.services import reading
from handbook.services import reasons
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import user
from handbook.views.common import positive_int

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.get("/users")
@allowed(permissions.may_manage_users)
def users():
    return render_template("admin_users.html", users=reading.users(db.get_session()),
                           action_form=ActionForm(), role_form=RoleForm(),
                           all_sections=reading.sections(db.get_session()))


def _target(session, name):
    target = accounts.get_by_name(session, name)
    if target.is_system:
        raise accounts.NotFound("No such person.")
    return target


@blueprint.post("/users/<name>/role")
@allowed(permissions.may_manage_users)
def set_role(name):
    session = db.get_session()
    target = _target(session, name)
    form = RoleForm()
    if form.validate_on_submit():
        _, problem = attempt(lambda session: accounts.set_role(
            session, user(), target, Role[form.role.data]))
        if problem is not None:
            flash(str(problem), "error")
        else:
            flash(f"{target.name} is now a {target.role.name}.", "success")
    else:
        flash("Choose a role from the list.", "error")
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<name>/block")
@allowed(permissions.may_manage_users)
def block(name):
    session = db.get_session()
    target = _target(session, name)
    if ActionForm().validate_on_submit():
        blocked = request.form.get("blocked") == "1"
        attempt_and_say(lambda session: accounts.set_blocked(session, user(), target, blocked),
                        f"{target.name} is {'blocked' if blocked else 'unblocked'}.")
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<name>/sections")
@allowed(permissions.may_assign_sections)
def sections(name):
    """The sections a librarian reviews: every one, or those ticked."""
    session = db.get_session()
    target = _target(session, name)
    if ActionForm().validate_on_submit():
        every = request.form.get("every") == "1"
        attempt_and_say(lambda session: accounts.set_review_sections(
            session, user(), target, every=every, slugs=request.form.getlist("section")),
            f"{target.name} now reviews {'every section' if every else 'the sections ticked'}.")
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<name>/confirm")
@allowed(permissions.may_manage_users)
def confirm(name):
    session = db.get_session()
    target = _target(session, name)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: accounts.confirm_by_admin(session, user(), target),
                        f"{target.name}'s address is confirmed.")
    return redirect(url_for("admin.users"))


def _reasons_page(status=200, form=None, error=None):
    return render_template("admin_reasons.html", reasons=reasons.all_reasons(db.get_session()),
                           form=form or ReasonForm(formdata=None), action_form=ActionForm(),
                           error=error), status


@blueprint.route("/reasons", methods=["GET", "POST"])
@allowed(permissions.may_manage_reasons)
def reasons_list():
    """The canned reasons librarians choose from when they reject; a POST adds one."""
    if request.method == "GET":
        return _reasons_page()
    form = ReasonForm()
    if not form.validate_on_submit():
        return _reasons_page(400, form, "The form had expired; try again.")
    _, problem = attempt(lambda session: reasons.add(session, user(), form.text.data))
    if problem is not None:
        return _reasons_page(400, form, str(problem))
    flash("Reason added.", "success")
    return redirect(url_for("admin.reasons_list"))


@blueprint.post("/reasons/<int:reason_id>")
@allowed(permissions.may_manage_reasons)
def reason(reason_id):
    """Change a reason's words, or remove it (`remove=1`)."""
    form = ReasonForm()
    if not form.validate_on_submit():
        return _reasons_page(400, error="The form had expired; try again.")
    if request.form.get("remove") == "1":
        _, problem = attempt(lambda session: reasons.remove(session, user(), reason_id))
    else:
        _, problem = attempt(lambda session: reasons.change(session, user(), reason_id, form.text.data))
    if problem is not None:
        return _reasons_page(400, form, str(problem))
    flash("Reason removed." if request.form.get("remove") == "1" else "Reason saved.", "success")
    return redirect(url_for("admin.reasons_list"))


@blueprint.get("/log")
@allowed(permissions.may_read_audit_log)
def log():
    number = positive_int(request.args.get("page"))
    entries, total = reading.audit_log(db.get_session(), number)
    return render_template("audit_log.html", entries=entries, number=number,
                           pages=max(1, -(-total // 100)))
