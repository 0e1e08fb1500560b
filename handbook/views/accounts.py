"""Registering and confirming an address, logging in and out, changing and recovering a
password."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from handbook import db
from handbook import rate_limits
from handbook import tokens
from handbook.auth import safe_next
from handbook.auth import throttle
from handbook.forms import ActionForm
from handbook.forms import ForgotForm
from handbook.forms import LoginForm
from handbook.forms import PasswordForm
from handbook.forms import RegisterForm
from handbook.forms import ResetForm
from handbook.services import accounts
from handbook.services.errors import InvalidInput
from handbook.views.common import attempt
from handbook.views.common import check_input
from handbook.views.common import user

blueprint = Blueprint("accounts", __name__)


@blueprint.route("/register", methods=["GET", "POST"])
@rate_limits.mail_form
def register():
    form = RegisterForm()
    if current_user.is_authenticated:
        return redirect(url_for("reading.contents"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _register_page(form, status=status)
    fastest = current_app.config["REGISTER_MIN_SECONDS"]
    elapsed = tokens.seconds_since_shown(secret(), form.started.data)
    if fastest and (elapsed is None or elapsed < fastest):
        return _register_page(form, "That was quicker than a person can fill in the form."
                                    " Check it, then send it again.")
    if not form.website.data:
        _, problem = attempt(lambda session: accounts.register(
            session, form.name.data, form.email.data, form.password.data))
        if problem is not None:
            return _register_page(form, str(problem))
    # The same answer whether or not the address already had an account (or a robot filled
    # in the trap field, so nothing was made).
    flash(f"Thank you. If the address {form.email.data.strip()} was not already registered,"
          f" the account “{form.name.data.strip()}” is ready: log in with it below. We have"
          " sent a link to that address: open it to confirm the address, and then you can"
          " propose changes.", "success")
    return redirect(url_for("accounts.login"))


def _register_page(form, error=None, status=400):
    """The registration form, stamped afresh with the moment it is shown."""
    form.started.data = tokens.form_shown(secret())
    return render_template("register.html", form=form, error=error), status


def secret():
    return current_app.config["SECRET_KEY"]


def _link_problem(problem):
    return render_template("link_problem.html", message=str(problem)), 400


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Confirm an address from the mailed link (a button, so that mail scanners opening the
    link change nothing)."""
    try:
        tokens.read_confirm_address(secret(), token)
    except tokens.TokenInvalid as problem:
        return _link_problem(problem)
    if request.method == "GET" or not ActionForm().validate_on_submit():
        return render_template("confirm.html", form=ActionForm(),
                               action=url_for("accounts.confirm", token=token),
                               heading="Confirm your email address",
                               button="Confirm my address")
    result, problem = attempt(lambda session: accounts.confirm_address(session, secret(), token))
    if problem is not None:
        return _link_problem(problem)
    _account, now = result
    flash("Your address is confirmed: you can now propose changes." if now
          else "Your address was already confirmed.", "success")
    return redirect(url_for("reading.contents" if current_user.is_authenticated else "accounts.login"))


@blueprint.post("/me/confirm/resend")
@login_required
@rate_limits.mail_form
def resend_confirmation():
    if ActionForm().validate_on_submit():
        account = user()
        if rate_limits.account_mail_allowed(f"confirm:{account.id}"):
            _, problem = attempt(lambda session: accounts.send_confirmation(session, account))
            if problem is not None:
                flash(str(problem), "info")
                return redirect(url_for("settings.index"))
        flash(f"We have sent a new confirmation link to {account.email}. It may take a few"
              " minutes to arrive; look in spam too.", "success")
    return redirect(url_for("settings.index"))


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@rate_limits.mail_form
def forgot():
    form = ForgotForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("forgot.html", form=form), status
    if rate_limits.account_mail_allowed(f"reset:{form.email.data}"):
        _, problem = attempt(lambda session: accounts.request_password_reset(session, form.email.data))
        if problem is not None:
            return render_template("forgot.html", form=form, error=str(problem)), 400
    # The same answer whether or not an account has this address.
    return render_template("forgot.html", form=form, sent=form.email.data.strip())


@blueprint.route("/reset-password/<token>", methods=["GET", "POST"])
def reset(token):
    form = ResetForm()
    try:
        account = accounts.account_for_reset(db.get_session(), secret(), token)
    except tokens.TokenInvalid as problem:
        return _link_problem(problem)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("reset.html", form=form, account=account), status
    changed, problem = attempt(lambda session: accounts.reset_password(
        session, secret(), token, form.new_password.data))
    if isinstance(problem, tokens.TokenInvalid):
        return _link_problem(problem)
    if problem is not None:
        return render_template("reset.html", form=form, account=account, error=str(problem)), 400
    login_user(changed)
    flash("Your new password is set, and you are logged in. Every other session of your"
          " account has ended.", "success")
    return redirect(url_for("reading.contents"))


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("login.html", form=form)
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400
    try:
        check_input()
    except InvalidInput as invalid:
        return render_template("login.html", form=form, error=str(invalid)), 400
    if not throttle().may_try(form.name.data):
        abort(429, "Too many failed logins for this account from here. Wait 15 minutes,"
                   " then try again.")
    user, problem = attempt(lambda session: accounts.authenticate(
        session, form.name.data, form.password.data))
    if problem is not None:
        throttle().failed(form.name.data)
        return render_template("login.html", form=form, error=str(problem)), 401
    login_user(user, remember=form.remember.data)
    flash(f"Logged in as {user.name}.", "success")
    return redirect(safe_next(form.next.data) or url_for("reading.contents"))


@blueprint.post("/logout")
@login_required
def logout():
    if ActionForm().validate_on_submit():
        attempt(lambda session: accounts.end_sessions(session, current_user._get_current_object()))
        logout_user()
        flash("Logged out. Your sessions on other devices have ended too.", "info")
    return redirect(url_for("reading.contents"))


@blueprint.route("/me/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("password.html", form=form), 400 if request.method == "POST" else 200
    user = current_user._get_current_object()
    _, problem = attempt(lambda session: accounts.change_password(
        session, user, form.current_password.data, form.new_password.data))
    if problem is not None:
        return render_template("password.html", form=form, error=str(problem)), 400
    login_user(user)
    flash("Password changed. Your other sessions have ended.", "success")
    return redirect(url_for("reading.contents"))
