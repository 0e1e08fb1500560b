"""Review decisions beyond approve and reject: request changes, approve with edits, canned
reasons, and a proposal's discussion, as services and through the views."""

import pytest
from sqlalchemy import select

from handbook.models import AuditEntry
from handbook.models import Notification
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.services import discussion
from handbook.services import moderation
from handbook.services import pages
from handbook.services import reading
from handbook.services import reasons
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NoChange
from handbook.permissions import Forbidden

from conftest import RENDER
from conftest import login
from conftest import post


def propose(session, author, page, body):
    revision = pages.save_edit(session, author, page, body=body,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    return revision


def kinds_told(session, user):
    return [entry.kind for entry in session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_request_changes_then_the_author_amends_and_it_returns_to_the_queue(
        session, make_page, contributor, librarian):
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    with pytest.raises(InvalidInput):
        moderation.request_changes(session, librarian, proposal.id, "  ", renderer=RENDER)
    session.rollback()
    moderation.request_changes(session, librarian, proposal.id, "Please add a **source**.",
                               renderer=RENDER)
    session.commit()
    assert proposal.status is RevisionStatus.changes_requested
    assert reading.review_queue(session).items == []
    assert kinds_told(session, contributor) == ["changes_requested"]
    with pytest.raises(InvalidTransition):
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.rollback()
    amended = moderation.amend(session, contributor, proposal.id, body="One\nTwo (Smith 2020)\n",
                               base_revision_id=proposal.base_revision_id, renderer=RENDER).revision
    session.commit()
    assert [item.revision.id for item in reading.review_queue(session).items] == [amended.id]
    [note] = discussion.notes(session, amended)
    assert "<strong>source</strong>" in note.html
    moderation.approve(session, librarian, amended.id, renderer=RENDER)
    session.commit()
    assert page.current_revision.body == "One\nTwo (Smith 2020)\n"


def test_approve_with_edits_credits_the_author_and_the_editing_librarian(
        app, client, session, make_page, contributor, librarian):
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo with a typo teh\n")
    with pytest.raises(NoChange):
        moderation.approve_with_edits(session, librarian, proposal.id, body=proposal.body,
                                      base_revision_id=page.current_revision_id, renderer=RENDER)
    session.rollback()
    login(client, librarian)
    path = f"/review/{proposal.id}/edit"
    shown = post(client, path, {"body": "One\nTwo with a typo fixed\n",
                                "base_revision_id": page.current_revision_id, "publish": "0"},
                 token_from=path).get_data(as_text=True)
    assert "Your edits compared with the text the author sent" in shown and "Publish with my edits" in shown
    done = post(client, path, {"body": "One\nTwo with a typo fixed\n",
                               "base_revision_id": page.current_revision_id, "publish": "1"},
                token_from=path)
    assert done.status_code == 302, done.get_data(as_text=True)
    session.rollback()
    published = session.get(Revision, proposal.id, populate_existing=True)
    assert published.status is RevisionStatus.merged
    live = session.get(Revision, published.merged_into_id)
    assert live.body == "One\nTwo with a typo fixed\n"
    assert live.author_id == contributor.id and live.edited_by_id == librarian.id
    history = app.test_client().get("/wiki/network-weaving/history").get_data(as_text=True)
    assert 'edited by <a href="/users/libby">libby</a> before publishing' in history
    assert kinds_told(session, contributor) == ["proposal_published"]
    assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "approve with edits"


def test_approve_with_edits_refuses_a_page_that_moved_meanwhile(session, make_page, contributor,
                                                                librarian):
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    seen = page.current_revision_id
    pages.save_edit(session, librarian, page, body="Zero\nOne\n", base_revision_id=seen, renderer=RENDER)
    session.commit()
    with pytest.raises(EditConflict):
        moderation.approve_with_edits(session, librarian, proposal.id, body="One\nTwo!\n",
                                      base_revision_id=seen, renderer=RENDER)


def test_rejection_takes_a_canned_reason_words_or_both(app, client, session, make_page, contributor,
                                                       librarian, admin):
    page = make_page("Network weaving", "One\n")
    reason = reasons.add(session, admin, "It is outside what this handbook covers.")
    session.commit()
    first, second = propose(session, contributor, page, "A\n"), propose(session, contributor, page, "B\n")
    login(client, librarian)
    path = f"/review/{first.id}"
    assert "It is outside what this handbook covers." in client.get(path).get_data(as_text=True)
    empty = post(client, f"{path}/reject", {"reason_id": "0", "reason": ""}, token_from=path)
    assert empty.status_code == 400 and "choose one, write one" in empty.get_data(as_text=True)
    post(client, f"{path}/reject", {"reason_id": str(reason.id), "reason": "Try the blog."},
         token_from=path)
    moderation.reject(session, librarian, second.id, "", reason_id=reason.id)
    session.commit()
    session.rollback()
    assert session.get(Revision, first.id, populate_existing=True).reason == "It is outside what this handbook covers. Try the blog."
    assert session.get(Revision, second.id, populate_existing=True).reason == "It is outside what this handbook covers."
    third = propose(session, contributor, page, "C\n")
    forged = post(client, f"/review/{third.id}/reject", {"reason_id": "999999", "reason": "x"},
                  token_from=path)
    assert forged.status_code == 400 and "Choose a reason from the list." in forged.get_data(as_text=True)


def test_admins_keep_the_reasons_and_every_change_is_audited(app, client, session, admin, librarian):
    login(client, admin)
    post(client, "/admin/reasons", {"text": "Needs a source."}, token_from="/admin/reasons")
    [reason] = [entry for entry in reasons.all_reasons(session) if entry.text == "Needs a source."]
    post(client, f"/admin/reasons/{reason.id}", {"text": "Needs a source readers can check."},
         token_from="/admin/reasons")
    empty = post(client, "/admin/reasons", {"text": "  "}, token_from="/admin/reasons")
    assert empty.status_code == 400 and "Write the reason." in empty.get_data(as_text=True)
    reason_id = reason.id
    post(client, f"/admin/reasons/{reason_id}", {"text": "x", "remove": "1"}, token_from="/admin/reasons")
    session.rollback()
    assert reason_id not in [entry.id for entry in reasons.all_reasons(session)]
    details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "reason")).all()
    assert details == ["added: Needs a source.",
                       "changed: Needs a source. → Needs a source readers can check.",
                       "removed: Needs a source readers can check."]
    with pytest.raises(Forbidden):
        reasons.add(session, librarian, "Mine")


