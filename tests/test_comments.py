"""Page discussions: held first comments, replies one level deep, edits within 15 minutes,
removal, moderation, notifications, counts, reports, and nothing held reaching anyone else."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from handbook import db
from handbook.models import AuditEntry
from handbook.models import CommentState
from handbook.models import Notification
from handbook.models import Report
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import comments
from handbook.services import reports
from handbook.services import watching
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition

from conftest import RENDER
from conftest import login
from conftest import post


def say(session, author, page, body, parent=None):
    comment = comments.post(session, author, page, body, parent_id=parent.id if parent else None,
                            renderer=RENDER)
    session.commit()
    return comment


def approve(session, librarian, comment):
    comments.decide(session, librarian, comment, "approve")
    session.commit()


@pytest.fixture
def page(make_page):
    return make_page("Network weaving", "Weaving connects people.\n")


def test_a_members_first_comments_wait_until_two_are_approved(session, page, contributor,
                                                               librarian):
    first = say(session, contributor, page, "A first thought.")
    second = say(session, contributor, page, "A second thought.")
    assert (first.state, second.state) == (CommentState.held, CommentState.held)
    assert first.reason == "new"
    approve(session, librarian, first)
    assert say(session, contributor, page, "Third, still new.").state is CommentState.held
    approve(session, librarian, second)
    assert say(session, contributor, page, "Now trusted to comment.").state is (
        CommentState.published)
    assert say(session, librarian, page, "Librarians are never held.").state is (
        CommentState.published)


def test_the_guard_holds_a_comment_with_personal_details_whoever_writes_it(
        session, page, make_user, librarian):
    regular = make_user(name="regular")
    for number in range(2):
        approve(session, librarian, say(session, regular, page, f"Fine {number}."))
    flagged = say(session, regular, page, "Ring her on 07700 900123 about it.")
    assert flagged.state is CommentState.held and flagged.reason == "flagged"


def test_comments_are_sanitized_with_no_headings_or_images(session, page, librarian):
    comment = say(session, librarian, page,
                  "# Shouting\n\n![x](https://example.org/x.png) **bold** <script>alert(1)</script>")
    assert "<h" not in comment.html and "<img" not in comment.html and "<script" not in comment.html
    assert "<strong>bold</strong>" in comment.html


def test_replies_are_one_level_deep_and_only_to_published_comments(session, page, librarian,
                                                                   contributor):
    thread = say(session, librarian, page, "A thread.")
    reply = say(session, librarian, page, "A reply.", parent=thread)
    with pytest.raises(InvalidInput, match="reply only to a published comment"):
        say(session, librarian, page, "A reply to a reply.", parent=reply)
    session.rollback()
    held = say(session, contributor, page, "Held.")
    with pytest.raises(InvalidInput):
        say(session, librarian, page, "Reply to held.", parent=held)


def test_only_the_author_sees_a_held_comment(session, page, contributor, librarian, make_user):
    held = say(session, contributor, page, "Waiting.")
    mine = [thread.comment for thread in comments.discussion(session, contributor, page)]
    assert mine == [held]
    for viewer in (None, make_user(name="other"), librarian):
        assert comments.discussion(session, viewer, page) == []
    assert comments.published_count(session, page.id) == 0


def test_editing_keeps_history_and_closes_after_fifteen_minutes(session, page, librarian):
    comment = say(session, librarian, page, "Frist!")
    comments.edit(session, librarian, comment, "First!", renderer=RENDER)
    session.commit()
    assert comment.body.strip() == "First!" and comment.edited_at is not None
    assert [edit.body.strip() for edit in comments.edits_of(session, comment)] == ["Frist!"]
    db.begin_write(session)
    comment.created_at -= timedelta(minutes=16)
    session.commit()
    with pytest.raises(InvalidInput, match="15 minutes"):
        comments.edit(session, librarian, comment, "Too late", renderer=RENDER)


def test_only_the_author_edits_or_removes_and_removal_leaves_a_line(session, page, librarian,
                                                                     contributor):
    comment = say(session, librarian, page, "Mine.")
    with pytest.raises(Forbidden):
        comments.edit(session, contributor, comment, "Theirs", renderer=RENDER)
    with pytest.raises(Forbidden):
        comments.remove(session, contributor, comment)
    comments.remove(session, librarian, comment)
    session.commit()
    assert comment.state is CommentState.removed and comment.body == ""
    assert [edit.body.strip() for edit in comments.edits_of(session, comment)] == ["Mine."]
    assert [thread.comment for thread in comments.discussion(session, None, page)] == [comment]


def test_librarians_reject_hide_and_restore_with_reasons_all_audited(
        session, page, contributor, librarian):
    held = say(session, contributor, page, "Buy my course.")
    with pytest.raises(InvalidInput, match="Say why"):
        comments.decide(session, librarian, held, "reject")
    comments.decide(session, librarian, held, "reject", "Advertising")
    session.commit()
    with pytest.raises(InvalidTransition):
        comments.decide(session, librarian, held, "approve")
    session.rollback()
    published = say(session, librarian, page, "Fine words.")
    comments.decide(session, librarian, published, "hide", "Off topic")
    session.commit()
    comments.decide(session, librarian, published, "restore")
    session.commit()
    actions = session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("comment %")).order_by(AuditEntry.id)).all()
    assert actions == ["comment reject", "comment hide", "comment restore"]
    told = session.scalar(select(Notification).where(Notification.user_id == contributor.id,
                                                     Notification.kind == "comment_decided"))
    assert "Advertising" in told.body


def test_a_librarian_of_another_section_cannot_moderate(session, page, contributor, make_user):
    from handbook.services import accounts
    from handbook.services import sections

    other = sections.create_section(session, make_user(Role.admin), title="Stories",
                                    renderer=RENDER)
    narrow = make_user(Role.librarian)
    accounts.set_review_sections(session, None, narrow, every=False, slugs=[other.slug])
    session.commit()
    held = say(session, contributor, page, "Held.")
    with pytest.raises(Forbidden):
        comments.decide(session, narrow, held, "approve")
    assert comments.held_queue(session, narrow) == []


def test_watchers_hear_of_published_comments_and_the_thread_of_replies(
        session, page, contributor, librarian, make_user):
    watcher = make_user(name="wanda")
    watching.watch(session, watcher, page=page)
    session.commit()
    held = say(session, contributor, page, "My first comment.")
    assert session.scalar(select(Notification).where(Notification.user_id == watcher.id)) is None
    approve(session, librarian, held)
    kinds = session.scalars(select(Notification.kind).where(Notification.user_id == watcher.id))
    assert list(kinds) == ["new_comment"]
    assert session.scalar(select(Notification.kind).where(
        Notification.user_id == contributor.id)) == "comment_approved"
    say(session, librarian, page, "Thank you, good point.", parent=held)
    replies = session.scalars(select(Notification).where(
        Notification.user_id == contributor.id, Notification.kind == "comment_reply")).all()
    assert len(replies) == 1 and "good point" in replies[0].body


def test_a_comment_can_be_reported_into_the_reports_queue(session, page, librarian):
    comment = say(session, librarian, page, "Something odd.")
    reports.report(session, None, page, "harmful", "This is unkind", comment=comment)
    session.commit()
    found = reports.reports_for(session, librarian, page)
    assert [report.comment for report in found.open] == [comment]
    held = comments.post(session, librarian, page, "x", renderer=RENDER)
    comments.remove(session, librarian, held)
    session.commit()
    with pytest.raises(reports.NotFound):
        reports.report(session, None, page, "harmful", "", comment=held)


def test_the_discussion_through_the_browser_forms(app, client, session, page, contributor,
                                                  librarian):
    reader_view = app.test_client().get("/wiki/network-weaving/discussion").get_data(as_text=True)
    assert "No comments yet." in reader_view and "Log in" in reader_view
    login(client, contributor)
    path = "/wiki/network-weaving/discussion"
    shown = client.get(path).get_data(as_text=True)
    assert "comments policy" in shown and "Your email address is never shown" in shown
    sent = post(client, path, {"body": "I think **this** matters."}, token_from=path,
                follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert "waiting for a librarian" in html and "<strong>this</strong>" in html
    assert "I think" not in app.test_client().get(path).get_data(as_text=True)
    assert contributor.email not in html
    reviewer = app.test_client()
    login(reviewer, librarian)
    queue = reviewer.get("/review/comments").get_data(as_text=True)
    assert "I think" in queue and "Approve" in queue
    held = session.scalar(select(comments.Comment))
    post(reviewer, f"/comments/{held.id}/moderate", {"action": "approve"},
         token_from="/review/comments")
    page_view = app.test_client().get("/wiki/network-weaving").get_data(as_text=True)
    assert "Discussion (1 comment)" in page_view
    recent = app.test_client().get("/recent?show=comments").get_data(as_text=True)
    assert "Comment on “Network weaving”" in recent
    edits_only = app.test_client().get("/recent?show=edits").get_data(as_text=True)
    assert "Comment on “Network weaving”" not in edits_only
    searched = app.test_client().get("/api/v1/search?q=matters").get_json()
    assert searched["results"] == [], "comments are not in the handbook's search"
    assert "I think" in reviewer.get("/review/comments?q=matters").get_data(as_text=True)


def test_a_reported_comment_is_hidden_from_the_report_item(app, client, session, page, librarian):
    comment = say(session, librarian, page, "Rude words.")
    report = app.test_client()
    sent = post(report, f"/wiki/network-weaving/report?comment={comment.id}",
                {"reason": "harmful", "note": "Unkind", "comment": comment.id},
                token_from=f"/wiki/network-weaving/report?comment={comment.id}")
    assert sent.status_code == 200
    session.rollback()
    stored = session.scalar(select(Report))
    assert stored.comment_id == comment.id
    login(client, librarian)
    item = client.get(f"/review/reports/{page.id}").get_data(as_text=True)
    assert "Rude words." in item and "Hide this comment" in item
    post(client, f"/comments/{comment.id}/moderate",
         {"action": "hide", "reason": "Unkind", "back": f"/review/reports/{page.id}"},
         token_from=f"/review/reports/{page.id}")
    shown = app.test_client().get("/wiki/network-weaving/discussion").get_data(as_text=True)
    assert "Rude words." not in shown and "Comment hidden by a librarian." in shown


def test_hiding_a_comment_drops_its_text_from_the_notices_that_quoted_it(
        session, page, librarian, make_user):
    watcher = make_user(name="wanda")
    watching.watch(session, watcher, page=page)
    session.commit()
    comment = say(session, librarian, page, "Call Mrs Example today.")
    notice = session.scalar(select(Notification).where(Notification.user_id == watcher.id))
    assert "Mrs Example" in notice.body
    comments.decide(session, librarian, comment, "hide", "Personal details")
    session.commit()
    session.refresh(notice)
    assert "Mrs Example" not in notice.body and "hidden by a librarian" in notice.body


def test_a_renamed_pages_discussion_follows_it(app, client, session, page, librarian, section):
    from handbook.services import pages

    say(session, librarian, page, "Still here after the rename.")
    pages.rename(session, librarian, page, title="Weaving networks", section_id=section.id)
    session.commit()
    moved = client.get("/wiki/network-weaving/discussion")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(
        "/wiki/weaving-networks/discussion")
    assert "Still here" in client.get("/wiki/weaving-networks/discussion").get_data(as_text=True)
