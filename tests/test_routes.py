"""Every route in the URL map against every role, so no route slips through unchecked."""

import pytest

from handbook import tokens
from handbook.models import Revision
from handbook.models import Role
from handbook.services import accounts
from handbook.services import comments
from handbook.services import media
from handbook.services import notifications
from handbook.services import pages
from handbook.services import reasons

from conftest import PASSWORD
from conftest import login
from conftest import post
from conftest import RENDER

ROLES = ["reader", "contributor", "librarian", "admin", "blocked", "unconfirmed"]
LOGIN = 302  # anonymous visitors are sent to the login page

#: endpoint -> (method, path, expected status for reader, contributor, librarian, admin, blocked,
#: unconfirmed: a contributor who has not yet confirmed their address)
#: Order matters: routes that change state come last, logout very last.
ROUTES = {
    "static": ("GET", "/static/style.css", 200, 200, 200, 200, 200, 200),
    "reading.contents": ("GET", "/", 200, 200, 200, 200, 200, 200),
    "reading.section": ("GET", "/sections/practical-methods", 200, 200, 200, 200, 200, 200),
    "reading.page": ("GET", "/wiki/network-weaving", 200, 200, 200, 200, 200, 200),
    "reading.history": ("GET", "/wiki/network-weaving/history", 200, 200, 200, 200, 200, 200),
    "reading.revision": ("GET", "/wiki/network-weaving/revisions/{first}", 200, 200, 200, 200, 200, 200),
    "reading.diff": ("GET", "/wiki/network-weaving/diff?from={first}&to={second}", 200, 200, 200, 200, 200, 200),
    "reading.recent": ("GET", "/recent", 200, 200, 200, 200, 200, 200),
    "reading.recent_feed": ("GET", "/recent.atom", 200, 200, 200, 200, 200, 200),
    "media.upload": ("GET", "/media/new", LOGIN, 200, 200, 200, LOGIN, 403),
    "media.file": ("GET", "/media/{media}/chart.pdf", 404, 200, 200, 200, 404, 404),
    "editions.index": ("GET", "/editions", 200, 200, 200, 200, 200, 200),
    "editions.handbook_printable": ("GET", "/editions/handbook.html", 200, 200, 200, 200, 200, 200),
    "editions.section_printable": ("GET", "/editions/sections/practical-methods.html", 200, 200, 200, 200, 200, 200),
    "editions.handbook_offline": ("GET", "/editions/handbook.zip", 200, 200, 200, 200, 200, 200),
    "editions.section_offline": ("GET", "/editions/sections/practical-methods.zip", 200, 200, 200, 200, 200, 200),
    "reading.section_feed": ("GET", "/sections/practical-methods/recent.atom", 200, 200, 200, 200, 200, 200),
    "reading.person": ("GET", "/users/libby", 200, 200, 200, 200, 200, 200),
    "reports.new": ("GET", "/wiki/network-weaving/report", 200, 200, 200, 200, 200, 200),
    "reflection.form": ("GET", "/reflection", 200, 200, 200, 200, 200, 200),
    "reflection.result": ("POST", "/reflection", 400, 400, 400, 400, 400, 400),
    "reports.queue": ("GET", "/review/reports", LOGIN, 403, 200, 200, LOGIN, 403),
    "reports.item": ("GET", "/review/reports/{page}", LOGIN, 403, 200, 200, LOGIN, 403),
    "search.results": ("GET", "/search?q=weaving", 200, 200, 200, 200, 200, 200),
    "search.api": ("GET", "/api/v1/search?q=weaving", 200, 200, 200, 200, 200, 200),
    "editing.edit": ("GET", "/wiki/network-weaving/edit?fresh=1", LOGIN, 200, 200, 200, LOGIN, 403),
    "editing.new": ("GET", "/new", LOGIN, 200, 200, 200, LOGIN, 403),
    "editing.preview": ("POST", "/preview", LOGIN, 200, 200, 200, LOGIN, 403),
    "editing.rename": ("GET", "/wiki/network-weaving/rename", LOGIN, 403, 200, 200, LOGIN, 403),
    "editing.remove": ("GET", "/wiki/network-weaving/remove", LOGIN, 403, 200, 200, LOGIN, 403),
    "accounts.register": ("GET", "/register", 200, 302, 302, 302, 200, 302),
    "accounts.login": ("GET", "/login", 200, 200, 200, 200, 200, 200),
    "accounts.password": ("GET", "/me/password", LOGIN, 200, 200, 200, LOGIN, 200),
    "proposals.mine": ("GET", "/me/proposals", LOGIN, 200, 200, 200, LOGIN, 200),
    "proposals.amend": ("GET", "/me/proposals/{proposal}/amend", LOGIN, 200, 404, 404, LOGIN, 404),
    "review.queue": ("GET", "/review", LOGIN, 403, 200, 200, LOGIN, 403),
    "review.stats": ("GET", "/review/stats", LOGIN, 403, 200, 200, LOGIN, 403),
    "review.item": ("GET", "/review/{proposal}", LOGIN, 403, 200, 200, LOGIN, 403),
    "review.claim": ("POST", "/review/{proposal}/claim", LOGIN, 403, 302, 302, LOGIN, 403),
    "structure.index": ("GET", "/manage/sections", LOGIN, 403, 200, 200, LOGIN, 403),
    "structure.new": ("GET", "/manage/sections/new", LOGIN, 403, 200, 200, LOGIN, 403),
    "structure.edit": ("GET", "/manage/sections/practical-methods/edit", LOGIN, 403, 200, 200, LOGIN, 403),
    "admin.users": ("GET", "/admin/users", LOGIN, 403, 403, 200, LOGIN, 403),
    "admin.reasons_list": ("GET", "/admin/reasons", LOGIN, 403, 403, 200, LOGIN, 403),
    "review.edit": ("GET", "/review/{proposal}/edit", LOGIN, 403, 200, 200, LOGIN, 403),
    "admin.log": ("GET", "/admin/log", LOGIN, 403, 403, 200, LOGIN, 403),
    "coffee.index": ("GET", "/coffee", LOGIN, 200, 200, 200, LOGIN, 403),
    "coffee.admin": ("GET", "/admin/coffee", LOGIN, 403, 403, 200, LOGIN, 403),
    "patrol.queue": ("GET", "/review/patrol", LOGIN, 403, 200, 200, LOGIN, 403),
    "due.queue": ("GET", "/review/due", LOGIN, 403, 200, 200, LOGIN, 403),
    "redaction.hide": ("GET", "/wiki/network-weaving/revisions/{first}/hide", LOGIN, 403, 200, 200, LOGIN, 403),
    "cleanup.undo": ("GET", "/users/target/undo", LOGIN, 403, 200, 200, LOGIN, 403),
    "comments.discussion": ("GET", "/wiki/network-weaving/discussion", 200, 200, 200, 200, 200, 200),
    "comments.queue": ("GET", "/review/comments", LOGIN, 403, 200, 200, LOGIN, 403),
    "comments.edit": ("GET", "/comments/{comment}/edit", LOGIN, 200, 403, 403, LOGIN, 403),
    "comments.history": ("GET", "/comments/{comment}/history", LOGIN, 403, 200, 200, LOGIN, 403),
    "structure.move": ("POST", "/manage/sections/practical-methods/move", LOGIN, 403, 302, 302, LOGIN, 403),
    "editing.move": ("POST", "/wiki/network-weaving/move", LOGIN, 403, 302, 302, LOGIN, 403),
    "admin.set_role": ("POST", "/admin/users/target/role", LOGIN, 403, 403, 302, LOGIN, 403),
    "admin.block": ("POST", "/admin/users/target/block", LOGIN, 403, 403, 302, LOGIN, 403),
    "editing.protect": ("POST", "/wiki/network-weaving/protection", LOGIN, 403, 302, 302, LOGIN, 403),
    "structure.protect": ("POST", "/manage/sections/practical-methods/protection", LOGIN, 403, 302, 302, LOGIN, 403),
    "review.note": ("POST", "/proposals/{proposal}/notes", LOGIN, 302, 302, 302, LOGIN, 404),
    "review.request_changes": ("POST", "/review/{proposal}/request-changes", LOGIN, 403, 400, 400, LOGIN, 403),
    "admin.reason": ("POST", "/admin/reasons/{reason}", LOGIN, 403, 403, 400, LOGIN, 403),
    "review.reject": ("POST", "/review/{proposal}/reject", LOGIN, 403, 400, 400, LOGIN, 403),
    "proposals.second_look": ("POST", "/me/proposals/{proposal}/second-look", LOGIN, 403, 404, 404, LOGIN, 404),
    "proposals.withdraw": ("POST", "/me/proposals/{proposal}/withdraw", LOGIN, 302, 404, 404, LOGIN, 404),
    "review.approve": ("POST", "/review/{other_proposal}/approve", LOGIN, 403, 302, 302, LOGIN, 403),
    "editing.revert": ("POST", "/wiki/network-weaving/revert/{first}", LOGIN, 403, 302, 302, LOGIN, 403),
    "accounts.confirm": ("GET", "/confirm/{confirm_token}", 200, 200, 200, 200, 200, 200),
    "accounts.forgot": ("GET", "/forgot-password", 200, 200, 200, 200, 200, 200),
    "accounts.reset": ("GET", "/reset-password/{reset_token}", 200, 200, 200, 200, 200, 200),
    "settings.index": ("GET", "/me/settings", LOGIN, 200, 200, 200, LOGIN, 200),
    "settings.delete": ("GET", "/me/settings/delete", LOGIN, 200, 200, 200, LOGIN, 200),
    "settings.confirm_email": ("GET", "/me/settings/confirm-email/{change_token}", 200, 200, 200, 200, 200, 200),
    "notifications.inbox": ("GET", "/me/notifications", LOGIN, 200, 200, 200, LOGIN, 200),
    "notifications.watchlist": ("GET", "/me/watchlist", LOGIN, 200, 200, 200, LOGIN, 200),
    "notifications.feed": ("GET", "/feeds/{feed_token}/notifications.atom", 200, 200, 200, 200, 200, 200),
    "notifications.unsubscribe": ("GET", "/unsubscribe/{unsubscribe_token}", 200, 200, 200, 200, 200, 200),
    "settings.profile": ("POST", "/me/settings/profile", LOGIN, 400, 400, 400, LOGIN, 400),
    "settings.email": ("POST", "/me/settings/email", LOGIN, 400, 400, 400, LOGIN, 400),
    "settings.preferences": ("POST", "/me/settings/notifications", LOGIN, 302, 302, 302, LOGIN, 302),
    "settings.feed": ("POST", "/me/settings/feed", LOGIN, 302, 302, 302, LOGIN, 302),
    "accounts.resend_confirmation": ("POST", "/me/confirm/resend", LOGIN, 302, 302, 302, LOGIN, 302),
    "notifications.mark_read": ("POST", "/me/notifications/{notification}/read", LOGIN, 302, 404, 404, LOGIN, 404),
    "notifications.mark_all_read": ("POST", "/me/notifications/read", LOGIN, 302, 302, 302, LOGIN, 302),
    "notifications.watch_page": ("POST", "/wiki/network-weaving/watch", LOGIN, 302, 302, 302, LOGIN, 302),
    "notifications.watch_section": ("POST", "/sections/practical-methods/watch", LOGIN, 302, 302, 302, LOGIN, 302),
    "admin.sections": ("POST", "/admin/users/librarian/sections", LOGIN, 403, 403, 302, LOGIN, 403),
    "admin.confirm": ("POST", "/admin/users/target/confirm", LOGIN, 403, 403, 302, LOGIN, 403),
    "reports.resolve": ("POST", "/review/reports/{page}/resolve", LOGIN, 403, 400, 400, LOGIN, 403),
    "structure.rules": ("POST", "/manage/sections/practical-methods/rules", LOGIN, 403, 302, 400, LOGIN, 403),
    "trust.set_trust": ("POST", "/users/target/trust/practical-methods", LOGIN, 403, 400, 400, LOGIN, 403),
    "patrol.mark": ("POST", "/review/patrol/{patrol}/patrolled", LOGIN, 403, 302, 302, LOGIN, 403),
    "due.mark_reviewed": ("POST", "/wiki/network-weaving/reviewed", LOGIN, 403, 302, 302, LOGIN, 403),
    "redaction.unhide": ("POST", "/wiki/network-weaving/revisions/{first}/unhide", LOGIN, 403, 403, 302, LOGIN, 403),
    "patrol.revert": ("POST", "/review/patrol/{patrol_current}/revert", LOGIN, 403, 302, 302, LOGIN, 403),
    "comments.post": ("POST", "/wiki/network-weaving/discussion", LOGIN, 302, 302, 302, LOGIN, 403),
    "comments.moderate": ("POST", "/comments/{comment}/moderate", LOGIN, 403, 302, 302, LOGIN, 403),
    "comments.delete": ("POST", "/comments/{comment}/delete", LOGIN, 302, 403, 403, LOGIN, 403),
    "reflection.save": ("POST", "/reflection/save", LOGIN, 400, 400, 400, LOGIN, 400),
    "reflection.forget": ("POST", "/reflection/forget", LOGIN, 302, 302, 302, LOGIN, 302),
    "coffee.met": ("POST", "/coffee/matches/1/met", LOGIN, 404, 404, 404, LOGIN, 403),
    "coffee.leave": ("POST", "/coffee/leave", LOGIN, 302, 302, 302, LOGIN, 403),
    "coffee.run": ("POST", "/admin/coffee/pair", LOGIN, 403, 403, 302, LOGIN, 403),
    "accounts.logout": ("POST", "/logout", LOGIN, 302, 302, 302, LOGIN, 302),
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES)


