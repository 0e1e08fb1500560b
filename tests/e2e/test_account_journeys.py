"""Accounts in a real browser, with mail through a real SMTP server: a forgotten password."""

import re

import pytest

from conftest import build_app

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a new and longer passphrase"


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    """The served app sends its mail to the test's SMTP server."""
    app = build_app(database_url, tmp_path / "instance", MAIL_URL=smtp_server.url)
    yield app
    app.extensions["handbook_engine"].dispose()


def test_a_forgotten_password_is_reset_from_the_mailed_link(app, contributor, session, live_server,
                                                            smtp_server, visitor, log_in):
    """From the login page to a new password through a mail, which then works only once."""
    from smtp import text_of

    session.commit()
    app.config["BASE_URL"] = live_server + "/"  # links in mail lead to this server
    elsewhere = log_in(visitor(), contributor.name)

    tab = visitor()
    tab.goto("/login")
    tab.get_by_role("link", name="Forgot your password?").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    tab.get_by_label("Email", exact=True).fill("connie@example.org")
    tab.get_by_role("button", name="Send me a link").click()
    expect(tab.get_by_role("status")).to_contain_text("If an account uses connie@example.org")

    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["connie@example.org"]
    [link] = re.findall(rf"{re.escape(live_server)}/reset-password/\S+", text_of(message))
    tab.goto(link)
    expect(tab.get_by_text("For the account connie.")).to_be_visible()
    tab.get_by_label("New password", exact=True).fill("short")
    tab.get_by_role("button", name="Set new password").click()
    expect(tab.get_by_role("alert")).to_contain_text("at least 10 characters")
    tab.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    tab.get_by_role("button", name="Set new password").click()
    expect(tab.locator("p.flash")).to_contain_text("Your new password is set")
    expect(tab.locator(".site-header .role")).to_have_text("contributor")

    elsewhere.reload()  # the session on the other device has ended
    expect(elsewhere.get_by_role("link", name="Log in")).to_be_visible()
    tab.goto(link)
    expect(tab.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(tab.get_by_text("used already")).to_be_visible()
    log_in(visitor(), contributor.name, NEW_PASSWORD)
