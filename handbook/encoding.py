"""Notice form posts whose bytes are not UTF-8, before anything parses them.

Werkzeug silently replaces invalid bytes; we want to refuse such a submission instead.
"""

from urllib.parse import parse_qsl

from flask import g
from flask import request


def check_form_encoding():
    """Set g.invalid_utf8 when an urlencoded form post does not decode as UTF-8."""
    g.invalid_utf8 = False
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        try:
            parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            g.invalid_utf8 = True


def init_app(app):
    """Register first, so the check sees the raw body before CSRF or forms read it."""
    app.before_request(check_form_encoding)
