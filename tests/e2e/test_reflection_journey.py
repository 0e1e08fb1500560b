"""The network-role reflection in a browser with JavaScript turned off: a reader takes it and
nothing is stored; a member saves it and their profile shows their strongest role."""

import pytest
from sqlalchemy import select

from handbook.models import Reflection
from handbook.services import reflection

from e2e.conftest import TIMEOUT_MS

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
INTRODUCTION = ("A reflection exercise on the four network roles. You can also [take the"
                " reflection in the browser](/reflection).\n")


@pytest.fixture
def without_script(browser, live_server):
    """Open a tab in a new browser context that runs no JavaScript."""
    opened = []

    def open_tab():
        context = browser.new_context(java_script_enabled=False, base_url=live_server)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context.new_page()

    yield open_tab
    for context in opened:
        context.close()


def answer_all(tab, strong_role):
    """Rate the strong role's statements "Very like me" and every other one "A little"."""
    for number, statement in enumerate(reflection.STATEMENTS, 1):
        group = tab.get_by_role("group", name=f"{number}. {statement.text}", exact=True)
        rating = "Very like me" if statement.role == strong_role else "A little like me"
        group.get_by_label(rating, exact=True).check()
    tab.get_by_role("button", name="See my profile").click()


def stored(session):
    session.rollback()
    return session.scalars(select(Reflection)).all()


def test_a_reader_takes_the_reflection_and_nothing_is_stored(session, make_page, without_script):
    make_page("Which role do you play", INTRODUCTION)
    reader = without_script()
    reader.goto("/wiki/which-role-do-you-play")
    reader.get_by_role("link", name="take the reflection in the browser").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Which network role do you play?")
    expect(reader.get_by_role("note")).to_contain_text("not a validated instrument or a test")
    answer_all(reader, "challenger")
    expect(reader.get_by_role("heading", name="Strongest role: Challenger")).to_be_visible()
    expect(reader.get_by_role("row", name="Challenger")).to_contain_text("5.0")
    expect(reader.get_by_role("row", name="Broker")).to_contain_text("2.0")
    expect(reader.get_by_role("link", name="Log in to save it")).to_be_visible()
    assert stored(session) == []


def test_a_member_saves_it_and_their_profile_shows_the_strongest_role(
        session, contributor, without_script, log_in):
    member = log_in(without_script(), contributor.name)
    member.goto("/reflection")
    answer_all(member, "energiser")
    expect(member.get_by_role("heading", name="Strongest role: Energiser")).to_be_visible()
    member.get_by_label("Save to my private profile").check()
    member.get_by_label("Show my strongest role on my public profile").check()
    member.get_by_role("button", name="Save", exact=True).click()
    expect(member.locator("p.flash")).to_contain_text("Your reflection is saved.")
    expect(member.get_by_role("button", name="Forget my saved answers")).to_be_visible()
    first = reflection.STATEMENTS[0].text
    expect(member.get_by_role("group", name=f"1. {first}").get_by_label("A little like me")
           ).to_be_checked()
    [row] = stored(session)
    assert (row.user_id, row.strongest, row.on_profile, row.with_matches) == (
        contributor.id, "energiser", True, False)
    member.goto(f"/users/{contributor.name}")
    expect(member.get_by_text("Strongest network role (from their own reflection): Energiser")
           ).to_be_visible()
