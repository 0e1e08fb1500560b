"""Complete pages for anonymous readers, kept in the database and shared by every worker and
server: a reader's view of a kept page is one indexed read, whatever any worker has seen.

A view marked `for_readers` stores what it rendered for an anonymous GET in `reader_pages`,
with what it shows (a page, a section, or the whole handbook). A commit that changes what readers
see deletes only the rows that show it (`invalidate`, called by `changes` before the commit),
so a publication leaves the rest of the handbook kept. A render that raced a commit is not
stored: the store checks, under the lock the commit takes, that `site_state.generation` is
still the one read before rendering.

`ServeReaderPages` answers cookieless GETs for kept paths without entering Flask, with a strong
ETag, Last-Modified, a 304 for a matching conditional GET and a Cache-Control that lets a
reverse proxy keep them (README, "Behind a reverse proxy"). Each page is kept with brotli and
gzip copies, compressed once when it is stored, and only pages rendered by this build
(`release.fingerprint`) are served.
"""

import functools
import gzip
import hashlib
import time
from datetime import datetime
from datetime import timezone

import brotli
from flask import current_app
from flask import g
from flask import make_response
from flask import request
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import union
from werkzeug.http import http_date
from werkzeug.http import is_resource_modified
from werkzeug.http import parse_accept_header

from handbook import db
from handbook import headers
from handbook import release
from handbook.models import Link
from handbook.models import Page
from handbook.models import ReaderPage
from handbook.models import Redirect

#: one statement: the generation (to guard a store) and the kept page, if any
#: (the copy in one encoding only: a lookup reads no more than it sends)
_LOOKUP = ("SELECT s.generation, r.{column}, r.etag, r.stored_at, r.content_type"
           " FROM site_state s LEFT JOIN reader_pages r ON r.path = {p} AND r.release = {p}"
           " WHERE s.id = 1")
_COLUMNS = {None: "body", "br": "body_br", "gzip": "body_gzip"}
#: a conditional GET reads only the validators (a 304 sends no body, so none is read)
_VALIDATORS = ("SELECT etag, stored_at FROM reader_pages"
               " WHERE path = {p} AND release = {p} AND {column} IS NOT NULL")
_GENERATION = {"sqlite": "SELECT generation FROM site_state WHERE id = 1",
               "postgresql": "SELECT generation FROM site_state WHERE id = 1 FOR SHARE NOWAIT"}
_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN"}
_STORE = ("INSERT INTO reader_pages (path, page_id, section_id, content_type, body, etag, stored_at,"
          " release, body_br, body_gzip) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
          " ON CONFLICT (path) DO UPDATE SET page_id = excluded.page_id,"
          " section_id = excluded.section_id, content_type = excluded.content_type,"
          " body = excluded.body, etag = excluded.etag, stored_at = excluded.stored_at,"
          " release = excluded.release, body_br = excluded.body_br, body_gzip = excluded.body_gzip")
