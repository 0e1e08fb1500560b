"""Coffee pairings: opting in, rounds, telling and asking, answers and totals as services;
the pages through the test client; the pairing itself as properties over random memberships."""

import random
from datetime import date
from datetime import timedelta
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select

from handbook import db
from handbook.cli import main
from handbook.models import AuditEntry
from handbook.models import CoffeeMatchMember
from handbook.models import CoffeeMember
from handbook.models import CoffeeRound
from handbook.models import Notification
from handbook.models import Role
from handbook.models import utcnow
from handbook.permissions import Forbidden
from handbook.services import accounts
from handbook.services import coffee
from handbook.services import pages
from handbook.services import reflection
from handbook.services import sections
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.pairing import group_across
from handbook.services.pairing import pair

from conftest import PASSWORD
from conftest import RENDER
from conftest import login
from conftest import post
from conftest import stored_mail
from smtp import text_of

DAY = date(2024, 4, 10)  # in the fortnight from Monday 8 April 2024
OPENERS_PAGE = (Path(__file__).parents[1] / "content" / "02-relational-coordination"
                / "conversations-of-interdependence.md")
FEW = settings(max_examples=100, deadline=None)


def join(session, user, line="", every_weeks=2, meet_by="video", area=""):
    member = coffee.join(session, user, every_weeks=every_weeks, line=line, meet_by=meet_by,
                         area=area)
    session.commit()
    return member


def run(session, day=DAY, **kwargs):
    made, new = coffee.run_round(session, day, **kwargs)
    session.commit()
    return made, new


def groups_of(made):
    return sorted(tuple(member.user_id for member in match.members) for match in made.matches)


def reread(session):
    """End the session's read, so it sees what the app (or a command) committed since."""
    session.rollback()
    session.expire_all()


def told(session, kind):
    reread(session)
    return session.scalars(select(Notification).where(Notification.kind == kind)
                           .order_by(Notification.user_id)).all()


def published_in(session, author, section, title):
    """Give `author` (a librarian) a published page in `section`."""
    pages.create_page(session, author, section_id=section.id, title=title, body="Text.\n",
                      summary="Started", renderer=RENDER)
    session.commit()


def test_the_openers_are_the_five_questions_as_the_page_quotes_them():
    text = OPENERS_PAGE.read_text()
    assert len(coffee.OPENERS) == 5
    for number, question in enumerate(coffee.OPENERS, 1):
        assert f'{number}. "{question}"' in text


def test_joining_checks_every_choice_and_keeps_contact_details_out(session, contributor,
                                                                    make_user):
    for wrong, field in [({"every_weeks": 3}, "every_weeks"), ({"meet_by": "post"}, "meet_by"),
                         ({"line": "x" * 201}, "line"), ({"meet_by": "in_person"}, "area"),
                         ({"line": "Call me on 07700 900123"}, "line"),
                         ({"line": "Mail ann@example.org"}, "line"),
                         ({"meet_by": "in_person", "area": "LS1 4AP"}, "area")]:
        with pytest.raises(InvalidInput) as refused:
            join(session, contributor, **wrong)
        assert refused.value.field == field, wrong
    with pytest.raises(InvalidInput, match="Keep contact details out of your line"):
        join(session, contributor, line="Ring 07700 900123 any time")
    unconfirmed = accounts.register(session, "newbie", "newbie@example.org", PASSWORD)
    session.commit()
    with pytest.raises(Forbidden):
        join(session, unconfirmed)
    session.rollback()
    member = join(session, contributor, "  Discharge\n planning ", meet_by="in_person",
                  area="central Leeds")
    assert (member.every_weeks, member.line, member.area) == (2, "Discharge planning",
                                                              "central Leeds")
    again = join(session, contributor, "Care homes", every_weeks=4, area="ignored by video")
    assert (again.every_weeks, again.line, again.meet_by, again.area) == (4, "Care homes",
                                                                          "video", "")
    assert session.scalars(select(CoffeeMember)).all() == [again]


