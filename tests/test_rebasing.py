"""Eager rebase: a page's pending proposals follow its published text as it moves."""

from sqlalchemy import select

from handbook import changes
from handbook.models import Notification
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.services import moderation
from handbook.services import pages
from handbook.services import reading
from handbook.services import rebasing

from conftest import RENDER
from conftest import login
from conftest import post

BASE = "One\nTwo\nThree\nFour\n"


def propose(session, author, page, body, base=None):
    revision = pages.save_edit(session, author, page, body=body,
                               base_revision_id=base or page.current_revision_id,
                               renderer=RENDER).revision
    session.commit()
    return revision


def fresh(session, revision_id):
    session.rollback()
    return session.get(Revision, revision_id, populate_existing=True)


def test_a_publish_rebases_clean_proposals_and_sends_conflicting_ones_to_their_authors(
        session, make_page, make_user, contributor, librarian):
    other = make_user(name="otto")
    page = make_page(body=BASE)
    clean = propose(session, contributor, page, BASE.replace("Four", "FOUR"))
    clashing = propose(session, other, page, BASE.replace("One", "Mine"))
    pages.save_edit(session, librarian, page, body=BASE.replace("One", "ONE"),
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()  # the rebase runs after this commit
    current = page.current_revision_id
    assert fresh(session, clean.id).status is RevisionStatus.superseded
    [rebased] = [item.revision for item in reading.review_queue(session).items]
    assert rebased.rebased_from_id == clean.id and rebased.base_revision_id == current
    assert rebased.body == "ONE\nTwo\nThree\nFOUR\n" and rebased.author_id == contributor.id
    assert rebased.created_at == fresh(session, clean.id).created_at  # its place in the queue
    assert "FOUR" in rebased.html
    waiting = fresh(session, clashing.id)
    assert waiting.status is RevisionStatus.needs_author and waiting.body == BASE.replace("One", "Mine")
    [told] = session.scalars(select(Notification).where(Notification.user_id == other.id,
                                                        Notification.kind == "needs_author")).all()
    assert told.path == f"/me/proposals/{clashing.id}/amend"
    assert rebasing.rebase_page(session, RENDER, page.id) == (0, 0)  # idempotent
    published = moderation.approve(session, librarian, rebased.id, renderer=RENDER)
    session.commit()
    assert published.id == rebased.id and page.current_revision.body == "ONE\nTwo\nThree\nFOUR\n"


def test_the_author_resolves_a_conflict_and_it_returns_to_the_queue(
        app, client, session, make_page, contributor, librarian):
    page = make_page("Network weaving", BASE)
    proposal = propose(session, contributor, page, BASE.replace("Two", "Mine"))
    pages.save_edit(session, librarian, page, body=BASE.replace("Two", "Theirs"),
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert reading.review_queue(session).items == []
    login(client, contributor)
    mine = client.get("/me/proposals").get_data(as_text=True)
    assert "needs you: conflict" in mine
    assert client.get("/wiki/network-weaving/edit").location.endswith(f"/me/proposals/{proposal.id}/amend")
    amend = f"/me/proposals/{proposal.id}/amend"
    form = client.get(amend).get_data(as_text=True)
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt; your text" in form
    post(client, amend, {"body": "One\nTheirs and mine\nThree\nFour\n",
                         "base_revision_id": str(page.current_revision_id)}, token_from=amend)
    session.rollback()
    [back] = [item.revision for item in reading.review_queue(session).items]
    assert back.body == "One\nTheirs and mine\nThree\nFour\n" and back.thread_id == proposal.id


def test_reverts_rebase_too_and_the_old_review_address_leads_to_the_new_proposal(
        app, client, session, make_page, contributor, librarian):
    page = make_page("Network weaving", BASE)
    first = page.current_revision_id
    pages.save_edit(session, librarian, page, body=BASE + "Five\n", base_revision_id=first,
                    renderer=RENDER)
    session.commit()
    proposal = propose(session, contributor, page, "Zero\n" + BASE + "Five\n")
    pages.revert(session, librarian, page, first, renderer=RENDER)
    session.commit()
    session.rollback()
    [rebased] = [item.revision for item in reading.review_queue(session).items]
    assert rebased.rebased_from_id == proposal.id and rebased.body == "Zero\n" + BASE
    login(client, librarian)
    old = client.get(f"/review/{proposal.id}").get_data(as_text=True)
    assert f"proposal #{rebased.id}" in old
    approved = post(client, f"/review/{proposal.id}/approve", token_from=f"/review/{proposal.id}")
    assert approved.location.endswith(f"/review/{rebased.id}")
    shown = client.get(f"/review/{rebased.id}").get_data(as_text=True)
    assert "Rebased onto revision 3, the current text" in shown  # first, an edit, the revert
    assert f"/wiki/network-weaving/revisions/{proposal.id}" in shown


def test_a_rebase_owed_is_kept_until_done(session, make_page, contributor, librarian, monkeypatch, app):
    page = make_page(body=BASE)
    proposal = propose(session, contributor, page, BASE.replace("Four", "FOUR"))
    monkeypatch.setattr(rebasing, "pay", lambda runtime: None)
    pages.save_edit(session, librarian, page, body=BASE.replace("One", "ONE"),
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert fresh(session, proposal.id).status is RevisionStatus.pending
    monkeypatch.undo()
    changes.drain(app.extensions["handbook_runtime"])
    assert fresh(session, proposal.id).status is RevisionStatus.superseded
