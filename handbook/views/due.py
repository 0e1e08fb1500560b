"""Review freshness: the pages due for review, and marking a page reviewed."""

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook.forms import MarkReviewedForm
from handbook.services import freshness
from handbook.views.common import allowed
from handbook.views.common import attempt_and_say
from handbook.views.common import user
from handbook.views.editing import published_page

blueprint = Blueprint("due", __name__)


@blueprint.get("/review/due")
@allowed(permissions.may_review)
def queue():
    return render_template("review_due.html", pages=freshness.due_pages(db.get_session(), user()))


@blueprint.post("/wiki/<slug>/reviewed")
@allowed(permissions.may_review)
def mark_reviewed(slug):
    page = published_page(db.get_session(), slug)
    form = MarkReviewedForm()
    if form.validate_on_submit():
        attempt_and_say(lambda session: freshness.mark_reviewed(session, user(), page,
                                                                form.note.data),
                        f"Marked “{page.title}” reviewed today.")
    if request.form.get("back") == "page":
        return redirect(url_for("reading.page", slug=page.slug))
    return redirect(url_for("due.queue"))
