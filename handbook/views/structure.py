"""Librarians curate the structure: create, edit and reorder sections."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook.forms import ActionForm
from handbook.forms import SectionForm
from handbook.services import reading
from handbook.services import protection
from handbook.services import sections
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import renderer
from handbook.views.common import user

blueprint = Blueprint("structure", __name__, url_prefix="/manage/sections")


@blueprint.get("")
@allowed(permissions.may_manage_sections)
def index():
    return render_template("manage_sections.html", contents=reading.contents(db.get_session()),
                           action_form=ActionForm())


@blueprint.route("/new", methods=["GET", "POST"])
@allowed(permissions.may_manage_sections)
def new():
    form = SectionForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("section_form.html", form=form, section=None), status
    created, problem = attempt(lambda session: sections.create_section(
        session, user(), title=form.title.data, summary=form.summary.data,
        introduction=form.introduction.data, renderer=renderer()))
    if problem is not None:
        return render_template("section_form.html", form=form, section=None, error=str(problem)), 400
    flash(f"Section “{created.title}” created.", "success")
    return redirect(url_for("reading.section", slug=created.slug))


@blueprint.route("/<slug>/edit", methods=["GET", "POST"])
@allowed(permissions.may_manage_sections)
def edit(slug):
    session = db.get_session()
    section = sections.get_by_slug(session, slug)
    form = SectionForm(obj=section if request.method == "GET" else None)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("section_form.html", form=form, section=section,
                               levels=protection.LABELS, action_form=ActionForm()), status
    _, problem = attempt(lambda session: sections.update_section(
        session, user(), section, title=form.title.data, summary=form.summary.data,
        introduction=form.introduction.data, renderer=renderer()))
    if problem is not None:
        return render_template("section_form.html", form=form, section=section, error=str(problem)), 400
    flash("Section saved.", "success")
    return redirect(url_for("reading.section", slug=section.slug))


@blueprint.post("/<slug>/protection")
@allowed(permissions.may_protect)
def protect(slug):
    """Set the protection level the section's pages take unless they set their own."""
    section = sections.get_by_slug(db.get_session(), slug)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: protection.set_section_protection(
            session, user(), section, request.form.get("protection", "")), "Protection saved.")
    return redirect(url_for("structure.edit", slug=section.slug))


@blueprint.post("/<slug>/move")
@allowed(permissions.may_manage_sections)
def move(slug):
    session = db.get_session()
    section = sections.get_by_slug(session, slug)
    if ActionForm().validate_on_submit():
        direction = -1 if request.form.get("direction") == "up" else 1
        attempt(lambda session: sections.move_section(session, user(), section, direction))
    return redirect(url_for("structure.index"))