#: the encodings kept pages come in, best first, and how each is made (once, when stored)
ENCODINGS = {"br": lambda body: brotli.compress(body, quality=5),
             "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0)}
#: a reader's store waits for a writer only briefly: long enough for another reader's store (a
#: millisecond or two; with none, two workers keeping pages at once failed each other, and at
#: 10,000 pages a page could fail five times running), not for a long write, which leaves the
#: page to be kept by a later view (SQLite: BEGIN IMMEDIATE gives up after STORE_WAIT_MS;
#: PostgreSQL: stores do not block each other, and FOR SHARE NOWAIT gives way to a commit)
STORE_WAIT_MS = 50
_STORE_WAIT = {"sqlite": f"PRAGMA busy_timeout = {STORE_WAIT_MS}",
               "postgresql": "SET lock_timeout = '2s'"}


def encoding_for(accept_encoding):
    """The encoding a reader gets a kept page in: "br", "gzip" or None (as it is)."""
    accepted = parse_accept_header(accept_encoding or "")
    return next((name for name in ENCODINGS if accepted[name]), None)


class Kept:
    """A kept page in one encoding, as the lookup found it."""

    __slots__ = ("body", "etag", "stored_at", "content_type", "encoding")

    def __init__(self, body, etag, stored_at, content_type, encoding):
        self.body, self.stored_at, self.content_type = bytes(body), stored_at, content_type
        self.encoding = encoding
        self.etag = f"{etag}:{encoding}" if encoding else etag

    def headers(self):
        """The validators, and the encoding, of this copy."""
        found = [("ETag", f'"{self.etag}"'), ("Last-Modified", http_date(self.stored_at))]
        return [*found, ("Content-Encoding", self.encoding)] if self.encoding else found


class ReaderPages:
    """The kept pages of one database, read and written outside the ORM (a lookup is the hot
    path: no session, no transaction), on an engine of their own: its connections wait only
    briefly for a writer, and that setting reaches no other connection."""

    def __init__(self, url, release):
        self.engine = db.make_engine(url)
        self.release = release
        self.dialect = self.engine.dialect.name
        event.listen(self.engine, "connect", self._configure)
        placeholder = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        self._lookups = {encoding: _LOOKUP.format(column=column, p=placeholder)
                         for encoding, column in _COLUMNS.items()}
        self._validators = {encoding: _VALIDATORS.format(column=column, p=placeholder)
                            for encoding, column in _COLUMNS.items()}
        self._store = _STORE.format(p=placeholder)
        #: psycopg sends bytea as hex text unless asked for binary results: a 43 KB page took
        #: 200-240 us to fetch as text, 57-69 us in binary
        self._cursor_options = {"binary": True} if self.dialect == "postgresql" else {}

    def _configure(self, dbapi_connection, _record):
        if self.dialect == "postgresql":
            dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(_STORE_WAIT[self.dialect])
        cursor.close()

    def _run(self, work):
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor(**self._cursor_options)
            try:
                return work(cursor)
            finally:
                cursor.close()
        except Exception:
            connection.invalidate()
            raise
        finally:
            connection.close()  # back to the pool

    def lookup(self, path, encoding=None):
        """(generation, Kept or None) for `path`, in `encoding` ("br", "gzip" or None)."""
        def work(cursor):
            cursor.execute(self._lookups[encoding], (path, self.release))
            row = cursor.fetchone()
            if row is None:
                return 0, None
            return row[0], (Kept(*row[1:], encoding) if row[1] is not None else None)
        return self._run(work)

    def validators(self, path, encoding=None):
        """The kept copy of `path` in `encoding` without its body (its ETag and Last-Modified),
        or None when none is kept: enough to answer a conditional GET."""
        def work(cursor):
            cursor.execute(self._validators[encoding], (path, self.release))
            row = cursor.fetchone()
            return None if row is None else Kept(b"", row[0], row[1], None, encoding)
        return self._run(work)

    def store(self, path, generation, *, page_id, section_id, content_type, body, encoding=None):
        """Keep `body` (and its brotli and gzip copies) for `path` unless something changed
        since `generation` was read: the kept copy in `encoding`, or None when it was not kept.
        A busy database means it is kept by a later view instead."""
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        now = int(time.time())
        encoded = [ENCODINGS[name](body) for name in ("br", "gzip")]

        def work(cursor):
            cursor.execute(_BEGIN[self.dialect])
            try:
                cursor.execute(_GENERATION[self.dialect])
                row = cursor.fetchone()
                if row is None or row[0] != generation:
                    return None
                cursor.execute(self._store, (path, page_id, section_id, content_type, body, etag, now,
                                             self.release, *encoded))
                return Kept(dict(zip(ENCODINGS, encoded)).get(encoding, body), etag, now,
                            content_type, encoding)
            finally:
                cursor.execute("COMMIT")

        try:
            return self._run(work)
        except Exception:
            current_app.logger.info("a reader page was not kept (the database was busy)")
            return None


def cache_control(app):
    """Cache-Control for kept pages: `public, no-cache` (browsers and proxies revalidate each
    time), or with PROXY_CACHE_SECONDS a shared cache may serve them that long."""
    seconds = app.config["PROXY_CACHE_SECONDS"]
    return f"public, max-age=0, s-maxage={seconds}" if seconds else "public, no-cache"


def shows(*, page_id=None, section_id=None):
    """Say what the page being rendered shows, so it goes stale only when that changes."""
    g.reader_page_shows = (page_id, section_id)


def for_readers(view=None, *, members=None):
    """Serve an anonymous GET from the kept pages, and keep what the view renders for one.

    With `members`, a logged-in GET is answered from the kept page too: `members(kept_text,
    **view_args)` gives the member's page built from it (member_pages), or None to render it in
    full. Either way a member's page is never kept.
    """
    if view is None:
        return functools.partial(for_readers, members=members)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if "_flashes" in cookie_session or request.args:
            return view(*args, **kwargs)
        if current_user.is_authenticated:
            return _for_member(view, members, args, kwargs)
        kept_pages = current_app.extensions["handbook_reader_pages"]
        encoding = encoding_for(request.headers.get("Accept-Encoding"))
        try:
            generation, kept = kept_pages.lookup(request.path, encoding)
        except Exception:  # the database is busy: render, and keep it on a later view
            current_app.logger.info("the kept pages could not be read", exc_info=True)
            return view(*args, **kwargs)
        if kept is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            page_id, section_id = g.get("reader_page_shows", (None, None))
            kept = kept_pages.store(request.path, generation, page_id=page_id, section_id=section_id,
                                    content_type=response.content_type, body=response.get_data(),
                                    encoding=encoding)
            if kept is None:
                return response
        response = make_response(kept.body)
        response.content_type = kept.content_type
        response.headers.extend(kept.headers())
        response.headers["Cache-Control"] = cache_control(current_app)
        response.headers["Vary"] = VARY
        return response.make_conditional(request)

    return wrapper


def _for_member(view, members, args, kwargs):
    """A member's page, from the readers' kept copy where there is one."""
    if members is not None:
        try:
            kept = current_app.extensions["handbook_reader_pages"].lookup(request.path)[1]
        except Exception:  # the database is busy: render it in full
            current_app.logger.info("the kept pages could not be read", exc_info=True)
            kept = None
        if kept is not None:
            built = members(kept.body.decode(), *args, **kwargs)
            if built is not None:
                return built
    return view(*args, **kwargs)


#: kept pages differ by login (members never get one) and by the encodings a reader accepts
VARY = "Cookie, Accept-Encoding"


class ServeReaderPages:
    """WSGI middleware: answer a cookieless GET for a kept page without entering Flask (the
    requests `for_readers` would answer from the kept pages: no cookie, no query string)."""

    def __init__(self, wsgi_app, kept_pages, every_response, cache_control_value):
        self.wsgi_app = wsgi_app
        self.kept_pages = kept_pages
        self.headers = [*every_response, ("Cache-Control", cache_control_value), ("Vary", VARY)]

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("QUERY_STRING")
                and "HTTP_COOKIE" not in environ
                and not environ.get("PATH_INFO", "").startswith("/static/")):
            path = environ.get("PATH_INFO", "")
            encoding = encoding_for(environ.get("HTTP_ACCEPT_ENCODING"))
            try:
                if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
                    validators = self.kept_pages.validators(path, encoding)
                    if validators is not None and not _modified(environ, validators):
                        start_response("304 Not Modified", [*self.headers, *validators.headers()])
                        return []
                kept = self.kept_pages.lookup(path, encoding)[1]
            except Exception:
                kept = None  # the app answers, and reports the database's trouble itself
            if kept is not None:
                return self._answer(environ, start_response, kept)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, start_response, kept):
        headers = kept.headers()
        if not _modified(environ, kept):
            start_response("304 Not Modified", [*self.headers, *headers])
            return []
        start_response("200 OK", [*self.headers, *headers, ("Content-Type", kept.content_type),
                                  ("Content-Length", str(len(kept.body)))])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [kept.body]


