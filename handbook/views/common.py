"""Small helpers the blueprints share."""

import functools

from flask import abort
from flask import g
from flask import redirect
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from handbook.services.errors import InvalidInput

INVALID_UTF8 = "The form contained bytes that are not valid UTF-8 text. Nothing was saved."


def allowed(predicate):
    """Views for logged-in accounts that `predicate(current_user)` admits; 403 otherwise."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def check_encoding():
    """Refuse a form whose bytes were not UTF-8 (see handbook.encoding)."""
    if g.get("invalid_utf8"):
        raise InvalidInput(INVALID_UTF8)


def to_page(slug, **kwargs):
    return redirect(url_for("reading.page", slug=slug, **kwargs))


def positive_int(value, default=1):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default
