"""Wiring search into the app: the configured backend, and paying the index's debts after commits."""

import logging
import os

from flask import current_app
from flask import g

from handbook.search import outbox

log = logging.getLogger(__name__)


def make_backend(config, instance_path):
    """The configured backend: "whoosh" (default) or "postgres"."""
    choice = config.get("SEARCH", "whoosh")
    if choice == "postgres":
        from handbook.search.postgres_backend import PostgresBackend

        if not config["DATABASE_URL"].startswith("postgresql"):
            raise ValueError("HANDBOOK_SEARCH=postgres needs a PostgreSQL HANDBOOK_DATABASE_URL")
        return PostgresBackend()
    if choice != "whoosh":
        raise ValueError(f"HANDBOOK_SEARCH must be whoosh or postgres, not {choice!r}")
    from handbook.search.whoosh_backend import WhooshBackend

    return WhooshBackend(os.path.join(instance_path, "search-index"))


def backend():
    return current_app.extensions["handbook_search"]


def pay_debts(app):
    """Apply what the index owes; an index failure is logged and retried later, never raised."""
    try:
        outbox.drain(app.extensions["handbook_engine"], app.extensions["handbook_search"])
    except Exception:
        log.exception("search index update failed; the outbox keeps it for the next attempt")


def init_app(app):
    app.extensions["handbook_search"] = make_backend(app.config, app.instance_path)
    state = {"started": False}

    @app.before_request
    def repair_after_start():
        """The first request of each process applies anything a crash left owed."""
        if not state["started"]:
            state["started"] = True
            pay_debts(app)

    @app.after_request
    def index_after_commit(response):
        session = g.get("db_session")
        if session is not None and session.info.pop("search_owed", False):
            pay_debts(app)
        return response