def _modified(environ, kept):
    """Whether a conditional GET's validators differ from the kept copy's."""
    return is_resource_modified(environ, etag=kept.etag,
                                last_modified=datetime.fromtimestamp(kept.stored_at, timezone.utc))


def invalidate(session, *, everything, pages, placed, shown, link_keys):
    """Delete the kept pages that show what this transaction changed (before it commits);
    the paths deleted, the changed pages first (the order the proxies fetch them again), and
    which of them are the changed pages themselves."""
    deleted = session.execute(
        delete(ReaderPage).where(_stale(session, everything=everything, pages=pages,
                                        placed=placed, shown=shown, link_keys=link_keys))
        .returning(ReaderPage.path, ReaderPage.page_id)
        .execution_options(synchronize_session=False)).all()
    first = set(pages) | set(shown)
    ordered = sorted(deleted, key=lambda row: (
        0 if row.page_id in first else 1 if row.page_id is None else 2, row.path))
    changed = {path for path, page_id in ordered if page_id in first}
    if not everything:
        # a proxy may hold a changed page the app no longer keeps (a commit on a server not
        # told of the proxy deleted it, and nobody has viewed it here since): fetch it anyway
        unkept = _page_paths(session, first) - changed
        changed |= unkept
        ordered = [(path, None) for path in sorted(unkept)] + ordered
    return [path for path, _page_id in ordered], changed


