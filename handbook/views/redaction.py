"""Hiding a revision's text or summary (librarians), and showing it again (admins)."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook.forms import ActionForm
from handbook.forms import HideRevisionForm
from handbook.models import Revision
from handbook.services import reading
from handbook.services import redaction
from handbook.services.errors import NotFound
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import user
from handbook.views.editing import published_page

blueprint = Blueprint("redaction", __name__)


def _revision(session, page, revision_id):
    revision = session.get(Revision, revision_id)
    if revision is None or revision.page_id != page.id:
        raise NotFound("There is no such revision of this page.")
    return revision


@blueprint.route("/wiki/<slug>/revisions/<int:revision_id>/hide", methods=["GET", "POST"])
@allowed(permissions.may_review)
def hide(slug, revision_id):
    session = db.get_session()
    page = published_page(session, slug)
    revision = _revision(session, page, revision_id)
    permissions.require(permissions.may_redact(current_user, revision),
                        "Only published revisions of your sections' pages can be hidden.")
    form = HideRevisionForm()
    if not form.is_submitted():
        return render_template("hide_revision.html", page=page, revision=revision, form=form)
    if not form.validate():
        return render_template("hide_revision.html", page=page, revision=revision, form=form,
                               error="The form had expired; try again."), 400
    shown, problem = attempt(lambda session: redaction.hide(
        session, user(), revision, text=form.hide_text.data, summary=form.hide_summary.data,
        reason=form.reason.data))
    if problem is not None:
        return render_template("hide_revision.html", page=page, revision=revision, form=form,
                               error=str(problem)), 400
    message = "Hidden from everyone but librarians and admins."
    if shown is not None and shown.id != revision.id and form.hide_text.data:
        message += f" The page now shows revision {reading.number_in_history(session, shown)}."
    flash(message, "success")
    return redirect(url_for("reading.history", slug=page.slug))


@blueprint.post("/wiki/<slug>/revisions/<int:revision_id>/unhide")
@allowed(permissions.may_unredact)
def unhide(slug, revision_id):
    session = db.get_session()
    page = published_page(session, slug)
    revision = _revision(session, page, revision_id)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: redaction.unhide(session, user(), revision),
                        "Shown again. The page's current text is unchanged: revert to this"
                        " revision to make it current.")
    return redirect(url_for("reading.history", slug=page.slug))
