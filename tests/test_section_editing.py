"""Editing one section: the passage under a heading, found by its anchor, edited alone and put
back in place, with the same merge and conflict rules as a whole-page edit."""

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from handbook import rendering
from handbook import text_passages
from handbook.services import pages

from conftest import RENDER
from conftest import login
from conftest import post

BODY = ("Opening words.\n\n## Where it came from\n\nAn airline study.\n\n"
        "```\n## not a heading\n```\n\n### The dimensions\n\nSeven of them.\n\n"
        "## What the evidence says\n\nMostly good.\n")

LINE = st.one_of(st.just(""), st.just("## A heading"), st.just("### Another"), st.just("```"),
                 st.text(alphabet="abc #`~-", min_size=1, max_size=12))


@given(st.lists(LINE, min_size=1, max_size=25), st.data())
def test_replacing_a_passage_leaves_every_other_line_as_it_was(lines, data):
    text = "\n".join(lines) + "\n"
    passages = text_passages.split(text)
    assert [line for passage in passages for line in text.splitlines()[passage.start:passage.end]] \
        == text.splitlines(), "the passages cover the text, in order, once"
    passage = data.draw(st.sampled_from(passages))
    new = data.draw(st.text(alphabet="xyz #\n", max_size=30))
    replaced = text_passages.replace(text, passage, new).splitlines()
    before, after = text.splitlines()[:passage.start], text.splitlines()[passage.end:]
    assert replaced[:len(before)] == before
    assert replaced[len(replaced) - len(after):] == after if after else True


def test_a_heading_finds_its_passage_and_code_does_not_cut():
    rendered = rendering.render(BODY)
    assert text_passages.anchors(rendered.html) == ["where-it-came-from", "the-dimensions",
                                                    "what-the-evidence-says"]
    found = text_passages.find(BODY, rendered.html, "where-it-came-from")
    assert text_passages.passage_text(BODY, found) == (
        "## Where it came from\n\nAn airline study.\n\n```\n## not a heading\n```\n")
    assert text_passages.find(BODY, rendered.html, "no-such-heading") is None
    linked = text_passages.with_edit_links(rendered.html, "/wiki/x/edit")
    assert linked.count('class="section-edit"') == 3
    assert 'href="/wiki/x/edit?section=the-dimensions" aria-label="Edit section: The dimensions"' in linked


def edit_section(client, slug, anchor, text, base, summary="One section"):
    return post(client, f"/wiki/{slug}/edit", {"body": text, "section": anchor, "summary": summary,
                                               "base_revision_id": base, "action": "save"},
                token_from=f"/wiki/{slug}/edit")


def test_a_member_edits_one_section_and_the_page_keeps_the_rest(app, client, make_page,
                                                                  librarian, contributor):
    page = make_page("Network weaving", BODY)
    login(client, contributor)
    shown = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert 'href="/wiki/network-weaving/edit?section=the-dimensions"' in shown
    form = client.get("/wiki/network-weaving/edit?section=the-dimensions").get_data(as_text=True)
    textarea = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1))
    assert textarea.strip() == "### The dimensions\n\nSeven of them."
    assert "You are editing one section of the page" in form
    response = edit_section(client, "network-weaving", "the-dimensions",
                            "### The dimensions\n\nSeven, and a note.\n", page.current_revision_id)
    assert response.status_code == 302
    reviewer = app.test_client()
    login(reviewer, librarian)
    queue = reviewer.get("/review").get_data(as_text=True)
    proposal = re.search(r'href="/review/(\d+)"', queue).group(1)
    item = reviewer.get(f"/review/{proposal}").get_data(as_text=True)
    assert "Seven, and a note." in item
    post(reviewer, f"/review/{proposal}/approve", token_from=f"/review/{proposal}")
    text = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert "Seven, and a note." in text and "Opening words." in text and "Mostly good." in text


def test_edits_of_two_sections_at_once_both_land(app, make_page, librarian, make_user):
    page = make_page("Network weaving", BODY)
    base = page.current_revision_id
    first, second = app.test_client(), app.test_client()
    login(first, librarian)
    login(second, make_user(librarian.role))
    assert edit_section(first, "network-weaving", "where-it-came-from",
                        "## Where it came from\n\nA study of airlines.\n", base).status_code == 302
    assert edit_section(second, "network-weaving", "what-the-evidence-says",
                        "## What the evidence says\n\nGood, on the whole.\n", base).status_code == 302
    text = first.get("/wiki/network-weaving").get_data(as_text=True)
    assert "A study of airlines." in text and "Good, on the whole." in text


def test_a_clash_in_the_same_section_is_a_conflict_with_the_text_kept(app, make_page, librarian,
                                                                      make_user):
    page = make_page("Network weaving", BODY)
    base = page.current_revision_id
    first, second = app.test_client(), app.test_client()
    login(first, librarian)
    login(second, make_user(librarian.role))
    edit_section(first, "network-weaving", "the-dimensions", "### The dimensions\n\nSix.\n", base)
    response = edit_section(second, "network-weaving", "the-dimensions",
                            "### The dimensions\n\nEight.\n", base)
    assert response.status_code == 409
    assert "Eight." in response.get_data(as_text=True)


def test_a_missing_or_forged_section_changes_nothing(app, client, make_page, librarian, session):
    page = make_page("Network weaving", BODY)
    login(client, librarian)
    missing = client.get("/wiki/network-weaving/edit?section=gone")
    assert missing.status_code == 302 and "fresh=1" in missing.headers["Location"]
    response = edit_section(client, "network-weaving", "no-such-anchor", "Replacement words.\n",
                            page.current_revision_id)
    assert response.status_code == 400
    shown = response.get_data(as_text=True)
    assert "That section is not in the version you started from" in shown and "Replacement words." in shown
    assert page.current_revision.body == BODY
    assert pages.section_text(page, "what-the-evidence-says") == "## What the evidence says\n\nMostly good.\n"


def test_readers_get_no_section_links(client, make_page):
    make_page("Network weaving", BODY)
    assert "section-edit" not in client.get("/wiki/network-weaving").get_data(as_text=True)
