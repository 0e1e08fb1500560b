"""The editor in a real browser: one section edited from the link beside its heading, the
toolbar and its shortcuts, the wiki-link picker fed by the search API, the live preview, and a
draft kept in the browser and restored."""

import re

import pytest

from conftest import RENDER
from handbook.services import pages

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
BODY = ("Opening words.\n\n## Where it came from\n\nAn airline study.\n\n"
        "## What the evidence says\n\nMostly good.\n")


def test_a_contributor_edits_one_section_and_gets_an_unsent_draft_back(
        session, make_page, contributor, librarian, section, visitor, log_in):
    make_page("Network weaving", BODY)
    pages.create_page(session, librarian, section_id=section.id, title="Huddles",
                      body="Short meetings.\n", renderer=RENDER)
    session.commit()
    author = log_in(visitor(), contributor.name)
    author.goto("/wiki/network-weaving")
    author.get_by_role("link", name="Edit section: What the evidence says").click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Edit “Network weaving”: one section")
    text = author.get_by_label("Text (markdown)")
    expect(text).to_have_value("## What the evidence says\n\nMostly good.\n")
    expect(author.locator("#preview h2")).to_contain_text("What the evidence says")
    text.press("End")
    text.press("ControlOrMeta+End")
    text.type("\nStrong ")
    author.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold").click()
    expect(text).to_have_value(re.compile(r"Strong \*\*bold text\*\*$"))
    text.press("End")
    text.type(", see ")
    author.get_by_role("button", name="Wiki link").click()
    author.get_by_label("Link to the page titled").fill("Hudd")
    expect(author.locator("#wikilink-titles option")).to_have_attribute("value", "Huddles")
    author.get_by_label("Link to the page titled").fill("Huddles")
    author.get_by_role("button", name="Insert link").click()
    expect(text).to_have_value(re.compile(r"\[\[Huddles\]\]"))
    expect(author.locator("#preview")).to_contain_text("Huddles")
    author.wait_for_timeout(1200)  # the draft is kept 0.8 s after the last keystroke
    author.goto("/wiki/network-weaving")

    author.goto("/wiki/network-weaving/edit?section=what-the-evidence-says")
    offer = author.locator(".draft-offer")
    expect(offer).to_contain_text("Restore your unsent draft from")
    expect(text).to_have_value("## What the evidence says\n\nMostly good.\n")
    offer.get_by_role("button", name="Restore the draft").click()
    expect(text).to_have_value(re.compile(r"\[\[Huddles\]\]"))
    author.get_by_label("Edit summary").fill("Linked to huddles")
    author.get_by_role("button", name="Send for review").click()
    expect(author.locator("p.flash")).to_contain_text("waiting for a librarian's review")
    author.goto("/wiki/network-weaving/edit?section=what-the-evidence-says&fresh=1")
    expect(author.locator(".draft-offer")).to_have_count(0)

    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/review")
    reviewer.locator("table.queue").get_by_role("link", name="Network weaving").click()
    reviewer.get_by_role("button", name="Approve and publish").click()
    reviewer.goto("/wiki/network-weaving")
    prose = reviewer.locator(".prose")
    expect(prose.get_by_role("link", name="Huddles")).to_be_visible()
    expect(prose).to_contain_text("An airline study.")
    expect(prose.locator("strong")).to_have_text("bold text")


def test_a_contributor_uploads_an_image_from_the_editor_and_readers_see_it_once_published(
        make_page, contributor, librarian, visitor, log_in, tmp_path):
    from PIL import Image

    make_page("Network weaving", "Opening words.\n")
    picture = tmp_path / "map.png"
    Image.new("RGB", (120, 80), (30, 140, 60)).save(picture)
    author = log_in(visitor(), contributor.name)
    author.goto("/wiki/network-weaving/edit")
    text = author.get_by_label("Text (markdown)")
    text.press("ControlOrMeta+End")
    author.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Image").click()
    author.get_by_label("Image or PDF").set_input_files(str(picture))
    author.get_by_role("button", name="Upload and insert").click()
    expect(author.locator(".upload-picker [role=alert]")).to_contain_text("Say what the image shows")
    author.get_by_label("What it shows, for readers who cannot see it").fill("A map of the network")
    author.get_by_role("button", name="Upload and insert").click()
    expect(text).to_have_value(re.compile(r"!\[A map of the network\]\(media:[0-9a-f]{32}\)"))
    image = author.locator("#preview img")
    expect(image).to_have_attribute("alt", "A map of the network")
    author.wait_for_function("() => document.querySelector('#preview img').naturalWidth === 120")
    author.get_by_label("Edit summary").fill("A map")
    author.get_by_role("button", name="Send for review").click()
    expect(author.locator("p.flash")).to_contain_text("waiting for a librarian's review")

    reader = visitor()
    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/review")
    reviewer.locator("table.queue").get_by_role("link", name="Network weaving").click()
    image_source = reviewer.locator(".rendered img").get_attribute("src")
    assert reader.request.get(image_source).status == 404, "not public before it is published"
    reviewer.get_by_role("button", name="Approve and publish").click()
    reader.goto("/wiki/network-weaving")
    shown = reader.get_by_role("img", name="A map of the network")
    expect(shown).to_be_visible()
    reader.wait_for_function("() => document.querySelector('.prose img').naturalWidth === 120")
