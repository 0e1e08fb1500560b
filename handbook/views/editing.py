"""Writing: edit a page, create one, preview, and the librarians' revert, rename and move."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.forms import ActionForm
from handbook.forms import EditForm
from handbook.forms import NewPageForm
from handbook.forms import RejectForm
from handbook.forms import RenameForm
from handbook.render_budget import RenderRefused
from handbook.services import links
from handbook.services import pages
from handbook.services import protection
from handbook.services import reading
from handbook.services import screening
from handbook.services import sections
from handbook.services import trust
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.validation import clean_body
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import form_id
from handbook.views.common import own_host
from handbook.views.common import renderer
from handbook.views.common import to_page
from handbook.views.common import user

blueprint = Blueprint("editing", __name__)


def published_page(session, slug):
    found = reading.find_page(session, slug)
    if isinstance(found, reading.Moved) or not found.is_published:
        raise pages.NotFound("There is no page here.")
    return found


def _preview(session, body):
    """Sanitized HTML of the text as it would look, or a message saying why not."""
    try:
        return links.render_text(session, renderer(), clean_body(body)).html, None
    except RenderRefused as refused:
        rate_limits.note_refused_render()
        return None, str(refused)
    except InvalidInput as invalid:
        return None, str(invalid)


def announce(outcome):
    """Tell the author what became of their save."""
    if outcome.duplicate:
        message = "You had just sent this same change; it is waiting for review once, not twice."
    elif outcome.published:
        message = "Published."
    else:
        message = "Your change is waiting for a librarian's review; readers see the published text until then."
    if outcome.merged:
        message = "Someone changed the page while you edited; both changes were merged. " + message
    flash(message, "success")


@blueprint.route("/wiki/<slug>/edit", methods=["GET", "POST"])
@allowed(permissions.may_edit)
@rate_limits.expensive
@rate_limits.propose
def edit(slug):
    session = db.get_session()
    page = published_page(session, slug)
    if not permissions.may_propose(current_user, page.effective_protection):
        return render_template("protected.html", page=page), 403
    form = EditForm()
    if request.method == "GET":
        waiting = None if request.args.get("fresh") else reading.own_pending_proposal(
            session, user(), page)
        if waiting is not None:
            flash("You have a proposal waiting for review on this page: you are continuing it."
                  " To start a separate proposal from the published text instead, use"
                  " “Start a separate proposal”.", "info")
            return redirect(url_for("proposals.amend", revision_id=waiting.id))
        form.body.data = page.current_revision.body
        form.base_revision_id.data = page.current_revision_id
        form.tags.data, form.page_summary.data = ", ".join(page.tags or []), page.summary
        anchor = request.args.get("section", "")
        if anchor:
            form.body.data = pages.section_text(page, anchor)
            if form.body.data is None:
                flash("That section is no longer on the page: here is the whole page.", "info")
                return redirect(url_for("editing.edit", slug=page.slug, fresh=1))
            form.section.data = anchor
        return _edit_page(page, form)
    if not form.validate_on_submit():
        return _edit_page(page, form, 400)
    if request.form.get("action") == "preview":
        html, error = _preview(session, form.body.data)
        return _edit_page(page, form, preview=html, error=error)
    try:
        body = form.body.data
        if form.section.data:
            body = pages.with_section(session, page, form_id(form.base_revision_id.data),
                                      form.section.data, form.body.data)
        details = pages.details(page, form.tags.data, form.page_summary.data)
    except InvalidInput as problem:
        return _edit_page(page, form, 400, error=str(problem))
    findings = screen(page.section, page.current_revision.body, body)
    if findings:
        return _edit_page(page, form, findings=findings)
    outcome, problem = attempt(lambda session: pages.save_edit(
        session, user(), page, body=body, summary=form.summary.data,
        base_revision_id=form_id(form.base_revision_id.data), renderer=renderer(),
        details=details))
    if isinstance(problem, EditConflict):
        form.base_revision_id.data = problem.current.id if problem.current else ""
        return _edit_page(page, form, 409, conflict=problem, error=str(problem))
    if isinstance(problem, NoChange):
        flash(str(problem), "info")
        return to_page(page.slug)
    if problem is not None:
        return _edit_page(page, form, 400, error=str(problem))
    announce(outcome)
    return to_page(page.slug)


def _edit_page(page, form, status=200, **extra):
    """The edit form, saying whether the author is trusted (their edit publishes at once) or
    limited in how many proposals they may have open in the section."""
    standing = None
    if not permissions.is_librarian(current_user):
        standing = trust.standing(db.get_session(), user(), page.section)
    return render_template("edit.html", page=page, form=form, standing=standing, **extra), status


#: the editor's button that sends a text the guard flagged, once the author has seen why
SEND_ANYWAY = "send_anyway"


def screen(section, old, new):
    """The confidentiality guard's findings in a submitted text, unless the author has seen
    them and chose to send it anyway."""
    if request.form.get("action") == SEND_ANYWAY:
        return []
    return screening.findings(section, current_user, old, new, own_host())


@blueprint.route("/new", methods=["GET", "POST"])
@allowed(permissions.may_edit)
@rate_limits.expensive
@rate_limits.propose
def new():
    session = db.get_session()
    form = NewPageForm()
    form.section_id.choices = [(s.id, s.title) for s in reading.sections(session)
                               if permissions.may_propose(current_user, s.protection)]
    if request.method == "GET":
        title = request.args.get("title", "")[:200]
        existing = reading.published_page_titled(session, title) if title else None
        if existing is not None:
            flash(f"A page called “{existing.title}” already exists; here it is.", "info")
            return to_page(existing.slug)
        form.title.data = title
        section_slug = request.args.get("section")
        for choice in reading.sections(session):
            if choice.slug == section_slug:
                form.section_id.data = choice.id
        return render_template("new.html", form=form)
    if not form.validate_on_submit():
        return render_template("new.html", form=form, error="Choose a section."), 400
    if request.form.get("action") == "preview":
        html, error = _preview(session, form.body.data)
        return render_template("new.html", form=form, preview=html, error=error)
    findings = screen(pages.get_section(session, form.section_id.data), "", form.body.data)
    if findings:
        return render_template("new.html", form=form, findings=findings)
    outcome, problem = attempt(lambda session: pages.create_page(
        session, user(), section_id=form.section_id.data, title=form.title.data,
        body=form.body.data, summary=form.summary.data, renderer=renderer(),
        details=pages.details(None, form.tags.data, form.page_summary.data)))
    if problem is not None:
        return render_template("new.html", form=form, error=str(problem)), 400
    announce(outcome)
    if outcome.published:
        return to_page(outcome.revision.page.slug)
    return redirect(url_for("proposals.mine"))


@blueprint.post("/preview")
@allowed(permissions.may_edit)
@rate_limits.expensive
def preview():
    """The rendered, sanitized HTML of a draft, for the editor's live preview."""
    html, error = _preview(db.get_session(), request.form.get("body", ""))
    if error:
        return render_template("preview_error.html", error=error), 400
    return html


