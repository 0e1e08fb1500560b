"""Redaction: a hidden revision's text and summary reach no reader on any channel."""

import pytest
from sqlalchemy import select

from handbook import content_io
from handbook.models import AuditEntry
from handbook.permissions import Forbidden
from handbook.services import pages
from handbook.services import redaction
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange

from conftest import RENDER
from conftest import login
from conftest import post

SECRET = "Ring Mrs Example on her mobile"


@pytest.fixture
def slipped(app, session, make_page, librarian):
    """A page whose current text carries a slip of personal details, with a telling summary."""
    page = make_page("Network weaving", "Weaving connects people.\n")
    first = page.current_revision
    bad = pages.save_edit(session, librarian, page, body=f"Weaving connects people.\n\n{SECRET}.\n",
                          summary="Added Mrs Example's details", base_revision_id=first.id,
                          renderer=RENDER).revision
    session.commit()
    return page, first, bad


def hide(session, librarian, revision, text=True, summary=True):
    shown = redaction.hide(session, librarian, revision, text=text, summary=summary,
                           reason="Personal details")
    session.commit()
    return shown


def test_hiding_the_current_text_moves_the_page_to_the_newest_visible_revision(
        session, slipped, librarian):
    page, first, bad = slipped
    assert hide(session, librarian, bad).id == first.id
    session.refresh(page)
    assert page.current_revision_id == first.id and bad.text_hidden and bad.summary_hidden
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "redact"))
    assert "text and summary hidden: Personal details" in entry.detail
    assert f"now shows revision {first.id}" in entry.detail


def test_a_reason_is_required_and_the_only_visible_version_cannot_be_hidden(
        session, make_page, librarian, contributor):
    page = make_page("Lonely page", "Only text\n")
    with pytest.raises(InvalidInput, match="Say why"):
        redaction.hide(session, librarian, page.current_revision, text=True, summary=False,
                       reason="  ")
    with pytest.raises(InvalidInput, match="only visible version"):
        redaction.hide(session, librarian, page.current_revision, text=True, summary=False,
                       reason="Private")
    with pytest.raises(Forbidden):
        redaction.hide(session, contributor, page.current_revision, text=False, summary=True,
                       reason="Private")


def test_only_admins_show_a_hidden_revision_again(session, slipped, librarian, admin):
    page, first, bad = slipped
    hide(session, librarian, bad, summary=False)
    with pytest.raises(NoChange):
        redaction.hide(session, librarian, bad, text=True, summary=False, reason="Again")
    session.rollback()
    with pytest.raises(Forbidden):
        redaction.unhide(session, librarian, bad)
    redaction.unhide(session, admin, bad)
    session.commit()
    assert not bad.is_redacted
    session.refresh(page)
    assert page.current_revision_id == first.id, "showing it again does not make it current"
    with pytest.raises(NoChange):
        redaction.unhide(session, admin, bad)


def test_a_hidden_revision_cannot_be_restored_by_a_revert(session, slipped, librarian):
    page, first, bad = slipped
    hide(session, librarian, bad)
    with pytest.raises(InvalidInput, match="hidden"):
        pages.revert(session, librarian, page, bad.id, renderer=RENDER)


def test_hidden_text_reaches_no_reader_on_any_channel(app, client, session, slipped, librarian,
                                                      tmp_path):
    page, first, bad = slipped
    assert "Mrs Example" in client.get("/api/v1/search?q=Example").get_data(as_text=True) or (
        "Network weaving" in client.get("/search?q=Example").get_data(as_text=True))
    hide(session, librarian, bad)
    slug = page.slug
    for path in (f"/wiki/{slug}", f"/wiki/{slug}/history", "/recent", "/recent.atom",
                 f"/wiki/{slug}/diff", f"/wiki/{slug}/diff?to={first.id}",
                 f"/users/{librarian.name}", "/search?q=Example", "/api/v1/search?q=Example"):
        text = client.get(path).get_data(as_text=True)
        assert "Mrs Example" not in text, path
    assert client.get(f"/wiki/{slug}/revisions/{bad.id}").status_code == 404
    assert client.get(f"/wiki/{slug}/diff?from={first.id}&to={bad.id}").status_code == 404
    history = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "text hidden by a librarian" in history and "summary hidden by a librarian" in history
    content_io.export_dir(session, tmp_path / "export")
    exported = "".join(path.read_text() for path in (tmp_path / "export").rglob("*.md"))
    assert "Weaving connects people." in exported and "Mrs Example" not in exported


def test_the_author_of_a_hidden_revision_no_longer_sees_it(app, client, session, make_page,
                                                           contributor, librarian):
    page = make_page("Network weaving", "Weaving connects people.\n")
    from handbook.services import moderation

    proposal = pages.save_edit(session, contributor, page, body=f"Weaving.\n{SECRET}\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.commit()
    hide(session, librarian, proposal, summary=False)
    login(client, contributor)
    assert client.get(f"/wiki/network-weaving/revisions/{proposal.id}").status_code == 404


def test_librarians_see_hidden_text_marked_and_hide_through_the_history(
        app, client, session, slipped, librarian):
    page, first, bad = slipped
    login(client, librarian)
    history = client.get("/wiki/network-weaving/history").get_data(as_text=True)
    hide_path = f"/wiki/network-weaving/revisions/{bad.id}/hide"
    assert hide_path in history
    refused = post(client, hide_path, {"hide_text": "y", "reason": ""}, token_from=hide_path)
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    done = post(client, hide_path, {"hide_text": "y", "hide_summary": "y",
                                    "reason": "Personal details"},
                token_from=hide_path, follow_redirects=True)
    assert "The page now shows revision 1." in done.get_data(as_text=True)
    shown = client.get(f"/wiki/network-weaving/revisions/{bad.id}").get_data(as_text=True)
    assert "Mrs Example" in shown and "hidden from readers" in shown
    assert "Personal details" in client.get("/wiki/network-weaving/history").get_data(as_text=True)


def test_hiding_a_summary_drops_it_from_watchers_notices(session, make_page, librarian,
                                                         make_user):
    from handbook.models import Notification
    from handbook.services import watching

    page = make_page("Network weaving", "Weaving.\n")
    watcher = make_user(name="wanda")
    watching.watch(session, watcher, page=page)
    session.commit()
    edit = pages.save_edit(session, librarian, page, body="Weaving more.\n",
                           summary="Mrs Example asked for this",
                           base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    notice = session.scalar(select(Notification).where(Notification.user_id == watcher.id))
    assert "Mrs Example" in notice.body
    hide(session, librarian, edit, text=False, summary=True)
    session.refresh(notice)
    assert "Mrs Example" not in notice.body and "summary was hidden" in notice.body
