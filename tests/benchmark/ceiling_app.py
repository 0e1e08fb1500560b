"""The ceiling: a minimal Flask app answering every GET with one fixed HTML page.

Its size in bytes comes from BENCH_CEILING_BYTES (default 20000), so it can match the size of a
measured wiki page, and BENCH_CEILING_HEADERS (a JSON list of [name, value] pairs) adds headers
to every answer, such as the ones a kept wiki page carries. Serve it as `gunicorn 'ceiling_app:create_app()'` with this folder on the
Python path.
"""

import json
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


def create_app(size=None, headers=None):
    """The ceiling app; `size` defaults to BENCH_CEILING_BYTES, `headers` (pairs) to
    BENCH_CEILING_HEADERS."""
    size = int(size if size is not None else os.environ.get("BENCH_CEILING_BYTES", "20000"))
    if headers is None:
        headers = json.loads(os.environ.get("BENCH_CEILING_HEADERS", "[]"))
    headers = [tuple(pair) for pair in headers]
    page = fixed_page(size)
    app = Flask(__name__)

    @app.get("/")
    @app.get("/<path:anything>")
    def fixed(anything=None):
        return page, 200, headers

    return app
