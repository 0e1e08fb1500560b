"""Defects found by using the handbook as people do, after it had lived a little: one test each."""

import shutil
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from handbook import changes
from handbook import content_io
from handbook import db
from handbook import paths
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.render_budget import RenderRefused
from handbook.services import moderation
from handbook.services import pages
from handbook.services import reading
from handbook.services.errors import InvalidInput

from conftest import PASSWORD
from conftest import RENDER
from conftest import login
from conftest import post


def found(client, text):
    response = client.get("/api/v1/search", query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(hit["slug"] for hit in response.get_json()["results"])


def drain(app):
    changes.drain(app.extensions["handbook_runtime"])


def edit(client, slug, body, base, summary="tweak"):
    return post(client, f"/wiki/{slug}/edit", {"body": body, "summary": summary,
                                               "base_revision_id": str(base)},
                token_from=f"/wiki/{slug}/edit?fresh=1")


def test_phrases_and_hyphens_are_found_after_edits(app, client, session, make_page, librarian):
    """Defect 1: once the index held deleted documents, every phrase search answered 500."""
    page = make_page("Shared goals", "Teams with shared goals and well-being co-design.\n")
    make_page("Other", "Nothing here about goals shared.\n")
    for round_ in range(3):
        pages.save_edit(session, librarian, page, body=f"Teams with shared goals, well-being and"
                        f" co-design, round {round_}.\n", base_revision_id=page.current_revision_id,
                        renderer=RENDER)
        session.commit()
    for query in ['"shared goals"', "well-being", "co-design", '"round 2"']:
        assert found(client, query) == ["shared-goals"], query
    assert found(client, '"round 1"') == []


def test_no_request_waits_on_itself_after_commit(app, session, make_page, librarian, database_url):
    """Defect 2: after the commit, a lazy attribute load began a new write transaction, and
    the index update waited out the busy timeout behind it (about 30 s per removal)."""
    make_page("Closing triangles", "Introduce people.\n")
    make_page("Network weaving", "See [[Closing triangles]].\n")
    browser = app.test_client()
    login(browser, librarian)
    started = time.monotonic()
    response = post(browser, "/wiki/closing-triangles/remove", {"reason": "duplicate"},
                    token_from="/wiki/closing-triangles/remove")
    assert response.status_code == 302 and response.location.endswith("/sections/practical-methods")
    assert time.monotonic() - started < 3
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
        other.execute("BEGIN IMMEDIATE")  # nobody holds the write lock any more
        other.rollback()
        other.close()


def test_writes_go_on_while_a_page_is_removed(app, make_page, librarian, make_user):
    """Defect 2, measured: other writers are never blocked for long by a removal."""
    for number in range(5):
        make_page(f"Page {number}", f"Links to [[Page {(number + 1) % 5}]].\n")
    writer = make_user(Role.librarian, "writer")
    remover = app.test_client()
    login(remover, librarian)
    latencies = []

    def write_a_few():
        client = app.test_client()
        login(client, writer)
        for number in range(3):
            started = time.monotonic()
            response = post(client, "/new", {"title": f"New {number}", "section_id": "1",
                                             "body": "Text.", "summary": "x"}, token_from="/new")
            latencies.append((response.status_code, time.monotonic() - started))

    thread = threading.Thread(target=write_a_few)
    thread.start()
    for number in range(3):
        post(remover, f"/wiki/page-{number}/remove", {"reason": "tidy"},
             token_from=f"/wiki/page-{number}/remove")
    thread.join()
    assert [status for status, _ in latencies] == [302, 302, 302]
    assert max(seconds for _, seconds in latencies) < 5


def test_a_neighbour_that_cannot_render_never_blocks_a_publication(app, session, make_page,
                                                                   librarian, contributor,
                                                                   monkeypatch, caplog):
    """Defect 3: RenderRefused from re-rendering a linking page made the approval answer 500."""
    linking = make_page("Network weaving", "See [[Huddles]].\n")
    outcome = pages.create_page(session, contributor, section_id=linking.section_id,
                                title="Huddles", body="Daily huddles.\n", renderer=RENDER)
    session.commit()

    class Refusing:
        def render(self, text, existing=None):
            if "See [[Huddles]]" in text:
                raise RenderRefused("too slow")
            return RENDER.render(text, existing)

    monkeypatch.setattr(app.extensions["handbook_runtime"], "renderer", Refusing())
    moderation.approve(session, librarian, outcome.revision.id, renderer=RENDER)
    session.commit()
    session.rollback()
    assert reading.page_view(session, "huddles").revision.id == outcome.revision.id
    assert "could not be rendered again" in caplog.text
    from handbook import outbox
    assert outbox.owed(session, "render") == 1, "the neighbour waits for a retry"


def test_import_of_tags_only_refreshes_cached_pages(app, client, session, tmp_path):
    """Defect 4: an import that changed only tags, order, summary or a section title left
    workers serving stale pages."""
    folder = tmp_path / "content"
    shutil.copytree(paths.content_dir(), folder)
    content_io.import_dir(session, folder, RENDER)
    session.commit()
    assert "Start here" in client.get("/").get_data(as_text=True)
    section_file = folder / "01-start-here" / "_section.md"
    section_file.write_text(section_file.read_text().replace(
        'title: "Start here: systems convening"', 'title: "Beginning here"'))
    content_io.import_dir(session, folder, RENDER)
    session.commit()
    contents = client.get("/").get_data(as_text=True)
    assert "Beginning here" in contents and "Start here: systems convening" not in contents


def test_a_hidden_revision_cannot_be_used_as_a_base(app, session, make_page, contributor,
                                                    make_user):
    """Defect 6: another user's pending text could be probed by naming it as the base."""
    page = make_page("Network weaving", "One\nTwo\n")
    secret = pages.save_edit(session, contributor, page, body="One\nSecret\n",
                             base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    prober = make_user(Role.contributor, "prober")
    browser = app.test_client()
    login(browser, prober)
    answers = {edit(browser, "network-weaving", body, secret.id).status_code
               for body in ("One\nSecret\n", "One\nGuess\n")}
    assert answers == {400}
    assert edit(browser, "network-weaving", "One\nTwo\nx\n", "not-a-number").status_code == 400


@pytest.mark.parametrize("path", [
    "/wiki/network-weaving/revisions/99999999999999999999",
    "/wiki/network-weaving/diff?to=99999999999999999999",
    "/wiki/network-weaving/diff?from=9223372036854775808",
    "/wiki/network-weaving/history?page=99999999999999999999",
    "/admin/log?page=99999999999999999999",
    "/review/99999999999999999999",
    "/me/proposals/99999999999999999999/amend",
    "/search?q=weaving&page=99999999999999999999",
])
def test_out_of_range_numbers_are_not_found(app, make_page, admin, path):
    """Defect 7: numbers of 2**63 and more answered 500 (OverflowError)."""
    make_page("Network weaving", "Text.\n")
    browser = app.test_client()
    login(browser, admin)
    assert browser.get(path).status_code in (200, 404)


def test_an_unexpected_failure_gets_our_own_page(app, client, make_page, monkeypatch):
    """Defect 7: whatever is left gets a 500 page of our own, with no trace."""
    make_page("Network weaving", "Text.\n")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(reading, "history", broken)
    response = client.get("/wiki/network-weaving/history")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text and "secret detail" not in text and "Traceback" not in text


def test_registration_does_not_tell_which_addresses_have_accounts(app, contributor):
    """Defect 8: "An account with that email address exists" told anyone who was registered."""
    def register(name, email):
        browser = app.test_client()
        response = post(browser, "/register", {"name": name, "email": email, "password": PASSWORD},
                        token_from="/register")
        return response.status_code, browser.get(response.location).get_data(as_text=True)

    taken = register("newcomer", "connie@example.org")
    free = register("another", "another@example.org")
    assert taken[0] == free[0] == 302
    assert "If the address connie@example.org was not already registered" in taken[1]
    assert "If the address another@example.org was not already registered" in free[1]


def test_pending_titles_are_nobody_elses_business(session, contributor, make_user, section):
    """Defect 9: proposing a title another contributor had proposed revealed it."""
    pages.create_page(session, contributor, section_id=section.id, title="Secret plans",
                      body="Hidden.\n", renderer=RENDER)
    session.commit()
    other = make_user(Role.contributor, "other")
    with pytest.raises(InvalidInput) as refused:
        pages.create_page(session, other, section_id=section.id, title="secret PLANS",
                          body="Mine.\n", renderer=RENDER)
    assert "Secret plans" not in str(refused.value) and "not available" in str(refused.value)


@pytest.mark.parametrize("markdown", [
    '<a href="javascript:123">x</a>', "[x](javascript:123)", '<a href="vbscript:1">x</a>',
    '<a href="data:123">x</a>', '<a href="java\tscript:1">x</a>', '<a href="JaVaScRiPt:1">x</a>',
    '<a href="&#106;avascript:1">x</a>', "[x](  javascript:1)", '<img src="javascript:1" alt="x">',
])
def test_only_safe_schemes_survive(markdown):
    """Defect 10: bleach read "javascript:123" as a host and port and kept it."""
    from handbook.rendering import render

    html = render(markdown).html
    assert "script:" not in html.lower() and "data:" not in html.lower(), html


def test_the_public_xss_corpus_leaves_only_allowed_markup():
    """Defect 10: every vector of a public corpus (BRS-KB, thousands of payloads) comes out
    with only allowed tags, no event handlers, no styles and only allowed URL schemes."""
    from html.parser import HTMLParser

    from brs_kb.payloads import get_all_payloads

    from handbook.markdown_html import ALLOWED_TAGS
    from handbook.rendering import render
    from handbook.markdown_html import url_allowed

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, attrs))

    vectors = [entry.payload for entry in get_all_payloads().values()]
    assert len(vectors) > 1000
    for vector in vectors:
        html = render(vector).html
        parser = Tags()
        parser.feed(html)
        for tag, attributes in parser.found:
            assert tag in ALLOWED_TAGS, (vector, html)
            for name, value in attributes:
                assert not name.startswith("on") and name != "style", (vector, html)
                if name in ("href", "src"):
                    assert url_allowed(value or ""), (vector, html)


