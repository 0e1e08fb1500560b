"""The ceiling: a minimal Flask app answering every GET with one fixed HTML page.

Its size in bytes comes from BENCH_CEILING_BYTES (default 20000), so it can match the size of a
measured wiki page. Serve it as `gunicorn 'ceiling_app:create_app()'` with this folder on the
Python path.
"""

import os

from flask import Flask

_HEAD = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ceiling</title></head><body>\n"
_TAIL = "\n</body></html>\n"
_FILLER = "<p>The quick brown fox jumps over the lazy dog; a fixed page for the benchmark ceiling.</p>\n"


def fixed_page(size):
    """An HTML page of exactly `size` bytes (ASCII, so bytes and characters agree)."""
    room = max(0, size - len(_HEAD) - len(_TAIL))
    body = (_FILLER * (room // len(_FILLER) + 1))[:room]
    return _HEAD + body + _TAIL


def create_app(size=None):
    """The ceiling app; `size` defaults to BENCH_CEILING_BYTES."""
    size = int(size if size is not None else os.environ.get("BENCH_CEILING_BYTES", "20000"))
    page = fixed_page(size)
    app = Flask(__name__)

    @app.get("/")
    @app.get("/<path:anything>")
    def fixed(anything=None):
        return page

    return app
