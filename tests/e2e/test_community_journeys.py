"""The community in a real browser: a fortnight of coffee pairings, from opting in to "Did you
meet?"."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from itertools import combinations

import pytest
from sqlalchemy import select

from handbook.models import CoffeeMatchMember
from handbook.models import CoffeeRound
from handbook.models import Role
from handbook.services import coffee

from conftest import stored_mail
from smtp import subject
from smtp import text_of

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser
PAIRED = "You are paired for coffee with"


def coffee_mails(app):
    """{address: plain text} of the pairing mails sent so far, latest for each address."""
    return {message["To"]: text_of(message) for message in stored_mail(app)
            if subject(message).startswith(PAIRED)}


def groups_of_round(session, key):
    """The round's groups of user ids, as the app committed them."""
    session.rollback()
    session.expire_all()
    made = session.scalar(select(CoffeeRound).where(CoffeeRound.key == key))
    return sorted(tuple(member.user_id for member in match.members) for match in made.matches)


def test_twelve_members_are_paired_mailed_and_asked_whether_they_met(
        app, session, make_user, admin, visitor, log_in):
    members = [make_user(Role.contributor, f"member{number}") for number in range(1, 12)]
    for number, member in enumerate(members, 1):
        coffee.join(session, member, every_weeks=2, line=f"Working on theme {number}",
                    meet_by="video", area="")
    dana = make_user(Role.contributor, "dana")
    session.commit()
    lines = {member.id: f"Working on theme {number}" for number, member in enumerate(members, 1)}
    lines[dana.id] = "Discharge planning across the river"

    tab = log_in(visitor(), dana.name)
    tab.get_by_role("link", name="Coffee", exact=True).click()
    expect(tab.get_by_text("Nobody else sees who has opted in")).to_be_visible()
    tab.get_by_label("Every 2 weeks (every round)").check()
    tab.get_by_label("What you work on, in a line").fill(lines[dana.id])
    tab.get_by_label("Video call").check()
    tab.get_by_role("button", name="Pair me").click()
    expect(tab.locator("p.flash")).to_contain_text("You are in")

    organiser = log_in(visitor(), admin.name)
    organiser.get_by_role("link", name="Coffee rounds").click()
    expect(organiser.locator("main")).to_contain_text("12 members opted in")
    organiser.get_by_role("button", name="Make this fortnight's round").click()
    expect(organiser.locator("p.flash")).to_contain_text("6 matches, 12 people")
    expect(organiser.locator("table.stats")).not_to_contain_text("member1")

    today = datetime.now(timezone.utc).date()
    first = groups_of_round(session, coffee.round_key(today))
    assert [len(group) for group in first] == [2] * 6
    mails = coffee_mails(app)
    addresses = {member.id: member.email for member in [*members, dana]}
    assert set(mails) == set(addresses.values())
    for first_id, second_id in first:
        for me, them in ((first_id, second_id), (second_id, first_id)):
            assert lines[them] in mails[addresses[me]] and lines[me] not in mails[addresses[me]]
            assert all(question in mails[addresses[me]] for question in coffee.OPENERS)

    [partner_id] = [other for group in first if dana.id in group for other in group
                    if other != dana.id]
    partner = next(member for member in members if member.id == partner_id)
    tab.goto("/coffee")
    expect(tab.locator("article.coffee-match")).to_contain_text(lines[partner_id])
    expect(tab.get_by_role("link", name=partner.name)).to_be_visible()
    expect(tab.get_by_role("link", name="Conversations of interdependence")).to_be_visible()
    answer = tab.get_by_role("group", name=f"Did you meet {partner.name}?")
    answer.get_by_label("Yes, we met").check()
    tab.get_by_role("button", name="Save answer").click()
    expect(tab.locator("p.flash")).to_contain_text("your answer is saved")
    session.rollback()
    assert session.scalar(select(CoffeeMatchMember.met)
                          .where(CoffeeMatchMember.user_id == dana.id)) == "yes"

    newcomer = make_user(Role.contributor, "member13")
    coffee.join(session, newcomer, every_weeks=2, line="New to the handbook", meet_by="phone",
                area="")
    session.commit()
    next_fortnight = today + timedelta(days=coffee.ROUND_DAYS)
    _, new = coffee.run_round(session, next_fortnight)
    session.commit()
    second = groups_of_round(session, coffee.round_key(next_fortnight))
    assert new and sorted(len(group) for group in second) == [2, 2, 2, 2, 2, 3]
    met_before = {frozenset(group) for group in first}
    assert not any(frozenset(two) in met_before for group in second
                   for two in combinations(group, 2))
    assert len([message for message in stored_mail(app)
                if subject(message).startswith(PAIRED)]) == 12 + 13
