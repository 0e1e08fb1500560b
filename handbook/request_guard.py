"""Validate what every request sends once, at the edge, before any view or query reads it.

A NUL character (which PostgreSQL text cannot hold, and no page needs) in the path answers
404 and in the query string 400. A form post whose bytes are not UTF-8, or that holds a NUL,
is marked, and the view answers with its form and a message (Werkzeug would silently
replace invalid bytes; we refuse them).
"""

from urllib.parse import parse_qsl

from flask import abort
from flask import g
from flask import request

INVALID_UTF8 = "The form contained bytes that are not valid UTF-8 text. Nothing was saved."
NUL_IN_FORM = "The form contained a NUL character, which no text here may hold. Nothing was saved."


def check_request():
    g.form_problem = None
    if "\x00" in request.path:
        abort(404)
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400, "The address contained a NUL character.")
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        try:
            pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8",
                              errors="strict")
        except UnicodeDecodeError:
            g.form_problem = INVALID_UTF8
            return
        if any("\x00" in key or "\x00" in value for key, value in pairs):
            g.form_problem = NUL_IN_FORM


def init_app(app):
    """Register first, so the check sees the raw body before CSRF or forms read it."""
    app.before_request(check_request)
