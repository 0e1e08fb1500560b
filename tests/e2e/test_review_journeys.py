"""The review workflow in a real browser: request changes and amend, approve with edits,
eager rebase into "needs author" and its resolution, claims, section librarians, protection,
queue health and the author's place in the queue."""

import re

import pytest

from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages
from handbook.services import protection
from handbook.services import sections

from conftest import RENDER

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
LINES = "One\n\nTwo\n\nThree\n"


def flash(tab):
    return tab.locator("p.flash")


def send_edit(tab, slug, body, summary="A change"):
    tab.goto(f"/wiki/{slug}/edit?fresh=1")
    tab.get_by_label("Text (markdown)").fill(body)
    tab.get_by_label("Edit summary").fill(summary)
    tab.get_by_role("button", name="Send for review").click()
    expect(flash(tab)).to_contain_text("waiting for a librarian's review")


def open_item(tab, title):
    tab.goto("/review")
    tab.locator("table.queue").get_by_role("link", name=title).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Review: “{title}”")


def test_request_changes_amend_then_approve_with_edits(session, make_page, contributor, librarian,
                                                       visitor, log_in):
    make_page("Network weaving", LINES)
    session.commit()
    author = log_in(visitor(), contributor.name)
    send_edit(author, "network-weaving", LINES + "\nFour, with a typo: teh\n")
    author.goto("/me/proposals")
    expect(author.locator("table.proposals")).to_contain_text("1st in Practical methods")

    reviewer = log_in(visitor(), librarian.name)
    open_item(reviewer, "Network weaving")
    reviewer.get_by_label("What should the author change? (markdown)").fill("Please cite a **source**.")
    reviewer.get_by_role("button", name="Request changes").click()
    expect(flash(reviewer)).to_contain_text("it returns to the queue when they amend it")
    expect(reviewer.get_by_text("Nothing is waiting for review.")).to_be_visible()

    author.goto("/me/proposals")
    expect(author.locator("table.proposals .state").first).to_have_text("changes requested")
    author.get_by_role("link", name="Amend").click()
    expect(author.locator("#discussion")).to_contain_text("Please cite a source.")
    author.get_by_label("Text (markdown)").fill(LINES + "\nFour (Smith 2020), with a typo: teh\n")
    author.get_by_role("button", name="Send for review").click()

    open_item(reviewer, "Network weaving")
    expect(reviewer.locator("#discussion")).to_contain_text("Please cite a source.")
    reviewer.get_by_role("link", name="Approve with edits").click()
    reviewer.get_by_label("Text to publish (markdown)").fill(LINES + "\nFour (Smith 2020), with a typo: the\n")
    reviewer.get_by_role("button", name="Show my changes").click()
    expect(reviewer.locator("table.diff")).to_contain_text("the")
    reviewer.get_by_role("button", name="Publish with my edits").click()
    expect(flash(reviewer)).to_contain_text("with your edits")

    reader = visitor()
    reader.goto("/wiki/network-weaving/history")
    expect(reader.locator("table.history tbody tr").first).to_contain_text("edited by libby before publishing")
    expect(reader.locator("table.history tbody tr").first).to_contain_text("connie")


def test_a_publish_rebases_one_proposal_and_sends_the_other_to_its_author(
        session, make_page, contributor, make_user, librarian, visitor, log_in):
    make_page("Network weaving", LINES)
    other = make_user(Role.contributor, "otto")
    session.commit()
    clean, clashing = log_in(visitor(), contributor.name), log_in(visitor(), other.name)
    send_edit(clean, "network-weaving", LINES.replace("Three", "Three, clean"))
    send_edit(clashing, "network-weaving", LINES.replace("One", "One, mine"))
    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/wiki/network-weaving/edit?fresh=1")
    reviewer.get_by_label("Text (markdown)").fill(LINES.replace("One", "One, theirs"))
    reviewer.get_by_role("button", name="Publish").click()

    reviewer.goto("/review")
    queued = reviewer.locator("table.queue tbody tr")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("rebased")
    queued.get_by_role("link", name="Network weaving").click()
    expect(reviewer.get_by_role("note").filter(has_text="Rebased onto revision")).to_be_visible()

    clashing.goto("/me/proposals")
    expect(clashing.locator("table.proposals .state").first).to_have_text("needs you: conflict")
    clashing.get_by_role("link", name="Amend").click()
    expect(clashing.get_by_label("Text (markdown)")).to_have_value(re.compile("<<<<<<< your text"))
    clashing.get_by_label("Text (markdown)").fill(LINES.replace("One", "One, theirs and mine"))
    clashing.get_by_role("button", name="Send for review").click()
    reviewer.goto("/review")
    expect(reviewer.locator("table.queue tbody tr")).to_have_count(2)


def test_claims_sections_protection_and_queue_health(session, make_page, contributor, make_user,
                                                     librarian, section, visitor, log_in):
    roles = sections.create_section(session, librarian, title="Network roles", renderer=RENDER)
    make_page("Network weaving", LINES)
    pages.create_page(session, librarian, section_id=roles.id, title="Bridging", body=LINES,
                      renderer=RENDER)
    policy = make_page("Style guide", LINES)
    careful = make_page("Consent", LINES)
    protection.set_page_protection(session, librarian, policy, "librarians")
    protection.set_page_protection(session, librarian, careful, "two_approvals")
    lena = make_user(Role.librarian, "lena")
    rolf = make_user(Role.librarian, "rolf")
    accounts.set_review_sections(session, None, rolf, every=False, slugs=["network-roles"])
    session.commit()
    author = log_in(visitor(), contributor.name)
    send_edit(author, "network-weaving", LINES + "\nMore\n")
    send_edit(author, "bridging", LINES + "\nMore\n")
    send_edit(author, "consent", LINES + "\nMore\n")
    author.goto("/wiki/style-guide")
    expect(author.get_by_text("Only librarians edit this page")).to_be_visible()
    author.goto("/wiki/style-guide/edit")
    expect(author.get_by_role("heading", level=1)).to_contain_text("Only librarians change")

    first = log_in(visitor(), librarian.name)
    open_item(first, "Network weaving")
    first.get_by_role("button", name="I'm reviewing this").click()
    second = log_in(visitor(), lena.name)
    second.goto("/review")
    expect(second.locator("table.queue")).to_contain_text("libby is reviewing this, since")
    open_item(second, "Network weaving")
    second.get_by_role("button", name="Approve and publish").click()
    expect(second.get_by_role("alert")).to_contain_text("Tick “Decide anyway”")

    for librarian_tab in (first, second):
        open_item(librarian_tab, "Consent")
        librarian_tab.get_by_role("button", name="Approve and publish").click()
    expect(flash(first)).to_contain_text("another librarian's approval will publish it")
    expect(flash(second)).to_contain_text("Approved and published “Consent”.")

    section_librarian = log_in(visitor(), rolf.name)
    section_librarian.goto("/review")
    expect(section_librarian.get_by_text("You review: Network roles.")).to_be_visible()
    expect(section_librarian.locator("table.queue tbody tr")).to_have_count(1)
    expect(section_librarian.locator("table.queue")).to_contain_text("Bridging")

    first.get_by_role("navigation", name="Moderation queues").get_by_role("link", name="Queue health").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Queue health")
    expect(first.locator("figure.chart svg polyline").first).to_be_attached()
    expect(first.locator("figure.chart")).to_contain_text("Network roles: 1 waiting now")
    expect(first.locator("table.stats").first).to_contain_text("Practical methods")
