"""A page's tags and summary are edited in the browser as part of a proposal: they show in its
review, go live only when it is published, and travel with amendments, merges and rebases."""

import re

from handbook import changes
from handbook import db
from handbook.services import moderation
from handbook.services import pages
from handbook.services import reading

from conftest import RENDER
from conftest import login
from conftest import post

BODY = "First line.\n\nSecond paragraph.\n"


def send(client, slug, body, base, tags, page_summary, summary="Details"):
    return post(client, f"/wiki/{slug}/edit", {
        "body": body, "summary": summary, "base_revision_id": base, "tags": tags,
        "page_summary": page_summary, "action": "save"}, token_from=f"/wiki/{slug}/edit")


def test_new_tags_and_summary_wait_for_review_then_go_live(app, client, session, make_page,
                                                           contributor, librarian):
    page = make_page("Network weaving", BODY)
    form = app.test_client()
    login(form, contributor)
    shown = form.get("/wiki/network-weaving/edit").get_data(as_text=True)
    assert 'name="tags"' in shown and 'name="page_summary"' in shown
    response = send(form, "network-weaving", BODY, page.current_revision_id,
                    "Facilitation,  weaving , facilitation", "How weavers connect people.")
    assert response.status_code == 302
    proposal = reading.own_pending_proposal(session, contributor, page)
    assert proposal.tags == ["Facilitation", "weaving"]
    assert proposal.page_summary == "How weavers connect people."
    assert page.tags == [] and "How weavers" not in client.get("/sections/practical-methods").get_data(as_text=True)

    reviewer = app.test_client()
    login(reviewer, librarian)
    item = reviewer.get(f"/review/{proposal.id}").get_data(as_text=True)
    assert "What the proposal changes about the page" in item
    assert "<ins>Facilitation, weaving</ins>" in item and "<ins>How weavers connect people.</ins>" in item
    approved = post(reviewer, f"/review/{proposal.id}/approve", token_from=f"/review/{proposal.id}")
    assert approved.status_code == 302, approved.get_data(as_text=True)[-3000:]
    session.rollback()  # a fresh snapshot: the approval committed elsewhere
    assert page.tags == ["Facilitation", "weaving"] and page.summary == "How weavers connect people."
    assert "How weavers connect people." in client.get("/sections/practical-methods").get_data(as_text=True)
    text = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert re.search(r'href="/search\?q=tag:%22weaving%22"[^>]*>weaving</a>', text)
    changes.drain(app.extensions["handbook_runtime"])
    found = client.get("/api/v1/search", query_string={"q": "tag:weaving"}).get_json()
    assert [hit["slug"] for hit in found["results"]] == ["network-weaving"]


def test_an_edit_that_leaves_them_sets_nothing(session, make_page, librarian):
    page = make_page("Network weaving", BODY)
    db.begin_write(session)
    page.tags, page.summary = ["weaving"], "About weaving."
    session.commit()
    unchanged = pages.details(page, "weaving", "About weaving.")
    assert unchanged == pages.Details() and not unchanged.change(page)
    outcome = pages.save_edit(session, librarian, page, body=BODY + "More.\n",
                              base_revision_id=page.current_revision_id, renderer=RENDER,
                              details=unchanged)
    session.commit()
    assert outcome.revision.tags is None and page.tags == ["weaving"]


def test_bad_tags_come_back_with_the_text(app, make_page, contributor):
    page = make_page("Network weaving", BODY)
    client = app.test_client()
    login(client, contributor)
    response = send(client, "network-weaving", BODY + "Kept words.\n", page.current_revision_id,
                    ", ".join(f"tag{number}" for number in range(20)), "")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "at most 12 tags" in text and "Kept words." in text
    long_tag = send(client, "network-weaving", BODY, page.current_revision_id, "x" * 41, "")
    assert long_tag.status_code == 400 and "at most 40 characters" in long_tag.get_data(as_text=True)


def test_details_travel_with_amendments_and_rebases(session, make_page, contributor, librarian):
    page = make_page("Network weaving", "One\n\nTwo\n\nThree\n")
    sent = pages.save_edit(session, contributor, page, body="One\n\nTwo\n\nThree, changed\n",
                           base_revision_id=page.current_revision_id, renderer=RENDER,
                           details=pages.details(page, "weaving", "About weaving."))
    session.commit()
    amended = moderation.amend(session, contributor, sent.revision.id,
                               body="One\n\nTwo\n\nThree, changed again\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert (amended.revision.tags, amended.revision.page_summary) == (["weaving"], "About weaving.")
    pages.save_edit(session, librarian, page, body="One, edited\n\nTwo\n\nThree\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    changes.drain(session.info["runtime"])
    waiting = reading.own_pending_proposal(session, contributor, page)
    assert waiting.id != amended.revision.id and waiting.tags == ["weaving"], "rebased, with its details"
    moderation.approve(session, librarian, waiting.id, renderer=RENDER)
    session.commit()
    assert page.tags == ["weaving"] and page.summary == "About weaving."
    assert page.current_revision.body == "One, edited\n\nTwo\n\nThree, changed again\n"
