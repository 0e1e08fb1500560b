"""Quality bars on every page type, as the role that sees it: no axe-core violation of any
impact, no sideways scroll at 360 px, a header of at most 15 % of a phone's first screen, and no error
from the W3C Nu HTML checker, at 1280×800 and 360×740, light and dark; and focus rings, text
fields and buttons at least 3:1 against the page in both themes. A screenshot of each page type is written for people to look at
(to HANDBOOK_SCREENSHOT_DIR when it is set).

The handbook here has lived a little (the seed content, then a scripted history of proposals,
approvals, rejections, renames, removals, comments and reports), so the queues have items.
The markup does not depend on the database, so this module runs on SQLite only.
"""

import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import threading
import zipfile

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

import lived_in
from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import fresh_database
from conftest import post
from handbook import content_io
from handbook import db
from handbook import paths
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.models import User
from handbook.services import accounts
from handbook.services import comments
from handbook.services import pages as page_service
from handbook.services import reports

from .conftest import TIMEOUT_MS
from .conftest import unavailable

pytestmark = pytest.mark.browser
TOOLS = pathlib.Path(__file__).resolve().parents[2] / ".ci" / "node_modules"
AXE_JS = pathlib.Path(os.environ.get("HANDBOOK_AXE_JS", TOOLS / "axe-core" / "axe.min.js"))
VNU_JAR = pathlib.Path(os.environ.get("HANDBOOK_VNU_JAR", TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"))
VIEWPORTS = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
THEMES = ["light", "dark"]
#: the most of a phone's first screen the site header may take
HEADER_SHARE = 0.15
LIVED_IN_PASSWORD = "long enough password"
#: the innermost elements that reach past the right edge of a viewport `limit` px wide
WIDER_THAN = """limit => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > limit + 1 && e.children.length === 0)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def page_types(ids):
    """(name, role, path) of every page type; `ids` names the records the paths need."""
    page, section, person = ids["page"], ids["section"], ids["person"]
    return [
        ("contents", None, "/"),
        ("section", None, f"/sections/{section}"),
        ("page", None, f"/wiki/{page}"),
        ("history", None, f"/wiki/{page}/history"),
        ("diff", None, f"/wiki/{page}/diff?from={ids['old_revision']}&to={ids['new_revision']}"),
        ("revision", None, f"/wiki/{page}/revisions/{ids['old_revision']}"),
        ("discussion", None, f"/wiki/{page}/discussion"),
        ("report", None, f"/wiki/{page}/report"),
        ("search", None, "/search?q=convenor"),
        ("search-empty", None, "/search?q=qqqzzzxxy"),
        ("recent", None, "/recent"),
        ("person", None, f"/users/{person}"),
        ("login", None, "/login"),
        ("register", None, "/register"),
        ("forgot-password", None, "/forgot-password"),
        ("not-found", None, "/wiki/no-such-page-here"),
        ("editions", None, "/editions"),
        ("edition-printable", None, f"/editions/sections/{section}.html"),
        ("edit", "contributor", f"/wiki/{page}/edit"),
        ("new-page", "contributor", "/new"),
        ("my-proposals", "contributor", "/me/proposals"),
        ("settings", "contributor", "/me/settings"),
        ("password", "contributor", "/me/password"),
        ("notifications", "contributor", "/me/notifications"),
        ("watchlist", "contributor", "/me/watchlist"),
        ("coffee", "contributor", "/coffee"),
        ("review-queue", "librarian", "/review"),
        ("review-item", "librarian", f"/review/{ids['proposal']}"),
        ("approve-with-edits", "librarian", f"/review/{ids['proposal']}/edit"),
        ("patrol", "librarian", "/review/patrol"),
        ("reports", "librarian", "/review/reports"),
        ("report-item", "librarian", f"/review/reports/{ids['reported_page']}"),
        ("comments-queue", "librarian", "/review/comments"),
        ("due", "librarian", "/review/due"),
        ("review-stats", "librarian", "/review/stats"),
        ("sections", "librarian", "/manage/sections"),
        ("rename", "librarian", f"/wiki/{page}/rename"),
        ("admin-users", "admin", "/admin/users"),
        ("admin-reasons", "admin", "/admin/reasons"),
        ("admin-log", "admin", "/admin/log"),
        ("admin-coffee", "admin", "/admin/coffee"),
    ]


def _live_a_little(session):
    """The seed handbook, a scripted history, one more proposal, a report and a held comment."""
    content_io.import_dir(session, paths.content_dir(), RENDER)
    session.commit()
    lived_in.live(session, RENDER, seed=3, steps=60)
    accounts.create_user(session, "ada", "ada@example.org", PASSWORD, Role.admin)
    connie = accounts.create_user(session, "connie", "connie@example.org", PASSWORD,
                                  Role.contributor)
    session.commit()
    page = session.scalars(select(Page).where(Page.slug == "relational-coordination")).one()
    first = page.current_revision
    archivist = session.scalars(select(User).where(User.name == "archivist")).one()
    page_service.save_edit(session, archivist, page, body=first.body + "\nA librarian's note.\n",
                           summary="A note", base_revision_id=first.id, renderer=RENDER)
    session.commit()
    base = page.current_revision
    page_service.save_edit(session, connie, page,
                           body=base.body.replace("## Where it came from", "## Where it came from\n\n"
                                                  "A new opening line.", 1) + "\nA closing thought.\n",
                           summary="A closing thought", base_revision_id=base.id, renderer=RENDER)
    reports.report(session, connie, page, "out_of_date", "The figures are from 2019.")
    comments.post(session, connie, page, "Is there a newer study? https://example.org/study",
                  renderer=RENDER)
    session.commit()
    proposal = session.scalars(select(Revision).where(
        Revision.page_id == page.id, Revision.status == RevisionStatus.pending)).one()
    published = [first.id, base.id]
    return {"page": page.slug, "section": page.section.slug, "person": "connie",
            "old_revision": published[0], "new_revision": published[-1],
            "proposal": proposal.id, "reported_page": page.id}


@pytest.fixture(scope="module")
def handbook(request, tmp_path_factory):
    """A lived-in handbook served over HTTP for the whole module, and the ids its paths need."""
    folder = tmp_path_factory.mktemp("quality")
    app = build_app(fresh_database(request, "sqlite", folder), folder / "instance")
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        ids = _live_a_little(session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", page_types(ids)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["handbook_engine"].dispose()


LOGINS = {"contributor": ("connie", PASSWORD), "librarian": ("archivist", LIVED_IN_PASSWORD),
          "admin": ("ada", PASSWORD)}


def _tabs(browser, base_url, viewport, theme):
    """One logged-in tab per role (None: a reader with no account)."""
    tabs = {}
    for role in [None, *LOGINS]:
        context = browser.new_context(base_url=base_url, viewport=viewport, color_scheme=theme)
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        if role is not None:
            name, password = LOGINS[role]
            tab.goto("/login")
            tab.get_by_label("Name", exact=True).fill(name)
            tab.get_by_label("Password", exact=True).fill(password)
            tab.get_by_role("button", name="Log in").click()
            tab.wait_for_selector("p.flash")
        tabs[role] = tab
    return tabs


def _screenshot_dir(tmp_path):
    chosen = os.environ.get("HANDBOOK_SCREENSHOT_DIR")
    folder = pathlib.Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _axe(tab, axe_source):
    """(violations as short readable lines, how many axe-core rules the page passed)."""
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.evaluate(axe_source)  # evaluated through DevTools, so the page's CSP stays on
    found = tab.evaluate("axe.run(document, {resultTypes: ['violations']})"
                         ".then(r => ({violations: r.violations, passes: r.passes.length}))")
    return [f"{rule['id']} ({rule['impact']}): {rule['help']} — "
            + "; ".join(" ".join(node["target"]) for node in rule["nodes"][:4])
            for rule in found["violations"]], found["passes"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("theme", THEMES)
def test_every_page_type_passes_axe_and_fits_the_screen(handbook, browser, viewport, theme,
                                                        tmp_path):
    if not AXE_JS.is_file():
        unavailable(f"axe-core is not installed at {AXE_JS} (npm ci --prefix .ci)")
    axe_source = AXE_JS.read_text()
    _, base_url, types = handbook
    tabs = _tabs(browser, base_url, VIEWPORTS[viewport], theme)
    shots = _screenshot_dir(tmp_path)
    failures, figures = [], {}
    for name, role, path in types:
        tab = tabs[role]
        response = tab.goto(path)
        expected = 404 if name == "not-found" else 200
        if response.status != expected:
            failures.append(f"{name} {path}: HTTP {response.status}")
            continue
        tab.screenshot(path=str(shots / f"{name}-{viewport}-{theme}.png"))
        violations, passes = _axe(tab, axe_source)
        for line in violations:
            failures.append(f"{name} {path}: {line}")
        header = tab.evaluate("document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0")
        if viewport == "phone" and header > HEADER_SHARE * VIEWPORTS[viewport]["height"]:
            failures.append(f"{name} {path}: the header takes {header:.0f} px of the first screen")
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS[viewport]["width"]:
            failures.append(f"{name} {path}: the document is {width} px wide at a "
                            f"{VIEWPORTS[viewport]['width']} px viewport, past it: "
                            + ", ".join(tab.evaluate(WIDER_THAN, VIEWPORTS[viewport]["width"])))
        figures[name] = {"axe_violations": len(violations), "axe_rules_passed": passes,
                         "document_width": width, "header_height": round(header)}
    (shots / f"quality-bars-{viewport}-{theme}.json").write_text(json.dumps(figures, indent=1))
    for tab in tabs.values():
        tab.context.close()
    assert not failures, "\n".join(failures)


def test_every_page_type_is_valid_html(handbook, tmp_path):
    if not VNU_JAR.is_file():
        unavailable(f"the Nu HTML checker is not installed at {VNU_JAR} (npm ci --prefix .ci)")
    if shutil.which("java") is None:
        unavailable("Java is not installed (the Nu HTML checker needs it)")
    app, _, types = handbook
    clients = {None: app.test_client()}
    for role, (name, password) in LOGINS.items():
        clients[role] = app.test_client()
        post(clients[role], "/login", {"name": name, "password": password})
    files = {}
    for name, role, path in types:
        html = clients[role].get(path).get_data()
        files[name] = tmp_path / f"{name}.html"
        files[name].write_bytes(html)
    offline = zipfile.ZipFile(io.BytesIO(clients[None].get("/editions/handbook.zip").get_data()))
    for member in offline.namelist()[:3]:  # the contents and two pages of the offline edition
        files[f"offline {member}"] = tmp_path / member.replace("/", "-")
        files[f"offline {member}"].write_bytes(offline.read(member))
    checked = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
         *[str(file) for file in files.values()]],
        capture_output=True, text=True, timeout=300)
    messages = json.loads(checked.stderr or '{"messages": []}')["messages"]
    by_file = {str(file): name for name, file in files.items()}
    errors = {}
    for message in messages:
        if message["type"] == "error":
            where = by_file.get(message["url"].removeprefix("file:"), message["url"])
            text = re.sub(r"“[^”]*”", "“…”", message["message"])
            errors.setdefault(text, []).append(f"{where}:{message.get('lastLine')}")
    assert not errors, f"{sum(map(len, errors.values()))} HTML errors:\n" + "\n".join(
        f"{text} ({len(places)}×: {', '.join(places[:6])})" for text, places in errors.items())


def _luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(first, second):
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


#: the focused element's outline colour and the background it is drawn on, as [r, g, b]
FOCUS_COLOURS = """() => {
  const rgb = colour => colour.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const focused = document.activeElement;
  let under = focused.parentElement;
  while (under && getComputedStyle(under).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) {
    under = under.parentElement;
  }
  return [rgb(getComputedStyle(focused).outlineColor),
          rgb(getComputedStyle(under || document.body).backgroundColor)];
}"""


@pytest.mark.parametrize("theme", THEMES)
def test_focus_rings_stand_out_three_to_one(handbook, browser, theme):
    _, base_url, _ = handbook
    context = browser.new_context(base_url=base_url, viewport=VIEWPORTS["wide"], color_scheme=theme)
    tab = context.new_page()
    tab.goto("/wiki/relational-coordination")
    ratios = []
    for _ in range(6):  # the skip link, the brand, the search box and button, the first links
        tab.keyboard.press("Tab")
        ring, background = tab.evaluate(FOCUS_COLOURS)
        ratios.append(round(_contrast(ring, background), 2))
    context.close()
    assert min(ratios) >= 3, ratios


#: each text field's border and each button's fill (or border, when it has none), beside the
#: background it sits on, as [[r, g, b], [r, g, b], name]
CONTROL_COLOURS = """() => {
  const rgb = colour => colour.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const clear = colour => /rgba\\(.*, 0\\)|transparent/.test(colour);
  const under = element => {
    let found = element.parentElement;
    while (found && clear(getComputedStyle(found).backgroundColor)) { found = found.parentElement; }
    return rgb(getComputedStyle(found || document.body).backgroundColor);
  };
  return [...document.querySelectorAll('main input:not([type=hidden]), main button, main select, main textarea')]
    .map(control => {
      const style = getComputedStyle(control);
      const edge = clear(style.backgroundColor) || control.tagName !== 'BUTTON'
        ? style.borderTopColor : style.backgroundColor;
      return [rgb(edge), under(control), control.name || control.textContent.trim()];
    });
}"""


@pytest.mark.parametrize("theme", THEMES)
def test_controls_stand_out_three_to_one(handbook, browser, theme):
    """Text fields' borders and buttons' fills against the page, on the forms people use most."""
    _, base_url, _ = handbook
    context = browser.new_context(base_url=base_url, viewport=VIEWPORTS["wide"], color_scheme=theme)
    tab = context.new_page()
    weak = []
    for path in ("/login", "/register", "/search?q=convenor", "/wiki/relational-coordination/report"):
        tab.goto(path)
        for edge, background, name in tab.evaluate(CONTROL_COLOURS):
            ratio = _contrast(edge, background)
            if ratio < 3:
                weak.append(f"{path} {name!r}: {ratio:.2f}")
    context.close()
    assert not weak, weak


def test_a_librarian_decides_from_the_top_of_the_review_screen_on_a_phone(handbook, browser):
    _, base_url, types = handbook
    path = next(path for name, _, path in types if name == "review-item")
    tabs = _tabs(browser, base_url, VIEWPORTS["phone"], "light")
    tab = tabs["librarian"]
    tab.goto(path)
    screen = VIEWPORTS["phone"]["height"]
    for name in ("Approve and publish", "Request changes", "Reject"):
        box = tab.get_by_role("button", name=name, exact=True).bounding_box()
        assert box is not None, name
        if name == "Approve and publish":
            assert box["y"] + box["height"] <= screen, f"{name} is below the first screen: {box}"
    diff = tab.locator("table.diff:visible").first.bounding_box()
    approve = tab.get_by_role("button", name="Approve and publish").bounding_box()
    assert approve["y"] < diff["y"], "the decision comes before the diff"
    for opened in tabs.values():
        opened.context.close()
