"""An account's own settings: display name, address, notifications, private feed, deletion."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import logout_user

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook import tokens
from handbook.forms import ActionForm
from handbook.forms import DeleteAccountForm
from handbook.forms import EmailForm
from handbook.forms import ProfileForm
from handbook.services import accounts
from handbook.services import notifications
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import user

blueprint = Blueprint("settings", __name__, url_prefix="/me/settings")


def _page(status=200, **forms):
    account = user()
    profile = forms.get("profile") or ProfileForm(display_name=account.display_name)
    feed = (current_app.extensions["handbook_mailer"].external_url(
        "notifications.feed", token=account.feed_token) if account.feed_token else None)
    return render_template(
        "settings.html", account=account, profile=profile,
        email_form=forms.get("email_form") or EmailForm(formdata=None),
        action_form=ActionForm(), preferences=notifications.preferences(db.get_session(), account),
        deliveries=notifications.DELIVERIES, feed=feed, error=forms.get("error")), status


@blueprint.get("")
@allowed(permissions.may_use_inbox)
def index():
    return _page()


@blueprint.post("/profile")
@allowed(permissions.may_use_inbox)
def profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page(400, profile=form)
    _, problem = attempt(lambda session: accounts.set_display_name(session, user(), form.display_name.data))
    if problem is not None:
        return _page(400, profile=form, error=str(problem))
    flash("Your display name is saved.", "success")
    return redirect(url_for("settings.index"))


@blueprint.post("/email")
@allowed(permissions.may_use_inbox)
@rate_limits.mail_form
def email():
    form = EmailForm()
    if not form.validate_on_submit():
        return _page(400, email_form=form)
    account = user()
    if rate_limits.account_mail_allowed(f"change:{account.id}"):
        _, problem = attempt(lambda session: accounts.change_email(
            session, account, form.current_password.data, form.email.data))
        if problem is not None:
            return _page(400, email_form=form, error=str(problem))
    flash(f"If no other account uses {form.email.data.strip()}, a link is on its way there:"
          " your address changes when you open it. Until then the old address stays.", "success")
    return redirect(url_for("settings.index"))


@blueprint.post("/notifications")
@allowed(permissions.may_use_inbox)
def preferences():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("settings.index"))
    account = user()
    chosen = {kind.name: request.form.get(f"delivery-{kind.name}", current)
              for kind, current in notifications.preferences(db.get_session(), account)}
    _, problem = attempt(lambda session: notifications.set_preferences(
        session, account, chosen, request.form.get("watch_own_proposals") == "1"))
    if problem is not None:
        return _page(400, error=str(problem))
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("settings.index") + "#notifications")


@blueprint.post("/feed")
@allowed(permissions.may_use_inbox)
def feed():
    if ActionForm().validate_on_submit():
        attempt(lambda session: notifications.new_feed_token(session, user()))
        flash("Your private feed has a new address; the old one no longer works.", "success")
    return redirect(url_for("settings.index") + "#feed")


@blueprint.route("/delete", methods=["GET", "POST"])
@allowed(permissions.may_use_inbox)
def delete():
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("delete_account.html", form=form), status
    _, problem = attempt(lambda session: accounts.delete_account(
        session, user(), form.current_password.data, form.confirm.data))
    if problem is not None:
        return render_template("delete_account.html", form=form, error=str(problem)), 400
    logout_user()
    flash("Your account is deleted. Your published edits stay in the handbook, credited to"
          " “a former contributor”.", "info")
    return redirect(url_for("reading.contents"))


@blueprint.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Move an account to a new address from the link mailed there (no login needed)."""
    secret = current_app.config["SECRET_KEY"]
    try:
        tokens.read_change_email(secret, token)
    except tokens.TokenInvalid as problem:
        return render_template("link_problem.html", message=str(problem)), 400
    if request.method == "GET" or not ActionForm().validate_on_submit():
        return render_template("confirm.html", form=ActionForm(),
                               action=url_for("settings.confirm_email", token=token),
                               heading="Confirm your new email address",
                               button="Use this address")
    result, problem = attempt(lambda session: accounts.confirm_email_change(session, secret, token))
    if problem is not None:
        return render_template("link_problem.html", message=str(problem)), 400
    flash("Your account now uses its new address; the old one has been told." if result[1]
          else "Your account already uses this address.", "success")
    return redirect(url_for("reading.contents"))
