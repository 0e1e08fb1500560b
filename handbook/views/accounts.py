"""Registering, logging in and out, changing a password."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from handbook.auth import safe_next
from handbook.auth import throttle
from handbook.forms import ActionForm
from handbook.forms import LoginForm
from handbook.forms import PasswordForm
from handbook.forms import RegisterForm
from handbook.services import accounts
from handbook.services.errors import InvalidInput
from handbook.views.common import attempt
from handbook.views.common import check_input

blueprint = Blueprint("accounts", __name__)


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if current_user.is_authenticated:
        return redirect(url_for("reading.contents"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("register.html", form=form), status
    _, problem = attempt(lambda session: accounts.register(
        session, form.name.data, form.email.data, form.password.data))
    if problem is not None:
        return render_template("register.html", form=form, error=str(problem)), 400
    # The same answer whether or not the address already had an account.
    flash(f"Thank you. If the address {form.email.data.strip()} was not already registered,"
          f" the account “{form.name.data.strip()}” is ready: log in with it below.", "success")
    return redirect(url_for("accounts.login"))


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
