"""Editions for readers: a printable page and an offline zip, of the handbook or a section."""

from flask import Blueprint
from flask import Response
from flask import render_template

from handbook import db
from handbook import editions
from handbook import rate_limits
from handbook import reader_pages
from handbook.services import reading
from handbook.services import sections

blueprint = Blueprint("editions", __name__)


@blueprint.get("/editions")
def index():
    contents = reading.contents(db.get_session())
    return render_template("editions.html", sections=contents,
                           total=sum(len(pages) for _, pages in contents))


@blueprint.get("/editions/handbook.html")
@rate_limits.edition
@reader_pages.for_readers
def handbook_printable():
    return editions.printable(db.get_session())


@blueprint.get("/editions/sections/<slug>.html")
@rate_limits.edition
@reader_pages.for_readers
def section_printable(slug):
    session = db.get_session()
    return editions.printable(session, sections.get_by_slug(session, slug))


@blueprint.get("/editions/handbook.zip")
@rate_limits.edition
def handbook_offline():
    return _zip(editions.offline(db.get_session()), "systems-convenor-handbook.zip")


@blueprint.get("/editions/sections/<slug>.zip")
@rate_limits.edition
def section_offline(slug):
    session = db.get_session()
    found = sections.get_by_slug(session, slug)
    return _zip(editions.offline(session, found), f"systems-convenor-handbook-{found.slug}.zip")


def _zip(data, name):
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
