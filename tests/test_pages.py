"""Pages and revisions as services: create, edit, merge, conflict, no-op, revert, rename, links."""

import pytest

from handbook import db
from sqlalchemy import select

from handbook.models import Link
from handbook.models import RevisionStatus
from handbook.services import pages
from handbook.services import reading
from handbook.services.errors import EditConflict
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange

from conftest import RENDER

BASE = "Alpha line\nBeta line\nGamma line\nDelta line\n"


def test_librarian_creates_a_published_page(session, make_page):
    """A librarian's new page is live at once, with one published revision."""
    page = make_page("Why bridgers need connectors", BASE)
    assert page.slug == "why-bridgers-need-connectors"
    assert page.current_revision.status is RevisionStatus.published
    assert page.current_revision.html.startswith("<p>Alpha line")


def test_contributor_edit_waits_for_review(session, make_page, contributor):
    """A contributor's edit is pending and leaves the published text alone."""
    page = make_page(body=BASE)
    published = page.current_revision_id
    outcome = pages.save_edit(session, contributor, page, body=BASE + "Epsilon\n",
                              summary="add", base_revision_id=published, renderer=RENDER)
    session.commit()
    assert not outcome.published
    assert outcome.revision.status is RevisionStatus.pending
    assert page.current_revision_id == published


def test_no_op_edit_creates_no_revision(session, make_page, librarian):
    """Saving the same text raises NoChange and adds nothing."""
    page = make_page(body=BASE)
    with pytest.raises(NoChange):
        pages.save_edit(session, librarian, page, body=BASE.replace("\n", "\r\n"),
                        base_revision_id=page.current_revision_id, renderer=RENDER)


def test_stale_edit_on_other_lines_is_merged(session, make_page, librarian, make_user):
    """Two edits from the same base touching different lines are both kept."""
    other = make_user(pages.permissions.Role.librarian)
    page = make_page(body=BASE)
    base = page.current_revision_id
    pages.save_edit(session, other, page, body=BASE.replace("Alpha", "ALPHA"), base_revision_id=base, renderer=RENDER)
    session.commit()
    outcome = pages.save_edit(session, librarian, page, body=BASE.replace("Delta", "DELTA"),
                              base_revision_id=base, renderer=RENDER)
    session.commit()
    assert outcome.merged
    assert page.current_revision.body == "ALPHA line\nBeta line\nGamma line\nDELTA line\n"


def test_stale_edit_on_same_lines_conflicts(session, make_page, librarian, make_user):
    """Overlapping edits raise EditConflict with both texts and save nothing."""
    other = make_user(pages.permissions.Role.librarian)
    page = make_page(body=BASE)
    base = page.current_revision_id
    pages.save_edit(session, other, page, body=BASE.replace("Beta", "Theirs"), base_revision_id=base, renderer=RENDER)
    session.commit()
    current = page.current_revision_id
    with pytest.raises(EditConflict) as raised:
        pages.save_edit(session, librarian, page, body=BASE.replace("Beta", "Mine"),
                        base_revision_id=base, renderer=RENDER)
    session.rollback()
    assert raised.value.conflicts == [("Theirs line\n", "Mine line\n")]
    assert page.current_revision_id == current


@pytest.mark.parametrize("title, message", [
    ("", "A title is required."),
    ("x" * 201, "the limit is 200"),
    ("bad\x00title", "control characters"),
])
def test_bad_titles_are_refused(session, librarian, section, title, message):
    with pytest.raises(InvalidInput, match=message):
        pages.create_page(session, librarian, section_id=section.id, title=title, body="text", renderer=RENDER)


@pytest.mark.parametrize("body, message", [
    ("x" * (512 * 1024 + 1), "at most 512 KiB"),
    ("nul\x00byte", "NUL"),
    ("   \n", "empty"),
])
def test_bad_bodies_are_refused(session, librarian, section, body, message):
    with pytest.raises(InvalidInput, match=message):
        pages.create_page(session, librarian, section_id=section.id, title="T", body=body, renderer=RENDER)


