"""Sessions (flask-login), CSRF (flask-wtf) and login rate limits (limits)."""

from urllib.parse import urlsplit

from flask import current_app
from flask import request
from limits import parse
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select

from handbook import db
from handbook import rate_limits
from handbook.models import Notification
from handbook.models import User

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"
csrf = CSRFProtect()


#: built once: every logged-in request runs it
_ACCOUNT = select(
    User,
    select(func.count(Notification.id))
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .scalar_subquery(),
).where(User.id == bindparam("user_id"), User.session_token == bindparam("token"))


@login_manager.user_loader
def load_user(identity):
    """The account for a session identity "<id>:<token>" (a stale token means logged out),
    with its unread notifications counted in the same query for the navigation bar."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.get_session().execute(_ACCOUNT, {"user_id": int(user_id), "token": token}).first()
    if row is None or not row[0].is_active:
        return None
    user, user.unread_notifications = row
    return user


class LoginThrottle:
    """Failed logins, counted per (account, address), per address, and per account with a much
    larger ceiling. Guessing is slowed from any one address, and from many addresses at once
    by the ceiling; but while the ceiling holds an account, a correct password from an address
    with no recent failures still gets in, so nobody can lock the owner out."""

    def __init__(self, config):
        self.config = config

    def _limits(self):
        return (parse(self.config["LOGIN_LIMITS"]), parse(self.config["LOGIN_ADDRESS_LIMITS"]),
                parse(self.config["LOGIN_ACCOUNT_CEILING"]))

    def _keys(self, name):
        """Keys of the three counts, under the app's RATELIMIT_KEY_PREFIX (one Redis may count
        for several handbooks)."""
        prefix = self.config["RATELIMIT_KEY_PREFIX"]
        account = (name or "").strip().lower()[:40]
        address = request.remote_addr or ""
        return f"{prefix}|{account}|{address}", f"{prefix}|{address}", f"{prefix}|{account}"

    def may_try(self, name):
        """Whether a login for `name` from this address may be checked at all."""
        strategy = rate_limits.limiter.limiter
        pair_limit, address_limit, ceiling = self._limits()
        pair, address, account = self._keys(name)
        if not (strategy.test(pair_limit, "login-pair", pair)
                and strategy.test(address_limit, "login-address", address)):
            return False
        if strategy.test(ceiling, "login-account", account):
            return True
        _reset, remaining = strategy.get_window_stats(address_limit, "login-address", address)
        return remaining >= address_limit.amount

    def failed(self, name):
        """Count a wrong password."""
        strategy = rate_limits.limiter.limiter
        pair_limit, address_limit, ceiling = self._limits()
        pair, address, account = self._keys(name)
        strategy.hit(pair_limit, "login-pair", pair)
        strategy.hit(address_limit, "login-address", address)
        strategy.hit(ceiling, "login-account", account)


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
    app.extensions["handbook_login_throttle"] = LoginThrottle(app.config)
