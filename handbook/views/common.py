"""Small helpers the blueprints share: access, the commit ladder, numbers from requests."""

import functools
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound
from handbook.services.errors import ServiceError
from handbook.services.errors import TextRefused

#: the largest id or page number a request may name (SQL integers are 64-bit)
MAX_NUMBER = 2**63 - 1


def allowed(predicate):
    """Views for logged-in accounts that `predicate(current_user)` admits; 403 otherwise (a page
    saying how to confirm, for an account refused only for want of a confirmed address)."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not predicate(current_user):
                if permissions.needs_confirmation(current_user):
                    return render_template("confirm_needed.html"), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def check_input():
    """Refuse a form that the request guard found unfit (see handbook.request_guard)."""
    problem = g.get("form_problem")
    if problem:
        raise InvalidInput(problem)


def attempt(action, *args, **kwargs):
    """Run one service call in the request's session and commit it.

    Returns (result, None), or (None, error) after a rollback when the service refused for a
    business reason. NotFound propagates (a 404). A uniqueness race (two identical creations
    at the same moment) is tried once more, so the later one gets the same message as anyone
    who came after.
    """
    session = db.get_session()
    for last_try in (False, True):
        try:
            check_input()
            result = action(session, *args, **kwargs)
            session.commit()
            return result, None
        except NotFound:
            session.rollback()
            raise
        except ServiceError as error:
            session.rollback()
            if isinstance(error, TextRefused):
                rate_limits.note_refused_render()
            return None, error
        except IntegrityError:
            session.rollback()
            if last_try:
                raise
    raise AssertionError("unreachable")


def attempt_and_say(action, done):
    """`attempt` a button's action and flash what came of it: `done` (a text, or a function
    of the result), or why it was refused."""
    result, problem = attempt(action)
    if problem is not None:
        flash(str(problem), "info")
    else:
        flash(done(result) if callable(done) else done, "success")
    return problem


def renderer():
    """The app's bounded renderer, handed to services that render."""
    return current_app.extensions["handbook_renderer"]


def own_host():
    """The handbook's own host name (links to it are not external)."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or ""


def user():
    """The acting account (not the proxy), for services."""
    return current_user._get_current_object()


def to_page(slug, **kwargs):
    return redirect(url_for("reading.page", slug=slug, **kwargs))


def positive_int(value, default=1):
    """A number from a query string: `default` when missing or not a positive number;
    NotFound when it is beyond any id or page number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    if number > MAX_NUMBER:
        raise NotFound("There is no such page.")
    return number if number >= 1 else default


def form_id(value):
    """An id from a form field: None when empty; InvalidInput when it is no id at all."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("The form named a version that does not exist.") from None
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidInput("The form named a version that does not exist.")
    return number
