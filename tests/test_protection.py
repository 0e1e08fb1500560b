"""Protection levels: open, librarians only, two approvals; per section, per page, audited."""

import pytest
from sqlalchemy import select

from handbook import content_io
from handbook import paths
from handbook.models import AuditEntry
from handbook.models import Page
from handbook.models import Protection
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import moderation
from handbook.services import pages
from handbook.services import protection
from handbook.services.errors import InvalidInput

from conftest import RENDER
from conftest import login
from conftest import post


def propose(session, author, page, body):
    revision = pages.save_edit(session, author, page, body=body,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    return revision


def test_a_librarians_only_page_refuses_proposals_and_says_why(app, client, session, make_page,
                                                              contributor, librarian):
    page = make_page("Network weaving", "One\n")
    protection.set_page_protection(session, librarian, page, "librarians")
    session.commit()
    with pytest.raises(Forbidden):
        pages.save_edit(session, contributor, page, body="Two\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
    session.rollback()
    login(client, contributor)
    assert "Only librarians edit this page" in client.get("/wiki/network-weaving").get_data(as_text=True)
    refused = client.get("/wiki/network-weaving/edit")
    assert refused.status_code == 403 and "Only librarians change" in refused.get_data(as_text=True)
    assert propose(session, librarian, page, "Two\n").status is RevisionStatus.published


def test_pages_take_their_sections_level_unless_they_set_their_own(app, client, session, make_page,
                                                                   contributor, librarian, section):
    page = make_page("Network weaving", "One\n")
    login(client, librarian)
    saved = post(client, "/manage/sections/practical-methods/protection",
                 {"protection": "librarians"}, token_from="/manage/sections/practical-methods/edit",
                 follow_redirects=True)
    assert "Protection saved." in saved.get_data(as_text=True), saved.get_data(as_text=True)[-3000:]
    session.rollback()
    session.expire_all()
    assert page.effective_protection is Protection.librarians
    new_page = app.test_client()
    login(new_page, contributor)
    assert "Practical methods" not in new_page.get("/new").get_data(as_text=True)
    post(client, "/wiki/network-weaving/protection", {"protection": "open"},
         token_from="/wiki/network-weaving/rename")
    session.rollback()
    session.expire_all()
    assert page.protection is Protection.open and propose(
        session, contributor, page, "Two\n").status is RevisionStatus.pending
    bad = post(client, "/wiki/network-weaving/protection", {"protection": "everyone"},
               token_from="/wiki/network-weaving/rename", follow_redirects=True)
    assert "Choose one of the offered protection levels." in bad.get_data(as_text=True)
    post(client, "/wiki/network-weaving/protection", {"protection": "section"},
         token_from="/wiki/network-weaving/rename")
    session.rollback()
    details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "protect")
                              .order_by(AuditEntry.id)).all()
    assert details == ["section Practical methods: open → librarians", "section → open",
                       "open → section"]


def test_a_two_approvals_page_needs_two_different_librarians(session, make_page, make_user,
                                                             contributor, librarian):
    second = make_user(Role.librarian, "lena")
    page = make_page("Network weaving", "One\n")
    protection.set_page_protection(session, librarian, page, "two_approvals")
    session.commit()
    proposal = propose(session, contributor, page, "One\nTwo\n")
    with pytest.raises(InvalidInput, match="approve the proposal first"):
        moderation.approve_with_edits(session, librarian, proposal.id, body="One\nTwo!\n",
                                      base_revision_id=page.current_revision_id, renderer=RENDER)
    session.rollback()
    assert moderation.approve(session, librarian, proposal.id, renderer=RENDER) is None
    session.commit()
    assert proposal.status is RevisionStatus.pending
    with pytest.raises(InvalidInput, match="approved this already"):
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.rollback()
    published = moderation.approve(session, second, proposal.id, renderer=RENDER)
    session.commit()
    assert published.id == proposal.id and page.current_revision.body == "One\nTwo\n"
    # a librarian's own edit there is the first approval, and waits for another librarian
    own = propose(session, librarian, page, "One\nTwo\nThree\n")
    assert own.status is RevisionStatus.pending
    assert [approval.librarian_id for approval in protection.approvals(session, own)] == [librarian.id]
    assert moderation.approve(session, second, own.id, renderer=RENDER).id == own.id


def test_the_seed_handbook_keeps_its_policy_pages_for_librarians(session, tmp_path):
    content_io.import_dir(session, paths.content_dir(), RENDER)
    session.commit()
    policy = session.scalar(select(Page).where(Page.slug == "style-guide"))
    assert policy.effective_protection is Protection.librarians
    assert session.scalar(select(Page).where(Page.slug == "network-weaving")) is None or \
        session.scalar(select(Page).where(Page.slug == "network-weaving")).effective_protection \
        is Protection.open
    content_io.export_dir(session, tmp_path / "out")
    assert "protection: librarians" in (tmp_path / "out" / "06-how-this-handbook-works" /
                                        "_section.md").read_text()


def test_an_unknown_protection_in_a_file_is_refused(session, tmp_path):
    folder = tmp_path / "content" / "01-methods"
    folder.mkdir(parents=True)
    (folder / "_section.md").write_text("---\ntitle: Methods\nprotection: nobody\n---\n")
    with pytest.raises(content_io.ContentError, match="protection must be one of"):
        content_io.import_dir(session, tmp_path / "content", RENDER)
    session.rollback()
