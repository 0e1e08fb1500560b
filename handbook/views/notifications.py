"""The inbox, the watchlist, watching pages and sections, the private feed, stopping mail."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook import tokens
from handbook.auth import csrf
from handbook.auth import safe_next
from handbook.forms import ActionForm
from handbook.services import notifications
from handbook.services import reading
from handbook.services import sections
from handbook.services import watching
from handbook.services.errors import NotFound
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import positive_int
from handbook.views.common import user

blueprint = Blueprint("notifications", __name__)


@blueprint.get("/me/notifications")
@allowed(permissions.may_use_inbox)
def inbox():
    number = positive_int(request.args.get("page"))
    entries, pages = notifications.inbox(db.get_session(), user(), number)
    return render_template("notifications.html", entries=entries, number=number, pages=pages,
                           form=ActionForm())


@blueprint.post("/me/notifications/<int:notification_id>/read")
@allowed(permissions.may_use_inbox)
def mark_read(notification_id):
    if ActionForm().validate_on_submit():
        attempt(lambda session: notifications.mark_read(session, user(), notification_id))
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.inbox"))


@blueprint.post("/me/notifications/read")
@allowed(permissions.may_use_inbox)
def mark_all_read():
    if ActionForm().validate_on_submit():
        attempt(lambda session: notifications.mark_all_read(session, user()))
        flash("Every notification is marked read.", "success")
    return redirect(url_for("notifications.inbox"))


@blueprint.get("/me/watchlist")
@allowed(permissions.may_use_inbox)
def watchlist():
    pages, watched_sections = watching.watchlist(db.get_session(), user())
    return render_template("watchlist.html", pages=pages, sections=watched_sections,
                           form=ActionForm())


def _toggle(target, back, **what):
    """Watch or stop watching, as the form's `watching` field says."""
    if ActionForm().validate_on_submit():
        start = request.form.get("watching") == "1"
        change = watching.watch if start else watching.unwatch
        _, problem = attempt(lambda session: change(session, user(), **what))
        if problem is not None:
            flash(str(problem), "info")
        else:
            flash(f"You now watch “{target}”." if start else f"You no longer watch “{target}”.",
                  "success")
    return redirect(safe_next(request.form.get("next")) or back)


@blueprint.post("/wiki/<slug>/watch")
@allowed(permissions.may_use_inbox)
def watch_page(slug):
    page = reading.find_page(db.get_session(), slug)
    if isinstance(page, reading.Moved) or not page.is_published:
        raise NotFound("There is no page here.")
    return _toggle(page.title, url_for("reading.page", slug=page.slug), page=page)


@blueprint.post("/sections/<slug>/watch")
@allowed(permissions.may_use_inbox)
def watch_section(slug):
    section = sections.get_by_slug(db.get_session(), slug)
    return _toggle(section.title, url_for("reading.section", slug=section.slug), section=section)


@blueprint.get("/feeds/<token>/notifications.atom")
def feed(token):
    """An account's notifications as Atom, at an address only its owner knows."""
    owner, entries = notifications.feed(db.get_session(), token)
    base = current_app.config["BASE_URL"].rstrip("/")
    body = render_template("notifications.atom.xml", owner=owner, entries=entries, base=base)
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8",
                       "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """Stop one kind of mail. Mail programs POST here without a form (RFC 8058 one-click);
    the signed token is the authority. A GET only shows the button."""
    try:
        user_id, kind = tokens.read_unsubscribe(current_app.config["SECRET_KEY"], token)
    except tokens.TokenInvalid as problem:
        return render_template("link_problem.html", message=str(problem)), 400
    if request.method == "GET":
        label = ("daily digests" if kind == "digest" else
                 notifications.KINDS[kind].label.lower() if kind in notifications.KINDS else kind)
        return render_template("unsubscribe.html", label=label)
    _, problem = attempt(lambda session: notifications.stop_mail(session, user_id, kind))
    if problem is not None:
        return render_template("link_problem.html", message=str(problem)), 400
    return render_template("unsubscribe.html", done=True)
