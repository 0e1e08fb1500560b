"""Forms: Flask-WTF gives each a CSRF token; the services own the real validation rules."""

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[InputRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Remember me on this device for 30 days")
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()],
                       description="3 to 40 letters, digits, dots, dashes or underscores; shown on your edits.",
                       render_kw={"autocomplete": "username"})
    email = EmailField("Email", validators=[InputRequired()], render_kw={"autocomplete": "email"})
    password = PasswordField("Password", validators=[InputRequired()],
                             description="At least 10 characters.",
                             render_kw={"autocomplete": "new-password"})


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired()],
                                      render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[InputRequired()],
                                 description="At least 10 characters. Your other sessions will end.",
                                 render_kw={"autocomplete": "new-password"})


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired()], render_kw={"autocomplete": "email"},
                       description="The address of your account.")


class ResetForm(FlaskForm):
    new_password = PasswordField("New password", validators=[InputRequired()],
                                 description="At least 10 characters. Every session of your"
                                             " account will end.",
                                 render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", description="Shown beside your account name on"
                               " your edits and profile; leave empty to show the account name only.",
                               render_kw={"maxlength": 80})


class EmailForm(FlaskForm):
    email = EmailField("New email address", validators=[InputRequired()],
                       render_kw={"autocomplete": "email"})
    current_password = PasswordField("Current password", validators=[InputRequired()],
                                     render_kw={"autocomplete": "current-password"})


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired()],
                                     render_kw={"autocomplete": "current-password"})
    confirm = StringField("Type “delete my account” to confirm", validators=[InputRequired()],
                          render_kw={"autocomplete": "off"})


class EditForm(FlaskForm):
    body = TextAreaField("Text (markdown)", render_kw={"rows": 24, "spellcheck": "true"})
    summary = StringField("Edit summary", description="Say briefly what you changed and why.",
                          render_kw={"maxlength": 300})
    base_revision_id = HiddenField()


class NewPageForm(EditForm):
    title = StringField("Title", render_kw={"maxlength": 200})
    section_id = SelectField("Section", coerce=int)


class RejectForm(FlaskForm):
    """A decision that needs a reason: rejecting a proposal, removing a page."""

    reason = TextAreaField("Reason (shown to the author)", render_kw={"rows": 3})


class RejectProposalForm(RejectForm):
    """Rejecting a proposal: one of the handbook's reasons, words of one's own, or both."""

    reason_id = SelectField("Reason", coerce=int, validate_choice=False)
    reason = TextAreaField("In your own words (shown to the author)", render_kw={"rows": 3})


class RequestChangesForm(FlaskForm):
    note = TextAreaField("What should the author change? (markdown)", render_kw={"rows": 4})


class NoteForm(FlaskForm):
    body = TextAreaField("Note (markdown; only the author and librarians see it)",
                         render_kw={"rows": 3})


class ApproveEditsForm(FlaskForm):
    body = TextAreaField("Text to publish (markdown)", render_kw={"rows": 20, "spellcheck": "true"})
    base_revision_id = HiddenField()


class ReasonForm(FlaskForm):
    text = StringField("Reason", render_kw={"maxlength": 300})


class RenameForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 200})
    section_id = SelectField("Section", coerce=int)


class SectionForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 200})
    summary = StringField("Summary", render_kw={"maxlength": 500})
    introduction = TextAreaField("Introduction (markdown)", render_kw={"rows": 8})


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=["contributor", "librarian", "admin"])
