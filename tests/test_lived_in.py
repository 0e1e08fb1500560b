"""Every reading channel of a handbook that has lived a little, for every role that reads."""

import re

import pytest
from sqlalchemy import select

from handbook import content_io
from handbook.models import Page
from handbook.models import Revision
from handbook.search import check

from conftest import RENDER
from conftest import login
from lived_in import live


@pytest.fixture
def history(app, session, tmp_path):
    return live(session, RENDER, folder=tmp_path / "import")


def reader_channels(session, history):
    """Every address a reader can reach in the lived-in handbook."""
    paths = ["/", "/recent", "/recent.atom", "/sections/archive", "/users/archivist",
             "/users/writer0", "/users/writer1", "/users/writer2"]
    for page in session.scalars(select(Page)):
        paths += [f"/wiki/{page.slug}", f"/wiki/{page.slug}/history", f"/wiki/{page.slug}/diff",
                  f"/wiki/{page.slug}/discussion"]
        for revision in session.scalars(select(Revision).where(Revision.page_id == page.id)):
            paths += [f"/wiki/{page.slug}/revisions/{revision.id}",
                      f"/wiki/{page.slug}/diff?to={revision.id}"]
    return paths


def test_the_history_did_what_people_do(history):
    assert len(history.actions) > 60
    assert {"propose", "approve", "reject", "edit", "import", "hide"} <= set(history.actions)
    assert history.hidden(), "some text was never published"
    assert history.redacted, "some text was published, then hidden"
    assert {"comment", "moderate"} <= set(history.actions)
    assert history.unshown_comments, "some comments were held, rejected or hidden"


def test_readers_never_meet_hidden_text_and_nothing_fails(app, client, session, history):
    hidden = history.hidden()
    for path in reader_channels(session, history):
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code == 200:
            leaked = hidden & set(re.findall(r"tok\d+", response.get_data(as_text=True)))
            assert not leaked, (path, leaked)
    for token in sorted(hidden)[:40]:
        assert client.get("/api/v1/search", query_string={"q": token}).get_json()["results"] == []


@pytest.mark.parametrize("role", ["contributor", "librarian"])
def test_members_read_every_channel_without_failures(app, session, history, make_user, role):
    from handbook.models import Role

    browser = app.test_client()
    login(browser, make_user(Role[role], f"lived{role}"))
    for path in reader_channels(session, history) + [
            "/me/proposals", "/review", "/review/patrol", "/review/reports", "/review/due",
            "/review/comments"]:
        assert browser.get(path).status_code < 500, path


def test_search_agrees_with_the_published_text(app, client, session, history):
    for slug, body in history.current.items():
        for token in sorted(re.findall(r"tok\d+", body))[:3]:
            found = [hit["slug"] for hit in
                     client.get("/api/v1/search", query_string={"q": token}).get_json()["results"]]
            assert found == [slug], (token, found)
        words = body.split()
        phrase = " ".join(words[:2])
        found = {hit["slug"] for hit in client.get(
            "/api/v1/search", query_string={"q": f'"{phrase}"', "limit": 20}).get_json()["results"]}
        assert slug in found, phrase
    assert check.compare(session, app.extensions["handbook_search"]).clean


def test_export_holds_only_published_text(session, history, tmp_path):
    content_io.export_dir(session, tmp_path / "out")
    exported = " ".join(path.read_text() for path in (tmp_path / "out").rglob("*.md"))
    assert not history.hidden() & set(re.findall(r"tok\d+", exported))
    assert history.public_tokens() <= set(re.findall(r"tok\d+", exported))
