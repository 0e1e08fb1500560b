"""Readers' reports: anyone reports a problem on a page, and the librarians of its section
resolve them from a queue of their own; as services and through the views."""

import pytest
from sqlalchemy import select

from handbook.models import AuditEntry
from handbook.models import Notification
from handbook.models import Report
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import accounts
from handbook.services import pages
from handbook.services import queues
from handbook.services import reports
from handbook.services import sections
from handbook.services.errors import InvalidInput
from handbook.services.errors import InvalidTransition
from handbook.services.errors import NotFound

from conftest import RENDER
from conftest import login
from conftest import post

FORM = "/wiki/network-weaving/report"


def send(session, user, page, reason="factually_wrong", note=""):
    made = reports.report(session, user, page, reason, note)
    session.commit()
    return made


def told_of_reports(session):
    return session.scalars(select(Notification).where(Notification.kind == "report_resolved")
                           .order_by(Notification.id)).all()


def stored(session):
    session.rollback()
    session.expire_all()
    return session.scalars(select(Report).order_by(Report.id)).all()


def test_a_report_needs_a_published_page_a_known_reason_and_a_short_note(
        session, make_page, contributor, librarian):
    page = make_page()
    with pytest.raises(InvalidInput) as unknown:
        reports.report(session, None, page, "boring", "")
    assert unknown.value.field == "reason"
    with pytest.raises(InvalidInput) as long:
        reports.report(session, None, page, "other", "x" * 2001)
    assert long.value.field == "note"
    anonymous = send(session, None, page, "out_of_date", "  The number\n changed.  ")
    member = send(session, contributor, page)
    assert (anonymous.reporter_id, anonymous.note) == (None, "The number changed.")
    assert member.reporter_id == contributor.id
    assert anonymous.revision_id == member.revision_id == page.current_revision_id
    pages.remove(session, librarian, page, "Out of scope")
    session.commit()
    with pytest.raises(NotFound):
        reports.report(session, None, page, "spam", "")


def test_the_queue_has_one_item_per_page_with_counts_per_reason(
        session, make_page, contributor, librarian, count_queries):
    weaving, bridging = make_page("Network weaving"), make_page("Bridging")
    send(session, contributor, weaving, "spam")
    send(session, None, bridging, "other")
    send(session, None, weaving, "factually_wrong")
    send(session, contributor, weaving, "factually_wrong")
    count_queries.clear()
    items = reports.open_items(session, librarian)
    assert len(count_queries) <= 2, count_queries
    assert [(item.page.title, item.count) for item in items] == [("Network weaving", 3),
                                                                 ("Bridging", 1)]
    assert items[0].reasons == {"factually_wrong": 2, "spam": 1}
    assert items[0].first_at < items[1].first_at <= items[0].latest_at
    assert queues.counts(session, librarian).reports == 2


def test_a_librarian_of_another_section_sees_nothing_and_may_not_resolve(
        session, make_page, librarian, make_user):
    page = make_page()
    sent = send(session, None, page)
    roles = sections.create_section(session, librarian, title="Network roles", renderer=RENDER)
    rolf = make_user(Role.librarian, "rolf")
    accounts.set_review_sections(session, None, rolf, every=False, slugs=[roles.slug])
    session.commit()
    assert reports.open_items(session, rolf) == [] and queues.counts(session, rolf).reports == 0
    with pytest.raises(Forbidden):
        reports.reports_for(session, rolf, page)
    with pytest.raises(Forbidden):
        reports.resolve(session, rolf, page, "edited", "", up_to_id=sent.id)
    session.rollback()
    accounts.set_review_sections(session, None, rolf, every=False,
                                 slugs=[roles.slug, page.section.slug])
    session.commit()
    assert [item.page.id for item in reports.open_items(session, rolf)] == [page.id]


def test_resolving_covers_the_reports_seen_and_tells_each_reporter_once(
        session, make_page, contributor, librarian):
    page = make_page()
    first = send(session, contributor, page, "out_of_date")
    seen = send(session, contributor, page, "factually_wrong")
    send(session, None, page, "other")
    shown = reports.reports_for(session, librarian, page)
    up_to = max(report.id for report in shown.open)
    later = send(session, None, page, "spam")
    assert reports.resolve(session, librarian, page, "edited", "Dates corrected.",
                           up_to_id=up_to) == 3
    session.commit()
    after = reports.reports_for(session, librarian, page)
    assert [report.id for report in after.open] == [later.id]
    assert {report.id for report in after.resolved} >= {first.id, seen.id}
    assert {report.resolved_by_id for report in after.resolved} == {librarian.id}
    [told] = told_of_reports(session)
    assert (told.user_id, told.key, told.path) == (contributor.id, f"report:{first.id}",
                                                   "/wiki/network-weaving")
    assert "Fixed by editing the page" in told.body and "Dates corrected." in told.body
    assert "libby" in told.body
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "resolve reports"))
    assert entry.page_id == page.id and entry.actor_id == librarian.id
    assert entry.detail == "3 reports: Fixed by editing the page. Dates corrected."
    with pytest.raises(InvalidTransition, match="Another librarian resolved"):
        reports.resolve(session, librarian, page, "edited", "", up_to_id=up_to)


