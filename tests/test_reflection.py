"""The network-role reflection: scoring, saving and forgetting, the public profile, and the
views for readers and members."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from handbook.models import Reflection
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import reflection
from handbook.services.errors import InvalidInput

from conftest import login
from conftest import post

KEYS = [statement.key for statement in reflection.STATEMENTS]
FULL = st.fixed_dictionaries({key: st.integers(1, 5) for key in KEYS})
NOT_A_RATING = st.one_of(
    st.none(), st.integers().filter(lambda number: not 1 <= number <= 5), st.floats(),
    st.booleans(), st.text(max_size=3), st.sampled_from(["3", 3.0]))
CHECKED = re.compile(r'<input checked id="[^"]+" name="([^"]+)" type="radio" value="(\d)">')


def ratings(default=3, **by_role):
    """A full set of answers: `default` for every statement, or the rating given its role."""
    return {statement.key: by_role.get(statement.role, default)
            for statement in reflection.STATEMENTS}


def stored(session):
    session.rollback()
    session.expire_all()
    return session.scalars(select(Reflection).order_by(Reflection.user_id)).all()


def checked(html):
    return {name: int(value) for name, value in CHECKED.findall(html)}


def test_twelve_statements_three_per_role_taking_turns():
    roles = [statement.role for statement in reflection.STATEMENTS]
    assert len(set(KEYS)) == 12 and all(roles.count(key) == 3 for key in reflection.ROLES)
    assert all(first != second for first, second in zip(roles, roles[1:]))
    assert list(reflection.SCALE) == [1, 2, 3, 4, 5]
    assert (reflection.SCALE[1], reflection.SCALE[5]) == ("Not like me", "Very like me")
    assert {role.slug for role in reflection.ROLES.values()} == {
        "bridgers-and-brokers", "connectors-energisers-challengers"}


@given(FULL)
def test_any_full_set_of_ratings_scores_each_role_from_1_to_5(answers):
    profile = reflection.score(answers)
    assert list(profile.scores) == list(reflection.ROLES)
    assert all(1.0 <= score <= 5.0 and round(score, 1) == score
               for score in profile.scores.values())
    assert profile.scores[profile.strongest] == max(profile.scores.values())
    assert profile.strongest not in profile.others and len(profile.others) == 3
    earlier = list(reflection.ROLES)[:list(reflection.ROLES).index(profile.strongest)]
    assert all(profile.scores[key] < profile.scores[profile.strongest] for key in earlier)


def test_a_score_is_the_mean_of_the_roles_three_ratings_to_one_decimal():
    answers = ratings(2, challenger=4) | {"challenger-1": 5}
    profile = reflection.score(answers)
    assert profile.scores == {"broker": 2.0, "connector": 2.0, "energiser": 2.0,
                              "challenger": 4.3}
    assert (profile.strongest, profile.joint) == ("challenger", [])


@pytest.mark.parametrize("rating", [1, 3, 5])
def test_equal_ratings_tie_and_the_first_role_is_named(rating):
    profile = reflection.score(ratings(rating))
    assert profile.strongest == "broker"
    assert profile.joint == ["connector", "energiser", "challenger"]
    tied = reflection.score(ratings(2, energiser=4, challenger=4))
    assert (tied.strongest, tied.joint) == ("energiser", ["challenger"])


@given(FULL, st.sampled_from(KEYS), NOT_A_RATING)
def test_anything_but_a_whole_rating_from_1_to_5_is_refused(answers, key, wrong):
    with pytest.raises(InvalidInput) as refused:
        reflection.score(answers | {key: wrong})
    assert refused.value.field == key
    assert f"statement {KEYS.index(key) + 1}:" in str(refused.value)


def test_the_refusal_names_every_statement_without_an_answer():
    answers = ratings()
    del answers["connector-1"], answers["broker-3"]
    with pytest.raises(InvalidInput, match="statements 2 and 9: every statement") as refused:
        reflection.score(answers)
    assert refused.value.field == "connector-1"
    with pytest.raises(InvalidInput, match="statements 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 12"):
        reflection.score({})


def test_a_member_saves_replaces_and_forgets_their_reflection(session, contributor):
    assert reflection.saved(session, contributor) is None
    reflection.save(session, contributor, ratings(2, broker=5), on_profile=False,
                    with_matches=True)
    session.commit()
    [row] = stored(session)
    assert (row.user_id, row.strongest, row.on_profile, row.with_matches) == (
        contributor.id, "broker", False, True)
    assert row.answers == ratings(2, broker=5)
    reflection.save(session, contributor, ratings(1, connector=4), on_profile=True,
                    with_matches=False)
    session.commit()
    [row] = stored(session)
    assert (row.strongest, row.on_profile, row.with_matches) == ("connector", True, False)
    saved = reflection.saved(session, contributor)
    assert (saved.strongest, saved.answers, saved.on_profile) == (
        "connector", ratings(1, connector=4), True)
    assert saved.saved_at is not None
    assert reflection.forget(session, contributor) is True
    session.commit()
    assert stored(session) == [] and reflection.saved(session, contributor) is None
    assert reflection.forget(session, contributor) is False


def test_readers_may_not_save_and_bad_answers_store_nothing(session, contributor):
    with pytest.raises(Forbidden):
        reflection.save(session, None, ratings(), on_profile=True, with_matches=True)
    with pytest.raises(InvalidInput):
        reflection.save(session, contributor, ratings() | {"broker-1": 6}, on_profile=True,
                        with_matches=True)
    assert stored(session) == []
    assert reflection.saved(session, None) is None


def test_the_strongest_role_is_shared_only_where_the_member_chose(session, make_user):
    quiet, public, matched = (make_user(Role.contributor, name)
                              for name in ("quiet", "public", "matched"))
    reflection.save(session, quiet, ratings(energiser=5), on_profile=False, with_matches=False)
    reflection.save(session, public, ratings(energiser=5), on_profile=True, with_matches=False)
    reflection.save(session, matched, ratings(challenger=5), on_profile=False, with_matches=True)
    session.commit()
    nobody = make_user(Role.contributor, "nobody")
    assert [reflection.role_on_profile(session, user) for user in (quiet, public, matched, nobody)
            ] == [None, "Energiser", None, None]
    assert [reflection.role_for_matches(session, user)
            for user in (quiet, public, matched, nobody)] == [None, None, "Challenger", None]


def test_a_reader_takes_the_reflection_and_nothing_is_stored(app, session):
    reader = app.test_client()
    form = reader.get("/reflection").get_data(as_text=True)
    assert form.count("<fieldset class=\"preference rating\">") == 12
    assert f"<legend>1. {reflection.STATEMENTS[0].text}</legend>" in form
    assert '<label><input id="broker-1-0" name="broker-1" type="radio" value="1"> Not like me' \
        in form
    assert "not a validated instrument or a test" in form
    assert "Nothing is stored unless you are logged in and choose to save" in form
    assert 'href="/wiki/which-role-do-you-play"' in form and "Forget my saved answers" not in form
    result = post(reader, "/reflection", ratings(2, connector=5), token_from="/reflection")
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "Strongest role: Connector" in html and "Joint" not in html
    assert reflection.ROLES["connector"].meaning in html
    assert 'href="/wiki/connectors-energisers-challengers">Read more about the connector' in html
    assert '<meter min="1" max="5" value="5.0">5.0 out of 5</meter>' in html
    assert '<th scope="row">Broker</th><td>2.0</td>' in html
    assert all(reflection.ROLES[key].meaning in html for key in ("broker", "challenger"))
    assert "not a validated instrument or a test" in html
    assert "Log in to save it" in html and 'action="/reflection/save"' not in html
    assert stored(session) == []


def test_a_form_with_missing_answers_comes_back_with_the_answers_given(app, session):
    reader = app.test_client()
    answers = ratings(4)
    del answers["energiser-2"]
    answers["challenger-3"] = "7"
    refused = post(reader, "/reflection", answers, token_from="/reflection")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose an answer for statements 8 and 11" in html and 'role="alert"' in html
    assert checked(html) == {key: 4 for key in KEYS if key not in ("energiser-2", "challenger-3")}
    assert html.count("Not answered yet.") == 2
    assert stored(session) == []


def test_joint_strongest_roles_are_said_to_be_joint(app):
    result = post(app.test_client(), "/reflection", ratings(2, broker=4, challenger=4),
                  token_from="/reflection")
    html = result.get_data(as_text=True)
    assert "Joint strongest role: Broker" in html
    assert "Broker is joint strongest with Challenger, at 4.0 out of 5" in html


def test_a_member_saves_only_when_they_tick_save(app, session, contributor):
    member = app.test_client()
    login(member, contributor)
    result = post(member, "/reflection", ratings(2, energiser=5), token_from="/reflection")
    html = result.get_data(as_text=True)
    assert 'action="/reflection/save"' in html and "Log in to save it" not in html
    assert '<input type="hidden" name="energiser-1" value="5">' in html
    for label in ("Save to my private profile", "Show my strongest role on my public profile",
                  "Share my strongest role with my coffee matches"):
        assert label in html
    unticked = post(member, "/reflection/save", ratings(2, energiser=5) | {"on_profile": "y"},
                    token_from="/reflection")
    assert unticked.status_code == 200 and "Nothing was stored" in unticked.get_data(as_text=True)
    assert stored(session) == []
    saved = post(member, "/reflection/save",
                 ratings(2, energiser=5) | {"save": "y", "on_profile": "y"},
                 token_from="/reflection")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/reflection")
    [row] = stored(session)
    assert (row.user_id, row.strongest, row.on_profile, row.with_matches) == (
        contributor.id, "energiser", True, False)
    again = member.get("/reflection").get_data(as_text=True)
    assert "Your reflection is saved" in again and "Forget my saved answers" in again
    assert checked(again) == ratings(2, energiser=5)
    assert "shown on your public profile and not shared with your coffee matches" in again


def test_saving_scores_the_answers_again(app, session, contributor):
    member = app.test_client()
    login(member, contributor)
    forged = post(member, "/reflection/save", ratings() | {"broker-2": "9", "save": "y"},
                  token_from="/reflection")
    assert forged.status_code == 400
    assert "Choose an answer for statement 6:" in forged.get_data(as_text=True)
    assert stored(session) == []


def test_the_public_profile_shows_the_role_only_when_chosen(app, session, contributor):
    reader = app.test_client()
    assert "Strongest network role" not in reader.get("/users/connie").get_data(as_text=True)
    reflection.save(session, contributor, ratings(challenger=5), on_profile=False,
                    with_matches=True)
    session.commit()
    assert "Strongest network role" not in reader.get("/users/connie").get_data(as_text=True)
    reflection.save(session, contributor, ratings(challenger=5), on_profile=True,
                    with_matches=False)
    session.commit()
    assert ("<p>Strongest network role (from their own reflection): Challenger</p>"
            in reader.get("/users/connie").get_data(as_text=True))


def test_a_post_without_the_csrf_token_is_refused(app, session, contributor):
    member = app.test_client()
    login(member, contributor)
    for path in ("/reflection", "/reflection/save"):
        refused = member.post(path, data=ratings() | {"save": "y"})
        assert refused.status_code == 400
        assert "not sent from this site" in refused.get_data(as_text=True)
    reflection.save(session, contributor, ratings(), on_profile=True, with_matches=True)
    session.commit()
    assert member.post("/reflection/forget").status_code == 400
    assert len(stored(session)) == 1


def test_members_forget_only_their_own_answers(app, session, contributor, make_user):
    other = make_user(Role.contributor, "other")
    reflection.save(session, contributor, ratings(broker=5), on_profile=True, with_matches=True)
    session.commit()
    intruder = app.test_client()
    login(intruder, other)
    answer = post(intruder, "/reflection/forget", {"user_id": contributor.id},
                  token_from="/reflection")
    assert answer.status_code == 302
    assert "You had no saved answers" in intruder.get("/reflection").get_data(as_text=True)
    assert [row.user_id for row in stored(session)] == [contributor.id]
    owner = app.test_client()
    login(owner, contributor)
    assert post(owner, "/reflection/forget", token_from="/reflection").status_code == 302
    assert "Your saved answers are forgotten" in owner.get("/reflection").get_data(as_text=True)
    assert stored(session) == []


def test_saving_and_forgetting_need_an_account(app, session):
    reader = app.test_client()
    for path in ("/reflection/save", "/reflection/forget"):
        answer = post(reader, path, ratings() | {"save": "y"}, token_from="/reflection")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert stored(session) == []
