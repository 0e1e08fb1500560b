"""Readers' pages kept per worker, valid while the site generation is unchanged.

Every transaction that changes what readers see bumps `site_state.generation`. A reader's GET
asks for the generation on a connection of its own in autocommit mode (one cheap query,
no ORM session, no transaction), and serves the kept page if nothing changed since it was rendered.
"""

import functools
import threading
import zlib
from collections import OrderedDict

from flask import current_app
from flask import request
from flask import session as cookie_session
from flask_login import current_user

from handbook import db
from handbook import headers

GENERATION_SQL = "SELECT generation FROM site_state WHERE id = 1"
#: zlib looks back at most this far, so a longer preset dictionary would be wasted
ZLIB_WINDOW = 32 * 1024


class _Tier:
    """An LRU of (generation, value) by path, bounded by the summed length of its values."""

    def __init__(self, budget):
        self.budget = budget
        self.size = 0
        self.entries = OrderedDict()

    def get(self, path, generation):
        entry = self.entries.get(path)
        if entry is None or entry[0] != generation:
            return None
        self.entries.move_to_end(path)
        return entry[1]

    def put(self, path, generation, value):
        old = self.entries.pop(path, None)
        if old is not None:
            self.size -= len(old[1])
        self.entries[path] = (generation, value)
        self.size += len(value)
        while self.size > self.budget and self.entries:
            _, (_, dropped) = self.entries.popitem(last=False)
            self.size -= len(dropped)


class PageCache:
    """Reader pages by path, tagged with their generation: compressed within one budget, and
    the most recently used also uncompressed within a smaller one.

    Pages share their layout, so the first page kept becomes a preset zlib dictionary for all
    of them: a 10 KB page packs into about 1.5 KB instead of 3.2 KB.
    """

    def __init__(self, engine, budget_bytes, hot_bytes):
        self.engine = engine
        self._packed = _Tier(budget_bytes)
        self._hot = _Tier(hot_bytes)
        self._lock = threading.Lock()
        self._connection = None
        self._dictionary = None

    def generation(self):
        """The current generation, read outside any transaction on a connection of its own."""
        with self._lock:
            if self._connection is None:
                self._connection = self.engine.raw_connection()
                if self.engine.dialect.name == "postgresql":
                    self._connection.driver_connection.autocommit = True
            try:
                cursor = self._connection.cursor()
                cursor.execute(GENERATION_SQL)
                row = cursor.fetchone()
                cursor.close()
            except Exception:
                self._connection.invalidate()
                self._connection = None
                raise
        return row[0] if row else 0

    def has(self, path):
        """Whether a version of this page is kept (it may be outdated)."""
        return path in self._packed.entries

    def get(self, path, generation):
        with self._lock:
            html = self._hot.get(path, generation)
            if html is not None:
                return html
            packed = self._packed.get(path, generation)
        if packed is None:
            return None
        unpacker = zlib.decompressobj(zdict=self._dictionary)
        html = (unpacker.decompress(packed) + unpacker.flush()).decode()
        with self._lock:
            self._hot.put(path, generation, html)
        return html

    def put(self, path, generation, html):
        data = html.encode()
        with self._lock:
            if self._dictionary is None:
                self._dictionary = data[-ZLIB_WINDOW:]
        packer = zlib.compressobj(6, zdict=self._dictionary)
        packed = packer.compress(data) + packer.flush()
        with self._lock:
            self._packed.put(path, generation, packed)
            self._hot.put(path, generation, html)


def for_readers(view):
    """Serve an anonymous GET from the cache when nothing changed since it was rendered."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated or "_flashes" in cookie_session or request.args:
            return view(*args, **kwargs)
        cache = current_app.extensions["handbook_page_cache"]
        generation = cache.generation()
        html = cache.get(request.path, generation)
        if html is not None:
            return html
        response = view(*args, **kwargs)
        if isinstance(response, str):
            cache.put(request.path, generation, response)
        return response

    return wrapper


class ServeCachedPages:
    """WSGI middleware: answer a cookieless GET for a kept, current page without entering Flask.

    Only pages that `for_readers` stored are found, and only requests that view would have
    served from the cache (no cookie, so no login or flashed message; no query string).
    """

    def __init__(self, wsgi_app, cache, headers):
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.headers = [("Content-Type", "text/html; charset=utf-8"), *headers]

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING")
                and "HTTP_COOKIE" not in environ and self.cache.has(environ.get("PATH_INFO", ""))):
            html = self.cache.get(environ["PATH_INFO"], self.cache.generation())
            if html is not None:
                body = html.encode()
                start_response("200 OK", [*self.headers, ("Content-Length", str(len(body)))])
                return [body]
        return self.wsgi_app(environ, start_response)


def init_app(app):
    cache = PageCache(
        db.engine_for(app), app.config["PAGE_CACHE_BYTES"], app.config["PAGE_CACHE_HOT_BYTES"]
    )
    app.extensions["handbook_page_cache"] = cache
    app.wsgi_app = ServeCachedPages(app.wsgi_app, cache, headers.for_app(app))
