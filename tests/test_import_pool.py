"""Big imports render their pages in a pool of processes before writing anything."""

import pytest
from sqlalchemy import select

from handbook import content_io
from handbook import rendering
from handbook.models import Page

from conftest import RENDER


def write_pages(folder, count, extra=None):
    section = folder / "01-methods"
    section.mkdir(parents=True)
    (section / "_section.md").write_text("---\ntitle: Methods\n---\n")
    for number in range(count):
        body = f"## Part {number}\n\nSee [[Page {(number + 1) % count}]] and [[Nowhere]].\n"
        (section / f"page-{number}.md").write_text(f"---\ntitle: Page {number}\n---\n{body}")
    for name, body in (extra or {}).items():
        (section / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n{body}")


def test_a_pooled_import_renders_as_one_by_one_would(session, tmp_path):
    count = content_io.POOL_FROM + 6
    write_pages(tmp_path, count)
    reported = []

    class Bar:
        def __init__(self, total):
            reported.append(("total", total))

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def update(self, n):
            reported.append(n)

    assert content_io.import_dir(session, tmp_path, RENDER, progress=Bar) == count
    session.commit()
    assert reported[0] == ("total", count) and reported[1:] == [1] * count
    page = session.scalar(select(Page).where(Page.slug == "page-3"))
    live = {f"page-{n}": f"page-{n}" for n in range(count)}
    assert page.current_revision.html == rendering.render(page.current_revision.body, live).html
    assert 'href="/wiki/page-4"' in page.current_revision.html


def test_a_text_the_pool_cannot_render_names_its_file_and_writes_nothing(session, tmp_path):
    write_pages(tmp_path, content_io.POOL_FROM, extra={"deep": "[" * 20000})
    with pytest.raises(content_io.ContentError, match="deep.md"):
        content_io.import_dir(session, tmp_path, RENDER)
    session.rollback()
    assert session.scalar(select(Page).where(Page.slug == "page-1")) is None
