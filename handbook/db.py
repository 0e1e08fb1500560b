"""The engine, one Session per request, and SQLite's pragmas for safe concurrent writes."""

from contextlib import contextmanager

from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session

#: Methods whose requests only read; every other request opens a write transaction.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def writer(engine):
    """The same engine, but transactions begin IMMEDIATE on SQLite (a no-op elsewhere)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


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
    """The request's session: write transactions for POSTs, deferred reads otherwise."""
    if "db_session" not in g:
        writes = not has_request_context() or request.method not in READ_METHODS
        bind = writer(engine()) if writes else engine()
        g.db_session = Session(bind=bind, expire_on_commit=False)
        g.db_session.info["renderer"] = current_app.extensions["handbook_renderer"]
    return g.db_session


@contextmanager
def session_scope(bind, renderer=None):
    """A session for commands and scripts: commit on success, roll back on error."""
    session = Session(bind=writer(bind), expire_on_commit=False)
    session.info["renderer"] = renderer
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
