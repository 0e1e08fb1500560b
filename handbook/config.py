"""Configuration: defaults, then instance/config.py, then HANDBOOK_* variables, then overrides."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

#: Environment variables read at start-up, and the config key each one sets.
ENVIRONMENT = {
    "HANDBOOK_DATABASE_URL": "DATABASE_URL",
    "HANDBOOK_SECRET_KEY": "SECRET_KEY",
    "HANDBOOK_RATELIMIT_STORAGE_URL": "RATELIMIT_STORAGE_URI",
    "HANDBOOK_RENDER_TIMEOUT": "RENDER_TIMEOUT",
    "HANDBOOK_SECURE_COOKIES": "SESSION_COOKIE_SECURE",
    "HANDBOOK_SEARCH": "SEARCH",
    "HANDBOOK_MAIL_URL": "MAIL_URL",
    "HANDBOOK_MAIL_FROM": "MAIL_FROM",
    "HANDBOOK_BASE_URL": "BASE_URL",
    "HANDBOOK_PROXY_CACHE_SECONDS": "PROXY_CACHE_SECONDS",
    "HANDBOOK_PROXY_REFRESH_URLS": "PROXY_REFRESH_URLS",
    "HANDBOOK_PROXY_REFRESH_TOKEN": "PROXY_REFRESH_TOKEN",
    "HANDBOOK_MEDIA_MAX_BYTES": "MEDIA_MAX_BYTES",
}

DEFAULTS = {
    "RENDER_TIMEOUT": 2.0,
    "MAX_BODY_BYTES": 512 * 1024,
    "MAX_TITLE_CHARS": 200,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    #: the largest image or PDF a member may upload (the upload form alone accepts this much)
    "MEDIA_MAX_BYTES": 5 * 1024 * 1024,
    "HISTORY_PAGE_SIZE": 50,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "handbook",
    #: failed logins per account and address; per address; per account (from anywhere)
    "LOGIN_LIMITS": "10 per 15 minutes",
    "LOGIN_ADDRESS_LIMITS": "50 per 15 minutes",
    "LOGIN_ACCOUNT_CEILING": "100 per 15 minutes",
    #: previews and saves (each renders text), per account and per address
    "EXPENSIVE_LIMITS": "30 per minute",
    #: texts refused for taking too long to render, per account and per address
    "REFUSED_RENDER_LIMITS": "3 per 10 minutes",
    #: searches (results page and suggestions) per address
    "SEARCH_LIMITS": "60 per minute",
    #: editions (a printable page or a zip of the whole handbook), per address
    "EDITION_LIMITS": "10 per minute",
    "WTF_CSRF_TIME_LIMIT": None,
    #: how long a shared cache (a reverse proxy) may serve a kept reader page without asking;
    #: 0: it asks each time (README, "Behind a reverse proxy")
    "PROXY_CACHE_SECONDS": 0,
    #: proxies (base URLs, comma-separated in the environment) that get changed pages fetched
    #: through them after each commit, with PROXY_REFRESH_TOKEN in the X-Handbook-Refresh header
    "PROXY_REFRESH_URLS": [],
    "PROXY_REFRESH_TOKEN": "",
    "SEARCH": "whoosh",
    #: Whoosh: index a thousand pages or more at once in worker processes (commands do; a
    #: server's request threads must not fork)
    "SEARCH_PARALLEL_UPDATES": False,
    #: the name mails are signed with
    "SITE_NAME": "Systems Convenor handbook",
    #: smtp:// or smtps:// URL; empty: each mail is written to <instance>/mail as an .eml file
    "MAIL_URL": "",
    "MAIL_FROM": "Systems Convenor handbook <handbook@localhost>",
    #: the handbook's public address, for links in mail (a request's Host is never used)
    "BASE_URL": "http://127.0.0.1:5000/",
    #: send mail from a background thread of each process (commands send at once)
    "MAIL_IN_BACKGROUND": True,
    #: how long "I'm reviewing this" marks a proposal for other librarians
    "REVIEW_CLAIM_MINUTES": 30,
    #: forms that send mail (register, forgot password, resend, change address), per address
    "MAIL_FORM_LIMITS": "10 per hour",
    #: mails of one kind asked for one account (reset links, confirmations), from anywhere
    "MAIL_ACCOUNT_LIMITS": "3 per hour",
    #: the fewest seconds a person takes to fill in the registration form (0: no check)
    "REGISTER_MIN_SECONDS": 3,
    #: proposals and published edits sent (not previews), per account and per address
    "PROPOSE_LIMITS": "20 per hour",
    #: comments written, per account and per address
    "COMMENT_LIMITS": "20 per hour",
    #: a member's comments wait for a librarian until this many have been approved
    "COMMENTS_HELD_UNTIL": 2,
    #: readers' reports of a problem on a page, per account and per address
    "REPORT_LIMITS": "5 per hour",
}

_TRUE = {"1", "true", "yes", "on"}


def instance_path():
    """The instance folder: HANDBOOK_INSTANCE, or ./instance."""
    return Path(os.environ.get("HANDBOOK_INSTANCE", "instance")).resolve()


def load(app, overrides):
    """Fill app.config in order of precedence and make sure the instance folder exists."""
    app.config.update(DEFAULTS)
    folder = Path(overrides.get("INSTANCE_PATH") or instance_path())
    folder.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(folder)
    app.config.from_pyfile(str(folder / "config.py"), silent=True)
    for variable, key in ENVIRONMENT.items():
        if variable in os.environ:
            app.config[key] = _coerce(key, os.environ[variable])
    app.config.update(overrides)
    app.config.setdefault("DATABASE_URL", f"sqlite:///{folder / 'handbook.db'}")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(folder)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def _coerce(key, value):
    """Turn an environment string into the type the key expects."""
    if key == "SESSION_COOKIE_SECURE":
        return value.strip().lower() in _TRUE
    if key == "RENDER_TIMEOUT":
        return float(value)
    if key in ("PROXY_CACHE_SECONDS", "MEDIA_MAX_BYTES"):
        return int(value)
    return value


def _instance_secret(folder):
    """Read the generated secret key, creating it (owner-only) atomically on first use."""
    path = folder / "secret_key"
    if not path.exists():
        draft = folder / f".secret_key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
