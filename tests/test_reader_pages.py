"""Kept reader pages: shared by every worker, gone stale only where a change is seen, and
served with validators that browsers and proxies can revalidate."""

import gzip
import itertools
import re
from concurrent.futures import ThreadPoolExecutor

import brotli

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import update

from handbook import changes
from handbook import db
from handbook.models import ReaderPage
from handbook.models import SiteState
from handbook.services import comments
from handbook.services import pages
from handbook.services import sections

from conftest import RENDER
from conftest import login


def kept_paths(app):
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        return set(session.scalars(select(ReaderPage.path)))


def visit(client, *paths):
    for path in paths:
        assert client.get(path).status_code == 200, path


def publish(session, librarian, page, body):
    pages.save_edit(session, librarian, page, body=body, base_revision_id=page.current_revision_id,
                    renderer=RENDER)
    session.commit()


def test_a_kept_page_carries_validators_and_answers_conditional_gets(app, client, make_page):
    make_page("Network weaving", "Alpha line\n")
    first = client.get("/wiki/network-weaving")
    assert "/wiki/network-weaving" in kept_paths(app)
    again = client.get("/wiki/network-weaving")
    assert again.get_data() == first.get_data()
    etag = again.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag), "a strong ETag"
    assert again.headers["Cache-Control"] == "public, no-cache"
    assert again.headers["Last-Modified"] and again.headers["Vary"] == "Cookie, Accept-Encoding"
    assert again.headers["Content-Security-Policy"], "security headers on kept pages too"
    unchanged = client.get("/wiki/network-weaving", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag
    since = client.get("/wiki/network-weaving",
                       headers={"If-Modified-Since": again.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get("/wiki/network-weaving", headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200 and b"Alpha line" in other.get_data()
    head = client.head("/wiki/network-weaving")
    assert head.status_code == 200 and head.get_data() == b""


def test_a_revalidation_reads_only_the_validators(app, client, make_page, monkeypatch):
    make_page("Network weaving", "Alpha line\n")
    visit(client, "/wiki/network-weaving")
    etag = client.get("/wiki/network-weaving").headers["ETag"]
    kept_pages = app.extensions["handbook_reader_pages"]
    whole_reads = []
    monkeypatch.setattr(kept_pages, "lookup", lambda *args: whole_reads.append(args) or (0, None))
    unchanged = client.get("/wiki/network-weaving", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag
    assert unchanged.headers["Last-Modified"] and "Content-Encoding" not in unchanged.headers
    assert whole_reads == [], "a matching revalidation does not read the page"
    monkeypatch.undo()
    changed = client.get("/wiki/network-weaving", headers={"If-None-Match": '"0000"'})
    assert changed.status_code == 200 and b"Alpha line" in changed.get_data()


def test_a_kept_page_comes_compressed_as_the_reader_accepts_it(app, client, make_page):
    make_page("Network weaving", "Alpha line\n" * 200)
    rendered = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "br"})
    plain = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    kept = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "gzip, br"})
    zipped = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "gzip"})
    assert rendered.headers["Content-Encoding"] == kept.headers["Content-Encoding"] == "br"
    assert rendered.get_data() == kept.get_data(), "the first render answers as the kept page does"
    assert brotli.decompress(kept.get_data()) == plain.get_data()
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(kept.get_data()) < len(plain.get_data()) / 3
    etags = {response.headers["ETag"] for response in (plain, kept, zipped)}
    assert len(etags) == 3, "each representation has its own ETag"
    assert kept.headers["ETag"] == plain.headers["ETag"][:-1] + ':br"'
    again = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "br",
                                                          "If-None-Match": kept.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Content-Encoding"] == "br"
    other = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": kept.headers["ETag"]})
    assert other.status_code == 200, "the brotli ETag does not validate the gzip copy"


def test_pages_kept_by_another_build_are_not_served(app, client, make_page):
    make_page("Network weaving", "Alpha line\n")
    client.get("/wiki/network-weaving")
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        kept = session.get(ReaderPage, "/wiki/network-weaving")
        kept.release, kept.body = "an-older-build", b"an old layout"
        session.commit()
    assert b"Alpha line" in client.get("/wiki/network-weaving").get_data()