def test_leaving_or_deleting_the_account_removes_the_preferences_but_not_past_matches(
        session, make_user):
    ann, bob = make_user(name="ann"), make_user(name="bob")
    join(session, ann, "Ward flow")
    join(session, bob, "Primary care")
    made, _ = run(session)
    coffee.leave(session, ann)
    session.commit()
    assert session.get(CoffeeMember, ann.id) is None
    with pytest.raises(NoChange):
        coffee.leave(session, ann)
    session.rollback()
    accounts.delete_account(session, bob, PASSWORD, "delete my account")
    session.commit()
    assert session.scalars(select(CoffeeMember)).all() == []
    assert groups_of(made) == [(ann.id, bob.id)]
    assert len(session.scalars(select(CoffeeMatchMember)).all()) == 2


@pytest.mark.parametrize("day, key", [
    (date(2024, 1, 1), "2024-01-01"), (date(2024, 1, 14), "2024-01-01"),
    (date(2024, 1, 15), "2024-01-15"), (date(2024, 4, 10), "2024-04-08"),
    (date(2023, 12, 31), "2023-12-18"),
])
def test_a_round_is_the_fortnight_counted_from_monday_1_january_2024(day, key):
    assert coffee.round_key(day) == key
    assert date.fromisoformat(key).weekday() == 0


def test_a_round_is_made_once_per_fortnight(session, make_user):
    people = [make_user() for _ in range(4)]
    for person in people:
        join(session, person)
    made, new = run(session)
    assert new and made.key == "2024-04-08" and made.seed == coffee.default_seed(made.key)
    first = groups_of(made)
    again, new = run(session, DAY + timedelta(days=5), seed=99)
    assert not new and again.id == made.id and groups_of(again) == first
    assert len(told(session, "coffee_match")) == 4
    later, new = run(session, DAY + timedelta(days=14), seed=99)
    assert new and later.key == "2024-04-22" and later.seed == 99


def test_the_same_seed_makes_the_same_round(session, make_user):
    people = [make_user() for _ in range(9)]
    for person in people:
        join(session, person)
    made, _ = run(session, seed=5)
    first = groups_of(made)
    db.begin_write(session)
    for match in made.matches:
        for member in match.members:
            session.delete(member)
        session.delete(match)
    session.delete(made)
    session.commit()
    remade, _ = run(session, seed=5)
    assert groups_of(remade) == first and sorted(map(len, first)) == [2, 2, 2, 3]


def test_every_four_weeks_skips_the_round_after_one_it_was_in(session, make_user):
    monthly, *others = [make_user() for _ in range(12)]
    join(session, monthly, every_weeks=4)
    for person in others:
        join(session, person)
    rounds = [run(session, DAY + timedelta(days=14 * number))[0] for number in range(4)]
    taking_part = [{member for group in groups_of(made) for member in group} for made in rounds]
    assert [monthly.id in found for found in taking_part] == [True, False, True, False]


def test_only_active_confirmed_accounts_are_paired(session, make_user, admin):
    active = [make_user() for _ in range(2)]
    blocked, unconfirmed = make_user(), accounts.register(session, "late", "late@example.org",
                                                          PASSWORD)
    for person in [*active, blocked]:
        join(session, person)
    db.begin_write(session)
    session.add(CoffeeMember(user_id=unconfirmed.id, line="Not yet confirmed"))
    session.commit()
    accounts.set_blocked(session, admin, blocked, True)
    session.commit()
    made, _ = run(session)
    assert groups_of(made) == [tuple(person.id for person in active)]


def test_no_pair_meets_again_within_six_rounds(session, make_user):
    people = [make_user() for _ in range(8)]
    for person in people:
        join(session, person)
    seen = []
    for number in range(7):
        made, _ = run(session, DAY + timedelta(days=14 * number))
        pairs = {frozenset(two) for group in groups_of(made) for two in combinations(group, 2)}
        for earlier in seen[-coffee.NO_REPEAT_ROUNDS:]:
            assert not pairs & earlier
        seen.append(pairs)


def test_someone_the_rules_leave_unmatched_is_told_nothing_and_waits(session, make_user):
    ann, bob = make_user(), make_user()
    join(session, ann)
    join(session, bob)
    run(session)
    again, new = run(session, DAY + timedelta(days=14))
    assert new and again.matches == []
    assert len(told(session, "coffee_match")) == 2


