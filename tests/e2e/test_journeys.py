"""What people see in a real browser: reading, proposing, reviewing, conflicts, live preview."""

import re

import pytest

from handbook.models import Role
from handbook.services import pages
from handbook.services import sections

from conftest import RENDER
from conftest import stored_mail
from smtp import subject
from smtp import text_of

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser

BODY = "First line.\n\nSecond paragraph.\n"
LINES = "Line one\nLine two\nLine three\n"


def settle(session):
    """End the fixtures' transaction, so it holds no lock while the server writes."""
    session.commit()


def flash(tab):
    return tab.locator("p.flash")


def prose(tab):
    return tab.locator("article .prose")


def edit_page(tab, slug, body, summary, button):
    """Open a page's editor from the page, replace the text, and press `button`."""
    tab.goto(f"/wiki/{slug}")
    tab.get_by_role("list", name="Page actions").get_by_role("link", name="Edit", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Edit")
    tab.get_by_label("Text (markdown)").fill(body)
    tab.get_by_label("Edit summary").fill(summary)
    tab.get_by_role("button", name=button, exact=True).click()


def test_reader_browses_contents_section_page_and_history(session, make_page, visitor):
    """A reader goes from the contents to a section, a page, its backlinks and its history."""
    make_page("Network weaving", BODY)
    make_page("Holding the space", "Read [[Network weaving]] before you start.\n")
    settle(session)
    reader = visitor()

    reader.goto("/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("The Systems Convenor handbook")
    expect(reader.get_by_role("heading", level=2, name="Practical methods")).to_be_visible()
    reader.get_by_role("link", name="Practical methods").click()

    expect(reader).to_have_url(re.compile(r"/sections/practical-methods$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("Practical methods")
    reader.locator(".page-list").get_by_role("link", name="Network weaving").click()

    expect(reader).to_have_url(re.compile(r"/wiki/network-weaving$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("Network weaving")
    crumbs = reader.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("listitem")).to_have_text(["Contents", "Practical methods", "Network weaving"])
    expect(crumbs.get_by_role("link", name="Practical methods")).to_have_attribute(
        "href", "/sections/practical-methods")
    expect(prose(reader)).to_contain_text("Second paragraph.")
    backlinks = reader.locator("section.backlinks")
    expect(backlinks.get_by_role("heading", name="What links here")).to_be_visible()
    expect(backlinks.get_by_role("link")).to_have_text(["Holding the space"])
    expect(reader.get_by_role("link", name="Log in to edit")).to_be_visible()

    reader.get_by_role("list", name="Page actions").get_by_role("link", name="History").click()
    expect(reader).to_have_url(re.compile(r"/wiki/network-weaving/history$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("History of “Network weaving”")
    expect(reader.get_by_text("1 published revision.")).to_be_visible()
    rows = reader.locator("table.history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("libby")
    expect(rows.first).to_contain_text("Started")
    expect(rows.first.locator(".badge")).to_have_text("current")


def test_reader_searches_from_the_header(session, make_page, librarian, visitor):
    """A reader presses "/", is offered titles as they type, reads results with the words marked,
    narrows them by section, and follows "Did you mean" to the right spelling."""
    make_page("Network weaving", "A weaver introduces people who should know each other.\n")
    make_page("Holding the space", "Trust grows slowly, and network weaving depends on it.\n")
    foundations = sections.create_section(session, librarian, title="Foundations", summary="Ideas.", renderer=RENDER)
    pages.create_page(session, librarian, section_id=foundations.id, title="Systems change",
                      body="Weaving a network takes years.\n", summary="Started", renderer=RENDER)
    settle(session)
    reader = visitor()

    reader.goto("/")
    reader.keyboard.press("/")
    box = reader.locator("#search-q")
    expect(box).to_be_focused()
    box.press_sequentially("weav")
    suggestions = reader.locator("#search-suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("link").first).to_have_text("Network weaving")
    expect(suggestions.get_by_role("link")).to_have_count(3)
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = suggestions.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "search-suggestion-1")
    box.press("ArrowUp")
    box.press("ArrowUp")
    expect(suggestions.get_by_role("option").nth(2)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("weaving")
    box.press("Enter")
    expect(reader).to_have_url(re.compile(r"/search\?q=weaving$"))
    expect(reader.get_by_role("heading", level=2, name="3 results")).to_be_visible()
    results = reader.locator("ol.results > li")
    expect(results.first.get_by_role("heading", level=3)).to_have_text("Network weaving")
    expect(reader.locator("ol.results mark").first).to_have_text(re.compile("^weaving$", re.I))
    facets = reader.get_by_role("complementary", name="Filter results")
    expect(facets.get_by_role("listitem").filter(has_text="Practical methods")).to_contain_text("2")

    facets.get_by_role("link", name="Foundations").click()
    expect(reader.locator("#results-title")).to_have_text("1 result (filtered)")
    expect(results.get_by_role("heading", level=3)).to_have_text(["Systems change"])
    reader.get_by_role("link", name="Clear filters").click()
    expect(reader.get_by_role("heading", level=2, name="3 results")).to_be_visible()

    reader.locator("#search-page-q").fill("weavng")
    reader.locator("#search-page-q").press("Enter")
    expect(reader.get_by_text("Nothing in the published handbook matches")).to_be_visible()
    reader.locator("p.suggestion").get_by_role("link", name="weaving").click()
    expect(reader.get_by_role("heading", level=2, name="3 results")).to_be_visible()


def mailed_path(message, prefix):
    """The path of the link starting with `prefix` in a mail (links name the configured
    address; the browser opens the path on the test's server)."""
    [path] = re.findall(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", text_of(message))
    return path


def test_proposal_waits_for_review_then_goes_live(app, session, make_page, make_user, visitor, log_in):
    """A new contributor confirms their address from the mail, proposes, and their edit stays
    hidden from readers until a librarian approves it; then they hear of it by mail and in
    their notifications."""
    make_page("Network weaving", BODY)
    librarian = make_user(Role.librarian, "lena")
    settle(session)
    new_body = "First line.\n\nSecond paragraph, now with a worked example.\n"

    contributor = visitor()
    contributor.goto("/register")
    contributor.get_by_label("Name", exact=True).fill("carla")
    contributor.get_by_label("Email", exact=True).fill("carla@example.org")
    contributor.get_by_label("Password", exact=True).fill("a long enough password")
    contributor.get_by_role("button", name="Create account").click()
    expect(flash(contributor)).to_contain_text("log in with it below")
    contributor.get_by_label("Name", exact=True).fill("carla")
    contributor.get_by_label("Password", exact=True).fill("a long enough password")
    contributor.get_by_role("button", name="Log in").click()
    expect(contributor.locator(".site-header .role")).to_have_text("contributor")
    contributor.goto("/wiki/network-weaving")
    expect(contributor.get_by_role("link", name="Confirm your address to edit")).to_be_visible()
    [confirmation] = stored_mail(app)  # the embedded default: .eml files in instance/mail
    assert confirmation["To"] == "carla@example.org"
    contributor.goto(mailed_path(confirmation, "/confirm/"))
    contributor.get_by_role("button", name="Confirm my address").click()
    expect(flash(contributor)).to_contain_text("Your address is confirmed")

    edit_page(contributor, "network-weaving", new_body, "Add a worked example", "Send for review")
    expect(contributor).to_have_url(re.compile(r"/wiki/network-weaving$"))
    expect(flash(contributor)).to_contain_text("waiting for a librarian's review")
    expect(prose(contributor)).not_to_contain_text("worked example")

    reader = visitor()
    reader.goto("/wiki/network-weaving")
    expect(prose(reader)).to_contain_text("Second paragraph.")
    expect(prose(reader)).not_to_contain_text("worked example")
    reader.goto("/search?q=worked")
    expect(reader.locator("#results-title")).to_have_text("0 results")

    contributor.goto("/me/proposals")
    row = contributor.locator("table.proposals tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Network weaving")
    expect(row).to_contain_text("Add a worked example")
    expect(row.locator(".state")).to_have_text("pending")

    reviewer = log_in(visitor(), librarian.name)
    review_link = reviewer.get_by_role("navigation", name="Site").get_by_role("link", name=re.compile("^Review"))
    expect(review_link.locator(".badge")).to_have_text("1")
    review_link.click()
    expect(reviewer).to_have_url(re.compile(r"/review$"))
    expect(reviewer.get_by_text("1 proposal waiting")).to_be_visible()
    queued = reviewer.locator("table.queue tbody tr")
    reviewer.locator("#review-q").fill("weaver")
    reviewer.locator("#review-q").press("Enter")
    expect(queued).to_have_text(["No pending change mentions “weaver”."])
    reviewer.locator("#review-q").fill("worked")
    reviewer.locator("#review-q").press("Enter")
    expect(reviewer).to_have_url(re.compile(r"/review\?q=worked$"))
    expect(reviewer.get_by_text("1 proposal mentioning “worked”")).to_be_visible()
    expect(queued).to_contain_text("carla")
    queued.get_by_role("link", name="Network weaving").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Review: “Network weaving”")
    expect(reviewer.locator("table.diff tr.added")).to_contain_text("worked example")
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(flash(reviewer)).to_contain_text("Approved and published “Network weaving”.")
    expect(review_link.locator(".badge")).to_have_text("0")

    reader.reload()
    expect(reader.locator("ol.results mark")).to_have_text(["worked"])
    reader.goto("/wiki/network-weaving")
    expect(prose(reader)).to_contain_text("Second paragraph, now with a worked example.")
    expect(reader.locator(".page-header .meta")).to_contain_text("by carla, reviewed by lena")
    reader.get_by_role("list", name="Page actions").get_by_role("link", name="History").click()
    expect(reader.get_by_text("2 published revisions.")).to_be_visible()
    rows = reader.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Add a worked example")
    expect(rows.nth(0)).to_contain_text("carla")
    expect(rows.nth(0)).to_contain_text("reviewed by lena")
    expect(rows.nth(1)).to_contain_text("Started")
    expect(rows.nth(1)).to_contain_text("libby")

    contributor.reload()
    expect(contributor.locator("table.proposals .state")).to_have_text("approved")
    inbox = contributor.get_by_role("navigation", name="Site").get_by_role("link", name=re.compile("^Notifications"))
    expect(inbox.locator(".badge")).to_have_text("1")
    inbox.click()
    expect(contributor.locator("ol.notifications li").first).to_contain_text(
        "Your proposal to “Network weaving” was published")
    expect(contributor.locator("ol.notifications li").first).to_contain_text("lena approved")
    told = [message for message in stored_mail(app) if message["To"] == "carla@example.org"]
    assert [subject(message) for message in told] == [
        "Confirm your email address", "Your proposal to “Network weaving” was published"]


def test_librarian_rejects_with_a_reason(session, make_page, contributor, librarian, visitor, log_in):
    """A rejected proposal shows its state and the librarian's reason to its author."""
    make_page("Network weaving", BODY)
    settle(session)
    author = log_in(visitor(), contributor.name)
    edit_page(author, "network-weaving", BODY + "\nBuy my course!\n", "Useful link", "Send for review")
    expect(flash(author)).to_contain_text("waiting for a librarian's review")

    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/review")
    reviewer.locator("table.queue").get_by_role("link", name="Network weaving").click()
    reviewer.get_by_label("In your own words (shown to the author)").fill("Adverts do not belong in the handbook.")
    reviewer.get_by_role("button", name="Reject").click()
    expect(flash(reviewer)).to_contain_text("Rejected; the author will see your reason.")
    expect(reviewer.get_by_text("Nothing is waiting for review.")).to_be_visible()

    author.goto("/me/proposals")
    row = author.locator("table.proposals tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".state")).to_have_text("rejected")
    expect(row.locator(".reason")).to_have_text("Reason: Adverts do not belong in the handbook.")
    expect(row).to_contain_text("by libby")
    author.goto("/wiki/network-weaving")
    expect(prose(author)).not_to_contain_text("Buy my course")


def test_edit_conflict_keeps_both_texts(session, make_page, librarian, make_user, visitor, log_in):
    """Two librarians change the same line: the second sees the conflict and keeps their text."""
    make_page("Network weaving", LINES)
    second = make_user(Role.librarian, "lena")
    settle(session)
    first_tab = log_in(visitor(), librarian.name)
    second_tab = log_in(visitor(), second.name)
    for tab in (first_tab, second_tab):
        tab.goto("/wiki/network-weaving/edit")
        expect(tab.get_by_label("Text (markdown)")).to_have_value(LINES)

    first_text = "Line one\nLine two, as Libby sees it\nLine three\n"
    first_tab.get_by_label("Text (markdown)").fill(first_text)
    first_tab.get_by_label("Edit summary").fill("Libby's view")
    first_tab.get_by_role("button", name="Publish", exact=True).click()
    expect(flash(first_tab)).to_have_text("Published.")

    second_text = "Line one\nLine two, as Lena sees it\nLine three\n"
    second_tab.get_by_label("Text (markdown)").fill(second_text)
    second_tab.get_by_label("Edit summary").fill("Lena's view")
    second_tab.get_by_role("button", name="Publish", exact=True).click()
    expect(second_tab.get_by_role("heading", name="Conflicting changes")).to_be_visible()
    pair = second_tab.locator(".conflict-pair")
    expect(pair).to_contain_text("Line two, as Libby sees it")
    expect(pair).to_contain_text("Line two, as Lena sees it")
    expect(second_tab.get_by_label("Text (markdown)")).to_have_value(second_text)
    expect(second_tab.locator(".flash")).to_have_count(0)

    second_tab.goto("/wiki/network-weaving")
    expect(prose(second_tab)).to_contain_text("Line two, as Libby sees it")
    expect(prose(second_tab)).not_to_contain_text("Lena sees it")
    second_tab.goto("/wiki/network-weaving/history")
    expect(second_tab.locator("table.history tbody tr")).to_have_count(2)


def test_live_preview_renders_markdown_and_neutralises_scripts(session, make_page, contributor,
                                                               visitor, log_in):
    """Typing shows sanitized HTML in #preview; scripts and event handlers never arrive."""
    make_page("Network weaving", BODY)
    settle(session)
    tab = log_in(visitor(), contributor.name)
    response = tab.goto("/wiki/network-weaving/edit")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, policy
    assert "default-src 'self'" in policy, policy
    editor = tab.get_by_label("Text (markdown)")
    preview = tab.locator("#preview")
    expect(preview).to_contain_text("Second paragraph.")  # the preview shows from the start

    with tab.expect_response(re.compile(r"/preview$")) as rendered:
        editor.fill("## Getting started\n\nSome **bold** words and a [[Network weaving]] link.\n")
    assert rendered.value.ok
    expect(preview.get_by_role("heading", level=2)).to_contain_text("Getting started")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.get_by_role("link", name="Network weaving")).to_have_attribute(
        "href", re.compile(r"/wiki/network-weaving$"))

    hostile = (
        "Marker before.\n\n"
        "<script>window.pwned = 'script';</script>\n\n"
        "<img src=x onerror=\"window.pwned = 'img'\">\n\n"
        "<a href=\"javascript:window.pwned = 'link'\">click</a>\n\n"
        "Marker after.\n"
    )
    with tab.expect_response(re.compile(r"/preview$")) as rendered:
        editor.fill(hostile)
    assert "script-src 'self'" in rendered.value.headers.get("content-security-policy", "")
    expect(preview).to_contain_text("Marker after.")
    expect(preview).not_to_contain_text("Getting started")
    expect(preview.locator("script")).to_have_count(0)
    expect(preview.locator("[onerror]")).to_have_count(0)
    expect(preview.locator("a[href^='javascript:' i]")).to_have_count(0)
    assert preview.evaluate(
        "node => [...node.querySelectorAll('*')].flatMap(el => [...el.attributes])"
        ".filter(attribute => attribute.name.startsWith('on')).length"
    ) == 0
    assert tab.evaluate("window.pwned") is None
