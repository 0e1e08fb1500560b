"""Members' pages built from the readers' kept copies: byte for byte what the full template
gives each member, fresh in what is theirs (watches, pending proposals, the menu), never kept."""

import re

import pytest
from flask import template_rendered
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select

from handbook import db
from handbook import member_pages
from handbook.models import Page
from handbook.models import ReaderPage
from handbook.models import Role
from handbook.models import Section
from handbook.models import User
from handbook import rendering
from handbook.services import pages
from handbook.services import reading

from conftest import RENDER
from conftest import login
from conftest import post
from lived_in import live

_CSRF = re.compile(r'(name="csrf_token" value=")[^"]+"')


def same_but_tokens(html):
    """The page with its CSRF tokens blanked (each request signs its own)."""
    return _CSRF.sub(r'\1"', html)


@pytest.fixture
def built_from_kept(monkeypatch):
    """Counts full renders of a page: a page built from its kept copy runs no page_view."""
    calls = []
    real = reading.page_view

    def counted(session, slug):
        calls.append(slug)
        return real(session, slug)

    monkeypatch.setattr(reading, "page_view", counted)
    return calls


def member(app, make_user, role, name, **changes):
    user = make_user(Role[role], name)
    if changes:
        with db.session_scope(app.extensions["handbook_runtime"]) as session:
            found = session.get(User, user.id)
            for key, value in changes.items():
                setattr(found, key, value)
            session.commit()
    browser = app.test_client()
    login(browser, user)
    browser.get("/recent")  # shows, and so ends, the "Logged in" message
    return browser


@pytest.mark.parametrize("role, changes", [
    ("contributor", {}),
    ("contributor", {"email_confirmed_at": None}),
    ("librarian", {"all_sections": True}),
    ("librarian", {}),
    ("admin", {}),
])
def test_a_members_page_from_the_kept_copy_is_the_full_page(app, client, session, make_user,
                                                             built_from_kept, role, changes):
    live(session, RENDER)
    browser = member(app, make_user, role, f"reader{role}", **changes)
    page_paths = [f"/wiki/{slug}" for slug in session.scalars(
        select(Page.slug).where(Page.current_revision_id.is_not(None)).order_by(Page.slug))]
    paths = ["/", *page_paths, *(f"/sections/{slug}" for slug in session.scalars(
        select(Section.slug).order_by(Section.slug)))]
    assert len(page_paths) > 5
    for path in paths:
        assert client.get(path).status_code == 200, path  # a reader's view keeps it
    built_from_kept.clear()
    for path in paths:
        built = browser.get(path)
        full = browser.get(path, query_string={"full": "1"})
        assert built.status_code == full.status_code == 200, path
        assert same_but_tokens(built.get_data(as_text=True)) == same_but_tokens(
            full.get_data(as_text=True)), path
    assert len(built_from_kept) == len(page_paths), "each page once, in full, for the comparison"


