"""Blueprints, one per area, plus what every view shares: errors, UTF-8 checks, navigation."""

from datetime import datetime
from datetime import timezone

from flask import render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook import text_passages
from handbook.services import queues
from handbook.services.errors import NotFound
from handbook.views import accounts
from handbook.views import admin
from handbook.views import cleanup
from handbook.views import coffee
from handbook.views import comments
from handbook.views import due
from handbook.views import editing
from handbook.views import editions
from handbook.views import media
from handbook.views import notifications
from handbook.views import page_links
from handbook.views import patrol
from handbook.views import proposals
from handbook.views import reading
from handbook.views import redaction
from handbook.views import reflection
from handbook.views import reports
from handbook.views import review
from handbook.views import search
from handbook.views import settings
from handbook.views import structure
from handbook.views import trust

BLUEPRINTS = [
    reading.blueprint, editing.blueprint, accounts.blueprint, proposals.blueprint,
    review.blueprint, structure.blueprint, admin.blueprint, search.blueprint,
    settings.blueprint, notifications.blueprint, patrol.blueprint, due.blueprint,
    redaction.blueprint, trust.blueprint, cleanup.blueprint, comments.blueprint, reports.blueprint,
    reflection.blueprint, coffee.blueprint, editions.blueprint, media.blueprint,
]


def _csrf_field(form):
    """A form's CSRF field without an id (a page may hold several such forms); nothing when
    CSRF protection is off."""
    field = getattr(form, "csrf_token", None)
    return field(id=False) if field is not None else ""


def init_app(app):
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(_navigation)
    app.add_template_filter(text_passages.with_edit_links, "with_section_edit_links")
    app.add_template_global(_csrf_field, "csrf_field")
    app.add_template_global(page_links.page_url, "page_url")
    app.add_template_global(page_links.page_list_items, "page_list_items")
    app.register_error_handler(NotFound, lambda error: _error(404, str(error)))
    app.register_error_handler(404, lambda error: _error(404, "There is no page here."))
    app.register_error_handler(permissions.Forbidden, lambda error: _error(403, str(error)))
    app.register_error_handler(403, lambda error: _error(403, "You may not do that."))
    app.register_error_handler(405, lambda error: _error(405, "That action needs a form."))
    app.register_error_handler(413, lambda error: _error(413, "That submission is too large."))
    app.register_error_handler(400, lambda error: _error(400, _described(
        error, "The request could not be understood.")))
    app.register_error_handler(429, lambda error: _error(429, _too_many(error)))
    app.register_error_handler(500, _server_error)
    app.register_error_handler(CSRFError, lambda error: _error(
        400, "The form had expired or was not sent from this site. Go back, reload and try again."))


def _error(status, message):
    return render_template("error.html", status=status, message=message), status


def _described(error, default):
    description = getattr(error, "description", "") or ""
    return description if description and not description.startswith("The browser") else default


def _too_many(error):
    """What the limit was and when to try again (Flask-Limiter's limits read "30 per 1 minute")."""
    limit = getattr(error, "limit", None)
    if limit is not None:
        return (f"Too many requests: the limit here is {error.description}."
                f" {_when_to_retry()}")
    return _described(error, "Too many attempts. Wait a few minutes, then try again.")


def _when_to_retry():
    """"Try again in N minutes (at HH:MM UTC)." from the breached limit's window."""
    current = rate_limits.limiter.current_limit
    if current is None:
        return "Wait a little, then try again."
    reset = datetime.fromtimestamp(current.reset_at, timezone.utc)
    minutes = max(1, -(-int((reset - datetime.now(timezone.utc)).total_seconds()) // 60))
    return (f"Try again in {minutes} minute{'s' if minutes != 1 else ''}"
            f" (from {reset.strftime('%H:%M')} UTC).")


def _server_error(_error):
    """Our own page, with no trace and nothing that needs the database."""
    return render_template("server_error.html"), 500


def _navigation():
    """Template globals: the permissions module, the moderation queues' counts for librarians
    and the unread notifications of a logged-in account."""
    waiting = unread = None
    if permissions.may_use_inbox(current_user):
        unread = current_user.unread_notifications
    if permissions.may_review(current_user):
        waiting = queues.counts(db.get_session(), current_user)
    return {"can": permissions, "waiting": waiting, "unread_notifications": unread}
