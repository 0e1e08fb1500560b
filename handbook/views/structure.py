"""Librarians curate the structure: create, edit and reorder sections."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook.forms import ActionForm
from handbook.forms import SectionForm
from handbook.forms import SectionRulesForm
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
        return _section_page(section, form=form, status=status)
    _, problem = attempt(lambda session: sections.update_section(
        session, user(), section, title=form.title.data, summary=form.summary.data,
        introduction=form.introduction.data, renderer=renderer()))
    if problem is not None:
        return _section_page(section, form=form, error=str(problem))
    flash("Section saved.", "success")
    return redirect(url_for("reading.section", slug=section.slug))


def _section_page(section, *, form=None, rules=None, error=None, status=400):
    """The section's edit page: its text, rules and protection."""
    return render_template(
        "section_form.html", section=section, form=form or SectionForm(obj=section),
        rules=rules or SectionRulesForm(obj=section), levels=protection.LABELS,
        action_form=ActionForm(), error=error), status


@blueprint.post("/<slug>/rules")
@allowed(permissions.may_manage_sections)
def rules(slug):
    """Review interval, guard phrases and (admins) trust thresholds."""
    session = db.get_session()
    section = sections.get_by_slug(session, slug)
    form = SectionRulesForm()
    admin = permissions.may_set_trust_rules(current_user)
    if not admin:
        for name in sections.THRESHOLDS:
            form[name].validators = []
    if not form.validate_on_submit():
        return _section_page(section, rules=form, error="Check the rules: " + "; ".join(
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()))
    thresholds = {name: form[name].data for name in sections.THRESHOLDS} if admin else None
    _, problem = attempt(lambda session: sections.set_rules(
        session, user(), section, review_interval_months=form.review_interval_months.data,
        guard_phrases=form.guard_phrases.data, thresholds=thresholds))
    if problem is not None:
        return _section_page(section, rules=form, error=str(problem))
    flash("Rules saved.", "success")
    return redirect(url_for("structure.edit", slug=section.slug) + "#rules")


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
