"""Search for readers: the results page and its JSON twin for as-you-type suggestions."""

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from handbook import db
from handbook.search import integration
from handbook.search import outbox
from handbook.search import service
from handbook.views.common import positive_int

blueprint = Blueprint("search", __name__)


def _run(limit):
    session = db.get_session()
    if outbox.pending(session):
        integration.pay_debts(current_app._get_current_object())
    return service.search(
        session, integration.backend(), request.args.get("q", ""),
        section=request.args.get("section") or None, tag=request.args.get("tag") or None,
        page=min(positive_int(request.args.get("page")), 500), size=limit,
    )


@blueprint.get("/search")
def results():
    found = _run(service.PAGE_SIZE)
    return render_template("search.html", results=found, query=request.args.get("q", ""),
                           section=request.args.get("section", ""), tag=request.args.get("tag", ""))


@blueprint.get("/api/v1/search")
def api():
    limit = min(positive_int(request.args.get("limit"), service.PAGE_SIZE), service.PAGE_SIZE)
    found = _run(limit)
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
