"""Review freshness: reviewed dates, due dates by section interval, the due queue."""

from datetime import datetime
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from handbook import db
from handbook.models import AuditEntry
from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import accounts
from handbook.services import freshness
from handbook.services import pages
from handbook.services import sections
from handbook.services.errors import InvalidInput

from conftest import RENDER
from conftest import login
from conftest import post


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(1, 120))
def test_adding_months_keeps_the_day_or_the_months_last_day(moment, months):
    later = freshness.add_months(moment, months)
    assert (later.year - moment.year) * 12 + later.month - moment.month == months
    assert later.day == moment.day or later.day < moment.day and (
        (later + timedelta(days=1)).month != later.month)
    assert later.time() == moment.time()


def set_interval(session, librarian, section, months):
    sections.set_rules(session, librarian, section, review_interval_months=months,
                       guard_phrases="")
    session.commit()


def backdate(session, page, days):
    db.begin_write(session)
    page.reviewed_at -= timedelta(days=days)
    page.review_due_at = freshness.due_after(page.section, page.reviewed_at)
    session.commit()


def test_publishing_reviews_a_page_and_the_interval_sets_its_due_date(
        session, make_page, librarian, section):
    page = make_page("Network weaving", "One\n")
    assert page.reviewed_by_id == librarian.id and page.review_due_at is None
    set_interval(session, librarian, section, 12)
    assert page.review_due_at == freshness.add_months(page.reviewed_at, 12)
    assert freshness.due_pages(session, librarian) == []
    backdate(session, page, 400)
    assert freshness.due_pages(session, librarian) == [page]
    pages.save_edit(session, librarian, page, body="Two\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert freshness.due_pages(session, librarian) == [], "publishing counts as a review"
    set_interval(session, librarian, section, None)
    assert page.review_due_at is None


def test_due_pages_are_oldest_first_and_only_in_the_librarians_sections(
        session, make_page, librarian, section, make_user):
    older, newer = make_page("Older", "A\n"), make_page("Newer", "B\n")
    set_interval(session, librarian, section, 6)
    backdate(session, newer, 200)
    backdate(session, older, 300)
    assert freshness.due_pages(session, librarian) == [older, newer]
    other = sections.create_section(session, librarian, title="Stories", renderer=RENDER)
    narrow = make_user(Role.librarian)
    accounts.set_review_sections(session, None, narrow, every=False, slugs=[other.slug])
    session.commit()
    assert freshness.due_pages(session, narrow) == []
    with pytest.raises(Forbidden):
        freshness.mark_reviewed(session, narrow, older)


def test_mark_reviewed_resets_the_clock_without_a_revision_and_is_audited(
        app, client, session, make_page, librarian, section):
    page = make_page("Network weaving", "One\n")
    set_interval(session, librarian, section, 12)
    backdate(session, page, 400)
    revision = page.current_revision_id
    login(client, librarian)
    queue = client.get("/review/due").get_data(as_text=True)
    assert "Network weaving" in queue and '<span class="count">1</span>' in queue
    done = post(client, "/wiki/network-weaving/reviewed", {"note": "Checked the sources"},
                token_from="/review/due", follow_redirects=True)
    assert "Marked “Network weaving” reviewed today." in done.get_data(as_text=True)
    assert "No page is due for review." in done.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert page.current_revision_id == revision and page.review_due_at > page.reviewed_at
    note = session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "mark reviewed"))
    assert note == "Checked the sources"
    shown = app.test_client().get("/wiki/network-weaving").get_data(as_text=True)
    assert "Reviewed on" in shown and "review due by" in shown


def test_the_interval_is_bounded(session, section, librarian):
    with pytest.raises(InvalidInput):
        set_interval(session, librarian, section, 0)


def test_the_section_rules_form_sets_interval_and_phrases_and_only_admins_set_thresholds(
        app, client, session, section, librarian, admin):
    login(client, librarian)
    path = "/manage/sections/practical-methods/edit"
    saved = post(client, "/manage/sections/practical-methods/rules",
                 {"review_interval_months": "12", "guard_phrases": "Ward 9\n\n  Rose Unit ",
                  "trust_after": "1"}, token_from=path, follow_redirects=True)
    assert "Rules saved." in saved.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert section.review_interval_months == 12 and section.guard_phrases == "Ward 9\nRose Unit"
    assert section.trust_after == 5, "a librarian's form does not change thresholds"
    login(client, admin)
    post(client, "/manage/sections/practical-methods/rules",
         {"review_interval_months": "", "guard_phrases": "", "trust_after": "3",
          "trust_window_days": "30", "throttle_after": "0", "throttle_pending": "1"},
         token_from=path)
    session.rollback()
    session.expire_all()
    assert (section.trust_after, section.trust_window_days, section.throttle_after,
            section.review_interval_months) == (3, 30, 0, None)
    bad = post(client, "/manage/sections/practical-methods/rules",
               {"trust_after": "0", "trust_window_days": "30", "throttle_after": "0",
                "throttle_pending": "1", "guard_phrases": "Kept text"}, token_from=path)
    assert bad.status_code == 400 and "Kept text" in bad.get_data(as_text=True)

