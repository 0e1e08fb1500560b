"""The engine, one Session per request, and the rule that only a declared write may write.

A session reads freely in an ordinary (deferred) transaction. Before a service writes it
calls `begin_write(session)`: on SQLite that ends the read transaction and takes the write
lock (BEGIN IMMEDIATE), so slow work (rendering, hashing) is done before the lock is held and
no later attribute load can take it again. A flush with changes outside a write is a bug, and
is refused loudly.
"""

from contextlib import contextmanager

from flask import current_app
from flask import g
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session


class HandbookSession(Session):
    """The sessions of the app and its commands; `changes` listens to their commits."""


def make_engine(url):
    """Create an engine; on SQLite enable WAL, a busy timeout and explicit BEGIN modes."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"timeout": 30} if is_sqlite else {})
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine):
    """Let SQLAlchemy, not pysqlite, emit BEGIN, so writers can take the lock up front."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


def new_session(runtime, *, writing=False):
    """A session on the runtime's engine; a `writing` one (commands) begins with a write.
    After each commit every session reads again until the next begin_write()."""
    session = HandbookSession(bind=runtime.engine, expire_on_commit=False)
    session.info["runtime"] = runtime
    if writing:
        begin_write(session)
    return session


def begin_write(session):
    """From here on the session writes (see the module's docstring). Idempotent."""
    if is_writing(session):
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() must come before the first change")
    if session.in_transaction():
        session.commit()
    session.info["writing"] = True
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def is_writing(session):
    return session.info.get("writing", False)


@event.listens_for(HandbookSession, "before_flush")
def _refuse_undeclared_writes(session, _context, _instances):
    if (session.new or session.dirty or session.deleted) and not is_writing(session):
        raise RuntimeError("a change was flushed without begin_write()")


@event.listens_for(HandbookSession, "after_commit")
@event.listens_for(HandbookSession, "after_rollback")
def _write_ends(session):
    session.info.pop("writing", None)


def init_app(app):
    """Create the engine for this app and close each request's session at teardown."""
    app.extensions["handbook_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine():
    """The current app's engine."""
    return engine_for(current_app)


def engine_for(app):
    return app.extensions["handbook_engine"]


def get_session():
    """The request's session: it reads until a service calls begin_write()."""
    if "db_session" not in g:
        g.db_session = new_session(current_app.extensions["handbook_runtime"])
    return g.db_session


@contextmanager
def session_scope(runtime):
    """A session for commands and scripts: commit on success, roll back on error."""
    session = new_session(runtime, writing=True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _close_session(_exc):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
