"""Wiring search into the app: the configured backend."""

import os

from flask import current_app


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

    return WhooshBackend(os.path.join(instance_path, "search-index"),
                         parallel_updates=config.get("SEARCH_PARALLEL_UPDATES", False))


def backend():
    return current_app.extensions["handbook_search"]


def init_app(app):
    app.extensions["handbook_search"] = make_backend(app.config, app.instance_path)