def page_path(slug):
    """The readers' address of a page (the route reading.page), outside any request."""
    return f"/wiki/{slug}"


def _page_paths(session, page_ids):
    """The readers' address of each of these pages."""
    return {page_path(slug) for slug in session.scalars(select(Page.slug).where(
        Page.id.in_(page_ids), Page.current_revision_id.is_not(None)))}


def _stale(session, *, everything, pages, placed, shown, link_keys):
    """Which kept pages show what changed.

    `pages` changed in text, and the pages they link to or linked to (`link_keys`) list them
    as backlinks; `placed` pages changed in title, place or presence as well, so their sections
    (the section pages and their neighbours) show it. `shown` pages changed only in what their
    own page shows (comments, notices). Lists of the whole handbook go stale on any change;
    `everything` stales all.
    """
    if everything:
        return true()
    stale_pages = set(pages) | set(shown)
    conditions = [ReaderPage.page_id.is_(None) & ReaderPage.section_id.is_(None)]
    if pages:
        keys = set(link_keys) | set(session.scalars(
            select(Link.target_slug).where(Link.source_page_id.in_(pages))))
        if keys:
            stale_pages.update(session.scalars(union(
                select(Page.id).where(or_(Page.slug.in_(keys), Page.title_key.in_(keys))),
                select(Redirect.page_id).where(Redirect.old_slug.in_(keys)),
            )))
    if placed:
        sections = union(select(Page.section_id).where(Page.id.in_(placed)),
                         select(ReaderPage.section_id).where(ReaderPage.page_id.in_(placed)))
        conditions.append(ReaderPage.section_id.in_(sections))
    if stale_pages:
        conditions.append(ReaderPage.page_id.in_(stale_pages))
    return or_(*conditions)


def init_app(app):
    url = db.engine_for(app).url.render_as_string(hide_password=False)
    kept_pages = ReaderPages(url, release.fingerprint(app.extensions["handbook_assets"]))
    app.extensions["handbook_reader_pages"] = kept_pages
    app.wsgi_app = ServeReaderPages(app.wsgi_app, kept_pages, headers.for_app(app),
                                    cache_control(app))
