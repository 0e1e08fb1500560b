"""Who reviews what: section librarians, the queue's filters, counts and sorting, and claims."""

import pytest

from handbook import db
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import accounts
from handbook.services import claims
from handbook.services import moderation
from handbook.services import pages
from handbook.services import queues
from handbook.services import reading
from handbook.services import sections
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition

from conftest import RENDER
from conftest import login
from conftest import post


@pytest.fixture
def two_sections(session, librarian, contributor, make_user, section):
    """Practical methods (two proposals) and Network roles (one), and a librarian of roles."""
    roles = sections.create_section(session, librarian, title="Network roles", renderer=RENDER)
    weaving = pages.create_page(session, librarian, section_id=section.id, title="Network weaving",
                                body="One\n", renderer=RENDER).revision.page
    bridging = pages.create_page(session, librarian, section_id=roles.id, title="Bridging",
                                 body="One\n", renderer=RENDER).revision.page
    other = make_user(Role.contributor, "otto")
    proposals = [
        pages.save_edit(session, contributor, weaving, body="One\nTwo\nThree\n",
                        base_revision_id=weaving.current_revision_id, renderer=RENDER).revision,
        pages.save_edit(session, other, weaving, body="Zero\nOne\n",
                        base_revision_id=weaving.current_revision_id, renderer=RENDER).revision,
        pages.save_edit(session, contributor, bridging, body="One\nTwo\n",
                        base_revision_id=bridging.current_revision_id, renderer=RENDER).revision,
    ]
    roles_librarian = make_user(Role.librarian, "rolf")
    accounts.set_review_sections(session, None, roles_librarian, every=False, slugs=["network-roles"])
    session.commit()
    return roles_librarian, proposals


def test_a_section_librarian_sees_and_decides_only_their_sections(app, client, session, two_sections):
    roles_librarian, (weaving_one, _weaving_two, bridging) = two_sections
    mine = reading.review_queue(session, librarian=roles_librarian)
    assert [item.revision.id for item in mine.items] == [bridging.id]
    everything = reading.review_queue(session, librarian=roles_librarian, mine=False)
    assert len(everything.items) == 3
    assert queues.counts(session, roles_librarian).proposals == 1
    with pytest.raises(Forbidden):
        moderation.approve(session, roles_librarian, weaving_one.id, renderer=RENDER)
    session.rollback()
    login(client, roles_librarian)
    page = client.get("/review").get_data(as_text=True)
    assert "You review: Network roles." in page and '1</span><span class="visually-hidden"> pending' in page
    assert "Network weaving" not in page.split("<table")[1]
    assert "Network weaving" in client.get("/review?scope=all").get_data(as_text=True).split("<table")[1]
    outside = client.get(f"/review/{weaving_one.id}").get_data(as_text=True)
    assert "a section you do not review" in outside and "Approve and publish" not in outside
    refused = post(client, f"/review/{weaving_one.id}/approve", token_from=f"/review/{bridging.id}")
    assert refused.status_code == 403


def test_the_queue_filters_counts_and_sorts(session, librarian, two_sections):
    _, (weaving_one, weaving_two, bridging) = two_sections
    queue = reading.review_queue(session, librarian=librarian)
    assert queue.counts["section"] == {"practical-methods": 2, "network-roles": 1}
    assert queue.counts["author"] == {"connie": 2, "otto": 1}
    assert queue.counts["kind"] == {"edit": 3}
    assert queue.counts["age"] == {"day": 3}
    narrowed = reading.review_queue(session, librarian=librarian, filters={"author": "connie"})
    assert [item.revision.id for item in narrowed.items] == [weaving_one.id, bridging.id]
    assert narrowed.counts["section"] == {"practical-methods": 1, "network-roles": 1}
    smallest = reading.review_queue(session, librarian=librarian, sort="smallest")
    assert [item.revision.id for item in smallest.items][0] in (weaving_two.id, bridging.id)
    assert [item.revision.id for item in reading.review_queue(
        session, librarian=librarian, sort="newest").items] == [bridging.id, weaving_two.id, weaving_one.id]


def test_claims_show_to_others_and_a_decision_over_one_needs_confirming(app, session, make_user,
                                                                        librarian, two_sections):
    _, (weaving_one, *_rest) = two_sections
    lena = make_user(Role.librarian, "lena")
    claims.claim(session, librarian, weaving_one, 30)
    session.commit()
    with pytest.raises(InvalidTransition, match="libby is reviewing this"):
        claims.claim(session, lena, weaving_one, 30)
    session.rollback()
    queue = reading.review_queue(session, librarian=lena, filters={"claim": "others"})
    assert [item.revision.id for item in queue.items] == [weaving_one.id]
    other = app.test_client()
    login(other, lena)
    shown = other.get(f"/review/{weaving_one.id}").get_data(as_text=True)
    assert "is reviewing this, since" in shown and "Decide anyway" in shown
    refused = post(other, f"/review/{weaving_one.id}/approve", token_from=f"/review/{weaving_one.id}")
    assert refused.status_code == 400 and "Tick “Decide anyway”" in refused.get_data(as_text=True)
    done = post(other, f"/review/{weaving_one.id}/approve", {"confirm_claim": "1"},
                token_from=f"/review/{weaving_one.id}")
    assert done.status_code == 302
    session.rollback()
    session.expire_all()
    assert claims.holder(weaving_one) is None  # a decision ends the claim


def test_claims_lapse_and_can_be_released(session, librarian, make_user, two_sections):
    _, (weaving_one, weaving_two, _bridging) = two_sections
    claims.claim(session, librarian, weaving_one, 0)  # lapses at once
    session.commit()
    assert claims.holder(weaving_one) is None
    claims.claim(session, librarian, weaving_two, 30)
    session.commit()
    claims.release(session, librarian, weaving_two)
    session.commit()
    assert claims.holder(weaving_two) is None


def test_two_librarians_claiming_at_once_get_one_claim(app, session, make_user, librarian, two_sections):
    _, (weaving_one, *_rest) = two_sections
    lena = make_user(Role.librarian, "lena")
    runtime = app.extensions["handbook_runtime"]
    first, second = db.new_session(runtime), db.new_session(runtime)
    seen_first = first.get(type(weaving_one), weaving_one.id)
    seen_second = second.get(type(weaving_one), weaving_one.id)
    claims.claim(first, first.get(type(librarian), librarian.id), seen_first, 30)
    first.commit()
    with pytest.raises(InvalidTransition):
        claims.claim(second, second.get(type(lena), lena.id), seen_second, 30)
    second.rollback()
    first.close()
    second.close()


def test_admins_and_the_command_line_assign_sections(app, client, session, admin, librarian, monkeypatch,
                                                     two_sections):
    from click.testing import CliRunner

    from handbook.cli import main

    login(client, admin)
    post(client, "/admin/users/libby/sections", {"section": ["network-roles"]}, token_from="/admin/users")
    session.rollback()
    session.expire_all()
    assert not librarian.all_sections and [s.slug for s in librarian.review_sections] == ["network-roles"]
    nothing = post(client, "/admin/users/libby/sections", {}, token_from="/admin/users",
                   follow_redirects=True)
    assert "Choose at least one section" in nothing.get_data(as_text=True)
    with pytest.raises(InvalidInput):
        accounts.set_review_sections(session, admin, librarian, every=False, slugs=["no-such"])
    session.rollback()
    monkeypatch.setenv("HANDBOOK_INSTANCE", app.instance_path)
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["users", "set-sections", "libby", "--all"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert librarian.all_sections