@pytest.fixture
def world(app, session, make_user, make_page):
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
    users["unconfirmed"] = accounts.register(session, "unconfirmed", "unconfirmed@example.org",
                                             PASSWORD)
    target = accounts.get_by_name(session, "target")
    reason = reasons.add(session, users["admin"], "Out of scope")
    told = notifications.tell(session, users["contributor"], "proposal_rejected", key="routes",
                              path="/me/proposals", title="Network weaving", librarian="libby",
                              reason="Not yet")
    feed_token = notifications.new_feed_token(session, users["contributor"])
    comment = comments.post(session, users["contributor"], page, "A comment", renderer=RENDER)
    upload = media.store(session, users["contributor"], "chart.pdf", b"%PDF-1.4\n", "",
                         max_bytes=10**6)
    for revision_id in (first, page.current_revision_id):
        session.get(Revision, revision_id).unpatrolled = True
    session.commit()
    secret = app.config["SECRET_KEY"]
    ids = {"first": first, "second": page.current_revision_id, "proposal": proposal.id, "patrol": first, "comment": comment.id, "media": upload.digest, "patrol_current": page.current_revision_id, "page": page.id,
           "other_proposal": other.id, "notification": told.id, "reason": reason.id, "feed_token": feed_token,
           "confirm_token": tokens.confirm_address(secret, users["unconfirmed"].id,
                                                   "unconfirmed@example.org"),
           "reset_token": tokens.reset_password(secret, users["contributor"]),
           "change_token": tokens.change_email(secret, target.id, "new@example.org", target.email),
           "unsubscribe_token": tokens.unsubscribe(secret, target.id, "watched_change")}
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
