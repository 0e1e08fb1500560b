"""Granting and revoking a contributor's trust in a section by hand."""

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import request
from flask import url_for

from handbook import db
from handbook import permissions
from handbook.forms import ActionForm
from handbook.services import accounts
from handbook.services import sections
from handbook.services import trust
from handbook.views.common import allowed
from handbook.views.common import attempt_and_say
from handbook.views.common import user

blueprint = Blueprint("trust", __name__)

#: the form's choices: grant, revoke, or back to what the contributor earned
CHOICES = {"grant": True, "revoke": False, "earned": None}
SAID = {True: "Trusted by hand", False: "Trust revoked", None: "Back to earned trust"}


@blueprint.post("/users/<name>/trust/<section_slug>")
@allowed(permissions.may_review)
def set_trust(name, section_slug):
    session = db.get_session()
    person = accounts.get_by_name(session, name)
    section = sections.get_by_slug(session, section_slug)
    choice = request.form.get("trust")
    if choice not in CHOICES:
        abort(400, "Choose to grant, revoke, or go back to earned trust.")
    if ActionForm().validate_on_submit():
        trusted = CHOICES[choice]
        attempt_and_say(lambda session: trust.set_grant(session, user(), person, section, trusted),
                        f"{SAID[trusted]} in “{section.title}”.")
    return redirect(url_for("reading.person", name=person.name) + "#trust")