def test_a_publication_refreshes_what_shows_it_and_keeps_the_rest(app, client, session, librarian,
                                                                  section, make_page):
    linked = make_page("Huddles", "Short meetings.\n")
    page = make_page("Network weaving", "See [[Huddles]].\n")
    elsewhere = sections.create_section(session, librarian, title="Stories", summary="",
                                        renderer=RENDER)
    session.commit()
    far = pages.create_page(session, librarian, section_id=elsewhere.id, title="A far story",
                            body="Unrelated.\n", summary="", renderer=RENDER).revision.page
    session.commit()
    visit(client, "/", "/sections/practical-methods", "/wiki/network-weaving", "/wiki/huddles",
          "/wiki/a-far-story", "/sections/stories", "/recent.atom")
    etag = client.get("/wiki/a-far-story").headers["ETag"]
    publish(session, librarian, page, "No links any more.\n")
    assert kept_paths(app) == {"/wiki/a-far-story", "/sections/stories",
                               "/sections/practical-methods"}, "a text edit keeps its section"
    assert client.get("/wiki/a-far-story", headers={"If-None-Match": etag}).status_code == 304
    assert "No links any more" in client.get("/wiki/network-weaving").get_data(as_text=True)
    assert client.get("/wiki/huddles").get_data() == client.get("/wiki/huddles?fresh=1").get_data()
    assert "No links" not in far.current_revision.body
    visit(client, "/wiki/huddles", "/wiki/network-weaving")
    pages.rename(session, librarian, page, title="Weaving networks", section_id=page.section_id)
    session.commit()
    assert kept_paths(app) == {"/wiki/a-far-story", "/sections/stories"}, \
        "a new title shows on its neighbours and its section"


def test_a_published_comment_refreshes_only_its_page(app, client, session, librarian, make_page):
    page = make_page("Network weaving", "Alpha line\n")
    make_page("Huddles", "Short meetings.\n")
    visit(client, "/wiki/network-weaving", "/wiki/huddles")
    comments.post(session, librarian, page, "A first thought.", renderer=RENDER)
    session.commit()
    assert "/wiki/huddles" in kept_paths(app)
    assert "/wiki/network-weaving" not in kept_paths(app)
    assert "Discussion (1 comment)" in client.get("/wiki/network-weaving").get_data(as_text=True)


def test_a_render_that_raced_a_commit_is_not_kept(app, make_page, session, librarian):
    page = make_page("Network weaving", "Alpha line\n")
    kept_pages = app.extensions["handbook_reader_pages"]
    with app.test_request_context():
        generation, kept = kept_pages.lookup("/wiki/network-weaving")
        assert kept is None
        publish(session, librarian, page, "Omega line\n")
        assert kept_pages.store("/wiki/network-weaving", generation, page_id=page.id,
                                section_id=page.section_id, content_type="text/html",
                                body=b"old text") is None
        assert kept_pages.store("/wiki/network-weaving", generation + 1, page_id=page.id,
                                section_id=page.section_id, content_type="text/html",
                                body=b"new text") is not None


def test_readers_keeping_pages_at_once_all_keep_them_but_a_long_write_is_not_waited_for(
        app, make_page):
    page = make_page("Network weaving", "Alpha line\n")
    kept_pages = app.extensions["handbook_reader_pages"]
    generation = kept_pages.lookup("/")[0]

    def store(number):
        with app.test_request_context():
            return kept_pages.store(f"/wiki/copy-{number}", generation, page_id=page.id,
                                    section_id=page.section_id, content_type="text/html",
                                    body=b"page %d" % number * 2000)

    # four at a time: without the wait, stores fail each other at once; eight threads on a
    # loaded machine could queue one store past the wait (it is then kept by a later view)
    with ThreadPoolExecutor(4) as pool:
        stored = list(pool.map(store, range(32)))
    assert all(kept is not None for kept in stored), "stores wait for each other"
    with app.extensions["handbook_engine"].connect() as writer:
        writer.execute(update(SiteState).values(generation=SiteState.generation))  # a long write
        assert store(99) is None, "given up: the page is kept by a later view"
        writer.rollback()
    assert store(99) is not None


