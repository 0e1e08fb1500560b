"""Many new pages published at once (an import) end as one-by-one publishing leaves them."""

import pytest
from sqlalchemy import select

from handbook import content_io
from handbook import db
from handbook.models import Link
from handbook.models import Notification
from handbook.models import Page
from handbook.models import Revision
from handbook.rendering import slugify
from handbook.services import accounts
from handbook.services import new_pages
from handbook.services import pages
from handbook.services import watching

from conftest import RENDER

BODY = "## One\n\nSee [[Network weaving]] and [[Nowhere yet]].\n"


def _publish_one_by_one(session, system, section, title):
    page = Page(slug=slugify(title), title=title, title_key=slugify(title), section=section,
                tags=[], position=3)
    session.add(page)
    session.flush()
    revision = pages.add_revision(session, page, system, title, BODY, "First version", base=None,
                                  rendered=RENDER.render(BODY))
    pages.publish(session, page, revision, expected=None, reviewer=system)
    return page


def _publish_at_once(session, system, section, titles):
    drafts = [new_pages.Draft(Page(slug=slugify(title), title=title, title_key=slugify(title),
                                   section=section, tags=[], position=3),
                              title, BODY, RENDER.render(BODY)) for title in titles]
    new_pages.publish(session, system, drafts)
    return [draft.page for draft in drafts]


def _shape(session, page):
    """What a reader, the review clock, the links table and the watchers see of a page."""
    revision = page.current_revision
    notified = session.scalars(select(Notification.subject).where(
        Notification.key == f"change:{revision.id}")).all()
    return {
        "revision": (revision.title == page.title, revision.body, revision.summary, revision.status,
                     revision.author_id, revision.reviewer_id, revision.html,
                     revision.toc_html, revision.render_version, revision.base_revision_id,
                     revision.published_at is not None, revision.unpatrolled),
        "reviewed": (page.reviewed_by_id, page.reviewed_at is not None, page.review_due_at
                     is not None, page.review_due_at - page.reviewed_at
                     if page.review_due_at else None),
        "links": sorted(session.scalars(select(Link.target_slug)
                                        .where(Link.source_page_id == page.id))),
        "watchers told": [subject.replace(page.title, "TITLE") for subject in notified],
        "revisions": session.scalar(select(Revision.id).where(Revision.page_id == page.id)
                                    .order_by(Revision.id.desc())) == revision.id,
    }


def test_pages_published_at_once_end_as_one_by_one_publishing_leaves_them(
        session, section, contributor):
    db.begin_write(session)
    section.review_interval_months = 6
    watching.watch(session, contributor, section=section)
    session.commit()
    system = accounts.system_user(session)
    db.begin_write(session)
    one = _publish_one_by_one(session, system, section, "Published alone")
    owed_alone = session.info["owed"]
    alone = (set(owed_alone.pages), set(owed_alone.placed), set(owed_alone.keys))
    session.commit()
    db.begin_write(session)
    together = _publish_at_once(session, system, section, ["Published together", "And a second"])
    owed = session.info["owed"]
    assert set(owed.pages) == set(owed.placed) == {page.id for page in together}
    assert set(owed.keys) == {"published-together", "and-a-second"}
    assert alone == ({one.id}, {one.id}, {"published-alone"})
    session.commit()
    expected = _shape(session, one)
    assert expected["watchers told"] and expected["reviewed"][2], "the comparison is not empty"
    for page in together:
        assert page.current_revision_id is not None
        assert _shape(session, page) == expected


def test_no_drafts_write_nothing(session, count_queries):
    system = accounts.system_user(session)
    count_queries.clear()
    new_pages.publish(session, system, [])
    assert count_queries == []
    assert "owed" not in session.info or not session.info["owed"].pages


def test_an_import_refuses_two_files_of_one_name(session, tmp_path):
    for folder in ("01-one", "02-two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same-name.md").write_text("---\ntitle: Same name\n---\nText.\n")
    with pytest.raises(content_io.ContentError, match="same file name"):
        content_io.import_dir(session, tmp_path, RENDER)
    session.rollback()
    assert session.scalar(select(Page).where(Page.slug == "same-name")) is None


def test_an_import_publishes_new_pages_beside_changed_ones(session, tmp_path, make_page):
    kept = make_page(title="Network weaving", body="Old text.\n")
    folder = tmp_path / "01-practical-methods"
    folder.mkdir()
    (folder / "network-weaving.md").write_text("---\ntitle: Network weaving\n---\nNew text.\n")
    (folder / "fresh-page.md").write_text(f"---\ntitle: Fresh page\ntags: [a]\n---\n{BODY}")
    assert content_io.import_dir(session, tmp_path, RENDER) == 2
    session.commit()
    assert kept.current_revision.body == "New text.\n"
    fresh = session.scalar(select(Page).where(Page.slug == "fresh-page"))
    assert fresh.tags == ["a"] and fresh.section_id == kept.section_id
    assert 'href="/wiki/network-weaving"' in fresh.current_revision.html
