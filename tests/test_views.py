"""Views through the test client: the review flow, conflicts, hostile input, sessions, headers."""

import re
from datetime import timedelta

import pytest

from handbook import db
from handbook import markdown_html
from handbook import rendering
from handbook.cli import initialise
from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages

from conftest import PASSWORD
from conftest import csrf_token
from conftest import login
from conftest import post
from conftest import RENDER

BODY = "Alpha line\nBeta line\nGamma line\n"


def edit(client, slug, body, base, summary="tweak"):
    return post(client, f"/wiki/{slug}/edit",
                {"body": body, "summary": summary, "base_revision_id": str(base)})


def test_reader_never_sees_pending_text(client, app, make_page, contributor, librarian, session):
    page = make_page("Network weaving", BODY)
    contributor_client = app.test_client()
    login(contributor_client, contributor)
    response = edit(contributor_client, "network-weaving", BODY + "SECRET PENDING\n",
                    page.current_revision_id)
    assert response.status_code == 302
    assert "waiting for a librarian" in contributor_client.get("/wiki/network-weaving").get_data(as_text=True)
    for path in ["/wiki/network-weaving", "/recent", "/recent.atom",
                 "/wiki/network-weaving/history", "/wiki/network-weaving/diff", "/users/connie"]:
        assert "SECRET PENDING" not in client.get(path).get_data(as_text=True), path
    assert "awaiting review" not in client.get("/wiki/network-weaving").get_data(as_text=True)
    shown = contributor_client.get("/wiki/network-weaving").get_data(as_text=True)
    assert "1 change awaiting review" in shown
    proposals = contributor_client.get("/me/proposals").get_data(as_text=True)
    assert "pending" in proposals


def test_approval_through_the_review_pages(client, app, make_page, contributor, librarian):
    page = make_page("Network weaving", BODY)
    author = app.test_client()
    login(author, contributor)
    edit(author, "network-weaving", BODY.replace("Beta", "Better"), page.current_revision_id)
    reviewer = app.test_client()
    login(reviewer, librarian)
    queue = reviewer.get("/review").get_data(as_text=True)
    assert '<span class="badge">1</span><span class="visually-hidden"> pending</span>' in queue
    proposal_id = re.search(r'href="/review/(\d+)"', queue).group(1)
    item = reviewer.get(f"/review/{proposal_id}").get_data(as_text=True)
    assert "<del>Beta</del>" in item and "<ins>Better</ins>" in item
    response = post(reviewer, f"/review/{proposal_id}/approve", token_from=f"/review/{proposal_id}")
    assert response.status_code == 302
    assert "Better line" in client.get("/wiki/network-weaving").get_data(as_text=True)
    history = client.get("/wiki/network-weaving/history").get_data(as_text=True)
    assert "2 published revisions" in history
    assert "approved" in author.get("/me/proposals").get_data(as_text=True)


def test_edit_conflict_keeps_the_users_text(app, make_page, librarian, make_user):
    page = make_page("Network weaving", BODY)
    base = page.current_revision_id
    first, second = app.test_client(), app.test_client()
    login(first, librarian)
    login(second, make_user(Role.librarian))
    assert edit(first, "network-weaving", BODY.replace("Beta", "First"), base).status_code == 302
    response = edit(second, "network-weaving", BODY.replace("Beta", "Second"), base)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Conflicting changes" in html
    assert "Second line" in html and "First line" in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert "Second line" in textarea
    assert "First line" in first.get("/wiki/network-weaving").get_data(as_text=True)


@pytest.mark.parametrize("payload, message", [
    ({"body": "x" * (512 * 1024 + 10)}, "at most 512 KiB"),
    ({"body": "nul \x00 byte"}, "NUL character"),
])
def test_bad_bodies_come_back_with_the_text(app, make_page, librarian, payload, message):
    page = make_page("Network weaving", BODY)
    client = app.test_client()
    login(client, librarian)
    response = edit(client, "network-weaving", payload["body"], page.current_revision_id)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert payload["body"][:1000].replace("\x00", "") in response.get_data(as_text=True).replace("\x00", "")
    assert "Alpha line" in client.get("/wiki/network-weaving").get_data(as_text=True)