def test_members_and_queries_are_never_served_kept_pages(app, client, make_page, contributor):
    make_page("Network weaving", "Alpha line\n")
    visit(client, "/wiki/network-weaving")
    member = app.test_client()
    login(member, contributor)
    answer = member.get("/wiki/network-weaving")
    assert "Log out" in answer.get_data(as_text=True)
    assert "public" not in answer.headers.get("Cache-Control", "")
    assert "ETag" not in client.get("/wiki/network-weaving?x=1").headers


def test_the_feed_is_kept_and_revalidated(app, client, make_page, session, librarian):
    page = make_page("Network weaving", "Alpha line\n")
    feed = client.get("/recent.atom")
    assert feed.mimetype == "application/atom+xml"
    assert client.get("/recent.atom", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304
    publish(session, librarian, page, "Omega line\n")
    assert client.get("/recent.atom", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 200


EXAMPLES = itertools.count()
STEPS = st.lists(st.tuples(st.sampled_from(["edit", "rename", "move", "remove", "comment"]),
                           st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=6)


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
def test_kept_pages_always_match_a_fresh_render(app, session, librarian, section, steps):
    """Whatever is edited, renamed, moved, removed or discussed, a kept page is what the view
    would render now (a query string makes the view render without the kept pages)."""
    example = next(EXAMPLES)
    other_section = sections.create_section(session, librarian, title=f"Stories {example}",
                                            summary="", renderer=RENDER)
    live = [pages.create_page(session, librarian, section_id=section.id,
                              title=f"{title} {example}", body=f"About {title}.\n",
                              renderer=RENDER).revision.page
            for title in ("Huddles", "Network weaving", "Story circles")]
    session.commit()
    reader = app.test_client()

    def paths():
        return (["/", f"/sections/{section.slug}", f"/sections/{other_section.slug}"]
                + [f"/wiki/{page.slug}" for page in live])

    for step, (action, index, other) in enumerate(steps):
        visit(reader, *paths())
        page, target = live[index % len(live)], live[other % len(live)]
        if action == "edit":
            publish(session, librarian, page, f"Step {step}: see [[{target.title}]].\n")
        elif action in ("rename", "move"):
            pages.rename(session, librarian, page,
                         title=f"{page.title} again" if action == "rename" else page.title,
                         section_id=page.section_id if action == "rename" else
                         other_section.id if page.section_id == section.id else section.id)
            session.commit()
        elif action == "remove" and len(live) > 1:
            pages.remove(session, librarian, page, reason="Duplicate")
            session.commit()
            live.remove(page)
        elif action == "comment":
            comments.post(session, librarian, page, "A thought.", renderer=RENDER)
            session.commit()
        for path in paths():
            kept = reader.get(path).get_data(as_text=True)
            fresh = reader.get(f"{path}?fresh=1").get_data(as_text=True)
            assert kept == fresh, (action, path)


def test_a_commit_changing_many_pages_stales_every_kept_page(app, client, session, librarian,
                                                            make_page, monkeypatch):
    """Past changes.MANY pages (an import) every kept page goes, and no statement lists them."""
    monkeypatch.setattr(changes, "MANY", 3)
    monkeypatch.setattr(changes, "KEYS_A_STATEMENT", 2)
    made = [make_page(f"Page {number}", f"Text {number}, see [[Page {number + 1}]].\n")
            for number in range(6)]
    visit(client, "/", *(f"/wiki/{page.slug}" for page in made))
    publish(session, librarian, made[1], "Edited alone.\n")
    assert "/wiki/page-5" in kept_paths(app), "a small commit stales only what shows it"
    visit(client, "/", *(f"/wiki/{page.slug}" for page in made))
    for page in made[2:]:
        pages.save_edit(session, librarian, page, body="Edited together.\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert kept_paths(app) == set()


def test_pages_linking_to_keys_are_found_a_few_keys_at_a_time(session, make_page, monkeypatch):
    linking = [make_page(f"Source {number}", f"See [[Target {number}]] and [[Elsewhere]].\n")
               for number in range(5)]
    keys = {f"target-{number}" for number in range(5)} | {"elsewhere", "nowhere"}
    every = changes._pages_linking_to(session, keys)
    monkeypatch.setattr(changes, "KEYS_A_STATEMENT", 2)
    assert changes._pages_linking_to(session, keys) == every == {page.id for page in linking}
