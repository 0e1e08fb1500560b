"""Uploads: members send images and PDFs (from the editor, or the upload page without
JavaScript); everyone allowed to see one gets it at /media/<digest>/<name>."""

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from handbook import db
from handbook import permissions
from handbook import rate_limits
from handbook.assets import cached_for_a_year
from handbook.forms import UploadForm
from handbook.services import media
from handbook.services.errors import InvalidInput
from handbook.views.common import allowed
from handbook.views.common import attempt
from handbook.views.common import user

blueprint = Blueprint("media", __name__)


@blueprint.url_value_preprocessor
def allow_large_uploads(endpoint, values):
    """The upload alone may send MEDIA_MAX_BYTES (set before anything reads the form)."""
    if endpoint == "media.upload":
        request.max_content_length = current_app.config["MEDIA_MAX_BYTES"] + 64 * 1024


@blueprint.route("/media/new", methods=["GET", "POST"], endpoint="upload")
@allowed(permissions.may_edit)
@rate_limits.expensive
def upload():
    """Upload a file; answers JSON to the editor (it asks for it) and a page otherwise."""
    form = UploadForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _refused(form, "The form had expired or the file was missing; try again.", wants_json)
    data = form.file.data.read() if form.file.data else b""
    stored, problem = attempt(lambda session: media.store(
        session, user(), form.file.data.filename if form.file.data else "", data, form.alt.data,
        max_bytes=current_app.config["MEDIA_MAX_BYTES"]))
    if isinstance(problem, InvalidInput):
        return _refused(form, str(problem), wants_json)
    if problem is not None:
        raise problem
    markdown = media.markdown(stored, form.alt.data)
    if wants_json:
        return jsonify({"markdown": markdown, "url": _address(stored), "name": stored.name})
    flash("Uploaded. Copy the line below into your text where the file belongs.", "success")
    return _page(UploadForm(formdata=None), markdown=markdown)


def _refused(form, message, wants_json):
    if wants_json:
        return jsonify({"error": message}), 400
    return _page(form, error=message, status=400)


def _page(form, markdown=None, error=None, status=200):
    uploads = media.uploads_of(db.get_session(), user())
    return render_template("upload.html", form=form, markdown=markdown, error=error,
                           uploads=uploads, max_mb=current_app.config["MEDIA_MAX_BYTES"] // 2**20), status


@blueprint.get("/media/<digest>")
@blueprint.get("/media/<digest>/<name>")
def file(digest, name=None):
    found = media.visible(db.get_session(), current_user, digest)
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(found.digest)
    disposition = "inline" if found.is_image else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{found.name}"'
    if found.public:
        cached_for_a_year(response)
    else:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def _address(stored):
    return url_for("media.file", digest=stored.digest, name=stored.name)
