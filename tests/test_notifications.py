"""Notifications and watches as services, and the inbox, watch buttons and feed as views."""

from sqlalchemy import select

from handbook.models import Notification
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.models import Watch
from handbook.services import moderation
from handbook.services import notifications
from handbook.services import pages
from handbook.services import watching

from conftest import RENDER
from conftest import login
from conftest import post


def inbox_of(session, user):
    return session.scalars(select(Notification).where(Notification.user_id == user.id)
                           .order_by(Notification.id)).all()


def propose(session, author, page, body):
    revision = pages.save_edit(session, author, page, body=body,
                               base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    return revision


def test_authors_hear_of_approval_merge_and_rejection_with_the_reason(session, make_page, contributor,
                                                                      librarian):
    page = make_page("Network weaving", "One\nTwo\nThree\n")
    first = propose(session, contributor, page, "One\nTwo\nThree\nFour\n")
    second = propose(session, contributor, page, "Zero\nOne\nTwo\nThree\n")
    moderation.approve(session, librarian, first.id, renderer=RENDER)
    moderation.approve(session, librarian, second.id, renderer=RENDER)  # merged onto the first
    third = propose(session, contributor, page, "Nothing\n")
    moderation.reject(session, librarian, third.id, "Please keep the method's steps.")
    session.commit()
    subjects = [entry.subject for entry in inbox_of(session, contributor)]
    assert subjects == ["Your proposal to “Network weaving” was published"] * 2 + [
        "Your proposal to “Network weaving” was not accepted"]
    published, merged, rejected = inbox_of(session, contributor)
    assert "merged with theirs" not in published.body and "merged with theirs" in merged.body
    assert "Please keep the method's steps." in rejected.body
    assert published.path == f"/wiki/network-weaving/revisions/{first.id}"


def test_librarians_hear_of_new_proposals_and_contributors_do_not(session, make_page, make_user,
                                                                  contributor, librarian):
    other = make_user(Role.contributor, "otto")
    admin = make_user(Role.admin, "ada")
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    for person in (librarian, admin):
        [entry] = inbox_of(session, person)
        assert entry.kind == "new_proposal" and entry.path == f"/review/{proposal.id}"
    assert inbox_of(session, other) == [] and inbox_of(session, contributor) == []


def test_watchers_hear_of_published_changes_only_and_never_of_their_own(session, make_page, make_user,
                                                                        contributor, librarian, section):
    page_watcher = make_user(Role.contributor, "paige")
    section_watcher = make_user(Role.contributor, "seth")
    page = make_page("Network weaving", "One\n")
    watching.watch(session, page_watcher, page=page)
    watching.watch(session, section_watcher, section=section)
    watching.watch(session, librarian, page=page)
    session.commit()
    proposal = propose(session, contributor, page, "One\nPENDING\n")
    assert inbox_of(session, page_watcher) == [] and inbox_of(session, section_watcher) == []
    moderation.reject(session, librarian, proposal.id, "No")
    session.commit()
    assert inbox_of(session, page_watcher) == []
    pages.save_edit(session, librarian, page, body="One\nPublished\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    for watcher in (page_watcher, section_watcher):
        [entry] = inbox_of(session, watcher)
        assert entry.subject == "“Network weaving” was changed" and "PENDING" not in entry.body
    assert [entry.kind for entry in inbox_of(session, librarian)] == ["new_proposal"]
    make_page("Holding the space", "New\n")
    assert [entry.subject for entry in inbox_of(session, section_watcher)][-1] == (
        "New page in Practical methods: “Holding the space”")
    assert len(inbox_of(session, page_watcher)) == 1


def test_authors_watch_what_they_propose_to_unless_they_choose_not_to(session, make_page, make_user):
    page = make_page("Network weaving", "One\n")
    eager, quiet = make_user(Role.contributor, "eager"), make_user(Role.contributor, "quiet")
    notifications.set_preferences(session, quiet, {}, watch_own_proposals=False)
    session.commit()
    propose(session, eager, page, "One\nTwo\n")
    propose(session, quiet, page, "One\nThree\n")
    assert watching.is_watching(session, eager, page=page)
    assert not watching.is_watching(session, quiet, page=page)


def test_removing_a_page_withdraws_its_proposals_and_tells_their_authors(session, make_page, contributor,
                                                                         librarian):
    page = make_page("Network weaving", "One\n")
    proposal = propose(session, contributor, page, "One\nTwo\n")
    pages.remove(session, librarian, page, "Merged into Weaving networks")
    session.commit()
    assert proposal.status is RevisionStatus.withdrawn
    [entry] = inbox_of(session, contributor)
    assert entry.kind == "proposal_withdrawn" and "Merged into Weaving networks" in entry.body


def test_one_event_is_told_once(session, contributor):
    for _ in range(2):
        notifications.tell(session, contributor, "proposal_rejected", key="same", path="/me/proposals",
                           title="A", librarian="L", reason="R")
    session.commit()
    assert len(inbox_of(session, contributor)) == 1


def test_unconfirmed_blocked_and_deleted_accounts_are_told_nothing(session, make_user, admin):
    from handbook.services import accounts

    unconfirmed = accounts.register(session, "fresh", "fresh@example.org", "correct horse battery")
    blocked = make_user(Role.contributor, "blocked")
    accounts.set_blocked(session, admin, blocked, True)
    for person in (unconfirmed, blocked):
        assert notifications.tell(session, person, "proposal_rejected", key="k", path="/",
                                  title="A", librarian="L", reason="R") is None


def test_the_inbox_marks_read_pages_and_refuses_another_accounts_entries(app, client, session,
                                                                         contributor, librarian):
    for number in range(35):
        notifications.tell(session, contributor, "proposal_rejected", key=f"n{number}",
                           path="/me/proposals", title=f"Page {number}", librarian="L", reason="R")
    theirs = notifications.tell(session, librarian, "proposal_rejected", key="x", path="/",
                                title="Theirs", librarian="L", reason="R")
    session.commit()
    login(client, contributor)
    first = client.get("/me/notifications").get_data(as_text=True)
    assert "“Page 34”" in first and "“Page 4”" not in first and "Page 1 of 2" in first
    assert '35</span><span class="visually-hidden"> unread' in first
    assert "“Page 4”" in client.get("/me/notifications?page=2").get_data(as_text=True)
    newest = inbox_of(session, contributor)[-1]
    post(client, f"/me/notifications/{newest.id}/read", token_from="/me/notifications")
    assert '34</span><span class="visually-hidden"> unread' in client.get("/me/notifications").get_data(as_text=True)
    refused = post(client, f"/me/notifications/{theirs.id}/read", token_from="/me/notifications")
    assert refused.status_code == 404
    post(client, "/me/notifications/read", token_from="/me/notifications")
    assert "unread" not in client.get("/me/notifications").get_data(as_text=True).split("<main")[0]
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None


def test_watch_buttons_and_the_watchlist(app, client, session, make_page, contributor, section):
    make_page("Network weaving", "One\n")
    login(client, contributor)
    page = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert 'aria-label="Watch Network weaving"' in page
    post(client, "/wiki/network-weaving/watch", {"watching": "1"}, token_from="/wiki/network-weaving")
    post(client, "/sections/practical-methods/watch", {"watching": "1"},
         token_from="/sections/practical-methods")
    again = post(client, "/wiki/network-weaving/watch", {"watching": "1"},
                 token_from="/wiki/network-weaving", follow_redirects=True)
    assert "You already watch it." in again.get_data(as_text=True)
    listed = client.get("/me/watchlist").get_data(as_text=True)
    assert "Network weaving" in listed and "Practical methods" in listed
    assert 'aria-label="Unwatch Network weaving"' in client.get("/wiki/network-weaving").get_data(as_text=True)
    post(client, "/wiki/network-weaving/watch", {"watching": "0"}, token_from="/me/watchlist")
    assert session.scalars(select(Watch.section_id).where(Watch.user_id == contributor.id)).all() == [
        section.id]
    assert post(client, "/wiki/no-such-page/watch", {"watching": "1"}).status_code == 404


def test_the_private_feed_lives_at_a_secret_address_that_can_be_replaced(app, client, session, contributor):
    notifications.tell(session, contributor, "proposal_rejected", key="k", path="/me/proposals",
                       title="Weaving", librarian="L", reason="R")
    session.commit()
    login(client, contributor)
    post(client, "/me/settings/feed", token_from="/me/settings")
    settings = client.get("/me/settings").get_data(as_text=True)
    address = settings.split('<code class="feed-url">')[1].split("</code>")[0]
    path = address.removeprefix("http://127.0.0.1:5000")
    feed = app.test_client().get(path)
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert "Your proposal to “Weaving” was not accepted" in feed.get_data(as_text=True)
    assert "private" in feed.headers["Cache-Control"]
    post(client, "/me/settings/feed", token_from="/me/settings")
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/feeds/guess/notifications.atom").status_code == 404


def test_notification_preferences_are_saved_and_bad_values_refused(app, client, session, contributor):
    login(client, contributor)
    page = client.get("/me/settings").get_data(as_text=True)
    assert "A new proposal waits for review" not in page  # for librarians only
    saved = post(client, "/me/settings/notifications",
                 {"delivery-watched_change": "digest", "delivery-proposal_rejected": "inbox"},
                 token_from="/me/settings", follow_redirects=True)
    assert "Your notification settings are saved." in saved.get_data(as_text=True)
    session.expire_all()
    assert notifications.delivery_for(session, contributor, "watched_change") == "digest"
    assert notifications.delivery_for(session, contributor, "proposal_published") == "mail"
    assert not session.get(type(contributor), contributor.id).watch_own_proposals
    bad = post(client, "/me/settings/notifications", {"delivery-watched_change": "carrier-pigeon"},
               token_from="/me/settings")
    assert bad.status_code == 400
