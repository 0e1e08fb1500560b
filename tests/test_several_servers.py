"""Two app servers (separate gunicorn masters, as two hosts would be) on one PostgreSQL with
PostgreSQL search and Redis rate limits: what one publishes the other shows within a second
(page, kept page, search), and login limits are counted once for both."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest

from handbook import db
from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages
from handbook.services import sections

from conftest import IN_CI
from conftest import PASSWORD
from conftest import POSTGRES_URL
from conftest import RENDER
from conftest import build_app
from conftest import fresh_database
from test_rate_limits import REDIS_URL
from test_rate_limits import _free_port
from test_rate_limits import _redis_up
from test_rate_limits import _wrong_login


def _needs(available, what):
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is needed, and CI must run this test")
        pytest.skip(f"{what} is not available")


@pytest.fixture(scope="module")
def two_servers(request, tmp_path_factory):
    """[base URL of server A, of server B], on one fresh PostgreSQL database."""
    tmp_path = tmp_path_factory.mktemp("two-servers")
    _needs(POSTGRES_URL, "PostgreSQL (HANDBOOK_TEST_DATABASE_URL)")
    _needs(_redis_up(), "Redis on 127.0.0.1:6379")
    url = fresh_database(request, "postgresql", tmp_path)
    setup = build_app(url, tmp_path / "setup", SEARCH="postgres")
    with db.session_scope(setup.extensions["handbook_runtime"]) as session:
        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD,
                                         Role.librarian)
        accounts.create_user(session, "target", "target@example.org", PASSWORD, Role.contributor)
        section = sections.create_section(session, librarian, title="Practical methods",
                                          summary="", renderer=RENDER)
        pages.create_page(session, librarian, section_id=section.id, title="Network weaving",
                          body="Alpha line.\n", renderer=RENDER)
    setup.extensions["handbook_engine"].dispose()
    prefix = f"test-{uuid.uuid4().hex}"
    servers, bases = [], []
    for name in ("a", "b"):
        instance = tmp_path / name
        instance.mkdir()
        (instance / "config.py").write_text(
            f"RATELIMIT_KEY_PREFIX = {prefix!r}\nLOGIN_LIMITS = '4 per 15 minutes'\n")
        port = _free_port()
        environment = {**os.environ, "HANDBOOK_DATABASE_URL": url, "HANDBOOK_SEARCH": "postgres",
                       "HANDBOOK_INSTANCE": str(instance), "HANDBOOK_SECRET_KEY": "shared-secret",
                       "HANDBOOK_RATELIMIT_STORAGE_URL": REDIS_URL}
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
             "handbook:create_app()"], env=environment, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            _get(base, "/")
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def _get(base, path, headers=None, opener=None):
    """(status, headers, text), waiting for the server to come up."""
    opener = opener or urllib.request.build_opener()
    for _ in range(200):
        try:
            with opener.open(urllib.request.Request(base + path, headers=headers or {}),
                             timeout=60) as answer:
                return answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"{base} did not answer")


def _publish(base, slug, body):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(path, form, page):
        token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, **form}).encode()
        with opener.open(base + path, data=data, timeout=10) as answer:
            return answer.read().decode()

    post("/login", {"name": "libby", "password": PASSWORD}, _get(base, "/login", opener=opener)[2])
    form = _get(base, f"/wiki/{slug}/edit", opener=opener)[2]
    revision = re.search(r'name="base_revision_id" type="hidden" value="(\d+)"', form).group(1)
    post(f"/wiki/{slug}/edit", {"body": body, "summary": "From server A",
                                "base_revision_id": revision}, form)


def _within(seconds, check):
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_a_publish_on_one_server_shows_on_the_other_within_a_second(two_servers):
    server_a, server_b = two_servers
    status, headers, text = _get(server_b, "/wiki/network-weaving")
    assert status == 200 and "Alpha line" in text
    old_etag = headers["ETag"]
    assert _get(server_b, "/wiki/network-weaving", {"If-None-Match": old_etag})[0] == 304
    _publish(server_a, "network-weaving", "Omega quokkaword line.\n")
    assert _within(1.0, lambda: "quokkaword" in _get(server_b, "/wiki/network-weaving")[2]), \
        "server B's page"
    assert _get(server_b, "/wiki/network-weaving", {"If-None-Match": old_etag})[0] == 200
    assert _within(1.0, lambda: [hit["slug"] for hit in json.loads(
        _get(server_b, "/api/v1/search?q=quokkaword")[2])["results"]] == ["network-weaving"]), \
        "server B's search"
    assert "Omega quokkaword" in _get(server_b, "/recent.atom")[2]


def test_login_limits_are_counted_once_for_both_servers(two_servers):
    ports = [int(base.rsplit(":", 1)[1]) for base in two_servers]
    statuses = [_wrong_login(ports[attempt % 2]) for attempt in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429], statuses