def test_unrenderable_text_is_refused(session, librarian, section):
    """Text that cannot render within the budget is refused, and the worker lives on."""
    with pytest.raises(InvalidInput, match="too long to format|nested too deeply"):
        pages.create_page(session, librarian, section_id=section.id, title="Brackets",
                          body="[" * 20000, renderer=RENDER)
    session.rollback()
    page = pages.create_page(session, librarian, section_id=section.id, title="Fine", body="ok", renderer=RENDER)
    assert page.revision.html == "<p>ok</p>"


def test_duplicate_title_is_refused(session, make_page, librarian, section):
    make_page("Network weaving")
    with pytest.raises(InvalidInput, match="already exists"):
        pages.create_page(session, librarian, section_id=section.id, title="Network  Weaving!",
                          body="x", renderer=RENDER)


def test_revert_makes_a_new_revision(session, make_page, librarian):
    """Reverting restores old text as a new revision; history keeps every version."""
    page = make_page(body=BASE)
    first = page.current_revision_id
    pages.save_edit(session, librarian, page, body="Replaced\n", base_revision_id=first, renderer=RENDER)
    session.commit()
    revision = pages.revert(session, librarian, page, first, renderer=RENDER)
    session.commit()
    assert revision.id > first and revision.body == BASE
    assert page.current_revision_id == revision.id
    revisions, total = reading.history(session, page, 1, 50)
    assert total == 3


def test_rename_keeps_old_address_and_refreshes_links(session, make_page, librarian):
    """Renaming leaves a redirect; pages linking to either slug are rendered again."""
    target = make_page("Closing triangles", "Introduce people.\n")
    linking = make_page("Network weaving", "See [[Closing triangles]] and [[Weaving ladder]].\n")
    assert 'class="wikilink"' in linking.current_revision.html
    assert 'class="wikilink missing"' in linking.current_revision.html
    pages.rename(session, librarian, target, title="Weaving ladder", section_id=target.section_id)
    session.commit()
    assert target.slug == "weaving-ladder"
    moved = reading.page_view(session, "closing-triangles")
    assert moved == reading.Moved("weaving-ladder")
    session.expire_all()  # the linking page was rendered again after the commit
    html = linking.current_revision.html
    assert "missing" not in html, html
    view = reading.page_view(session, "weaving-ladder")
    assert [link.slug for link in view.backlinks] == ["network-weaving"]


def test_creating_a_page_fixes_links_to_it(session, make_page):
    """A page linking to a missing page shows a live link once that page exists."""
    linking = make_page("Network weaving", "Read [[Closing triangles]].\n")
    assert "wikilink missing" in linking.current_revision.html
    make_page("Closing triangles", "Introduce people.\n")
    session.refresh(linking.current_revision)
    assert "wikilink missing" not in linking.current_revision.html
    links = session.scalars(select(Link.target_slug).where(Link.source_page_id == linking.id)).all()
    assert links == ["closing-triangles"]


def test_remove_hides_the_page_and_keeps_its_history(session, make_page, librarian, section):
    target = make_page("Closing triangles", "Introduce people.\n")
    linking = make_page("Network weaving", "See [[Closing triangles]].\n")
    with pytest.raises(InvalidInput, match="why"):
        pages.remove(session, librarian, target, "")
    pages.remove(session, librarian, target, "Duplicate of network weaving")
    session.commit()
    with pytest.raises(pages.NotFound):
        reading.page_view(session, "closing-triangles")
    session.expire_all()  # the linking page was rendered again after the commit
    assert "wikilink missing" in linking.current_revision.html
    again = pages.create_page(session, librarian, section_id=section.id,
                              title="Closing triangles", body="Back again.\n", renderer=RENDER)
    session.commit()
    assert again.revision.page.id == target.id
    revisions, total = reading.history(session, target, 1, 50)
    assert total == 2


def test_contributors_cannot_remove(session, make_page, contributor):
    page = make_page()
    with pytest.raises(pages.permissions.Forbidden):
        pages.remove(session, contributor, page, "spam")


def test_old_renderings_are_rendered_again(session, make_page):
    page = make_page(body="*fresh*\n")
    revision = page.current_revision
    db.begin_write(session)
    revision.html, revision.render_version = "<p>stale</p>", 0
    assert links_rerender(session, revision)
    assert revision.html == "<p><em>fresh</em></p>"
    assert not links_rerender(session, revision)


def links_rerender(session, revision):
    from handbook.services import links

    return links.rerender_stale(session, RENDER, revision)
