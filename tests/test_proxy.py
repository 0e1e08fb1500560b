"""Behind nginx with the recipe in handbook/deploy/nginx.conf: the proxy serves readers' pages
itself, and after a publish or a removal it shows the change within a second."""

import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import brotli
import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from handbook import db
from handbook import paths
from handbook import proxy_refresh
from handbook.models import ReaderPage
from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages
from handbook.services import reading
from handbook.services import sections

from conftest import IN_CI
from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import fresh_database
from conftest import login
from test_rate_limits import _free_port

TOKEN = "proxy-test-secret"


BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _get(port, path, headers=None):
    """(status, X-Cache, text) of a GET through the proxy (a brotli body decompressed)."""
    asked = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(asked, timeout=10) as answer:
            body = answer.read()
            if answer.headers.get("Content-Encoding") == "br":
                body = brotli.decompress(body)
            return answer.status, answer.headers.get("X-Cache"), body.decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Cache"), error.read().decode()


@pytest.fixture
def proxied(request, tmp_path):
    """(app, nginx port): the app served by Werkzeug, nginx in front with the recipe."""
    if shutil.which("nginx") is None:
        if IN_CI:
            pytest.fail("nginx is not installed, and CI must run this test")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    proxy_port = _free_port()
    app = build_app(fresh_database(request, "sqlite", tmp_path), tmp_path / "instance",
                    PROXY_CACHE_SECONDS=300, PROXY_REFRESH_URLS=[f"http://127.0.0.1:{proxy_port}"],
                    PROXY_REFRESH_TOKEN=TOKEN)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    # nginx's workers (nobody, under a root master) must reach their cache: not under pytest's
    # private temporary folder
    work = Path(tempfile.mkdtemp(prefix="handbook-nginx-"))
    work.chmod(0o755)
    recipe = paths.nginx_recipe().read_text()
    for name, value in {"WORK": str(work), "LISTEN": f"127.0.0.1:{proxy_port}",
                        "UPSTREAM": f"127.0.0.1:{server.server_port}",
                        "REFRESH_TOKEN": TOKEN}.items():
        recipe = recipe.replace(f"@{name}@", value)
    (work / "nginx.conf").write_text(recipe)
    nginx = subprocess.Popen(["nginx", "-g", "daemon off;", "-c", str(work / "nginx.conf"),
                              "-p", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _get(proxy_port, "/")
                break
            except OSError:
                time.sleep(0.05)
        yield app, proxy_port
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
        server.shutdown()
        app.extensions["handbook_engine"].dispose()


def _within(seconds, check):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _librarian_with_a_page(app):
    """A librarian, and their page "Network weaving" (text "Alpha line.") in a new section."""
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD,
                                         Role.librarian)
        section = sections.create_section(session, librarian, title="Practical methods",
                                          summary="", renderer=RENDER)
        pages.create_page(session, librarian, section_id=section.id, title="Network weaving",
                          body="Alpha line.\n", renderer=RENDER)
    return librarian


def test_the_proxy_serves_readers_and_shows_a_publish_within_a_second(proxied):
    app, port = proxied
    librarian = _librarian_with_a_page(app)
    app.extensions["handbook_proxies"].wait()
    _get(port, "/wiki/network-weaving")
    _get(port, "/wiki/network-weaving", BROWSER)
    status, cache, text = _get(port, "/wiki/network-weaving")
    assert (status, cache) == (200, "HIT") and "Alpha line" in text
    status, cache, text = _get(port, "/wiki/network-weaving", BROWSER)
    assert (status, cache) == (200, "HIT") and "Alpha line" in text, "the brotli copy too"
    assert _get(port, "/wiki/network-weaving", {"X-Handbook-Refresh": "guess"})[1] == "HIT"

    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        page = reading.find_page(session, "network-weaving")
        pages.save_edit(session, librarian, page, body="Omega line.\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
    published = time.monotonic()
    assert _within(1.0, lambda: "Omega line" in _get(port, "/wiki/network-weaving")[2])
    assert time.monotonic() - published < 1.0
    status, cache, _text = _get(port, "/wiki/network-weaving")
    assert (status, cache) == (200, "HIT"), "the proxy stored the new page itself"
    assert _within(1.0, lambda: "Omega line" in _get(port, "/wiki/network-weaving", BROWSER)[2])
    assert _get(port, "/wiki/network-weaving", BROWSER)[1] == "HIT"
    assert _within(1.0, lambda: "Network weaving" in _get(port, "/sections/practical-methods")[2])

    member = app.test_client()
    login(member, librarian)
    cookie = f"session={member.get_cookie('session').value}"
    status, cache, text = _get(port, "/wiki/network-weaving", {"Cookie": cookie})
    assert cache == "BYPASS" and "Log out" in text

    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        pages.remove(session, librarian, reading.find_page(session, "network-weaving"),
                     reason="Duplicate")
    assert _within(1.0, lambda: _get(port, "/wiki/network-weaving")[0] == 404)


def test_a_publish_refreshes_the_page_in_the_proxy_even_when_the_app_no_longer_keeps_it(proxied):
    """A server not told of the proxy (or any commit there) can delete a kept page the proxy
    still holds; the next publish of that page must still reach the proxy."""
    app, port = proxied
    librarian = _librarian_with_a_page(app)
    app.extensions["handbook_proxies"].wait()
    _get(port, "/wiki/network-weaving")
    assert _get(port, "/wiki/network-weaving")[1] == "HIT"
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        session.execute(delete(ReaderPage))  # as a commit on another server would

    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        page = reading.find_page(session, "network-weaving")
        pages.save_edit(session, librarian, page, body="Omega line.\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
    assert _within(1.0, lambda: "Omega line" in _get(port, "/wiki/network-weaving")[2])
    assert _get(port, "/wiki/network-weaving")[1] == "HIT"


def test_the_refresher_fetches_each_copy_again_until_the_app_keeps_it():
    """While the app's database is busy it answers without keeping the page (no ETag), and a
    proxy would keep its old copy: the refresher asks again, every copy still owed each round."""
    asked = []

    def app(environ, start_response):
        encoding = environ.get("HTTP_ACCEPT_ENCODING")
        asked.append(encoding)
        kept = asked.count(encoding) > 2  # the first two answers of each copy are not kept
        start_response("200 OK", [("Content-Type", "text/plain")] + ([("ETag", '"a"')] if kept else []))
        return [b"page"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        refresher = proxy_refresh.ProxyRefresher([f"http://127.0.0.1:{server.server_port}"], TOKEN)
        refresher.refresh(["/wiki/network-weaving"])
        refresher.wait()
    finally:
        server.shutdown()
    assert asked == proxy_refresh.ENCODINGS * 3, "three rounds of every copy, then kept"


def test_the_pages_a_commit_changed_are_refreshed_before_any_other():
    """A backlog of a section's pages does not delay the page a later commit changed."""
    fetched, release = [], threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/wiki/first" and not fetched:
            release.wait(5)
        fetched.append(environ["PATH_INFO"])
        start_response("200 OK", [("ETag", '"a"')])
        return [b"page"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        refresher = proxy_refresh.ProxyRefresher([f"http://127.0.0.1:{server.server_port}"], TOKEN)
        refresher.refresh(["/wiki/first"], first={"/wiki/first"})
        time.sleep(0.2)  # the refresher is fetching /wiki/first, held by the app
        refresher.refresh(["/sections/one", "/wiki/neighbour"])
        refresher.refresh(["/", "/wiki/changed"], first={"/wiki/changed"})
        release.set()
        refresher.wait()
    finally:
        server.shutdown()
    copies = len(proxy_refresh.ENCODINGS)
    assert fetched == [path for path in ["/wiki/first", "/wiki/changed", "/sections/one",
                                         "/wiki/neighbour", "/"] for _copy in range(copies)]