def test_invalid_utf8_is_refused(app, make_page, librarian):
    page = make_page("Network weaving", BODY)
    client = app.test_client()
    login(client, librarian)
    token = csrf_token(client)
    raw = (f"csrf_token={token}&base_revision_id={page.current_revision_id}"
           "&summary=x&body=caf%C3%A9+%FF%FE+broken").encode()
    response = client.post("/wiki/network-weaving/edit", data=raw,
                           content_type="application/x-www-form-urlencoded")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "not valid UTF-8" in html
    assert "café" in html
    history = client.get("/wiki/network-weaving/history").get_data(as_text=True)
    assert "1 published revision" in history


def test_new_page_title_limits(app, librarian, section):
    client = app.test_client()
    login(client, librarian)
    response = post(client, "/new", {"title": "t" * 201, "section_id": str(section.id),
                                     "body": "Kept text", "summary": ""})
    assert response.status_code == 400
    assert "the limit is 200" in response.get_data(as_text=True)
    assert "Kept text" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(app, make_page, librarian):
    page = make_page("Network weaving", BODY)
    client = app.test_client()
    login(client, librarian)
    response = client.post("/wiki/network-weaving/edit",
                           data={"body": "forged", "base_revision_id": page.current_revision_id})
    assert response.status_code == 400
    assert "forged" not in client.get("/wiki/network-weaving").get_data(as_text=True)