def test_what_is_a_members_own_shows_at_once_on_a_kept_page(app, client, session, make_user,
                                                            make_page, librarian, built_from_kept):
    page = make_page("Network weaving", "## Start here\n\nAlpha line\n")
    client.get("/wiki/network-weaving")
    browser = member(app, make_user, "contributor", "walt")
    built_from_kept.clear()
    html = browser.get("/wiki/network-weaving").get_data(as_text=True)
    assert built_from_kept == [], "built from the kept copy"
    assert ">Watch<" in html and "awaiting review" not in html
    assert 'class="section-edit"' in html and "walt" in html and "Log in" not in html
    post(browser, "/wiki/network-weaving/watch", {"watching": "1"})
    browser.get("/recent")  # shows, and so ends, the "You watch" message
    walt = session.scalar(select(User).where(User.name == "walt"))
    pages.save_edit(session, walt, session.get(Page, page.id), body="## Start here\n\nAlpha, changed\n",
                    summary="Better", base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    html = browser.get("/wiki/network-weaving").get_data(as_text=True)
    assert "1 change awaiting review" in html
    assert ">Unwatch<" in html
    assert built_from_kept == [], "built from the kept copy, which has not changed"
    with db.session_scope(app.extensions["handbook_runtime"]) as check:
        kept = check.scalar(select(ReaderPage.body).where(ReaderPage.path == "/wiki/network-weaving"))
    assert b"Log in" in kept and b"walt" not in kept, "the kept copy stays the readers'"


def test_a_flash_or_an_unkept_page_is_rendered_in_full(app, client, make_user, make_page,
                                                       built_from_kept):
    make_page("Network weaving", "Alpha line\n")
    browser = member(app, make_user, "contributor", "walt")
    assert "Alpha line" in browser.get("/wiki/network-weaving").get_data(as_text=True)
    assert built_from_kept == ["network-weaving"], "nothing kept yet: the full page"
    client.get("/wiki/network-weaving")
    assert built_from_kept == ["network-weaving"] * 2, "a member's page is never kept for readers"
    built_from_kept.clear()
    watched = post(browser, "/wiki/network-weaving/watch", {"watching": "1"}, follow_redirects=True)
    assert watched.status_code == 200 and 'class="flash' in watched.get_data(as_text=True)
    assert built_from_kept == ["network-weaving"], "a page with a message is rendered in full"


def test_splice_refuses_a_page_without_the_parts_asked_for():
    kept = "<p>a</p><!--member-part menu-->readers<!--/member-part--><p>b</p>"
    assert member_pages.splice(kept, {"menu": lambda text: text.upper()}) == (
        "<p>a</p><!--member-part menu-->READERS<!--/member-part--><p>b</p>")
    assert member_pages.splice(kept, {"menu": str, "actions": str}) is None
    assert member_pages.splice(kept + kept, {"menu": str}) is None


#: what splice finds, as a regular expression: the reference for its str.find scan
MARKED_PART = re.compile(r"<!--member-part (\w+)-->(.*?)<!--/member-part-->", re.S)
PROSE = st.text(alphabet=st.sampled_from(list("ab<>-!/ \n")), max_size=12).filter(
    lambda text: "<!--" not in text and "-->" not in text)


@given(st.lists(st.tuples(PROSE, st.sampled_from(["menu", "actions", "prose"]), PROSE), max_size=4),
       PROSE)
def test_splice_replaces_exactly_what_the_markers_enclose(marked, tail):
    kept = "".join(f"{before}<!--member-part {name}-->{inside}<!--/member-part-->"
                   for before, name, inside in marked) + tail
    names = [name for _before, name, _inside in marked]
    parts = {name: (lambda text, name=name: f"[{name}:{text[::-1]}]") for name in set(names)}
    expected = MARKED_PART.sub(lambda found: "<!--member-part {0}-->{1}<!--/member-part-->".format(
        found.group(1), parts[found.group(1)](found.group(2))), kept)
    spliced = member_pages.splice(kept, parts)
    assert spliced == (expected if len(names) == len(set(names)) else None)


def test_splice_refuses_a_malformed_marker():
    assert member_pages.splice("<!--member-part menu-->no end", {"menu": str}) is None
    assert member_pages.splice("<!--member-part a b-->x<!--/member-part-->", {}) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<!->member-part actions/ \n#*`[]")), max_size=80))
def test_contributors_cannot_forge_a_part_marker(text):
    rendered = rendering.render(f"## Heading\n\n{text}\n\n<!--member-part actions-->x<!--/member-part-->")
    assert "<!--" not in rendered.html and "<!--" not in rendered.toc_html


def test_a_contributors_section_page_is_built_from_the_kept_copy(app, client, make_user, make_page):
    make_page("Network weaving", "Alpha line\n")
    client.get("/sections/practical-methods")
    browser = member(app, make_user, "contributor", "walt")
    rendered = []

    def record(_app, template, context, **_extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        html = browser.get("/sections/practical-methods").get_data(as_text=True)
        assert ">Watch<" in html and "New page in this section" in html and "Log in" not in html
        post(browser, "/sections/practical-methods/watch", {"watching": "1"})
        browser.get("/recent")
        rendered.clear()
        html = browser.get("/sections/practical-methods").get_data(as_text=True)
    assert ">Unwatch<" in html
    assert "section.html" not in rendered, "built from the kept copy"
    librarian = member(app, make_user, "librarian", "lib", all_sections=True)
    with template_rendered.connected_to(record, app):
        html = librarian.get("/sections/practical-methods").get_data(as_text=True)
    assert "section.html" in rendered and "Move Network weaving up" in html, "rendered in full"


def test_the_forms_of_a_page_built_from_the_kept_copy_work(app, client, make_user, make_page,
                                                           built_from_kept):
    make_page("Network weaving", "Alpha line\n")
    client.get("/wiki/network-weaving")
    browser = member(app, make_user, "librarian", "lib", all_sections=True)
    built_from_kept.clear()
    html = browser.get("/wiki/network-weaving").get_data(as_text=True)
    assert built_from_kept == [], "built from the kept copy"
    form = re.search(r'<form class="inline mark-reviewed".*?</form>', html, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = browser.post("/wiki/network-weaving/reviewed", data={"csrf_token": token, "back": "page"},
                        follow_redirects=True)
    assert "Marked “Network weaving” reviewed today." in done.get_data(as_text=True)
