"""Page discussions in a real browser: a held first comment, its approval, a reply, and a
reported comment hidden from the reports queue."""

import pytest
from sqlalchemy import select

from handbook.models import Notification
from handbook.services import comments
from handbook.services import watching

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser


def flash(tab):
    return tab.locator("p.flash")


def test_a_first_comment_waits_then_is_approved_replied_to_reported_and_hidden(
        session, make_page, contributor, librarian, make_user, visitor, log_in):
    page = make_page("Network weaving", "Weaving connects people.\n")
    watcher = make_user(name="wanda")
    watching.watch(session, watcher, page=page)
    session.commit()

    member = log_in(visitor(), contributor.name)
    member.goto("/wiki/network-weaving")
    member.get_by_role("link", name="Discussion (0 comments)").click()
    expect(member.get_by_text("Your email address is never shown")).to_be_visible()
    member.get_by_label("Your comment (markdown: no headings or images)").fill(
        "Closing triangles worked for our **ward team**.")
    member.get_by_role("button", name="Post comment").click()
    expect(flash(member)).to_contain_text("waiting for a librarian")
    expect(member.locator("article.comment")).to_contain_text("waiting for a librarian")

    reader = visitor()
    reader.goto("/wiki/network-weaving/discussion")
    expect(reader.get_by_text("No comments yet.")).to_be_visible()

    reviewer = log_in(visitor(), librarian.name)
    reviewer.get_by_role("link", name="Comments 1 comments waiting").click()
    expect(reviewer.locator("main")).to_contain_text("Closing triangles worked")
    reviewer.get_by_role("button", name="Approve").click()
    expect(flash(reviewer)).to_contain_text("Comment published.")
    session.expire_all()
    assert session.scalar(select(Notification.kind).where(Notification.user_id == watcher.id)) == (
        "new_comment")

    reviewer.goto("/wiki/network-weaving/discussion")
    reviewer.get_by_role("link", name="Reply").click()
    reviewer.get_by_label("Your reply (markdown: no headings or images)").fill("Good to hear.")
    reviewer.get_by_role("button", name="Reply").click()
    expect(reviewer.locator("ol.replies")).to_contain_text("Good to hear.")
    member.goto("/me/notifications")
    expect(member.locator("main")).to_contain_text("replied in a discussion")

    reader.goto("/wiki/network-weaving/discussion")
    reader.locator("article.comment").first.get_by_role("link", name="Report").first.click()
    reader.get_by_label("It is harmful or unsafe").check()
    reader.get_by_role("button", name="Send report").click()
    reviewer.goto("/review/reports")
    reviewer.locator("main").get_by_role("link", name="Network weaving").click()
    expect(reviewer.locator("main")).to_contain_text("About a comment by")
    reviewer.get_by_label("Reason for hiding it").fill("Names a ward")
    reviewer.get_by_role("button", name="Hide this comment").click()
    reader.goto("/wiki/network-weaving/discussion")
    expect(reader.locator("main")).to_contain_text("Comment hidden by a librarian.")
    expect(reader.locator("main")).not_to_contain_text("Closing triangles worked")
    assert comments.published_count(session, page.id) == 1
