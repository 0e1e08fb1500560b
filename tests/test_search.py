"""Search as readers and librarians meet it, and an index that stays in step with the database."""

import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from handbook import changes
from handbook.cli import main
from handbook.models import Role
from handbook.search import check
from handbook import outbox
from handbook.search import service
from handbook.services import pages

from conftest import login
from conftest import post
from conftest import RENDER

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def found(client, text, **params):
    return [hit["slug"] for hit in client.get("/api/v1/search", query_string={"q": text, **params})
            .get_json()["results"]]


def test_published_pages_are_searchable_after_the_request(app, client, librarian, section):
    browser = app.test_client()
    login(browser, librarian)
    post(browser, "/new", {"title": "Huddles", "section_id": str(section.id),
                           "body": "Short daily huddles keep teams aligned.", "summary": "new"})
    assert found(client, "huddle") == ["huddles"]
    html = client.get("/search?q=huddles").get_data(as_text=True)
    assert "<mark>huddles</mark>" in html and "1 result" in html


def test_pending_text_is_found_only_in_the_review_queue(app, client, make_page, contributor,
                                                        librarian, session):
    page = make_page("Network weaving", "Weaving networks.\n")
    author = app.test_client()
    login(author, contributor)
    response = post(author, "/wiki/network-weaving/edit", {
        "body": "Weaving networks with zeppelins.\n", "summary": "airships",
        "base_revision_id": str(page.current_revision_id)})
    assert response.status_code == 302
    assert found(client, "zeppelins") == [] and found(author, "zeppelins") == []
    reviewer = app.test_client()
    login(reviewer, librarian)
    queue = reviewer.get("/review?q=ZEPPELIN").get_data(as_text=True)
    assert "1 proposal mentioning" in queue and "Network weaving" in queue
    assert "0 proposals mentioning" in reviewer.get("/review?q=submarine").get_data(as_text=True)
    assert "0 proposals" in reviewer.get("/review?q=%25_").get_data(as_text=True)
    assert author.get("/review?q=zeppelin").status_code == 403
    proposal = re.search(r'href="/review/(\d+)"', queue).group(1)
    post(reviewer, f"/review/{proposal}/approve", token_from=f"/review/{proposal}")
    assert found(client, "zeppelins") == ["network-weaving"]


def test_an_index_failure_never_blocks_a_publish(app, client, librarian, section, monkeypatch):
    backend = app.extensions["handbook_search"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "apply", broken)
    browser = app.test_client()
    login(browser, librarian)
    response = post(browser, "/new", {"title": "Huddles", "section_id": str(section.id),
                                      "body": "Daily huddles.", "summary": "new"})
    assert response.status_code == 302
    assert client.get("/wiki/huddles").status_code == 200
    monkeypatch.undo()
    assert found(client, "huddles") == [], "not indexed yet, and searching writes nothing"
    post(browser, "/new", {"title": "Standups", "section_id": str(section.id),
                           "body": "Daily standups.", "summary": "new"})
    assert found(client, "huddles") == ["huddles"], "the next commit pays what was owed"


