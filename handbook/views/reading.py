"""What anyone may read: contents, sections, pages, history, diffs, recent changes, people."""

import itertools

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import member_pages
from handbook import permissions
from handbook import reader_pages
from handbook import text_passages
from handbook.diffing import line_diff
from handbook.models import Revision
from handbook.models import Role
from handbook.services import accounts
from handbook.services import comments
from handbook.services import feeds
from handbook.services import reading
from handbook.services import reflection
from handbook.services import sections
from handbook.services import trust
from handbook.services import watching
from handbook.services.errors import NotFound
from handbook.views.common import positive_int

blueprint = Blueprint("reading", __name__)


def _contents_for_member(kept):
    return member_pages.build(kept)


@blueprint.get("/")
@reader_pages.for_readers(members=_contents_for_member)
def contents():
    return render_template("contents.html", contents=reading.contents(db.get_session()))


def _section_for_member(kept, slug):
    if permissions.may_manage_sections(current_user):
        return None  # librarians' section pages have a move button for each page
    session = db.get_session()
    found = sections.get_by_slug(session, slug)
    return member_pages.build(kept, {
        "watch": lambda render, _readers: render(
            "_section_watch.html",
            watching=watching.is_watching(session, current_user, section=found)),
        "tools": lambda render, _readers: render("_section_tools.html"),
    }, section=found)


@blueprint.get("/sections/<slug>")
@reader_pages.for_readers(members=_section_for_member)
def section(slug):
    session = db.get_session()
    found = sections.get_by_slug(session, slug)
    reader_pages.shows(section_id=found.id)
    published = [page for page in found.pages if page.is_published]
    return render_template("section.html", section=found, pages=published,
                           watching=watching.is_watching(session, current_user, section=found))


def _page_for_member(kept, slug):
    found = reading.page_actions(db.get_session(), slug, current_user)
    if found is None:
        return None
    edit_url = url_for("editing.edit", slug=found.slug)
    may_propose = permissions.may_propose(current_user, found.effective_protection)
    return member_pages.build(kept, {
        "actions": lambda render, _readers: render(
            "_page_actions.html", page=found, title=found.title, pending=found.pending,
            watching=found.watching),
        "prose": lambda _render, html: (
            text_passages.with_edit_links(html, edit_url) if may_propose else html),
    })


@blueprint.get("/wiki/<slug>")
@reader_pages.for_readers(members=_page_for_member)
def page(slug):
    session = db.get_session()
    try:
        view = reading.page_view(session, slug)
    except NotFound:
        try:
            return _proposed_page(session, slug)
        except NotFound:
            return _missing_page(slug)
    if isinstance(view, reading.Moved):
        return redirect(url_for("reading.page", slug=view.slug), 301)
    reader_pages.shows(page_id=view.page.id, section_id=view.section.id)
    return render_template("page.html", view=view,
                           watching=watching.is_watching(session, current_user, page=view.page))


def _proposed_page(session, slug):
    """A proposed new page, shown only to its proposers and librarians."""
    found = reading.find_page(session, slug)
    if isinstance(found, reading.Moved) or not current_user.is_authenticated:
        raise NotFound("There is no page here.")
    proposers = reading.proposer_ids(session, found)
    if found.is_published or not proposers or not permissions.may_view_page(
        current_user, found, proposers
    ):
        raise NotFound("There is no page here.")
    return render_template("proposed_page.html", page=found)


def _missing_page(slug):
    """No page at this address: offer to search for its title and, to members, to write it."""
    title = " ".join(slug.replace("-", " ").split())[:200]
    return render_template("missing_page.html", slug=slug, title=title[:1].upper() + title[1:]), 404


def _published_page(session, slug):
    found = reading.find_page(session, slug)
    if isinstance(found, reading.Moved):
        abort(redirect(url_for(request.endpoint, **{**request.view_args, "slug": found.slug}), 301))
    if not found.is_published:
        raise NotFound("There is no page here.")
    return found


