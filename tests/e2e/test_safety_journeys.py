"""Trust and safety in a real browser: earned trust and patrol, a reader's report, redaction,
the confidentiality guard, a 429, undo-all and the due-for-review queue."""

from datetime import timedelta

import pytest

from handbook import db
from handbook.models import Role
from handbook.services import freshness
from handbook.services import moderation
from handbook.services import pages
from handbook.services import protection
from handbook.services import sections
from handbook.services import trust

from conftest import RENDER

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
LINES = "One\n\nTwo\n\nThree\n"


def flash(tab):
    return tab.locator("p.flash")


def edit_page(tab, slug, body, button):
    tab.goto(f"/wiki/{slug}/edit?fresh=1")
    tab.get_by_label("Text (markdown)").fill(body)
    tab.get_by_label("Edit summary").fill("A change")
    tab.get_by_role("button", name=button).click()


def test_earned_trust_publishes_at_once_and_the_edit_waits_for_patrol(
        session, make_page, contributor, librarian, visitor, log_in):
    page = make_page("Network weaving", LINES)
    for number in range(5):
        proposal = pages.save_edit(session, contributor, page, body=f"{LINES}\nLine {number}\n",
                                   base_revision_id=page.current_revision_id,
                                   renderer=RENDER).revision
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
        session.commit()
    author = log_in(visitor(), contributor.name)
    author.goto("/wiki/network-weaving/edit?fresh=1")
    expect(author.get_by_text("You are trusted in “Practical methods”")).to_be_visible()
    edit_page(author, "network-weaving", LINES + "\nTrusted addition\n", "Publish")
    expect(flash(author)).to_contain_text("Published.")
    expect(author.locator(".prose")).to_contain_text("Trusted addition")

    reviewer = log_in(visitor(), librarian.name)
    expect(reviewer.get_by_role("link", name="Patrol 1 edits to patrol")).to_be_visible()
    reviewer.get_by_role("link", name="Patrol 1 edits to patrol").click()
    expect(reviewer.locator("table.diff")).to_contain_text("Trusted addition")
    reviewer.get_by_role("button", name="Mark patrolled").click()
    expect(flash(reviewer)).to_contain_text("patrolled")
    expect(reviewer.get_by_text("No edits are waiting for patrol.")).to_be_visible()


def test_a_reader_reports_a_page_and_a_librarian_resolves_it(
        session, make_page, librarian, admin, visitor, log_in):
    make_page("Network weaving", LINES)
    session.commit()
    reader = visitor()
    reader.goto("/wiki/network-weaving")
    reader.get_by_role("link", name="Report a problem").click()
    reader.get_by_label("It is out of date").check()
    reader.get_by_label("Tell the librarians more (optional)").fill("The second step changed.")
    reader.get_by_role("button", name="Send report").click()
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Thank you")

    reviewer = log_in(visitor(), librarian.name)
    reviewer.get_by_role("link", name="Reports 1 pages reported").click()
    reviewer.get_by_role("link", name="Network weaving").click()
    expect(reviewer.get_by_text("The second step changed.")).to_be_visible()
    reviewer.get_by_label("Fixed by editing the page").check()
    reviewer.get_by_role("button", name="Resolve reports").click()
    expect(flash(reviewer)).to_contain_text("1")

    auditor = log_in(visitor(), admin.name)
    auditor.goto("/admin/log")
    expect(auditor.locator("main")).to_contain_text("resolve reports")


def test_a_redacted_revision_is_gone_for_readers_and_marked_for_librarians(
        session, make_page, librarian, visitor, log_in):
    page = make_page("Network weaving", LINES)
    pages.save_edit(session, librarian, page, body=LINES + "\nCall Mrs Example at home\n",
                    summary="Mrs Example's number", base_revision_id=page.current_revision_id,
                    renderer=RENDER)
    session.commit()
    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/wiki/network-weaving/history")
    reviewer.locator("table.history tbody tr").first.get_by_role("link", name="hide").click()
    reviewer.get_by_label("Hide the text").check()
    reviewer.get_by_label("Hide the edit summary").check()
    reviewer.get_by_label("Reason (librarians and admins see it)").fill("Personal details")
    reviewer.get_by_role("button", name="Hide").click()
    expect(flash(reviewer)).to_contain_text("The page now shows revision")
    expect(reviewer.locator("table.history")).to_contain_text("Hidden: Personal details")

    reader = visitor()
    for path in ("/wiki/network-weaving", "/wiki/network-weaving/history", "/recent",
                 "/wiki/network-weaving/diff", "/search?q=Example"):
        reader.goto(path)
        expect(reader.locator("body")).not_to_contain_text("Mrs Example")
    reader.goto("/wiki/network-weaving/history")
    expect(reader.locator("table.history")).to_contain_text("text hidden by a librarian")
    feed = reader.request.get("/recent.atom").text()
    api = reader.request.get("/api/v1/search?q=Example").text()
    assert "Mrs Example" not in feed and "Mrs Example" not in api


