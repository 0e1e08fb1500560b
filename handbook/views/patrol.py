"""The patrol queue: trusted contributors' published edits, for librarians to look over."""

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook.diffing import line_diff
from handbook.forms import ActionForm
from handbook.services import guard
from handbook.services import patrol
from handbook.services import screening
from handbook.views.common import allowed
from handbook.views.common import attempt_and_say
from handbook.views.common import own_host
from handbook.views.common import renderer
from handbook.views.common import user

blueprint = Blueprint("patrol", __name__)


@blueprint.get("/review/patrol")
@allowed(permissions.may_review)
def queue():
    session = db.get_session()
    edits = patrol.queue(session, user())
    changes = {}
    for edit in edits:
        before = edit.base_revision.body if edit.base_revision else ""
        findings = screening.findings(edit.page.section, edit.author, before, edit.body,
                                      own_host())
        changes[edit.id] = guard.flag_rows(line_diff(before, edit.body), findings)
    return render_template("review_patrol.html", edits=edits, changes=changes)


@blueprint.post("/review/patrol/<int:revision_id>/patrolled")
@allowed(permissions.may_review)
def mark(revision_id):
    edit = patrol.get_edit(db.get_session(), current_user, revision_id)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: patrol.mark_patrolled(session, user(), edit),
                        f"Marked “{edit.title}” patrolled.")
    return redirect(url_for("patrol.queue"))


@blueprint.post("/review/patrol/<int:revision_id>/revert")
@allowed(permissions.may_review)
def revert(revision_id):
    edit = patrol.get_edit(db.get_session(), current_user, revision_id)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: patrol.revert(session, user(), edit, renderer=renderer()),
                        f"Reverted the edit to “{edit.title}”; the text before it is live again.")
    return redirect(url_for("patrol.queue"))
