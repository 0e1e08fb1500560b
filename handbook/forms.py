"""Forms: Flask-WTF gives each a CSRF token; the services own the real validation rules."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from handbook.services.coffee import ANSWERS
from handbook.services.coffee import MAX_AREA_CHARS
from handbook.services.coffee import MAX_LINE_CHARS
from handbook.services.coffee import MEET_BY
from handbook.services.reflection import SCALE
from handbook.services.reflection import STATEMENTS
from handbook.services.reports import REASONS
from handbook.services.reports import RESOLUTIONS
from handbook.services.validation import MAX_REASON_CHARS


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class UploadForm(FlaskForm):
    file = FileField("Image (PNG, JPEG, WebP or GIF) or PDF")
    alt = StringField("What the image shows, for readers who cannot see it",
                      render_kw={"maxlength": 300})


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
    #: traps for robots: an off-screen field people leave empty, and when the form was shown
    website = StringField("Leave this field empty",
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()


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
    tags = StringField("Tags", description="Words that group this page with others, separated"
                       " by commas (for example: facilitation, evaluation).",
                       render_kw={"maxlength": 600})
    page_summary = StringField("Page summary", description="One sentence about the page, shown"
                               " under its title in lists and search results.",
                               render_kw={"maxlength": 500})
    base_revision_id = HiddenField()
    #: the anchor of the heading whose section alone is being edited ("" for the whole page)
    section = HiddenField()


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


def _choices(labels):
    """Radio choices from an ordered {value: label}."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class ReportForm(FlaskForm):
    """A reader's report of a problem on a page. `website` is a trap: people leave it empty
    (it is off-screen), robots that fill in every field do not."""

    reason = RadioField("What is wrong with this page?", choices=_choices(REASONS),
                        validators=[InputRequired("Choose what is wrong with the page.")],
                        validate_choice=False)
    note = TextAreaField("Tell the librarians more (optional)",
                         description="What is wrong, and where on the page; a source helps.",
                         render_kw={"rows": 4, "maxlength": MAX_REASON_CHARS})
    website = StringField("Leave this field empty",
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    #: the comment reported, for a report on the page's discussion
    comment = HiddenField()


class ResolveReportsForm(FlaskForm):
    resolution = RadioField("What was done?", choices=_choices(RESOLUTIONS),
                            validate_choice=False)
    note = TextAreaField("Note (shown to reporters with an account; needed to dismiss)",
                         render_kw={"rows": 3, "maxlength": MAX_REASON_CHARS})
    up_to = HiddenField()


def _rating_each_statement(form):
    """Give the form class one radio group per statement, named by the statement's key."""
    for statement in STATEMENTS:
        setattr(form, statement.key, RadioField(
            statement.text, choices=_choices(SCALE), coerce=int, validate_choice=False))
    return form


@_rating_each_statement
class ReflectionForm(FlaskForm):
    """The network-role reflection; whether every statement is rated is for the service to say."""

    def answers(self):
        """{statement key: the rating chosen, or None}."""
        return {statement.key: self[statement.key].data for statement in STATEMENTS}


class SaveReflectionForm(ReflectionForm):
    """The answers (hidden fields on the result page) and what a member chooses to keep and
    share, each box unticked until they tick it."""

    save = BooleanField("Save to my private profile")
    on_profile = BooleanField("Show my strongest role on my public profile")
    with_matches = BooleanField("Share my strongest role with my coffee matches")


class HideRevisionForm(FlaskForm):
    hide_text = BooleanField("Hide the text")
    hide_summary = BooleanField("Hide the edit summary")
    reason = StringField("Reason (librarians and admins see it)", render_kw={"maxlength": 300})


class MarkReviewedForm(FlaskForm):
    note = StringField("Note (optional, kept in the audit log)", render_kw={"maxlength": 300})


class UndoAccountForm(FlaskForm):
    digest = HiddenField()
    block = BooleanField("Also block the account")


class SectionRulesForm(FlaskForm):
    """A section's review interval and guard phrases (librarians) and trust thresholds (admins)."""

    review_interval_months = IntegerField(
        "Review interval in months", validators=[Optional(), NumberRange(1, 120)],
        description="Its pages are due for review this long after their last review. Leave"
                    " empty for never.")
    guard_phrases = TextAreaField(
        "Phrases the confidentiality guard flags", render_kw={"rows": 4},
        description="One per line, such as a ward's or a service user's name; matched as whole"
                    " words, in any case.")
    trust_after = IntegerField("Approved proposals that earn trust",
                               validators=[InputRequired(), NumberRange(1, 1000)])
    trust_window_days = IntegerField("Days in which a rejection counts as recent",
                                     validators=[InputRequired(), NumberRange(1, 3650)])
    throttle_after = IntegerField("Recent rejections that limit an author",
                                  validators=[InputRequired(), NumberRange(0, 1000)],
                                  description="0: never limit.")
    throttle_pending = IntegerField("Open proposals a limited author may have",
                                    validators=[InputRequired(), NumberRange(1, 1000)])


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment (markdown: no headings or images)",
                         render_kw={"rows": 5, "maxlength": 5000})
    #: the comment this replies to, for a reply
    parent = HiddenField()


class CoffeeForm(FlaskForm):
    """Opting in to coffee pairings; the service checks the choices and the words."""

    every_weeks = RadioField("How often would you like to be paired?", coerce=int, default=2,
                             choices=[SelectChoice(2, "Every 2 weeks (every round)"),
                                      SelectChoice(4, "Every 4 weeks (every other round)")],
                             validate_choice=False)
    line = StringField("What you work on, in a line",
                       description="Shown to the people you are paired with, and nobody else."
                                   " No contact details.",
                       render_kw={"maxlength": MAX_LINE_CHARS})
    meet_by = RadioField("How do you prefer to meet?", choices=_choices(MEET_BY),
                         default="video", validate_choice=False)
    area = StringField("Where could you meet in person?",
                       description="A town or an area, such as “central Leeds”; only for"
                                   " meeting in person.",
                       render_kw={"maxlength": MAX_AREA_CHARS})
    share_email = BooleanField("Tell the people I am paired with my email address, so we can"
                               " arrange to meet")


class MetForm(FlaskForm):
    met = RadioField("Did you meet?", choices=_choices(ANSWERS), validate_choice=False)