def test_wiki_links_resolve_by_title_slug_and_old_slug(app, client, session, make_page, librarian):
    """Defect 11: [[Page title]] showed "create this page" when the title and address differ."""
    target = make_page("Running an improvement lab", "Labs.\n")
    db.begin_write(session)
    target.slug = "improvement-labs"
    session.commit()
    linking = make_page("Links", "[[Running an improvement lab]], [[running AN improvement "
                        "Lab]], [[improvement-labs|slug]], [[Rûnning an improvement lab]].\n")
    html = linking.current_revision.html
    assert html.count('href="/wiki/improvement-labs"') == 4 and "missing" not in html, html
    assert client.get("/new?title=Running+an+improvement+lab").status_code == 302
    browser = app.test_client()
    login(browser, librarian)
    answer = browser.get("/new?title=running%20an%20improvement%20lab")
    assert answer.status_code == 302 and answer.location.endswith("/wiki/improvement-labs")


def test_every_wiki_link_in_the_seed_handbook_resolves(session):
    """Issue 14: after importing content/, no page shows a link to a page that does not exist."""
    content_io.import_dir(session, paths.content_dir(), RENDER)
    session.commit()
    broken = [(page.slug, page.current_revision.html.count("wikilink missing"))
              for page in session.scalars(select(Page).where(Page.current_revision_id.is_not(None)))
              if "wikilink missing" in page.current_revision.html]
    assert broken == []


