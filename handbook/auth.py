"""Sessions (flask-login), CSRF (flask-wtf) and login rate limits (limits)."""

from urllib.parse import urlsplit

from flask import current_app
from flask import request
from limits import parse
from limits import storage
from limits import strategies
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


class LoginThrottle:
    """Login attempts counted per account and per address (in memory, or Redis when shared)."""

    def __init__(self, storage_uri):
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))

    def allow(self, limit):
        """Count this attempt; False once the account or the address has used `limit`."""
        allowance = parse(limit)
        keys = [f"address:{request.remote_addr}",
                "account:" + request.form.get("name", "").strip().lower()[:40]]
        if not all(self.limiter.test(allowance, "login", key) for key in keys):
            return False
        for key in keys:
            self.limiter.hit(allowance, "login", key)
        return True


def throttle():
    return current_app.extensions["handbook_login_throttle"]


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
    app.extensions["handbook_login_throttle"] = LoginThrottle(app.config["RATELIMIT_STORAGE_URI"])
