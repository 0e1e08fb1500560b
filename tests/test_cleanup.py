"""Undo everything one account did: one action, one audit entry, nothing of others' lost."""

import pytest
from sqlalchemy import select

from handbook.models import AuditEntry
from handbook.models import RevisionStatus
from handbook.permissions import Forbidden
from handbook.services import cleanup
from handbook.services import pages
from handbook.services import trust
from handbook.services.errors import InvalidTransition

from conftest import RENDER
from conftest import login
from conftest import post


@pytest.fixture
def spammer(make_user):
    return make_user(name="spammy")


def edit(session, author, page, body):
    outcome = pages.save_edit(session, author, page, body=body,
                              base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    return outcome.revision


@pytest.fixture
def spree(session, make_page, librarian, spammer, section):
    """A trusted spammer's five published edits on four pages (one page theirs alone, one edited
    since by someone else) and three pending proposals on two-approval pages."""
    trust.set_grant(session, librarian, spammer, section, True)
    session.commit()
    clean = [make_page(f"Page {number}", f"Good text {number}\n") for number in range(3)]
    for page in clean:
        edit(session, spammer, page, "Buy cheap pills\n")
    edit(session, spammer, clean[0], "Buy cheap pills now\n")
    own = pages.create_page(session, spammer, section_id=section.id, title="Pills",
                            body="Pills for sale\n", renderer=RENDER).revision.page
    session.commit()
    later = make_page("Edited since", "Fine\n")
    edit(session, spammer, later, "Fine\nSpam line\n")
    edit(session, librarian, later, "Fine\nSpam line\nA good addition\n")
    from handbook.services import protection

    guarded = make_page("Guarded", "Careful\n")
    protection.set_page_protection(session, librarian, guarded, "two_approvals")
    session.commit()
    proposals = [edit(session, spammer, guarded, f"Spam {number}\n") for number in range(3)]
    return clean, own, later, proposals


def test_the_plan_lists_everything_before_anything_is_done(session, librarian, spammer, spree):
    clean, own, later, proposals = spree
    found = cleanup.plan(session, librarian, spammer)
    assert [revision.id for revision in found.proposals] == [p.id for p in proposals]
    assert {item.page.title: (item.to.body if item.to else None) for item in found.reverts} == {
        "Page 0": "Good text 0\n", "Page 1": "Good text 1\n", "Page 2": "Good text 2\n",
        "Pills": None}
    assert [(page.title, why) for page, why in found.stuck] == [
        ("Edited since", "edited since by libby")]


def test_undo_all_reverts_withdraws_blocks_and_writes_one_audit_entry(
        session, librarian, spammer, spree):
    clean, own, later, proposals = spree
    digest = cleanup.plan(session, librarian, spammer).digest
    before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    cleanup.undo_all(session, librarian, spammer, digest=digest, block=True)
    session.commit()
    session.expire_all()
    assert [page.current_revision.body for page in clean] == [
        "Good text 0\n", "Good text 1\n", "Good text 2\n"]
    assert not own.is_published
    assert later.current_revision.body == "Fine\nSpam line\nA good addition\n"
    assert {proposal.status for proposal in proposals} == {RevisionStatus.withdrawn}
    assert spammer.blocked
    entries = session.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert [entry.action for entry in entries] == ["undo all"]
    assert "withdrew 3 proposal(s)" in entries[0].detail
    assert "removed Pills (only they wrote it)" in entries[0].detail
    assert "left Edited since: edited since by libby" in entries[0].detail
    assert cleanup.plan(session, librarian, spammer).empty


def test_undo_all_refuses_when_things_changed_since_the_plan_was_shown(
        session, librarian, spammer, spree):
    clean, *_ = spree
    digest = cleanup.plan(session, librarian, spammer).digest
    edit(session, librarian, clean[1], "Fixed by hand\n")
    with pytest.raises(InvalidTransition):
        cleanup.undo_all(session, librarian, spammer, digest=digest)


def test_only_librarians_of_every_section_undo_and_never_a_librarian(
        session, librarian, spammer, contributor, make_user):
    from handbook.models import Role

    with pytest.raises(Forbidden):
        cleanup.plan(session, contributor, spammer)
    with pytest.raises(Forbidden):
        cleanup.plan(session, librarian, make_user(Role.librarian))


def test_the_confirmation_page_then_one_action_through_the_browser_forms(
        app, client, session, librarian, spammer, spree):
    login(client, librarian)
    assert "/users/spammy/undo" in client.get("/users/spammy").get_data(as_text=True)
    shown = client.get("/users/spammy/undo").get_data(as_text=True)
    assert "Proposals to withdraw (3)" in shown and "Pages to revert (4)" in shown
    assert "Edited since" in shown
    digest = cleanup.plan(session, librarian, spammer).digest
    forged = post(client, "/users/spammy/undo", {"digest": "0" * 16}, token_from="/users/spammy/undo")
    assert forged.status_code == 400 and "Something changed" in forged.get_data(as_text=True)
    done = post(client, "/users/spammy/undo", {"digest": digest, "block": "y"},
                token_from="/users/spammy/undo", follow_redirects=True)
    assert ("3 proposal(s) withdrawn, 4 page(s) reverted or removed, 0 comment(s) rejected or"
            " hidden, account blocked.") in (
        done.get_data(as_text=True))


def test_undo_all_rejects_waiting_comments_and_hides_published_ones(
        session, make_page, librarian, spammer):
    from handbook.models import CommentState
    from handbook.services import comments

    page = make_page("Network weaving", "Weaving.\n")
    waiting = comments.post(session, spammer, page, "Buy pills", renderer=RENDER)
    session.commit()
    comments.decide(session, librarian, waiting, "approve")
    session.commit()
    held = comments.post(session, spammer, page, "Buy more pills", renderer=RENDER)
    session.commit()
    found = cleanup.plan(session, librarian, spammer)
    assert {comment.id for comment in found.comments} == {waiting.id, held.id}
    cleanup.undo_all(session, librarian, spammer, digest=found.digest)
    session.commit()
    assert (waiting.state, held.state) == (CommentState.hidden, CommentState.rejected)
    assert comments.published_count(session, page.id) == 0
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "undo all"))
    assert "rejected or hid 2 comment(s)" in entry.detail
