"""Coffee pairings: members opt in and see their matches; admins make a round and see totals."""

from datetime import datetime
from datetime import timezone

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.forms import ActionForm
from handbook.forms import CoffeeForm
from handbook.forms import MetForm
from handbook.services import coffee
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import user

blueprint = Blueprint("coffee", __name__)


def _today():
    return datetime.now(timezone.utc).date()


def _page(form, status=200, error=None):
    session = db.get_session()
    return render_template(
        "coffee.html", form=form, error=error, member=coffee.membership(session, user()),
        matches=coffee.my_matches(session, user()), openers=coffee.OPENERS,
        openers_path=coffee.OPENERS_PATH, answers=coffee.ANSWERS,
        no_repeat=coffee.NO_REPEAT_ROUNDS), status


@blueprint.route("/coffee", methods=["GET", "POST"])
@allowed(permissions.may_join_coffee)
@rate_limits.expensive
def index():
    if request.method == "GET":
        member = coffee.membership(db.get_session(), user())
        return _page(CoffeeForm(obj=member) if member else CoffeeForm())
    form = CoffeeForm()
    if not form.validate_on_submit():
        return _page(form, 400, "Choose how often and how you prefer to meet.")
    joined = coffee.membership(db.get_session(), user()) is None
    _, problem = attempt(lambda session: coffee.join(
        session, user(), every_weeks=form.every_weeks.data, line=form.line.data,
        meet_by=form.meet_by.data, area=form.area.data, share_email=form.share_email.data))
    if problem is not None:
        return _page(form, 400, str(problem))
    flash("You are in: you will hear when a round pairs you." if joined
          else "Your coffee preferences are saved.", "success")
    return redirect(url_for("coffee.index"))


@blueprint.post("/coffee/leave")
@allowed(permissions.may_join_coffee)
def leave():
    attempt_and_say(lambda session: coffee.leave(session, user()),
                    "You will not be paired again; what you wrote is deleted.")
    return redirect(url_for("coffee.index"))


@blueprint.post("/coffee/matches/<int:match_id>/met")
@allowed(permissions.may_join_coffee)
def met(match_id):
    form = MetForm()
    attempt_and_say(lambda session: coffee.answer(session, user(), match_id, form.met.data),
                    "Thank you: your answer is saved.")
    return redirect(url_for("coffee.index"))


@blueprint.get("/admin/coffee")
@allowed(permissions.may_manage_coffee)
def admin():
    return render_template("admin_coffee.html", action_form=ActionForm(),
                           stats=coffee.stats(db.get_session(), user()),
                           current=coffee.round_key(_today()))


@blueprint.post("/admin/coffee/pair")
@allowed(permissions.may_manage_coffee)
def run():
    attempt_and_say(lambda session: coffee.make_round(session, user(), _today()), _ran)
    return redirect(url_for("coffee.admin"))


def _ran(result):
    made, now = result
    if not now:
        return f"The round of {made.key} was made already; nothing changed."
    people = sum(len(match.members) for match in made.matches)
    count = len(made.matches)
    return (f"Made the round of {made.key}: {count} match{'es' if count != 1 else ''},"
            f" {people} {'person' if people == 1 else 'people'}.")