def test_a_merged_approval_is_listed_once(app, session, make_page, contributor, librarian):
    """Defect 12: /me/proposals showed a merged approval twice."""
    page = make_page("Network weaving", "One\n\nTwo\n\nThree\n")
    base = page.current_revision_id
    proposal = pages.save_edit(session, contributor, page, body="One\n\nTwo\n\nThree, mine\n",
                               base_revision_id=base, renderer=RENDER).revision
    pages.save_edit(session, librarian, page, body="One, theirs\n\nTwo\n\nThree\n",
                    base_revision_id=base, renderer=RENDER)
    moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.commit()
    listed = reading.my_proposals(session, contributor)
    assert [revision.status for revision in listed] == [RevisionStatus.merged]


def test_an_author_resolves_a_conflict_inside_their_proposal(app, session, make_page, contributor,
                                                            librarian):
    """Defect 13: a proposal whose base conflicted could not be amended, and Edit started a
    second, competing proposal."""
    page = make_page("Network weaving", "One\nTwo\nThree\n")
    base = page.current_revision_id
    proposal = pages.save_edit(session, contributor, page, body="One\nMine\nThree\n",
                               base_revision_id=base, renderer=RENDER).revision
    pages.save_edit(session, librarian, page, body="One\nTheirs\nThree\n", base_revision_id=base,
                    renderer=RENDER)
    session.commit()
    browser = app.test_client()
    login(browser, contributor)
    opened = browser.get("/wiki/network-weaving/edit")
    assert opened.status_code == 302 and opened.location.endswith(f"/me/proposals/{proposal.id}/amend")
    form = browser.get(opened.location).get_data(as_text=True)
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt; your text" in form and "1 passage conflict" in form
    current = page.current_revision_id
    token_page = f"/me/proposals/{proposal.id}/amend"
    kept_marks = post(browser, token_page, {"body": "One\n<<<<<<< your text\nMine\n=======\n"
                                            "Theirs\n>>>>>>> published text\nThree\n",
                                            "base_revision_id": str(current)}, token_from=token_page)
    assert kept_marks.status_code == 400 and "marked conflicts" in kept_marks.get_data(as_text=True)
    resolved = post(browser, token_page, {"body": "One\nTheirs and mine\nThree\n",
                                          "base_revision_id": str(current)}, token_from=token_page)
    assert resolved.status_code == 302
    session.rollback()
    amended = reading.own_pending_proposal(session, contributor, page)
    assert amended.base_revision_id == current
    moderation.approve(session, librarian, amended.id, renderer=RENDER)
    session.commit()
    assert page.current_revision.body == "One\nTheirs and mine\nThree\n"


