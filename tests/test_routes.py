"""Every route in the URL map against every role, so no route slips through unchecked."""

import pytest

from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages

from conftest import login
from conftest import post
from conftest import RENDER

ROLES = ["reader", "contributor", "librarian", "admin", "blocked"]
LOGIN = 302  # anonymous visitors are sent to the login page

#: endpoint -> (method, path, expected status for reader, contributor, librarian, admin, blocked)
#: Order matters: routes that change state come last, logout very last.
ROUTES = {
    "static": ("GET", "/static/style.css", 200, 200, 200, 200, 200),
    "reading.contents": ("GET", "/", 200, 200, 200, 200, 200),
    "reading.section": ("GET", "/sections/practical-methods", 200, 200, 200, 200, 200),
    "reading.page": ("GET", "/wiki/network-weaving", 200, 200, 200, 200, 200),
    "reading.history": ("GET", "/wiki/network-weaving/history", 200, 200, 200, 200, 200),
    "reading.revision": ("GET", "/wiki/network-weaving/revisions/{first}", 200, 200, 200, 200, 200),
    "reading.diff": ("GET", "/wiki/network-weaving/diff?from={first}&to={second}", 200, 200, 200, 200, 200),
    "reading.recent": ("GET", "/recent", 200, 200, 200, 200, 200),
    "reading.recent_feed": ("GET", "/recent.atom", 200, 200, 200, 200, 200),
    "reading.person": ("GET", "/users/libby", 200, 200, 200, 200, 200),
    "search.results": ("GET", "/search?q=weaving", 200, 200, 200, 200, 200),
    "search.api": ("GET", "/api/v1/search?q=weaving", 200, 200, 200, 200, 200),
    "editing.edit": ("GET", "/wiki/network-weaving/edit?fresh=1", LOGIN, 200, 200, 200, LOGIN),
    "editing.new": ("GET", "/new", LOGIN, 200, 200, 200, LOGIN),
    "editing.preview": ("POST", "/preview", LOGIN, 200, 200, 200, LOGIN),
    "editing.rename": ("GET", "/wiki/network-weaving/rename", LOGIN, 403, 200, 200, LOGIN),
    "editing.remove": ("GET", "/wiki/network-weaving/remove", LOGIN, 403, 200, 200, LOGIN),
    "accounts.register": ("GET", "/register", 200, 302, 302, 302, 200),
    "accounts.login": ("GET", "/login", 200, 200, 200, 200, 200),
    "accounts.password": ("GET", "/me/password", LOGIN, 200, 200, 200, LOGIN),
    "proposals.mine": ("GET", "/me/proposals", LOGIN, 200, 200, 200, LOGIN),
    "proposals.amend": ("GET", "/me/proposals/{proposal}/amend", LOGIN, 200, 404, 404, LOGIN),
    "review.queue": ("GET", "/review", LOGIN, 403, 200, 200, LOGIN),
    "review.item": ("GET", "/review/{proposal}", LOGIN, 403, 200, 200, LOGIN),
    "structure.index": ("GET", "/manage/sections", LOGIN, 403, 200, 200, LOGIN),
    "structure.new": ("GET", "/manage/sections/new", LOGIN, 403, 200, 200, LOGIN),
    "structure.edit": ("GET", "/manage/sections/practical-methods/edit", LOGIN, 403, 200, 200, LOGIN),
    "admin.users": ("GET", "/admin/users", LOGIN, 403, 403, 200, LOGIN),
    "admin.log": ("GET", "/admin/log", LOGIN, 403, 403, 200, LOGIN),
    "structure.move": ("POST", "/manage/sections/practical-methods/move", LOGIN, 403, 302, 302, LOGIN),
    "editing.move": ("POST", "/wiki/network-weaving/move", LOGIN, 403, 302, 302, LOGIN),
    "admin.set_role": ("POST", "/admin/users/target/role", LOGIN, 403, 403, 302, LOGIN),
    "admin.block": ("POST", "/admin/users/target/block", LOGIN, 403, 403, 302, LOGIN),
    "review.reject": ("POST", "/review/{proposal}/reject", LOGIN, 403, 400, 400, LOGIN),
    "proposals.withdraw": ("POST", "/me/proposals/{proposal}/withdraw", LOGIN, 302, 404, 404, LOGIN),
    "review.approve": ("POST", "/review/{other_proposal}/approve", LOGIN, 403, 302, 302, LOGIN),
    "editing.revert": ("POST", "/wiki/network-weaving/revert/{first}", LOGIN, 403, 302, 302, LOGIN),
    "accounts.logout": ("POST", "/logout", LOGIN, 302, 302, 302, LOGIN),
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES)


@pytest.fixture
def world(session, make_user, make_page):
    """A page with two revisions, two pending proposals, and one account of each role."""
    users = {role: make_user(Role[role], role) for role in ("contributor", "librarian", "admin")}
    users["blocked"] = make_user(Role.contributor, "blocked")
    make_user(Role.contributor, "target")
    page = make_page("Network weaving", "One\n")
    first = page.current_revision_id
    pages.save_edit(session, users["librarian"], page, body="One\nTwo\n", base_revision_id=first, renderer=RENDER)
    proposal = pages.save_edit(session, users["contributor"], page, body="One\nTwo\nMine\n",
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    other = pages.save_edit(session, users["blocked"], page, body="Other\nOne\nTwo\n",
                            base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    ids = {"first": first, "second": page.current_revision_id, "proposal": proposal.id,
           "other_proposal": other.id}
    return users, ids


@pytest.mark.parametrize("role", ROLES)
def test_route_status_for_role(app, client, session, world, role):
    users, ids = world
    if role != "reader":
        assert login(client, users[role]).status_code == 302
    if role == "blocked":
        admin = users["admin"]
        accounts.set_blocked(session, session.merge(admin), session.merge(users["blocked"]), True)
        session.commit()
    column = ROLES.index(role)
    failures = []
    for endpoint, (method, path, *statuses) in ROUTES.items():
        path = path.format(**ids)
        if method == "GET":
            response = client.get(path)
        else:
            response = post(client, path, {"body": "Preview me", "role": "librarian", "blocked": "1"})
        if response.status_code != statuses[column]:
            failures.append(f"{method} {path}: {response.status_code}, expected {statuses[column]}")
    assert not failures, "\n".join(failures)