def test_pairs_across_sections_are_preferred_and_marked(session, make_user, librarian):
    wards = sections.create_section(session, librarian, title="Wards", renderer=RENDER)
    homes = sections.create_section(session, librarian, title="Care homes", renderer=RENDER)
    session.commit()
    people = [make_user(Role.librarian) for _ in range(4)]
    for number, person in enumerate(people):
        published_in(session, person, wards if number < 2 else homes, f"Page {number}")
        join(session, person)
    made, _ = run(session)
    assert len(made.matches) == 2 and all(match.across_sections for match in made.matches)


def test_each_person_is_told_and_mailed_their_match_line_role_and_openers(app, session,
                                                                        make_user):
    ann, bob = make_user(name="ann"), make_user(name="bob")
    join(session, ann, "Discharge from the wards", meet_by="in_person", area="central Leeds")
    join(session, bob, "Care home liaison", meet_by="phone")
    answers = {statement.key: 5 if statement.role == "broker" else 1
               for statement in reflection.STATEMENTS}
    reflection.save(session, bob, answers, on_profile=False, with_matches=True)
    session.commit()
    made, _ = run(session)
    [match] = made.matches
    to_ann, to_bob = told(session, "coffee_match")
    assert (to_ann.user_id, to_ann.key, to_ann.path) == (ann.id, f"coffee:{match.id}", "/coffee")
    assert "bob" in to_ann.subject and "Care home liaison" in to_ann.body
    assert "How they prefer to meet: phone" in to_ann.body and "Broker" in to_ann.body
    assert "Discharge from the wards" in to_bob.body and "in person (central Leeds)" in to_bob.body
    assert "network role" not in to_bob.body
    assert "Care home liaison" not in to_bob.body
    for question in coffee.OPENERS:
        assert question in to_ann.body and question in to_bob.body
    mails = {message["To"]: text_of(message) for message in stored_mail(app)}
    assert set(mails) == {"ann@example.org", "bob@example.org"}
    assert "Care home liaison" in mails["ann@example.org"]
    assert coffee.OPENERS[4] in mails["bob@example.org"]


def test_a_week_later_those_who_have_not_answered_are_asked_once(session, make_user):
    people = [make_user() for _ in range(4)]
    for person in people:
        join(session, person)
    made, _ = run(session)
    coffee.answer(session, people[0], made.matches[0].members[0].match_id, "yes")
    session.commit()
    answered = {made.matches[0].members[0].user_id}
    now = utcnow()
    assert coffee.ask_followups(session, now + timedelta(days=6)) == 0
    assert coffee.ask_followups(session, now + timedelta(days=8)) == 3
    session.commit()
    assert coffee.ask_followups(session, now + timedelta(days=9)) == 0
    asked = told(session, "coffee_followup")
    assert {entry.user_id for entry in asked} == {person.id for person in people} - answered
    assert all(entry.key.startswith("coffee-met:") and entry.path == "/coffee" for entry in asked)


def test_only_the_members_of_a_match_may_answer_and_they_may_change_it(session, make_user):
    ann, bob, cat = (make_user() for _ in range(3))
    join(session, ann)
    join(session, bob)
    made, _ = run(session)
    match_id = made.matches[0].id
    with pytest.raises(NotFound):
        coffee.answer(session, cat, match_id, "yes")
    with pytest.raises(NotFound):
        coffee.answer(session, ann, match_id + 1, "yes")
    with pytest.raises(InvalidInput):
        coffee.answer(session, ann, match_id, "maybe")
    coffee.answer(session, ann, match_id, "rescheduled")
    session.commit()
    assert coffee.answer(session, ann, match_id, "yes").met == "yes"
    session.commit()
    assert session.get(CoffeeMatchMember, (match_id, bob.id)).met == ""


