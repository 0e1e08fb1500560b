"""Page discussions: read and write comments, reply, edit for a while, delete one's own;
librarians hold, approve, reject, hide and restore them, in the comments queue."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.forms import ActionForm
from handbook.forms import CommentForm
from handbook.models import CommentState
from handbook.search.query import MAX_QUERY_CHARS
from handbook.search.query import clean
from handbook.services import comments
from handbook.services import reading
from handbook.services import watching
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import attempt_and_say
from handbook.views.common import form_id
from handbook.views.common import own_host
from handbook.views.common import renderer
from handbook.views.common import user
from handbook.views.editing import published_page

blueprint = Blueprint("comments", __name__)
POLICY = "comments-policy"


def _page_of(comment):
    if not comment.page.is_published:
        raise NotFound("There is no such comment.")
    return comment.page


def _discussion_page(page, status=200, form=None, error=None, reply_to=None):
    session = db.get_session()
    return render_template(
        "discussion.html", page=page, threads=comments.discussion(session, current_user, page),
        form=form or CommentForm(formdata=None), error=error, reply_to=reply_to,
        policy=POLICY, count=comments.published_count(session, page.id),
        can_edit=comments.may_still_edit,
        watching=watching.is_watching(session, current_user, page=page)), status


@blueprint.get("/wiki/<slug>/discussion")
def discussion(slug):
    """A page's discussion; an old address of a renamed page leads to its new one."""
    found = reading.find_page(db.get_session(), slug)
    if isinstance(found, reading.Moved):
        return redirect(url_for("comments.discussion", slug=found.slug, **request.args), 301)
    if not found.is_published:
        raise NotFound("There is no page here.")
    return _discussion_page(found)


@blueprint.post("/wiki/<slug>/discussion")
@allowed(permissions.may_comment)
@rate_limits.comment
def post(slug):
    page = published_page(db.get_session(), slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return _discussion_page(page, 400, form, "The form had expired; try again.")
    parent = form_id(form.parent.data) if form.parent.data else None
    comment, problem = attempt(lambda session: comments.post(
        session, user(), page, form.body.data, parent_id=parent, renderer=renderer(),
        held_until=current_app.config["COMMENTS_HELD_UNTIL"], own_host=own_host()))
    if problem is not None:
        return _discussion_page(page, 400, form, str(problem), reply_to=parent)
    if comment.state is CommentState.held:
        flash("Thank you. Your comment is waiting for a librarian: only you can see it until"
              " then." if comment.reason == "new" else "Your comment may hold personal details"
              " or links, so it waits for a librarian; only you can see it until then.", "info")
    else:
        flash("Comment published.", "success")
    return redirect(url_for("comments.discussion", slug=page.slug) + f"#comment-{comment.id}")


@blueprint.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@allowed(permissions.may_comment)
@rate_limits.comment
def edit(comment_id):
    comment = comments.get(db.get_session(), comment_id)
    page = _page_of(comment)
    permissions.require(comment.author_id == current_user.id, "Only its author edits a comment.")
    form = CommentForm(formdata=None, body=comment.body) if request.method == "GET" else CommentForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            problem = InvalidInput("The form had expired; try again.")
        else:
            _, problem = attempt(lambda session: comments.edit(
                session, user(), comment, form.body.data, renderer=renderer(),
                own_host=own_host()))
        if problem is None:
            flash("Comment saved.", "success")
            return redirect(url_for("comments.discussion", slug=page.slug)
                            + f"#comment-{comment.id}")
        return render_template("comment_edit.html", comment=comment, page=page, form=form,
                               error=str(problem)), 400
    return render_template("comment_edit.html", comment=comment, page=page, form=form)


@blueprint.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id):
    comment = comments.get(db.get_session(), comment_id)
    page = _page_of(comment)
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: comments.remove(session, user(), comment),
                        "Comment removed.")
    return redirect(url_for("comments.discussion", slug=page.slug))


@blueprint.post("/comments/<int:comment_id>/moderate")
@allowed(permissions.may_review)
def moderate(comment_id):
    """Approve, reject, hide or restore (the `action` field), with a reason where needed."""
    comment = comments.get(db.get_session(), comment_id)
    action = request.form.get("action", "")
    if action not in ("approve", "reject", "hide", "restore"):
        return redirect(url_for("comments.queue"))
    if ActionForm().validate_on_submit():
        attempt_and_say(lambda session: comments.decide(
            session, user(), comment, action, request.form.get("reason", "")[:300]),
            {"approve": "Comment published.", "reject": "Comment rejected; its author is told why.",
             "hide": "Comment hidden; its author is told why.",
             "restore": "Comment shown again."}[action])
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//")
                    else url_for("comments.queue"))


@blueprint.get("/comments/<int:comment_id>/history")
@allowed(permissions.may_review)
def history(comment_id):
    session = db.get_session()
    comment = comments.get(session, comment_id)
    permissions.require(permissions.may_moderate_comment(current_user, comment.page.section_id))
    return render_template("comment_history.html", comment=comment,
                           edits=comments.edits_of(session, comment))


@blueprint.get("/review/comments")
@allowed(permissions.may_review)
def queue():
    text = clean(request.args.get("q", ""))[:MAX_QUERY_CHARS]
    return render_template("review_comments.html", query=text,
                           found=comments.held_queue(db.get_session(), user(), text))