def test_the_guard_flags_an_nhs_number_and_a_phone_number_for_author_and_librarian(
        session, make_page, contributor, librarian, visitor, log_in):
    make_page("Network weaving", LINES)
    session.commit()
    author = log_in(visitor(), contributor.name)
    edit_page(author, "network-weaving", LINES + "\nPatient 943 476 5919, phone 07700 900123\n",
              "Send for review")
    warning = author.get_by_role("alert")
    expect(warning).to_contain_text("NHS number: 943 476 5919")
    expect(warning).to_contain_text("Phone number: 07700 900123")
    author.get_by_role("button", name="Send it as it is").click()
    expect(flash(author)).to_contain_text("waiting for a librarian's review")

    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/review")
    reviewer.locator("table.queue").get_by_role("link", name="Network weaving").click()
    expect(reviewer.locator("table.diff mark.finding:visible")).to_have_count(2)
    reviewer.get_by_label("I have checked the flagged passages: none should stay private").check()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(flash(reviewer)).to_contain_text("Approved and published")


def test_undo_all_reverts_five_edits_and_withdraws_three_proposals(
        session, make_page, make_user, librarian, section, visitor, log_in):
    spammer = make_user(Role.contributor, "spammy")
    trust.set_grant(session, librarian, spammer, section, True)
    victims = [make_page(f"Page {number}", f"Good {number}\n") for number in range(5)]
    guarded = make_page("Guarded", LINES)
    protection.set_page_protection(session, librarian, guarded, "two_approvals")
    session.commit()
    for page in victims:
        pages.save_edit(session, spammer, page, body="Spam\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
        session.commit()
    for number in range(3):
        pages.save_edit(session, spammer, guarded, body=f"Spam {number}\n",
                        base_revision_id=guarded.current_revision_id, renderer=RENDER)
        session.commit()
    reviewer = log_in(visitor(), librarian.name)
    reviewer.goto("/users/spammy")
    reviewer.get_by_role("link", name="Undo everything spammy did…").click()
    expect(reviewer.get_by_role("heading", name="Proposals to withdraw (3)")).to_be_visible()
    expect(reviewer.get_by_role("heading", name="Pages to revert (5)")).to_be_visible()
    reviewer.get_by_label("Also block the account").check()
    reviewer.get_by_role("button", name="Undo all of it").click()
    expect(flash(reviewer)).to_contain_text("3 proposal(s) withdrawn, 5 page(s) reverted")
    reader = visitor()
    reader.goto("/wiki/page-3")
    expect(reader.locator(".prose")).to_contain_text("Good 3")


def test_a_page_past_its_review_date_leaves_the_due_queue_when_marked_reviewed(
        session, make_page, librarian, section, visitor, log_in):
    page = make_page("Network weaving", LINES)
    sections.set_rules(session, librarian, section, review_interval_months=12, guard_phrases="")
    session.commit()
    db.begin_write(session)
    page.reviewed_at -= timedelta(days=400)
    page.review_due_at = freshness.due_after(section, page.reviewed_at)
    session.commit()
    reviewer = log_in(visitor(), librarian.name)
    reviewer.get_by_role("link", name="Due 1 pages due for review").click()
    expect(reviewer.locator("table.queue")).to_contain_text("Network weaving")
    reviewer.get_by_label("Note on Network weaving").fill("Sources checked")
    reviewer.get_by_role("button", name="Mark reviewed").click()
    expect(reviewer.get_by_text("No page is due for review.")).to_be_visible()
    reader = visitor()
    reader.goto("/wiki/network-weaving")
    expect(reader.locator(".page-header .freshness")).to_contain_text("review due by")


def test_registration_and_proposals_answer_a_clear_429(app, visitor, make_page, contributor,
                                                        log_in):
    make_page("Network weaving", LINES)
    app.config["PROPOSE_LIMITS"] = "1 per hour"
    author = log_in(visitor(), contributor.name)
    edit_page(author, "network-weaving", LINES + "\nFirst\n", "Send for review")
    edit_page(author, "network-weaving", LINES + "\nSecond\n", "Send for review")
    expect(author.locator("main")).to_contain_text("the limit here is 1 per 1 hour")
    expect(author.locator("main")).to_contain_text("Try again in")

    app.config["MAIL_FORM_LIMITS"] = "1 per hour"
    newcomer = visitor()
    for name in ("first", "second"):
        newcomer.goto("/register")
        newcomer.get_by_label("Name", exact=True).fill(name)
        newcomer.get_by_label("Email", exact=True).fill(f"{name}@example.org")
        newcomer.get_by_label("Password", exact=True).fill("correct horse battery")
        newcomer.get_by_role("button", name="Create account").click()
    expect(newcomer.locator("main")).to_contain_text("the limit here is 1 per 1 hour")
