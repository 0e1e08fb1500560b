"""The web application: configuration and every part of the handbook put together."""

from flask import Flask

from handbook import assets
from handbook import auth
from handbook import compression
from handbook import config
from handbook import db
from handbook import headers
from handbook import mail
from handbook import paths
from handbook import process_memory
from handbook import proxy_refresh
from handbook import rate_limits
from handbook import reader_pages
from handbook import rendering
from handbook import request_guard
from handbook import runtime
from handbook import url_numbers
from handbook.search import integration as search_integration
from handbook import views


def create_app(overrides=None):
    """Build the Flask application; `overrides` replaces configuration keys (tests)."""
    process_memory.fix_mmap_threshold()
    app = Flask(
        __name__,
        template_folder=str(paths.templates_dir()),
        static_folder=None,  # served by handbook.assets under content-hashed names
    )
    config.load(app, overrides or {})
    url_numbers.init_app(app)
    db.init_app(app)
    rendering.init_app(app)
    search_integration.init_app(app)
    mail.init_app(app)
    proxy_refresh.init_app(app)
    runtime.init_app(app)
    request_guard.init_app(app)
    rate_limits.init_app(app)
    auth.init_app(app)
    headers.init_app(app)
    compression.init_app(app)
    assets.init_app(app)
    reader_pages.init_app(app)
    views.init_app(app)
    return app