def test_the_totals_name_nobody(session, make_user, admin, contributor):
    people = [make_user() for _ in range(5)]
    for person in people:
        join(session, person)
    made, _ = run(session)
    members = [member for match in made.matches for member in match.members]
    coffee.answer(session, members[0].user, members[0].match_id, "yes")
    coffee.answer(session, members[1].user, members[1].match_id, "no")
    session.commit()
    run(session, DAY + timedelta(days=14))
    found = coffee.stats(session, admin)
    assert found.members == 5 and found.round_count == 2
    assert [summary.key for summary in found.rounds] == ["2024-04-22", "2024-04-08"]
    first = found.rounds[1]
    assert (first.matches, first.people, first.answered, first.met) == (2, 5, 2, 1)
    assert first.met_share == 0.5 and first.across_share == 0
    assert found.total.people == sum(summary.people for summary in found.rounds)
    assert found.total.matches == 4 and found.total.answered == 2
    with pytest.raises(Forbidden):
        coffee.stats(session, contributor)


def test_the_command_makes_the_round_once_and_asks_about_last_weeks(
        session, make_user, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDBOOK_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    for person in [make_user() for _ in range(4)]:
        join(session, person)
    first = CliRunner().invoke(main, ["coffee", "pair", "--date", "2024-04-10", "--seed", "7"],
                               catch_exceptions=False)
    assert "Round 2024-04-08: made now, 2 matches, 4 people" in first.output
    assert "Asked 0 people whether they met." in first.output
    again = CliRunner().invoke(main, ["coffee", "pair", "--date", "2024-04-21"],
                               catch_exceptions=False)
    assert "Round 2024-04-08: made already, 2 matches" in again.output
    reread(session)
    assert session.scalar(select(CoffeeRound.seed)) == 7


# The pages, through the test client.

def test_a_member_opts_in_sees_the_match_answers_and_opts_out(client, session, make_user):
    ann, bob = make_user(name="ann"), make_user(name="bob")
    join(session, bob, "Care home liaison", meet_by="phone")
    login(client, ann)
    page = client.get("/coffee").get_data(as_text=True)
    assert "Only the people you are paired with see" in page and "Pair me" in page
    refused = post(client, "/coffee", {"every_weeks": "2", "meet_by": "video",
                                       "line": "Text me on 07700 900123"}, token_from="/coffee")
    assert refused.status_code == 400 and "Keep contact details out" in refused.get_data(True)
    joined = post(client, "/coffee", {"every_weeks": "4", "meet_by": "video",
                                      "line": "Discharge planning"}, token_from="/coffee")
    assert joined.status_code == 302
    assert session.get(CoffeeMember, ann.id).every_weeks == 4
    made, _ = run(session)
    match_id = made.matches[0].id
    page = client.get("/coffee").get_data(as_text=True)
    assert "Care home liaison" in page and "Prefers to meet: phone" in page
    assert "/users/bob" in page and "/wiki/conversations-of-interdependence" in page
    assert coffee.OPENERS[2] in page and "Stop pairing me" in page
    answered = post(client, f"/coffee/matches/{match_id}/met", {"met": "yes"},
                    token_from="/coffee")
    assert answered.status_code == 302
    reread(session)
    assert session.get(CoffeeMatchMember, (match_id, ann.id)).met == "yes"
    assert post(client, "/coffee/leave", token_from="/coffee").status_code == 302
    reread(session)
    assert session.get(CoffeeMember, ann.id) is None
    assert "Pair me" in client.get("/coffee").get_data(as_text=True)


def test_nobody_but_the_match_learns_who_opted_in_or_what_they_wrote(
        app, client, session, make_user, admin):
    ann, bob, cat = make_user(name="ann"), make_user(name="bob"), make_user(name="cat")
    join(session, ann, "Quokka wrangling in theatres")
    join(session, bob, "Primary care")
    made, _ = run(session)
    join(session, cat, "Community nursing")
    match_id = made.matches[0].id
    login(client, cat)
    assert "Quokka" not in client.get("/coffee").get_data(as_text=True)
    assert post(client, f"/coffee/matches/{match_id}/met", {"met": "no"},
                token_from="/coffee").status_code == 404
    for path in ("/users/ann", "/me/notifications", "/search?q=quokka",
                 "/api/v1/search?q=quokka", "/recent", "/recent.atom"):
        assert "Quokka" not in client.get(path).get_data(as_text=True), path
    assert client.get("/admin/coffee").status_code == 403
    reader = app.test_client()
    assert reader.get("/coffee").status_code == 302
    for path in ("/users/ann", "/search?q=quokka", "/recent"):
        assert "Quokka" not in reader.get(path).get_data(as_text=True), path
    overseer = app.test_client()
    login(overseer, admin)
    totals = overseer.get("/admin/coffee").get_data(as_text=True)
    for private in ("Quokka", "Primary care", "/users/ann", "/users/bob", ">ann<", ">bob<"):
        assert private not in totals, private
    assert "3 members opted in" in totals


def test_an_admin_makes_the_round_from_the_page_once_and_it_is_audited(client, session,
                                                                       make_user, admin):
    for person in [make_user() for _ in range(3)]:
        join(session, person)
    login(client, admin)
    made = post(client, "/admin/coffee/pair", token_from="/admin/coffee", follow_redirects=True)
    assert "1 match, 3 people" in made.get_data(as_text=True)
    again = post(client, "/admin/coffee/pair", token_from="/admin/coffee", follow_redirects=True)
    assert "was made already" in again.get_data(as_text=True)
    reread(session)
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "coffee round")).all()
    assert entry.actor_id == admin.id and "1 match, 3 people" in entry.detail


