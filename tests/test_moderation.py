"""The review workflow as services: approve, merge, conflict, reject, withdraw, amend."""

import pytest

from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import moderation
from handbook.services import workflow
from handbook.services import pages
from handbook.services import reading
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NotFound

from conftest import RENDER

BASE = "One\nTwo\nThree\nFour\n"


def propose(session, user, page, body, summary="proposal"):
    outcome = pages.save_edit(session, user, page, body=body, summary=summary,
                              base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    return outcome.revision


def test_approve_publishes_the_proposal(session, make_page, contributor, librarian):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "Five\n")
    published = moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.commit()
    assert published.id == proposal.id
    assert page.current_revision_id == proposal.id
    assert proposal.status is RevisionStatus.published and proposal.reviewer_id == librarian.id


@pytest.fixture
def no_rebase(monkeypatch):
    """Pending proposals are not rebased after commits (as when the rebase is still owed)."""
    from handbook.services import rebasing

    monkeypatch.setattr(rebasing, "pay", lambda runtime: None)


def test_stale_proposal_is_merged_on_approval(session, make_page, contributor, librarian, no_rebase):
    """A proposal whose base moved on, and that the eager rebase has not reached yet, is
    merged onto the current text as a new revision when approved."""
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE.replace("Four", "FOUR"))
    propose(session, librarian, page, BASE.replace("One", "ONE"))
    published = moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.commit()
    assert published.body == "ONE\nTwo\nThree\nFOUR\n"
    assert published.author_id == contributor.id
    session.refresh(proposal)
    assert proposal.status is RevisionStatus.merged and proposal.merged_into_id == published.id


def test_conflicting_proposal_publishes_nothing(session, make_page, contributor, librarian, no_rebase):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE.replace("Two", "Mine"))
    propose(session, librarian, page, BASE.replace("Two", "Theirs"))
    current = page.current_revision_id
    with pytest.raises(EditConflict):
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.rollback()
    assert page.current_revision_id == current
    session.refresh(proposal)
    assert proposal.status is RevisionStatus.pending


def test_reject_needs_a_reason_and_records_it(session, make_page, contributor, librarian):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "spam\n")
    with pytest.raises(InvalidInput, match="reason"):
        moderation.reject(session, librarian, proposal.id, "   ")
    moderation.reject(session, librarian, proposal.id, "Off-topic advertising.")
    session.commit()
    mine = reading.my_proposals(session, contributor)
    assert [(p.status, p.reason) for p in mine] == [(RevisionStatus.rejected, "Off-topic advertising.")]


def test_a_decided_proposal_cannot_be_decided_again(session, make_page, contributor, librarian):
    """Two librarians deciding the same proposal: the second gets InvalidTransition."""
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "x\n")
    moderation.reject(session, librarian, proposal.id, "No.")
    session.commit()
    with pytest.raises(InvalidTransition):
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)


def test_withdraw_and_amend_are_for_the_author_only(session, make_page, contributor, make_user):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "x\n")
    stranger = make_user(Role.contributor)
    with pytest.raises(NotFound):
        moderation.withdraw(session, stranger, proposal.id)
    with pytest.raises(NotFound):
        moderation.amend(session, stranger, proposal.id, body="hijack", renderer=RENDER,
                         base_revision_id=proposal.base_revision_id)
    moderation.withdraw(session, contributor, proposal.id)
    session.commit()
    session.refresh(proposal)
    assert proposal.status is RevisionStatus.withdrawn


def test_amend_supersedes_the_old_proposal(session, make_page, contributor):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "draft\n")
    outcome = moderation.amend(session, contributor, proposal.id, body=BASE + "better\n",
                               summary="second go", renderer=RENDER,
                               base_revision_id=proposal.base_revision_id)
    session.commit()
    session.refresh(proposal)
    assert proposal.status is RevisionStatus.superseded
    assert outcome.revision.status is RevisionStatus.pending
    assert outcome.revision.base_revision_id == proposal.base_revision_id


def test_new_page_proposal_is_invisible_until_approved(session, contributor, librarian, section):
    outcome = pages.create_page(session, contributor, section_id=section.id, title="Huddles",
                                body="Short daily meetings.", renderer=RENDER)
    session.commit()
    page = outcome.revision.page
    assert not page.is_published
    with pytest.raises(NotFound):
        reading.page_view(session, "huddles")
    assert all(p.slug != "huddles" for _, ps in reading.contents(session) for p in ps)
    moderation.approve(session, librarian, outcome.revision.id, renderer=RENDER)
    session.commit()
    assert reading.page_view(session, "huddles").revision.body == "Short daily meetings.\n"


def test_contributors_cannot_review(session, make_page, contributor, make_user):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE + "x\n")
    other = make_user(Role.contributor)
    with pytest.raises(Forbidden):
        moderation.approve(session, other, proposal.id, renderer=RENDER)
    with pytest.raises(Forbidden):
        moderation.reject(session, other, proposal.id, "no")


def test_review_queue_is_oldest_first_with_sizes(session, make_page, contributor, make_user):
    page = make_page(body=BASE)
    first = propose(session, contributor, page, BASE + "a\nb\n")
    second = propose(session, make_user(Role.contributor), page, "One\n")
    items = reading.review_queue(session).items
    assert [item.revision.id for item in items] == [first.id, second.id]
    assert (items[0].added, items[0].removed) == (2, 0)
    assert (items[1].added, items[1].removed) == (0, 3)


def test_transitions_leave_only_open_states_and_only_pending_is_published():
    assert {source for source, _ in workflow.TRANSITIONS} == set(workflow.OPEN) | {
        RevisionStatus.rejected}
    assert set(workflow.OPEN) == {
        RevisionStatus.pending, RevisionStatus.changes_requested, RevisionStatus.needs_author}
    assert [action for (source, action) in workflow.TRANSITIONS
            if source is RevisionStatus.rejected] == ["second_look"]
    publishing = {source for (source, _), target in workflow.TRANSITIONS.items()
                  if target in (RevisionStatus.published, RevisionStatus.merged)}
    assert publishing == {RevisionStatus.pending}
