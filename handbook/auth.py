"""Sessions (flask-login), CSRF (flask-wtf) and login rate limits (flask-limiter)."""

from urllib.parse import urlsplit

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from handbook import db
from handbook.models import User

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@login_manager.user_loader
def load_user(identity):
    """The account for a session identity "<id>:<token>"; a stale token means logged out."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.get_session().scalar(
        select(User).where(User.id == int(user_id), User.session_token == token)
    )
    if user is None or not user.is_active:
        return None
    return user


def login_account_key():
    """Rate-limit key for the account named in a login form."""
    return "account:" + request.form.get("name", "").strip().lower()[:40]


def safe_next(target):
    """`target` if it is a path on this site, else None (no //host, /\\host or schemes)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(character in target for character in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def init_app(app):
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