def test_the_discussion_is_for_the_author_and_librarians_only(app, client, session, make_page,
                                                              make_user, contributor, librarian):
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    outsider = make_user(Role.contributor, "otto")
    author = app.test_client()
    login(author, contributor)
    amend = f"/me/proposals/{proposal.id}/amend"
    post(author, f"/proposals/{proposal.id}/notes",
         {"body": "Is a source needed here? <script>alert(1)</script>"}, token_from=amend)
    login(client, librarian)
    post(client, f"/proposals/{proposal.id}/notes", {"body": "Yes, *please*."},
         token_from=f"/review/{proposal.id}")
    thread = author.get(amend).get_data(as_text=True)
    assert "Is a source needed here?" in thread and "<em>please</em>" in thread
    assert "<script>alert(1)</script>" not in thread
    assert kinds_told(session, librarian).count("proposal_note") == 1
    assert kinds_told(session, contributor) == ["proposal_note"]
    stranger = app.test_client()
    login(stranger, outsider)
    refused = post(stranger, f"/proposals/{proposal.id}/notes", {"body": "Me too"},
                   token_from="/me/proposals")
    assert refused.status_code == 404
    empty = post(author, f"/proposals/{proposal.id}/notes", {"body": "   "}, token_from=amend)
    assert empty.status_code == 400 and "Write something first." in empty.get_data(as_text=True)
    for path in ("/wiki/network-weaving", "/wiki/network-weaving/history", "/recent", "/recent.atom"):
        assert "source needed" not in app.test_client().get(path).get_data(as_text=True)


def test_two_librarians_deciding_at_once_get_one_outcome(session, make_page, contributor, make_user,
                                                         librarian):
    other = make_user(Role.librarian, "lena")
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    moderation.request_changes(session, librarian, proposal.id, "Shorter, please.", renderer=RENDER)
    session.commit()
    for decide in (
            lambda: moderation.approve(session, other, proposal.id, renderer=RENDER),
            lambda: moderation.request_changes(session, other, proposal.id, "x", renderer=RENDER),
            lambda: moderation.approve_with_edits(session, other, proposal.id, body="Z\n",
                                                  base_revision_id=page.current_revision_id,
                                                  renderer=RENDER)):
        with pytest.raises(InvalidTransition):
            decide()
        session.rollback()