def test_dismissing_needs_a_note_and_the_resolution_must_be_known(
        session, make_page, librarian):
    page = make_page()
    sent = send(session, None, page, "spam")
    with pytest.raises(InvalidInput) as unexplained:
        reports.resolve(session, librarian, page, "dismissed", "  ", up_to_id=sent.id)
    assert unexplained.value.field == "note"
    with pytest.raises(InvalidInput) as unknown:
        reports.resolve(session, librarian, page, "ignored", "x", up_to_id=sent.id)
    assert unknown.value.field == "resolution"
    session.rollback()
    assert reports.resolve(session, librarian, page, "dismissed", "It is a quotation.",
                           up_to_id=sent.id) == 1
    session.commit()
    assert told_of_reports(session) == []  # the reporter was anonymous


def test_a_reader_reports_without_an_account_and_a_librarian_resolves_it(
        app, session, make_page, contributor, librarian, admin):
    page = make_page()
    reader = app.test_client()
    assert f'href="{FORM}">Report a problem' in reader.get("/wiki/network-weaving").get_data(
        as_text=True)
    form = reader.get(FORM).get_data(as_text=True)
    assert "Send report" in form and "We do not store who you are" in form
    assert '<div class="visually-hidden"><label for="website">Leave this field empty' in form
    sent = post(reader, FORM, {"reason": "out_of_date", "note": "The phone number changed."},
                token_from=FORM)
    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    member = app.test_client()
    login(member, contributor)
    thanked = post(member, FORM, {"reason": "factually_wrong"}, token_from=FORM)
    assert "told in your notifications" in thanked.get_data(as_text=True)
    anonymous, from_member = stored(session)
    assert (anonymous.reporter_id, from_member.reporter_id) == (None, contributor.id)

    desk = app.test_client()
    login(desk, librarian)
    queue = desk.get("/review/reports").get_data(as_text=True)
    assert f'href="/review/reports/{page.id}">Network weaving' in queue
    assert "It is out of date: 1" in queue and 'href="/review"' in queue
    item_path = f"/review/reports/{page.id}"
    item = desk.get(item_path).get_data(as_text=True)
    assert "an anonymous reader" in item and "The phone number changed." in item
    for link in ('href="/wiki/network-weaving/edit"', 'href="/wiki/network-weaving/history"',
                 'href="/wiki/network-weaving/rename#protection"'):
        assert link in item
    refused = post(desk, f"{item_path}/resolve",
                   {"resolution": "dismissed", "note": "", "up_to": from_member.id},
                   token_from=item_path)
    assert refused.status_code == 400 and "Say why nothing needs to change" in refused.get_data(
        as_text=True)
    done = post(desk, f"{item_path}/resolve",
                {"resolution": "edited", "note": "Updated the number.", "up_to": from_member.id},
                token_from=item_path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/review/reports")
    assert "Resolved 2 reports" in desk.get("/review/reports").get_data(as_text=True)
    assert all(report.resolved_at is not None for report in stored(session))
    assert [told.user_id for told in told_of_reports(session)] == [contributor.id]

    auditor = app.test_client()
    login(auditor, admin)
    log = auditor.get("/admin/log").get_data(as_text=True)
    assert "resolve reports" in log and "2 reports: Fixed by editing the page. Updated the" in log


def test_a_resolve_refused_keeps_the_librarians_note(app, session, make_page, librarian):
    page = make_page()
    sent = send(session, None, page)
    desk = app.test_client()
    login(desk, librarian)
    path = f"/review/reports/{page.id}"
    refused = post(desk, f"{path}/resolve", {"resolution": "", "note": "Checked the source",
                                             "up_to": sent.id}, token_from=path)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose what was done" in html
    assert "Checked the source" in html
    assert stored(session)[0].resolved_at is None


def test_a_filled_in_trap_field_is_thanked_and_stores_nothing(app, make_page, session):
    make_page()
    robot = app.test_client()
    sent = post(robot, FORM, {"reason": "spam", "note": "Buy now", "website": "http://spam.test"},
                token_from=FORM)
    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    assert stored(session) == []


def test_a_report_without_a_known_reason_comes_back_with_the_note(app, make_page, session):
    make_page()
    reader = app.test_client()
    for reason in ("boring", ""):
        again = post(reader, FORM, {"reason": reason, "note": "Second paragraph is wrong"},
                     token_from=FORM)
        html = again.get_data(as_text=True)
        assert again.status_code == 400 and "Choose what is wrong with the page." in html
        assert "Second paragraph is wrong</textarea>" in html
    assert stored(session) == []


def test_a_report_without_the_forms_token_is_refused(app, make_page, session):
    make_page()
    forged = app.test_client().post(FORM, data={"reason": "spam", "note": "x"})
    assert forged.status_code == 400
    assert stored(session) == []


def test_reports_from_one_address_are_limited(app, make_page, session):
    make_page()
    app.config.update(REPORT_LIMITS="5 per hour")
    reader = app.test_client()
    answers = [post(reader, FORM, {"reason": "other", "note": f"Problem {n}"},
                    token_from=FORM).status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert len(stored(session)) == 5


def test_unknown_pages_have_no_report_form_or_queue_item(app, client, make_page, librarian):
    make_page()
    assert client.get("/wiki/no-such-page/report").status_code == 404
    login(client, librarian)
    assert client.get("/review/reports/999999").status_code == 404
