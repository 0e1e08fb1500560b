"""Search for readers: the results page and its JSON twin for as-you-type suggestions."""

import logging

from flask import Blueprint
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook import rate_limits
from handbook.search import integration
from handbook.search import service
from handbook.search.backend import SearchUnavailable
from handbook.views.common import positive_int

blueprint = Blueprint("search", __name__)
log = logging.getLogger(__name__)
UNAVAILABLE = "Search is unavailable for a moment. The pages themselves are all still here."


def _run(limit):
    return service.search(
        db.get_session(), integration.backend(), request.args.get("q", ""),
        section=request.args.get("section") or None, tag=request.args.get("tag") or None,
        page=min(positive_int(request.args.get("page")), 500), size=limit,
    )


def _log(unavailable):
    """Log the failure and end the request's transaction, which may have failed with it."""
    log.error("search is unavailable: %s", unavailable)
    db.get_session().rollback()


@blueprint.get("/search")
@rate_limits.search
def results():
    try:
        found = _run(service.PAGE_SIZE)
    except SearchUnavailable as unavailable:
        _log(unavailable)
        return render_template("error.html", status=503, message=UNAVAILABLE), 503
    return render_template("search.html", results=found, query=request.args.get("q", ""),
                           section=request.args.get("section", ""), tag=request.args.get("tag", ""))


@blueprint.get("/api/v1/search")
@rate_limits.search
def api():
    limit = min(positive_int(request.args.get("limit"), service.PAGE_SIZE), service.PAGE_SIZE)
    try:
        found = _run(limit)
    except SearchUnavailable as unavailable:
        _log(unavailable)
        return jsonify({"error": UNAVAILABLE}), 503
    return jsonify({
        "query": found.text,
        "total": found.total,
        "suggestion": found.suggestion,
        "hints": found.hints,
        "results": [
            {"slug": hit.slug, "title": hit.title, "section": hit.section_title,
             "url": url_for("reading.page", slug=hit.slug), "snippet": str(hit.snippet)}
            for hit in found.hits
        ],
    })