def test_proposed_new_page_is_hidden_from_readers(client, app, contributor, section):
    author = app.test_client()
    login(author, contributor)
    response = post(author, "/new", {"title": "Huddles", "section_id": str(section.id),
                                     "body": "Daily huddles.", "summary": "new"})
    assert response.status_code == 302
    assert client.get("/wiki/huddles").status_code == 404
    assert "Huddles" not in client.get("/").get_data(as_text=True)
    assert "Huddles" not in client.get("/recent.atom").get_data(as_text=True)
    assert author.get("/wiki/huddles").status_code == 200


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example", "javascript:alert(1)", "https://evil.example/",
    "http:/evil.example", "/\r\nSet-Cookie:x", " //evil.example", "/\t/evil.example",
])
def test_login_next_only_goes_to_this_site(client, contributor, target):
    response = post(client, "/login", {"name": "connie", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_to_a_local_path(client, contributor):
    response = post(client, "/login", {"name": "connie", "password": PASSWORD,
                                       "next": "/wiki/x/edit"})
    assert response.headers["Location"] == "/wiki/x/edit"


def test_login_failure_message_is_the_same(client, contributor):
    unknown = post(client, "/login", {"name": "nobody", "password": PASSWORD})
    wrong = post(client, "/login", {"name": "connie", "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 401
    for response in (unknown, wrong):
        assert "Unknown name or wrong password." in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account_address_and_ceiling(app, contributor):
    app.config.update(LOGIN_LIMITS="3 per minute", LOGIN_ADDRESS_LIMITS="5 per minute",
                      LOGIN_ACCOUNT_CEILING="8 per minute")
    client = app.test_client()

    def attempt(name, address, password="bad password"):
        return post(client, "/login", {"name": name, "password": password},
                    environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt("connie", "10.0.0.1") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("connie", "10.0.0.1", PASSWORD) == 429, "that address is held for this account"
    assert [attempt(f"guess{n}", "10.0.0.3") for n in range(6)] == [401] * 5 + [429]
    assert attempt("another", "10.0.0.3") == 429, "the address's limit holds for any account"
    for address in range(10, 16):  # guesses from many addresses reach the account's ceiling
        attempt("connie", f"10.0.1.{address}")
    assert attempt("connie", "10.0.1.10") == 429, "past the ceiling, an address that failed waits"
    assert attempt("connie", "10.0.2.1", PASSWORD) == 302, "the owner still gets in"


def test_the_owner_of_an_attacked_account_can_log_in(app, contributor):
    """Defect: the throttle counted attempts per account name and refused the right password,
    so anyone could keep any account locked out with ~10 requests per 15 minutes."""
    attacker, owner = app.test_client(), app.test_client()
    app.config.update(LOGIN_LIMITS="10 per 15 minutes")
    for _ in range(30):
        post(attacker, "/login", {"name": "connie", "password": "guess"},
             environ_base={"REMOTE_ADDR": "203.0.113.9"})
    answer = post(owner, "/login", {"name": "connie", "password": PASSWORD},
                  environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert answer.status_code == 302


def test_logout_ends_every_session(app, contributor):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, contributor)
    login(phone, contributor, remember=True)
    assert phone.get("/me/proposals").status_code == 200
    post(laptop, "/logout", token_from="/me/proposals")
    assert phone.get("/me/proposals").status_code == 302


def test_block_ends_sessions_at_once(app, session, admin, contributor):
    client = app.test_client()
    login(client, contributor)
    assert client.get("/me/proposals").status_code == 200
    accounts.set_blocked(session, session.merge(admin), session.merge(contributor), True)
    session.commit()
    assert client.get("/me/proposals").status_code == 302
    assert login(client, contributor).status_code == 401


def test_cookies_and_security_headers(app, client, contributor):
    response = login(client, contributor, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "HttpOnly" in remember_cookie
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "script-src 'self'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_page_view_is_cheap(app, client, make_page, contributor, count_queries, monkeypatch):
    """A page view renders no markdown and runs at most 4 SQL queries for readers, 5 for
    members (their account with its unread count, and whether they watch the page)."""
    make_page("Closing triangles", "Introduce people.\n")
    make_page("Network weaving", "## One\n\n## Two\n\n## Three\n\nSee [[Closing triangles]].\n")

    def no_rendering(*args, **kwargs):
        raise AssertionError("markdown rendered during a page view")

    monkeypatch.setattr(rendering, "render", no_rendering)
    monkeypatch.setattr(markdown_html.markdown.Markdown, "convert", no_rendering)
    member = app.test_client()
    login(member, contributor)
    for viewer, most in ((client, 4), (member, 5)):
        count_queries.clear()
        response = viewer.get("/wiki/closing-triangles")
        assert response.status_code == 200
        assert "Network weaving" in response.get_data(as_text=True)
        assert len(count_queries) <= most, count_queries


def test_rename_redirects_permanently(app, make_page, librarian, section):
    make_page("Network weaving", BODY)
    client = app.test_client()
    login(client, librarian)
    response = post(client, "/wiki/network-weaving/rename",
                    {"title": "Weaving networks", "section_id": str(section.id)})
    assert response.headers["Location"] == "/wiki/weaving-networks"
    moved = client.get("/wiki/network-weaving")
    assert moved.status_code == 301 and moved.headers["Location"] == "/wiki/weaving-networks"
    assert client.get("/wiki/network-weaving/history").status_code == 301


def test_revert_through_history(app, make_page, librarian, session):
    page = make_page("Network weaving", BODY)
    first = page.current_revision_id
    pages.save_edit(session, librarian, page, body="Vandalised\n", base_revision_id=first, renderer=RENDER)
    session.commit()
    client = app.test_client()
    login(client, librarian)
    response = post(client, f"/wiki/network-weaving/revert/{first}", token_from="/me/proposals")
    assert response.status_code == 302
    html = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert "Alpha line" in html and "Vandalised" not in html
    assert "3 published revisions" in client.get("/wiki/network-weaving/history").get_data(as_text=True)


def test_preview_is_sanitized(app, contributor):
    client = app.test_client()
    login(client, contributor)
    response = post(client, "/preview", {"body": "**bold** <script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "<script" not in html


def test_history_is_paginated(app, make_page, librarian, session):
    app.config["HISTORY_PAGE_SIZE"] = 2
    page = make_page("Network weaving", "v0\n")
    for number in range(1, 5):
        pages.save_edit(session, librarian, page, body=f"v{number}\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    client = app.test_client()
    first = client.get("/wiki/network-weaving/history").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert client.get("/wiki/network-weaving/history?page=3").status_code == 200
    assert client.get("/wiki/network-weaving/history?page=4").status_code == 404


def test_audit_log_records_decisions(app, make_page, contributor, librarian, admin, session):
    page = make_page("Network weaving", BODY)
    proposal = pages.save_edit(session, contributor, page, body=BODY + "x\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    reviewer = app.test_client()
    login(reviewer, librarian)
    post(reviewer, f"/review/{proposal.id}/reject", {"reason": "Needs a source."},
         token_from=f"/review/{proposal.id}")
    client = app.test_client()
    login(client, admin)
    log = client.get("/admin/log").get_data(as_text=True)
    assert "reject" in log and "Needs a source." in log and "libby" in log


def test_unpublished_revisions_are_not_reachable_by_id(app, client, make_page, contributor,
                                                       make_user, session):
    page = make_page("Network weaving", BODY)
    proposal = pages.save_edit(session, contributor, page, body=BODY + "PENDING TEXT\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    stranger = app.test_client()
    login(stranger, make_user(Role.contributor))
    author = app.test_client()
    login(author, contributor)
    paths = [f"/wiki/network-weaving/revisions/{proposal.id}",
             f"/wiki/network-weaving/diff?to={proposal.id}",
             f"/review/{proposal.id}"]
    for viewer, expected in [(client, [404, 404, 302]), (stranger, [404, 404, 403]),
                             (author, [200, 200, 403])]:
        assert [viewer.get(path).status_code for path in paths] == expected


def test_stale_rendering_is_rendered_again_by_init_not_by_a_view(app, client, make_page, session):
    page = make_page("Network weaving", "*fresh*\n")
    db.begin_write(session)
    page.current_revision.html, page.current_revision.render_version = "<p>stale</p>", 0
    session.commit()
    assert "stale" in client.get("/wiki/network-weaving").get_data(as_text=True), \
        "a reader's view writes nothing"
    initialise(app)
    assert "<em>fresh</em>" in client.get("/wiki/network-weaving").get_data(as_text=True)


def test_remove_through_the_form(app, client, make_page, librarian):
    make_page("Network weaving", BODY)
    browser = app.test_client()
    login(browser, librarian)
    refused = post(browser, "/wiki/network-weaving/remove", {"reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    removed = post(browser, "/wiki/network-weaving/remove", {"reason": "Duplicate"})
    assert removed.status_code == 302
    assert client.get("/wiki/network-weaving").status_code == 404


def test_cached_reader_pages_follow_changes_made_by_other_workers(app, make_page, librarian,
                                                                   database_url, tmp_path):
    """Another worker (a second app on the same database) never serves a stale cached page."""
    from handbook import create_app

    make_page("Network weaving", BODY)
    other_worker = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                               "INSTANCE_PATH": str(tmp_path / "other")})
    reader = other_worker.test_client()
    assert "Alpha line" in reader.get("/wiki/network-weaving").get_data(as_text=True)
    assert "Alpha line" in reader.get("/wiki/network-weaving").get_data(as_text=True)
    editor = app.test_client()
    login(editor, librarian)
    base = re.search(r'name="base_revision_id" type="hidden" value="(\d+)"',
                     editor.get("/wiki/network-weaving/edit").get_data(as_text=True)).group(1)
    assert edit(editor, "network-weaving", "Omega line\n", base).status_code == 302
    assert "Omega line" in reader.get("/wiki/network-weaving").get_data(as_text=True)
    other_worker.extensions["handbook_engine"].dispose()


def test_restore_and_decision_buttons_follow_permissions(app, make_page, librarian, contributor,
                                                         session):
    page = make_page("Network weaving", BODY)
    first = page.current_revision_id
    pages.save_edit(session, librarian, page, body="Second\n", base_revision_id=first, renderer=RENDER)
    proposal = pages.save_edit(session, contributor, page, body="Third\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    librarian_client, contributor_client = app.test_client(), app.test_client()
    login(librarian_client, librarian)
    login(contributor_client, contributor)
    old = f"/wiki/network-weaving/revisions/{first}"
    current = f"/wiki/network-weaving/revisions/{page.current_revision_id}"
    assert "Restore this revision" in librarian_client.get(old).get_data(as_text=True)
    assert "Restore this revision" not in librarian_client.get(current).get_data(as_text=True)
    assert "Restore this revision" not in contributor_client.get(old).get_data(as_text=True)
    assert "Approve and publish" in librarian_client.get(f"/review/{proposal.id}").get_data(as_text=True)
    post(librarian_client, f"/review/{proposal.id}/reject", {"reason": "No."},
         token_from=f"/review/{proposal.id}")
    assert "Approve and publish" not in librarian_client.get(f"/review/{proposal.id}").get_data(as_text=True)