@blueprint.post("/wiki/<slug>/revert/<int:revision_id>")
@allowed(permissions.may_revert)
def revert(slug, revision_id):
    session = db.get_session()
    page = published_page(session, slug)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("reading.history", slug=slug))
    revision, problem = attempt(lambda session: pages.revert(
        session, user(), page, revision_id, renderer=renderer()))
    if problem is not None:
        flash(str(problem), "info")
    else:
        numbers = reading.places_in_history(db.get_session(), page)
        flash(f"Reverted: revision {numbers[revision.id].number} restores the text of revision"
              f" {numbers[revision_id].number}.", "success")
    return to_page(page.slug)


@blueprint.route("/wiki/<slug>/rename", methods=["GET", "POST"])
@allowed(permissions.may_rename)
def rename(slug):
    session = db.get_session()
    page = published_page(session, slug)
    form = RenameForm()
    form.section_id.choices = [(s.id, s.title) for s in reading.sections(session)]
    if request.method == "GET":
        form.title.data, form.section_id.data = page.title, page.section_id
        return render_template("rename.html", page=page, form=form, levels=protection.LABELS,
                               action_form=ActionForm())
    if not form.validate_on_submit():
        return render_template("rename.html", page=page, form=form, levels=protection.LABELS,
                               action_form=ActionForm()), 400
    _, problem = attempt(lambda session: pages.rename(
        session, user(), page, title=form.title.data, section_id=form.section_id.data))
    if isinstance(problem, NoChange):
        flash(str(problem), "info")
        return to_page(slug)
    if problem is not None:
        return render_template("rename.html", page=page, form=form, error=str(problem),
                               levels=protection.LABELS, action_form=ActionForm()), 400
    flash(f"Renamed. The old address /wiki/{slug} now redirects here.", "success")
    return to_page(page.slug)


@blueprint.post("/wiki/<slug>/protection")
@allowed(permissions.may_protect)
def protect(slug):
    """Set the page's own protection level, or let it follow its section's."""
    page = published_page(db.get_session(), slug)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: protection.set_page_protection(
            session, user(), page, request.form.get("protection", "")), "Protection saved.")
    return redirect(url_for("editing.rename", slug=page.slug))


@blueprint.route("/wiki/<slug>/remove", methods=["GET", "POST"])
@allowed(permissions.may_remove)
def remove(slug):
    session = db.get_session()
    page = published_page(session, slug)
    section_slug = page.section.slug
    form = RejectForm()
    if not form.validate_on_submit():
        return render_template("remove.html", page=page, form=form), 400 if request.method == "POST" else 200
    _, problem = attempt(lambda session: pages.remove(session, user(), page, form.reason.data))
    if problem is not None:
        return render_template("remove.html", page=page, form=form, error=str(problem)), 400
    flash(f"“{page.title}” was removed. Its history is kept; creating a page with the same title continues it.", "info")
    return redirect(url_for("reading.section", slug=section_slug))


@blueprint.post("/wiki/<slug>/move")
@allowed(permissions.may_manage_sections)
def move(slug):
    session = db.get_session()
    page = published_page(session, slug)
    section_slug = page.section.slug
    if ActionForm().validate_on_submit():
        direction = -1 if request.form.get("direction") == "up" else 1
        attempt(lambda session: sections.move_page(session, user(), page, direction))
    return redirect(url_for("reading.section", slug=section_slug))
