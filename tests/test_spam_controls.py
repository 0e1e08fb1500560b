"""Spam controls on open registration, and the confidentiality guard on every proposal."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlalchemy import select

from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import login
from conftest import post
from handbook import db
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import User
from handbook.services import pages

#: a valid NHS number (modulus 11) and a UK mobile number from the range kept for drama
FLAGGED_TEXT = "Network weaving connects people.\n\nPatient 943 476 5919 can be rung on 07700 900123.\n"


@pytest.fixture
def strict_app(database_url, tmp_path):
    """An app with registration timing and the proposal limit switched on."""
    app = build_app(database_url, tmp_path / "strict", REGISTER_MIN_SECONDS=3,
                    PROPOSE_LIMITS="2 per hour")
    yield app
    app.extensions["handbook_engine"].dispose()


def accounts_named(app, name):
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        return session.scalar(select(func.count()).select_from(User).where(User.name == name))


def test_a_registration_sent_back_inhumanly_fast_comes_back_with_its_text(strict_app):
    client = strict_app.test_client()
    response = post(client, "/register", {"name": "quickbot", "email": "bot@example.org",
                                          "password": PASSWORD}, token_from="/register")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "quicker than a person" in html
    assert 'value="quickbot"' in html and accounts_named(strict_app, "quickbot") == 0


def test_a_filled_trap_field_answers_as_usual_and_makes_no_account(app, client):
    response = post(client, "/register", {"name": "trapped", "email": "trap@example.org",
                                          "password": PASSWORD, "website": "http://spam.example"},
                    token_from="/register", follow_redirects=True)
    assert "Thank you." in response.get_data(as_text=True)
    assert accounts_named(app, "trapped") == 0


def test_proposals_are_rate_limited_with_a_clear_429_saying_when_to_retry(strict_app):
    with db.session_scope(strict_app.extensions["handbook_runtime"]) as session:
        from handbook.models import Role
        from handbook.services import accounts
        from handbook.services import sections

        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD,
                                         Role.librarian)
        accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        section = sections.create_section(session, librarian, title="Methods", renderer=RENDER)
        page = pages.create_page(session, librarian, section_id=section.id, title="Weaving",
                                 body="One\n", renderer=RENDER).revision.page
        session.commit()
        base = page.current_revision_id
    client = strict_app.test_client()
    login(client, SimpleNamespace(name="connie"))
    statuses = []
    for number in range(3):
        response = post(client, "/wiki/weaving/edit", {"body": f"One\nTry {number}\n",
                                                       "base_revision_id": base, "action": "save"},
                        token_from="/wiki/weaving/edit?fresh=1")
        statuses.append(response.status_code)
    preview = post(client, "/wiki/weaving/edit", {"body": "One\nPreview\n", "action": "preview",
                                                  "base_revision_id": base},
                   token_from="/wiki/weaving/edit?fresh=1")
    assert statuses == [302, 302, 429] and preview.status_code == 200
    message = response.get_data(as_text=True)
    assert "the limit here is 2 per 1 hour" in message and "Try again in" in message
    assert "UTC" in message and response.headers.get("Retry-After")


def test_the_guard_warns_the_author_and_keeps_their_text(app, client, session, make_page,
                                                         contributor):
    page = make_page("Network weaving", "Network weaving connects people.\n")
    login(client, contributor)
    data = {"body": FLAGGED_TEXT, "base_revision_id": page.current_revision_id, "action": "save"}
    warned = post(client, "/wiki/network-weaving/edit", data, token_from="/wiki/network-weaving/edit")
    html = warned.get_data(as_text=True)
    assert "may contain personal or confidential information" in html
    assert "NHS number: <mark class=\"finding\">943 476 5919</mark>" in html
    assert "Phone number: <mark class=\"finding\">07700 900123</mark>" in html
    assert "Patient 943 476 5919 can be rung on 07700 900123." in html, "the text is kept"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Revision).where(
        Revision.status == RevisionStatus.pending)) == 0, "nothing was sent yet"
    sent = post(client, "/wiki/network-weaving/edit", {**data, "action": "send_anyway"},
                token_from="/wiki/network-weaving/edit")
    assert sent.status_code == 302


def test_the_review_item_highlights_findings_and_approval_needs_confirming(
        app, client, session, make_page, contributor, librarian):
    page = make_page("Network weaving", "Network weaving connects people.\n")
    proposal = pages.save_edit(session, contributor, page, body=FLAGGED_TEXT,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    login(client, librarian)
    item = client.get(f"/review/{proposal.id}").get_data(as_text=True)
    assert "The confidentiality guard flagged 2 passages" in item
    assert '<mark class="finding" title="NHS number">' in item
    assert 'name="confirm_findings"' in item
    refused = post(client, f"/review/{proposal.id}/approve", {}, token_from=f"/review/{proposal.id}")
    assert refused.status_code == 400 and "tick the box" in refused.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert proposal.status is RevisionStatus.pending
    approved = post(client, f"/review/{proposal.id}/approve", {"confirm_findings": "1"},
                    token_from=f"/review/{proposal.id}")
    assert approved.status_code == 302
    session.rollback()
    session.expire_all()
    assert proposal.status is RevisionStatus.published


def test_a_new_accounts_external_links_are_flagged_but_a_librarians_are_not(
        app, client, session, make_page, contributor, librarian):
    page = make_page("Network weaving", "Weaving.\n")
    body = "Weaving.\n\nSee [cheap pills](https://pills.example/buy).\n"
    proposal = pages.save_edit(session, contributor, page, body=body,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    login(client, librarian)
    item = client.get(f"/review/{proposal.id}").get_data(as_text=True)
    assert "External link from a new account" in item
    login(client, librarian)
    warned = post(client, "/wiki/network-weaving/edit",
                  {"body": body, "base_revision_id": page.current_revision_id, "action": "save"},
                  token_from="/wiki/network-weaving/edit")
    assert warned.status_code == 302, "a librarian's links are not flagged"


def test_approving_with_edits_rescans_the_librarians_text(app, client, session, make_page,
                                                          contributor, librarian):
    page = make_page("Network weaving", "Network weaving connects people.\n")
    proposal = pages.save_edit(session, contributor, page, body=page.current_revision.body
                               + "\nA clean line.\n", base_revision_id=page.current_revision_id,
                               renderer=RENDER).revision
    session.commit()
    login(client, librarian)
    path = f"/review/{proposal.id}/edit"
    data = {"body": FLAGGED_TEXT, "base_revision_id": page.current_revision_id, "publish": "1"}
    refused = post(client, path, data, token_from=path)
    assert refused.status_code == 400 and "tick the box" in refused.get_data(as_text=True)
    assert '<mark class="finding" title="NHS number">' in refused.get_data(as_text=True)
    published = post(client, path, {**data, "confirm_findings": "1"}, token_from=path)
    assert published.status_code == 302