def test_the_empty_suggestion_list_is_hidden_and_named(client, make_page):
    """Defect 14: a header rule overrode [hidden]; the listbox had no name."""
    html = client.get("/").get_data(as_text=True)
    assert 'role="listbox" aria-label="Pages whose titles match" hidden' in html
    css = client.get("/static/style.css").get_data(as_text=True)
    assert "[hidden] { display: none !important; }" in css


def test_removed_pages_leave_every_public_channel(app, client, session, make_page, librarian):
    """Defect 15: a removed page stayed in /recent.atom (whole body), /recent and /users/..."""
    page = make_page("Secret recipe", "The secret ingredient is kindness.\n")
    pages.remove(session, librarian, page, "Not for this handbook")
    session.commit()
    for path in ("/recent", "/recent.atom", f"/users/{librarian.name}", "/"):
        text = client.get(path).get_data(as_text=True)
        assert "Secret recipe" not in text and "kindness" not in text, path
    assert found(client, "kindness") == []


def test_preview_is_rate_limited_and_slow_texts_count_against_the_sender(app, make_page, librarian):
    """Defect 16: looping previews of text that cannot render stalled everyone's saves."""
    app.config.update(EXPENSIVE_LIMITS="5 per minute", REFUSED_RENDER_LIMITS="2 per 10 minutes")
    browser = app.test_client()
    login(browser, librarian)
    answers = [post(browser, "/preview", {"body": f"fine {n}"}, token_from="/new").status_code
               for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert "limit here is 5 per 1 minute" in post(browser, "/preview", {"body": "x"},
                                                    token_from="/new").get_data(as_text=True)


def test_refused_renders_hold_the_sender_back(app, librarian):
    app.config.update(REFUSED_RENDER_LIMITS="2 per 10 minutes")
    browser = app.test_client()
    login(browser, librarian)
    slow = "[" * 20000
    answers = [post(browser, "/preview", {"body": slow}, token_from="/new").status_code
               for _ in range(3)]
    assert answers == [400, 400, 429]


def test_the_render_budget_counts_cpu_time_not_the_clock():
    """Defect 16: a wall-clock budget published or refused the same text by the machine's load."""
    from handbook.render_budget import BoundedRenderer

    busy = threading.Event()

    def load():
        while not busy.is_set():
            sum(range(10000))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        text = "\n".join(f"- item {n} with *emphasis* and [[Link {n}]]" for n in range(1000))
        rendered = BoundedRenderer(2.0).render(text)
    finally:
        busy.set()
        for thread in threads:
            thread.join()
    assert "item 999" in rendered.html


def test_writes_render_before_taking_the_write_lock(app, session, make_page, librarian,
                                                    database_url, monkeypatch):
    """Defect 16: every logged-in POST held the SQLite write lock while it rendered."""
    page = make_page("Network weaving", "Text.\n")
    path = database_url.removeprefix("sqlite:///")
    seen = []

    class Watching:
        def render(self, text, existing=None):
            if not database_url.startswith("sqlite"):  # no database-wide write lock to hold
                seen.append("free")
                return RENDER.render(text, existing)
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.rollback()
                seen.append("free")
            except sqlite3.OperationalError:
                seen.append("locked")
            finally:
                other.close()
            return RENDER.render(text, existing)

    monkeypatch.setattr("handbook.views.editing.renderer", lambda: Watching())
    browser = app.test_client()
    login(browser, librarian)
    assert edit(browser, "network-weaving", "New text.\n", page.current_revision_id).status_code == 302
    assert seen == ["free"]


def test_a_damaged_index_gives_a_clean_unavailable_and_reindex_heals(app, client, make_page,
                                                                    monkeypatch):
    """Defect 17: a deleted or truncated index made every search answer 500 (or killed the
    worker with SIGBUS), and a rebuild was not noticed by running workers."""
    backend = app.extensions["handbook_search"]
    make_page("Network weaving", "Weaving words.\n")
    assert found(client, "weaving") == ["network-weaving"]
    for part in __import__("pathlib").Path(backend.live_path()).iterdir():
        part.write_bytes(part.read_bytes()[:40])
    other_worker = __import__("handbook").create_app({**app.config, "TESTING": True}).test_client()
    assert other_worker.get("/search?q=weaving").status_code == 503, "a worker opening it now"
    assert other_worker.get("/api/v1/search?q=weaving").status_code == 503
    assert client.get("/search?q=weaving").status_code in (200, 503), "one that read it before"
    for browser in (client, other_worker):
        assert browser.get("/wiki/network-weaving").status_code == 200
    shutil.rmtree(backend.folder)
    for browser in (client, other_worker):
        assert browser.get("/search?q=weaving").status_code == 503
    from click.testing import CliRunner
    from handbook.cli import main

    monkeypatch.setenv("HANDBOOK_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("HANDBOOK_INSTANCE", app.instance_path)
    assert CliRunner().invoke(main, ["reindex"]).exit_code == 0
    for browser in (client, other_worker):
        assert found(browser, "weaving") == ["network-weaving"]


def test_a_uniqueness_race_gets_the_slow_case_message(app, make_page, librarian, monkeypatch):
    """Defect 18: two identical creations at once answered 500 (UniqueViolation)."""
    make_page("Huddles", "Daily.\n")
    real = pages._claim_slug
    calls = []

    def raced(session, user, title, section):
        """The first time, the checks ran before the other creation committed."""
        calls.append(title)
        if len(calls) > 1:
            return real(session, user, title, section)
        page = Page(slug="huddles", title=title, title_key="huddles", section=section, tags=[])
        session.add(page)
        session.flush()

    monkeypatch.setattr(pages, "_claim_slug", raced)
    browser = app.test_client()
    login(browser, librarian)
    response = post(browser, "/new", {"title": "Huddles", "section_id": "1", "body": "Again.",
                                      "summary": "x"}, token_from="/new")
    assert response.status_code == 400
    assert "A page called “Huddles” already exists" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/wiki/a\x00b", "/users/a\x00b", "/sections/a\x00b",
                                  "/search?q=x&section=a\x00", "/search?tag=\x00",
                                  "/api/v1/search?q=\x00"])