@blueprint.get("/wiki/<slug>/history")
def history(slug):
    session = db.get_session()
    found = _published_page(session, slug)
    number = positive_int(request.args.get("page"))
    size = current_app.config["HISTORY_PAGE_SIZE"]
    revisions, total = reading.history(session, found, number, size)
    if number > 1 and not revisions:
        raise NotFound("There is no such page of history.")
    return render_template("history.html", page=found, revisions=revisions, number=number,
                           pages=max(1, -(-total // size)), total=total,
                           places=reading.places_in_history(session, found))


def _visible_revision(session, found, revision_id):
    revision = session.get(Revision, revision_id) if revision_id else None
    if revision is None or revision.page_id != found.id or not permissions.may_view_revision(
        current_user, revision
    ):
        raise NotFound("There is no such revision of this page.")
    return revision


@blueprint.get("/wiki/<slug>/revisions/<int:revision_id>")
def revision(slug, revision_id):
    session = db.get_session()
    found = _published_page(session, slug)
    shown = _visible_revision(session, found, revision_id)
    return render_template("revision.html", page=found, revision=shown,
                           places=reading.places_in_history(session, found),
                           previous=reading.previous_published(
                               session, shown, hidden_too=permissions.may_see_redacted(current_user)))


@blueprint.get("/wiki/<slug>/diff")
def diff(slug):
    session = db.get_session()
    found = _published_page(session, slug)
    new = _visible_revision(session, found, positive_int(request.args.get("to"), 0)
                            or found.current_revision_id)
    old_id = positive_int(request.args.get("from"), 0)
    old = _visible_revision(session, found, old_id) if old_id else reading.previous_published(
        session, new, hidden_too=permissions.may_see_redacted(current_user))
    rows = line_diff(old.body if old else "", new.body)
    return render_template("diff.html", page=found, old=old, new=new, rows=rows,
                           places=reading.places_in_history(session, found))


#: what recent changes may show: published edits, published comments, or both
RECENT_KINDS = ("all", "edits", "comments")


@blueprint.get("/recent")
def recent():
    """Published edits and comments, newest first, filterable by kind."""
    session = db.get_session()
    show = request.args.get("show") if request.args.get("show") in RECENT_KINDS else "all"
    entries = []
    if show != "comments":
        entries += [(revision.published_at, revision) for revision in reading.recent_changes(session)]
    if show != "edits":
        entries += [(comment.published_at, comment) for comment in comments.recent(session)]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    shown = [entry for _, entry in entries[:50]]
    places = reading.places_on_pages(session, [entry.page_id for entry in shown
                                               if isinstance(entry, Revision)])
    days = [(day, list(group)) for day, group in itertools.groupby(
        shown, key=lambda entry: entry.published_at.date())]
    return render_template("recent.html", days=days, places=places, show=show, kinds=RECENT_KINDS)


@blueprint.get("/recent.atom")
@reader_pages.for_readers
def recent_feed():
    return _feed(feeds.entries(db.get_session()), None)


@blueprint.get("/sections/<slug>/recent.atom")
@reader_pages.for_readers
def section_feed(slug):
    """A section's changes (kept as a list of the whole handbook: any publication renews it)."""
    session = db.get_session()
    found = sections.get_by_slug(session, slug)
    return _feed(feeds.entries(session, section_id=found.id), found)


def _feed(entries, section):
    response = make_response(render_template("recent.atom.xml", entries=entries, section=section))
    response.mimetype = "application/atom+xml"
    return response


@blueprint.get("/users/<name>")
def person(name):
    session = db.get_session()
    user = accounts.get_by_name(session, name)
    if user.deleted_at is not None:
        raise NotFound("No such person.")
    standings = []
    if permissions.is_librarian(current_user) and user.role is Role.contributor:
        standings = [trust.standing(session, user, found) for found in reading.sections(session)
                     if permissions.may_grant_trust(current_user, found.id, user)]
    return render_template("person.html", person=user,
                           revisions=reading.contributions(session, user),
                           trusted=trust.trusted_sections(session, user), standings=standings,
                           network_role=reflection.role_on_profile(session, user))
