"""Rate limits (Flask-Limiter): per address and per account, counted in memory or in Redis.

With `memory://` (the default) every worker process counts for itself, so a limit of 10 lets
10 tries per worker through; a deployment with several workers points
HANDBOOK_RATELIMIT_STORAGE_URL at Redis, and the app warns when it sees several workers
counting in memory.
"""

import functools
import logging

from flask import abort
from flask import current_app
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

log = logging.getLogger(__name__)
limiter = Limiter(key_func=get_remote_address, strategy="moving-window")


def _account_or_address():
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"


def _limit(name):
    return lambda: current_app.config[name]


#: Work that renders text (previews, saves): per account and per address.
_expensive_per_account = limiter.shared_limit(
    _limit("EXPENSIVE_LIMITS"), "expensive", key_func=_account_or_address, methods=["POST"])
_expensive_per_address = limiter.shared_limit(
    _limit("EXPENSIVE_LIMITS"), "expensive-address", methods=["POST"])
#: Searches, the results page and the suggestions API alike: per address.
search = limiter.shared_limit(_limit("SEARCH_LIMITS"), "search")
#: Editions of the handbook (each builds every page it holds): per address.
edition = limiter.shared_limit(_limit("EDITION_LIMITS"), "edition")
#: Forms that send mail (register, forgot password, resend, change address): per address.
mail_form = limiter.shared_limit(_limit("MAIL_FORM_LIMITS"), "mail-form", methods=["POST"])
#: Readers' reports of a problem on a page: per account (a reader's address) and per address.
report = limiter.shared_limit(
    _limit("REPORT_LIMITS"), "report", key_func=_account_or_address, methods=["POST"])
report_per_address = limiter.shared_limit(
    _limit("REPORT_LIMITS"), "report-address", methods=["POST"])



def _previewing():
    return request.form.get("action") == "preview"


#: Proposals and published edits sent (previews are not counted): per account and per address.
_propose_per_account = limiter.shared_limit(
    _limit("PROPOSE_LIMITS"), "propose", key_func=_account_or_address, methods=["POST"],
    exempt_when=_previewing)
_propose_per_address = limiter.shared_limit(
    _limit("PROPOSE_LIMITS"), "propose-address", methods=["POST"], exempt_when=_previewing)


def propose(view):
    """Limit a view that sends a proposal or publishes an edit."""
    return _propose_per_account(_propose_per_address(view))


#: Comments written: per account and per address.
_comment_per_account = limiter.shared_limit(
    _limit("COMMENT_LIMITS"), "comment", key_func=_account_or_address, methods=["POST"])
_comment_per_address = limiter.shared_limit(
    _limit("COMMENT_LIMITS"), "comment-address", methods=["POST"])


def comment(view):
    """Limit a view that writes a comment."""
    return _comment_per_account(_comment_per_address(view))


def account_mail_allowed(account):
    """Count one mail asked for `account` (a name or address, from any address); whether it
    is within MAIL_ACCOUNT_LIMITS. Over the limit, the form answers as usual and sends nothing."""
    allowance = parse(current_app.config["MAIL_ACCOUNT_LIMITS"])
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}|{(account or '').strip().lower()[:254]}"
    return limiter.limiter.hit(allowance, "mail-account", key)


def expensive(view):
    """Limit a view that renders text; an account whose texts keep being refused (each one
    costs a full render budget) is held back for a while."""

    @_expensive_per_account
    @_expensive_per_address
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST" and not _refusals_allowed(hit=False):
            abort(429, "Several of your texts could not be formatted in time. Wait a few"
                       " minutes, simplify the text, then try again.")
        return view(*args, **kwargs)

    return wrapper


def note_refused_render():
    """Count a text that could not be rendered in its budget against the account and address."""
    _refusals_allowed(hit=True)


def _refusals_allowed(hit):
    allowance = parse(current_app.config["REFUSED_RENDER_LIMITS"])
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    keys = [f"{prefix}|{_account_or_address()}", f"{prefix}|address:{get_remote_address()}"]
    if hit:
        return all([limiter.limiter.hit(allowance, "refused-render", key) for key in keys])
    return all(limiter.limiter.test(allowance, "refused-render", key) for key in keys)


def warn_if_counting_per_worker(environ):
    """Log once when several worker processes each keep their own counts."""
    if environ.get("wsgi.multiprocess") and current_app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        log.warning("Rate limits are counted in memory by each of several worker processes, so"
                    " each limit applies per worker. Set HANDBOOK_RATELIMIT_STORAGE_URL to a"
                    " Redis URL (redis://host:6379) to share them.")


def init_app(app):
    limiter.init_app(app)
    state = {"checked": False}

    @app.before_request
    def check_storage_once():
        if not state["checked"]:
            state["checked"] = True
            warn_if_counting_per_worker(request.environ)
