"""Earned trust per section, the patrol queue, and the throttle on often-rejected authors."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select

from handbook import db

from handbook.models import AuditEntry
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Section
from handbook.permissions import Forbidden
from handbook.services import moderation
from handbook.services import patrol
from handbook.services import pages
from handbook.services import protection
from handbook.services import sections
from handbook.services import trust
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition

from conftest import RENDER
from conftest import login
from conftest import post


def propose(session, author, page, body):
    outcome = pages.save_edit(session, author, page, body=body,
                              base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    return outcome.revision


def earn_trust(session, author, librarian, page, times):
    """`times` proposals by `author` on `page`, each approved by `librarian`."""
    for number in range(times):
        proposal = propose(session, author, page, f"{page.current_revision.body}Line {number}\n")
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
        session.commit()


def reject(session, author, librarian, page, body):
    proposal = propose(session, author, page, body)
    moderation.reject(session, librarian, proposal.id, "Not for this handbook")
    session.commit()
    return proposal


def test_five_approved_proposals_make_a_contributor_trusted_and_their_edit_publishes(
        session, make_page, contributor, librarian, section):
    page = make_page("Network weaving", "One\n")
    earn_trust(session, contributor, librarian, page, 4)
    assert not trust.standing(session, contributor, section).trusted
    earn_trust(session, contributor, librarian, page, 1)
    standing = trust.standing(session, contributor, section)
    assert standing.approved == 5 and standing.trusted and standing.earned
    edit = propose(session, contributor, page, page.current_revision.body + "Trusted line\n")
    assert edit.status is RevisionStatus.published and edit.unpatrolled
    assert page.current_revision_id == edit.id
    assert [item.id for item in patrol.queue(session, librarian)] == [edit.id]
    assert trust.trusted_sections(session, contributor) == [section]


def test_trust_is_per_section_and_yields_to_protection(session, make_page, contributor,
                                                        librarian, section):
    page = make_page("Network weaving", "One\n")
    earn_trust(session, contributor, librarian, page, 5)
    other = sections.create_section(session, librarian, title="Stories", renderer=RENDER)
    session.commit()
    elsewhere = pages.create_page(session, librarian, section_id=other.id, title="A story",
                                  body="Once\n", renderer=RENDER).revision.page
    session.commit()
    assert propose(session, contributor, elsewhere, "Once more\n").status is RevisionStatus.pending
    protection.set_page_protection(session, librarian, page, "two_approvals")
    session.commit()
    guarded = propose(session, contributor, page, page.current_revision.body + "Guarded\n")
    assert guarded.status is RevisionStatus.pending and not guarded.unpatrolled


def test_a_recent_rejection_suspends_earned_trust(session, make_page, contributor, librarian,
                                                  section):
    page = make_page("Network weaving", "One\n")
    earn_trust(session, contributor, librarian, page, 5)
    guarded = make_page("Guarded page", "A\n")
    protection.set_page_protection(session, librarian, guarded, "two_approvals")
    session.commit()
    reject(session, contributor, librarian, guarded, "Spam\n")
    assert not trust.standing(session, contributor, section).trusted
    old = session.scalar(select(Revision).where(Revision.status == RevisionStatus.rejected))
    db.begin_write(session)
    old.reviewed_at -= timedelta(days=91)
    session.commit()
    assert trust.standing(session, contributor, section).trusted


def test_librarians_grant_and_revoke_trust_by_hand_and_it_is_audited(
        session, make_page, contributor, librarian, section, admin):
    page = make_page("Network weaving", "One\n")
    trust.set_grant(session, librarian, contributor, section, True)
    session.commit()
    assert trust.standing(session, contributor, section).trusted
    assert propose(session, contributor, page, "Two\n").status is RevisionStatus.published
    trust.set_grant(session, librarian, contributor, section, False)
    session.commit()
    earn_trust(session, contributor, librarian, page, 5)
    assert not trust.standing(session, contributor, section).trusted, "a revocation sticks"
    trust.set_grant(session, librarian, contributor, section, None)
    session.commit()
    assert trust.standing(session, contributor, section).trusted
    with pytest.raises(Forbidden):
        trust.set_grant(session, librarian, admin, section, True)
    session.rollback()
    details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "trust")).all()
    assert details == ["Practical methods: granted", "Practical methods: revoked",
                       "Practical methods: as earned"]


def test_a_section_librarian_of_another_section_cannot_grant_trust(
        session, make_page, contributor, make_user, section):
    from handbook.models import Role
    from handbook.services import accounts

    other = sections.create_section(session, make_user(Role.admin), title="Stories",
                                    renderer=RENDER)
    narrow = make_user(Role.librarian)
    accounts.set_review_sections(session, None, narrow, every=False, slugs=[other.slug])
    session.commit()
    with pytest.raises(Forbidden):
        trust.set_grant(session, narrow, contributor, section, True)


def test_patrol_marks_once_and_revert_restores_the_text_before(session, make_page, contributor,
                                                               librarian, section):
    page = make_page("Network weaving", "One\n")
    trust.set_grant(session, librarian, contributor, section, True)
    session.commit()
    first = propose(session, contributor, page, "One\nTwo\n")
    patrol.mark_patrolled(session, librarian, first)
    session.commit()
    with pytest.raises(InvalidTransition):
        patrol.mark_patrolled(session, librarian, first)
    session.rollback()
    second = propose(session, contributor, page, "One\nTwo\nVandal\n")
    patrol.revert(session, librarian, second, renderer=RENDER)
    session.commit()
    session.refresh(page)
    assert page.current_revision.body == "One\nTwo\n"
    assert patrol.queue(session, librarian) == []
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["publish", "revert"] and "patrol" in actions


def test_patrol_revert_refuses_once_the_page_moved_on(session, make_page, contributor,
                                                     librarian, section):
    page = make_page("Network weaving", "One\n")
    trust.set_grant(session, librarian, contributor, section, True)
    session.commit()
    edit = propose(session, contributor, page, "One\nTwo\n")
    propose(session, librarian, page, "One\nTwo\nThree\n")
    with pytest.raises(InvalidTransition):
        patrol.revert(session, librarian, edit, renderer=RENDER)


def test_an_often_rejected_author_may_have_only_a_few_proposals_open(
        client, session, make_page, contributor, librarian, section):
    page = make_page("Network weaving", "One\n")
    for number in range(3):
        reject(session, contributor, librarian, page, f"Bad {number}\n")
    standing = trust.standing(session, contributor, section)
    assert standing.throttled and not standing.at_limit
    propose(session, contributor, page, "Try 1\n")
    second = make_page("Second page", "A\n")
    propose(session, contributor, second, "Try 2\n")
    with pytest.raises(InvalidInput, match="at most 2 waiting"):
        propose(session, contributor, page, "Try 3\n")
    session.rollback()
    login(client, contributor)
    edit_page = client.get("/wiki/network-weaving/edit?fresh=1").get_data(as_text=True)
    assert "so you may have at most 2 waiting for review there at a time" in edit_page
    assert propose(session, librarian, page, "Librarians are never limited\n").status is (
        RevisionStatus.published)


@settings(max_examples=40, deadline=None)
@given(approved=st.integers(0, 12), rejections=st.integers(0, 4), trust_after=st.integers(1, 10),
       grant=st.sampled_from([None, True, False]))
def test_trust_follows_its_rule(approved, rejections, trust_after, grant):
    """Trusted exactly when granted, or (with no grant) after enough approvals and no recent
    rejection; a revocation always wins."""
    found = trust.Standing(Section(title="S", trust_after=trust_after, throttle_after=3,
                                   throttle_pending=2), approved, rejections, 0, grant)
    expected = grant if grant is not None else (approved >= trust_after and rejections == 0)
    assert found.trusted is expected


def test_the_edit_page_says_when_an_edit_publishes_at_once_and_when_the_author_is_limited(
        app, client, session, make_page, contributor, librarian, section):
    page = make_page("Network weaving", "One\n")
    trust.set_grant(session, librarian, contributor, section, True)
    session.commit()
    login(client, contributor)
    html = client.get("/wiki/network-weaving/edit").get_data(as_text=True)
    assert "You are trusted in “Practical methods”" in html and ">Publish</button>" in html
    saved = post(client, "/wiki/network-weaving/edit",
                 {"body": "One\nTwo\n", "base_revision_id": page.current_revision_id,
                  "action": "save"}, token_from="/wiki/network-weaving/edit", follow_redirects=True)
    assert "Published." in saved.get_data(as_text=True)
    reviewer = app.test_client()
    login(reviewer, librarian)
    queue = reviewer.get("/review/patrol").get_data(as_text=True)
    assert "Network weaving" in queue and "Mark patrolled" in queue
    profile = client.get("/users/connie").get_data(as_text=True)
    assert "Trusted in" in profile and "Practical methods" in profile
    assert "Grant trust" not in profile, "only librarians see the trust controls"
    assert "Revoke trust" in reviewer.get("/users/connie").get_data(as_text=True)