# The pairing itself, over random memberships.

@st.composite
def memberships(draw, with_recent=True):
    """(people, sections, recent, seed) for up to 40 people."""
    people = list(range(1, draw(st.integers(0, 40)) + 1))
    worked = {person: draw(st.frozensets(st.integers(1, 6), max_size=3)) for person in people}
    pairs = [frozenset(two) for two in combinations(people, 2)]
    recent = draw(st.sets(st.sampled_from(pairs), max_size=3 * len(people))) \
        if pairs and with_recent else set()
    return people, worked, recent, draw(st.integers(0, 2**31 - 1))


def paired(people, worked, recent, seed):
    return pair(people, sections=worked, recent=recent, rng=random.Random(seed))


@FEW
@given(memberships())
def test_pairing_keeps_its_rules_and_its_seed(membership):
    people, worked, recent, seed = membership
    groups = paired(*membership)
    placed = [person for group in groups for person in group]
    assert len(placed) == len(set(placed)) and set(placed) <= set(people)
    assert {len(group) for group in groups} <= {2, 3}
    triples = sum(len(group) == 3 for group in groups)
    everyone = len(placed) == len(people)
    assert triples == (1 if everyone and len(people) % 2 else 0)
    for group in groups:
        assert not any(frozenset(two) in recent for two in combinations(group, 2))
    assert paired(people, worked, recent, seed) == groups


@FEW
@given(memberships(with_recent=False))
def test_without_history_everyone_is_matched(membership):
    people = membership[0]
    placed = [person for group in paired(*membership) for person in group]
    assert len(placed) == (len(people) if len(people) != 1 else 0)


@FEW
@given(st.integers(1, 20), st.integers(0, 2**31 - 1))
def test_two_camps_of_equal_size_are_always_paired_across(half, seed):
    people = list(range(1, 2 * half + 1))
    worked = {person: frozenset({1 if person <= half else 2}) for person in people}
    groups = paired(people, worked, set(), seed)
    assert len(groups) == half and all(group_across(group, worked) for group in groups)


def test_a_match_is_told_an_address_only_when_its_owner_chose_to_share_it(session, make_user):
    sharer, keeper = make_user(name="sharer"), make_user(name="keeper")
    coffee.join(session, sharer, every_weeks=2, line="Ward flow", meet_by="video", area="",
                share_email=True)
    coffee.join(session, keeper, every_weeks=2, line="Primary care", meet_by="phone", area="")
    session.commit()
    coffee.run_round(session, date(2026, 12, 1))
    session.commit()
    told = {notice.user_id: notice.body for notice in session.scalars(select(Notification))}
    assert sharer.email in told[keeper.id]
    assert keeper.email not in told[sharer.id] and "chose not to share one" in told[sharer.id]