def test_nul_bytes_in_addresses_are_refused(client, path):
    """Defect 19: NUL bytes reached PostgreSQL and answered 500."""
    assert client.get(path).status_code in (400, 404)


@pytest.mark.parametrize("form", [{"name": "a\x00b", "password": "x"},
                                  {"name": "connie", "password": "a\x00b"}])
def test_nul_bytes_in_forms_are_refused_with_the_form(client, contributor, form):
    response = post(client, "/login", form)
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_nul_in_a_registration_email_is_refused(client):
    response = post(client, "/register", {"name": "nully", "email": "a\x00b@example.org",
                                          "password": PASSWORD}, token_from="/register")
    assert response.status_code == 400


def test_a_double_submitted_edit_is_one_proposal(app, session, make_page, contributor):
    """Defect 20: a double-submitted edit became two identical proposals."""
    page = make_page("Network weaving", "Text.\n")
    browser = app.test_client()
    login(browser, contributor)
    for _ in range(2):
        assert edit(browser, "network-weaving", "Better text.\n", page.current_revision_id).status_code == 302
    session.rollback()
    pending = session.scalars(select(Revision).where(Revision.status == RevisionStatus.pending)).all()
    assert len(pending) == 1


@pytest.mark.parametrize("title, refused", [
    ("Nеtwork weaving", True),         # a Cyrillic е
    ("Network\u200b weaving", True),    # a zero-width space is removed, leaving the same title
    ("Network weaving 2", False),
])
def test_look_alike_titles_are_refused(session, make_page, librarian, section, title, refused):
    """Defect 21: a Cyrillic look-alike of an existing title was accepted."""
    make_page("Network weaving", "Text.\n")
    if refused:
        with pytest.raises(InvalidInput):
            pages.create_page(session, librarian, section_id=section.id, title=title,
                              body="Text.\n", renderer=RENDER)
    else:
        pages.create_page(session, librarian, section_id=section.id, title=title, body="Text.\n",
                          renderer=RENDER)


def test_titles_lose_invisible_characters_and_any_script_gets_an_address(session, make_page,
                                                                         librarian, section):
    """Defect 21: bidi overrides and zero-width characters were kept, and every title without
    Latin letters got /wiki/page."""
    first = pages.create_page(session, librarian, section_id=section.id, title="\u202eСеть связей",
                              body="Text.\n", renderer=RENDER).revision.page
    second = pages.create_page(session, librarian, section_id=section.id, title="संयोजक",
                               body="Text.\n", renderer=RENDER).revision.page
    session.commit()
    assert first.title == "Сеть связей" and first.slug == "сеть-связей"
    assert second.slug == "संयोजक"


def test_search_is_rate_limited_per_address(app, client, make_page):
    """Defect 23: looping searchers slowed every page view."""
    app.config["SEARCH_LIMITS"] = "3 per minute"
    answers = [client.get("/search?q=weaving").status_code for _ in range(3)]
    answers.append(client.get("/api/v1/search?q=weaving").status_code)
    assert answers == [200, 200, 200, 429]
