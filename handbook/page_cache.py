"""Readers' pages kept per worker, valid while the site generation is unchanged.

Every transaction that changes what readers see bumps `site_state.generation`. A reader's GET
asks for the generation outside any transaction (one cheap query, no ORM session), and serves the kept page if nothing changed since it was rendered.
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

GENERATION_SQL = "SELECT generation FROM site_state WHERE id = 1"


class PageCache:
    """An LRU of compressed HTML keyed by path, bounded in bytes, tagged with its generation."""

    def __init__(self, engine, budget_bytes):
        self.engine = engine
        self.budget = budget_bytes
        self.size = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def generation(self):
        """The current generation, read outside any transaction (no ORM session needed)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.exec_driver_sql(GENERATION_SQL).scalar() or 0

    def get(self, path, generation):
        with self._lock:
            entry = self._entries.get(path)
            if entry is None or entry[0] != generation:
                return None
            self._entries.move_to_end(path)
        return zlib.decompress(entry[1]).decode()

    def put(self, path, generation, html):
        packed = zlib.compress(html.encode(), 6)
        with self._lock:
            old = self._entries.pop(path, None)
            if old is not None:
                self.size -= len(old[1])
            self._entries[path] = (generation, packed)
            self.size += len(packed)
            while self.size > self.budget and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= len(dropped)


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


def init_app(app):
    app.extensions["handbook_page_cache"] = PageCache(
        db.engine_for(app), app.config["PAGE_CACHE_BYTES"]
    )
