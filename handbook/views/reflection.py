"""The network-role reflection: anyone answers and sees a profile; members may save it."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.forms import ActionForm
from handbook.forms import ReflectionForm
from handbook.forms import SaveReflectionForm
from handbook.services import reflection
from handbook.services.errors import InvalidInput
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import user

blueprint = Blueprint("reflection", __name__)
NOTHING_STORED = ("Nothing was stored: tick “Save to my private profile” to keep your answers"
                  " and choose what to share.")


def _form(form, status=200, error=None):
    """The statements, with `form`'s answers checked, and the member's saved reflection."""
    return render_template("reflection.html", form=form, error=error,
                           saved=reflection.saved(db.get_session(), user()),
                           statements=reflection.STATEMENTS, scale=reflection.SCALE,
                           roles=reflection.ROLES), status


def _result(form, note=None):
    """The profile of the answers sent in `form` (a SaveReflectionForm), with the choices to
    save it; the statements again (400) when some are unanswered. CSRFProtect has checked the
    form's token before any view runs."""
    try:
        profile = reflection.score(form.answers())
    except InvalidInput as problem:
        return _form(form, 400, str(problem))
    return render_template("reflection_result.html", profile=profile, form=form, note=note,
                           statements=reflection.STATEMENTS, roles=reflection.ROLES)


@blueprint.get("/reflection")
def form():
    saved = reflection.saved(db.get_session(), user())
    return _form(ReflectionForm(data=saved.answers if saved else None))


@blueprint.post("/reflection")
@rate_limits.expensive
def result():
    return _result(SaveReflectionForm())


@blueprint.post("/reflection/save")
@allowed(permissions.may_save_reflection)
@rate_limits.expensive
def save():
    """Score the answers again and store them, only if the member ticked "Save"."""
    form = SaveReflectionForm()
    if not form.save.data:
        return _result(form, NOTHING_STORED)
    _, problem = attempt(lambda session: reflection.save(
        session, user(), form.answers(), on_profile=form.on_profile.data,
        with_matches=form.with_matches.data))
    if problem is not None:
        return _form(form, 400, str(problem))
    flash("Your reflection is saved. Only you see your answers; forget them here at any time.",
          "success")
    return redirect(url_for("reflection.form"))


@blueprint.post("/reflection/forget")
@allowed(permissions.may_save_reflection)
@rate_limits.expensive
def forget():
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: reflection.forget(session, user()),
                        lambda forgotten: "Your saved answers are forgotten." if forgotten
                        else "You had no saved answers to forget.")
    return redirect(url_for("reflection.form"))
