"""Browser fixtures: the app served by a real WSGI server in a thread, and Debian's Chromium.

This folder is a package (see __init__.py) so that this conftest does not take the module
name ``conftest`` from tests/conftest.py, which other test modules import helpers from.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from conftest import PASSWORD

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("HANDBOOK_CHROMIUM", "/usr/bin/chromium")
#: Without the background-networking flags Chromium floods the closed network (design.md).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 10_000


def unavailable(reason):
    """Skip a browser test on a developer's machine; fail it under CI, which must run it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's sync API, started once for the whole run."""
    try:
        from playwright.sync_api import expect
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install playwright)")
    expect.set_options(timeout=TIMEOUT_MS)
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="module")
def browser(playwright_driver, tmp_path_factory):
    """One headless Chromium per test module, on a fresh, empty profile directory."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    from playwright.sync_api import Error as PlaywrightError

    try:
        # Playwright refuses --user-data-dir in args; a persistent context takes the directory,
        # and its browser still opens isolated contexts (one per user) with new_context().
        persistent = playwright_driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        )
    except PlaywrightError as error:
        unavailable(f"Chromium at {CHROMIUM} did not start: {error}")
    yield persistent.browser
    persistent.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on 127.0.0.1 by Werkzeug's threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def visitor(browser, live_server, request, tmp_path):
    """Open a tab in a new browser context: one context per person, with its own cookies."""
    opened = []

    def open_tab():
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        opened.append((context, tab))
        return tab

    yield open_tab
    failed = getattr(request.node, "report_call", None)
    for number, (context, tab) in enumerate(opened, 1):
        if failed is not None and failed.failed and not tab.is_closed():
            path = tmp_path / f"visitor-{number}.png"
            tab.screenshot(path=str(path))
            print(f"Screenshot of visitor {number} at {tab.url}: {path}")
        context.close()


@pytest.fixture
def log_in(browser):
    """Log a tab in through the /login form and wait for the welcome flash."""
    from playwright.sync_api import expect

    def log_in_as(tab, name, password=PASSWORD):
        tab.goto("/login")
        tab.get_by_label("Name", exact=True).fill(name)
        tab.get_by_label("Password", exact=True).fill(password)
        tab.get_by_role("button", name="Log in").click()
        expect(tab.locator(".flash")).to_contain_text(f"Logged in as {name}.")
        return tab

    return log_in_as
