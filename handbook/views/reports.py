"""Readers' reports: anyone reports a problem on a page; its section's librarians resolve them."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.forms import ReportForm
from handbook.forms import ResolveReportsForm
from handbook.models import CommentState
from handbook.models import Page
from handbook.services import comments
from handbook.services import reports
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import form_id
from handbook.views.common import user
from handbook.views.editing import published_page

blueprint = Blueprint("reports", __name__)


@blueprint.route("/wiki/<slug>/report", methods=["GET", "POST"])
@rate_limits.report
@rate_limits.report_per_address
def new(slug):
    """The report form; a filled-in trap field is thanked like anyone, and nothing is stored."""
    page = published_page(db.get_session(), slug)
    form = ReportForm()
    if request.method == "GET":
        form.comment.data = request.args.get("comment", "")[:20]
    comment = _reported_comment(page, form.comment.data)
    if request.method == "GET":
        return render_template("report.html", page=page, form=form, comment=comment)
    if form.website.data:
        return render_template("report_sent.html", page=page)
    if not form.validate_on_submit():
        return render_template("report.html", page=page, form=form, comment=comment,
                               error="Choose what is wrong with the page."), 400
    _, problem = attempt(lambda session: reports.report(
        session, user(), page, form.reason.data, form.note.data, comment=comment))
    if problem is not None:
        return render_template("report.html", page=page, form=form, comment=comment,
                               error=str(problem)), 400
    return render_template("report_sent.html", page=page)


def _reported_comment(page, value):
    """The published comment on `page` a report is about (None for the page itself)."""
    comment_id = form_id(value)
    if comment_id is None:
        return None
    comment = comments.get(db.get_session(), comment_id)
    if comment.page_id != page.id or comment.state is not CommentState.published:
        raise NotFound("There is no such comment.")
    return comment


@blueprint.get("/review/reports")
@allowed(permissions.may_review)
def queue():
    return render_template("review_reports.html",
                           items=reports.open_items(db.get_session(), user()),
                           reasons=reports.REASONS)


def _reported_page(page_id):
    page = db.get_session().get(Page, page_id)
    if page is None:
        raise NotFound("There is no such page.")
    return page


def _show(page, status=200, form=None, error=None):
    found = reports.reports_for(db.get_session(), user(), page)
    form = form or ResolveReportsForm()
    form.up_to.data = max((report.id for report in found.open), default="")
    return render_template("review_report_item.html", page=page, found=found, form=form,
                           reasons=reports.REASONS, resolutions=reports.RESOLUTIONS,
                           error=error), status


@blueprint.get("/review/reports/<int:page_id>")
@allowed(permissions.may_review)
def item(page_id):
    return _show(_reported_page(page_id))


@blueprint.post("/review/reports/<int:page_id>/resolve")
@allowed(permissions.may_review)
def resolve(page_id):
    page = _reported_page(page_id)
    form = ResolveReportsForm()
    resolved, problem = attempt(lambda session: reports.resolve(
        session, user(), page, form.resolution.data, form.note.data,
        up_to_id=form_id(form.up_to.data)))
    if isinstance(problem, InvalidInput):
        return _show(page, 400, form, str(problem))
    if problem is not None:
        flash(str(problem), "info")
        return redirect(url_for("reports.item", page_id=page_id))
    flash(f"Resolved {resolved} report{'s' if resolved != 1 else ''} on “{page.title}”.",
          "success")
    return redirect(url_for("reports.queue"))
