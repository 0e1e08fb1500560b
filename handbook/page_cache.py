"""Readers' pages kept per worker, valid while the site generation is unchanged."""

import functools
from collections import OrderedDict
from threading import Lock

from flask import current_app
from flask import request
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy import select

from handbook import db
from handbook.models import SiteState


class PageCache:
    """A small LRU of rendered HTML keyed by path, tagged with the generation it saw."""

    def __init__(self, size):
        self.size = size
        self._entries = OrderedDict()
        self._lock = Lock()

    def get(self, path, generation):
        with self._lock:
            entry = self._entries.get(path)
            if entry is None or entry[0] != generation:
                return None
            self._entries.move_to_end(path)
            return entry[1]

    def put(self, path, generation, html):
        with self._lock:
            self._entries[path] = (generation, html)
            self._entries.move_to_end(path)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def current_generation(session):
    """The site generation: bumped in every transaction that changes what readers see."""
    return session.scalar(select(SiteState.generation).where(SiteState.id == 1)) or 0


def for_readers(view):
    """Serve an anonymous GET from the cache when nothing changed since it was rendered."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated or "_flashes" in cookie_session or request.args:
            return view(*args, **kwargs)
        cache = current_app.extensions["handbook_page_cache"]
        generation = current_generation(db.get_session())
        html = cache.get(request.path, generation)
        if html is not None:
            return html
        response = view(*args, **kwargs)
        if isinstance(response, str):
            cache.put(request.path, generation, response)
        return response

    return wrapper


def init_app(app):
    app.extensions["handbook_page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"])
