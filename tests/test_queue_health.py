"""Queue health from the data: backlog, time to decision, decisions per librarian, rebased
approvals, second looks; and each author's place in the queue with the typical wait."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.models import utcnow
from handbook.permissions import Forbidden
from handbook.services import moderation
from handbook.services import pages
from handbook.services import queue_health

from conftest import RENDER
from conftest import login
from conftest import post


def propose(session, author, page, body):
    revision = pages.save_edit(session, author, page, body=body,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    return revision


def sent_ago(session, revision, days):
    session.execute(update(Revision).where(Revision.id == revision.id)
                    .values(created_at=utcnow() - timedelta(days=days)))
    session.commit()


def test_the_figures_come_from_the_proposals_and_the_audit_log(app, client, session, make_page,
                                                               make_user, contributor, librarian):
    lena = make_user(Role.librarian, "lena")
    weaving = make_page("Network weaving", "One\nTwo\nThree\n")
    decided = []
    for days, body in ((1, "One\nTwo\nThree\nA\n"), (3, "Zero\nOne\nTwo\nThree\n"),
                       (5, "One\nTwo!\nThree\n")):
        proposal = propose(session, contributor, weaving, body)
        sent_ago(session, proposal, days)
        decided.append(proposal)
    moderation.approve(session, librarian, decided[0].id, renderer=RENDER)
    session.commit()
    session.rollback()
    session.expire_all()
    rebased = [item for item in session.query(Revision).filter(
        Revision.status == RevisionStatus.pending).all()]
    assert all(revision.rebased_from_id for revision in rebased)  # the publish rebased the rest
    moderation.approve(session, lena, rebased[0].id, renderer=RENDER)
    session.commit()
    session.expire_all()
    [last] = session.query(Revision).filter(Revision.status == RevisionStatus.pending).all()
    moderation.reject(session, librarian, last.id, "No")
    session.commit()
    waiting = propose(session, contributor, weaving, "One\nTwo\nThree\nLast\n")
    sent_ago(session, waiting, 10)
    health = queue_health.health(session)
    waits = health.waits["Practical methods"]
    assert waits.count == 3
    assert timedelta(days=2, hours=23) < waits.median < timedelta(days=3, hours=1)
    assert timedelta(days=4, hours=23) < waits.p90 < timedelta(days=5, hours=1)
    assert health.backlog["Practical methods"][-1] == 1 and max(health.backlog["Practical methods"]) == 4
    assert health.oldest.id == waiting.id
    assert {user.name: count for user, count in health.decisions} == {"libby": 2, "lena": 1}
    assert (health.approved, health.approved_after_rebase) == (2, 1)
    login(client, librarian)
    page = client.get("/review/stats").get_data(as_text=True)
    assert "<polyline" in page and "Practical methods: 1 waiting now" in page
    assert "Approvals after a rebase: 1 of 2" in page


def test_authors_see_their_place_and_the_typical_wait(app, client, session, make_page, make_user,
                                                      contributor, librarian):
    weaving = make_page("Network weaving", "One\n")
    old = propose(session, make_user(Role.contributor, "otto"), weaving, "One\nOld\n")
    done = propose(session, make_user(Role.contributor, "olga"), weaving, "Zero\nOne\n")
    sent_ago(session, done, 2)
    moderation.reject(session, librarian, done.id, "No")
    session.commit()
    mine = propose(session, contributor, weaving, "One\nMine\n")
    assert queue_health.place(session, mine)[0] == 2
    login(client, contributor)
    listed = client.get("/me/proposals").get_data(as_text=True)
    assert "2nd in Practical methods; half the decisions there come within 2 days." in listed
    assert old.status is RevisionStatus.pending


def test_a_second_look_is_decided_by_another_librarian_once(app, client, session, make_page,
                                                            make_user, contributor, librarian):
    lena = make_user(Role.librarian, "lena")
    weaving = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, weaving, "One\nTwo\n")
    moderation.reject(session, librarian, proposal.id, "Not needed")
    session.commit()
    login(client, contributor)
    assert "Ask for a second look" in client.get("/me/proposals").get_data(as_text=True)
    post(client, f"/me/proposals/{proposal.id}/second-look", token_from="/me/proposals")
    session.rollback()
    session.expire_all()
    assert proposal.status is RevisionStatus.pending and proposal.second_look_at is not None
    with pytest.raises(Forbidden):
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.rollback()
    moderation.approve(session, lena, proposal.id, renderer=RENDER)
    session.commit()
    health = queue_health.health(session)
    assert (health.second_looks, health.overturned) == (1, 1)
    again = post(client, f"/me/proposals/{proposal.id}/second-look", token_from="/me/proposals")
    assert again.status_code == 403


def test_a_second_look_survives_a_rebase(session, make_page, make_user, contributor, librarian):
    lena = make_user(Role.librarian, "lena")
    weaving = make_page("Network weaving", "One\nTwo\n")
    proposal = propose(session, contributor, weaving, "One\nTwo\nThree\n")
    moderation.reject(session, librarian, proposal.id, "Not needed")
    session.commit()
    moderation.ask_second_look(session, contributor, proposal.id)
    session.commit()
    pages.save_edit(session, lena, weaving, body="Zero\nOne\nTwo\n",
                    base_revision_id=weaving.current_revision_id, renderer=RENDER)
    session.commit()
    session.expire_all()
    [rebased] = session.query(Revision).filter(Revision.status == RevisionStatus.pending).all()
    assert rebased.rebased_from_id == proposal.id and rebased.second_look_at is not None
    with pytest.raises(Forbidden):
        moderation.approve(session, librarian, rebased.id, renderer=RENDER)
    session.rollback()
    moderation.reject(session, lena, rebased.id, "Still not needed")
    session.commit()
    with pytest.raises(Forbidden):
        moderation.ask_second_look(session, contributor, rebased.id)