def test_stale_index_entries_are_never_shown(app, client, session, make_page, librarian):
    page = make_page("Network weaving", "Old words about semaphores.\n")
    changes.drain(app.extensions["handbook_runtime"])
    backend = app.extensions["handbook_search"]
    backend_apply = backend.apply
    backend.apply = lambda *args, **kwargs: False
    pages.save_edit(session, librarian, page, body="New words only.\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert found(client, "semaphores") == [], "the index still has the old text, but it is not shown"
    backend.apply = backend_apply
    changes.drain(app.extensions["handbook_runtime"])
    assert found(client, "semaphores") == [] and found(client, "new words") == ["network-weaving"]


def test_search_page_states(app, client, make_page):
    for number in range(23):
        make_page(f"Weaving note {number}", "A note on weaving.\n")
    changes.drain(app.extensions["handbook_runtime"])
    first = client.get("/search?q=weaving").get_data(as_text=True)
    assert "23 results" in first and "Page 1 of 2" in first and first.count('class="snippet"') == 20
    second = client.get("/search?q=weaving&page=2").get_data(as_text=True)
    assert second.count('class="snippet"') == 3
    empty = client.get("/search?q=xylophone").get_data(as_text=True)
    assert "Nothing in the published handbook matches" in empty
    suggestion = client.get("/search?q=weavign").get_data(as_text=True)
    assert "Did you mean" in suggestion and "weaving" in suggestion
    assert "Practical methods" in first  # the section facet


@pytest.mark.parametrize("query", ["", "x" * 10000, '"((', "OR", "-", "*", "foo:bar", "\x07\x1b",
                                   "🙂 ünïcødé", "'; DROP TABLE pages; --", "[a TO z]"])
def test_hostile_queries_get_a_normal_page(client, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200 and set(response.get_json()) >= {"query", "total", "results"}


def test_crash_between_commit_and_index_update_is_repaired(app, database_url, tmp_path, section,
                                                           monkeypatch):
    """A process killed after its commit, before the index update: `handbook drain` (or the
    next commit anywhere, or `handbook init`) repairs it."""
    script = textwrap.dedent(f"""
        import os, signal
        from handbook import create_app
        from handbook import db
        from handbook.render_budget import BoundedRenderer
        from handbook.services import accounts, pages
        from handbook.models import Role
        app = create_app({{"DATABASE_URL": {database_url!r}, "INSTANCE_PATH": {str(tmp_path / "instance")!r},
                          "SECRET_KEY": "t"}})
        app.extensions["handbook_search"].apply = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        with db.session_scope(app.extensions["handbook_runtime"]) as session:
            user = accounts.create_user(session, "crasher", "c@example.org", "long enough pw", Role.librarian)
            pages.create_page(session, user, section_id={section.id}, title="Huddles", body="Daily huddles.",
                              renderer=BoundedRenderer(2.0))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert result.returncode == -signal.SIGKILL
    fresh = app.test_client()
    assert found(fresh, "huddles") == []
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    monkeypatch.setenv("HANDBOOK_INSTANCE", app.instance_path)
    assert CliRunner().invoke(main, ["drain"]).exit_code == 0
    assert found(fresh, "huddles") == ["huddles"]


def test_search_check_and_reindex_commands(app, database_url, tmp_path, monkeypatch, make_page):
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    monkeypatch.setenv("HANDBOOK_INSTANCE", app.instance_path)
    make_page("Network weaving", "Weaving.\n")
    app.extensions["handbook_search"].rebuild(None, iter([]))  # an index that lost the page
    runner = CliRunner()
    missing = runner.invoke(main, ["search-check"])
    assert missing.exit_code == 1 and "missing\tnetwork-weaving" in missing.output
    rebuilt = runner.invoke(main, ["reindex"])
    assert rebuilt.exit_code == 0 and "Indexed 1 published pages" in rebuilt.output
    assert runner.invoke(main, ["search-check"]).exit_code == 0


def test_concurrent_publishing_keeps_index_and_database_in_step(app, session, make_user, section,
                                                                 database_url, tmp_path):
    writers = 4
    for index in range(writers):
        make_user(Role.librarian, f"publisher{index}")
    context = __import__("multiprocessing").get_context("spawn")
    processes = [context.Process(target=publish_pages, args=(database_url, str(tmp_path / "instance"),
                                                             index, section.id))
                 for index in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
        assert process.exitcode == 0
    changes.drain(app.extensions["handbook_runtime"])
    report = check.compare(session, app.extensions["handbook_search"])
    assert report.clean, report
    assert outbox.owed(session) == 0
    results = service.search(session, app.extensions["handbook_search"], "concurrent")
    assert results.total == writers * 3


def publish_pages(database_url, instance, index, section_id):
    """One worker process publishing three pages through HTTP (each request drains the outbox)."""
    from handbook import create_app
    from tests.conftest import login, post

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "test-secret", "LOGIN_LIMITS": "1000 per minute"})
    client = app.test_client()

    class Named:
        name = f"publisher{index}"

    login(client, Named)
    for number in range(3):
        response = post(client, "/new", {"title": f"Concurrent {index} {number}",
                                         "section_id": str(section_id),
                                         "body": "A concurrent page.", "summary": "race"})
        assert response.status_code == 302, response.status_code
