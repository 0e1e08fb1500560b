"""A reader takes the handbook away: prints a section's edition and opens the offline zip from
disk, following a link between its pages, all with the stylesheet."""

import zipfile

import pytest

from handbook.services import pages

from conftest import RENDER

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser


def test_a_reader_prints_a_section_and_opens_the_offline_edition_from_disk(
        session, make_page, librarian, section, visitor, tmp_path):
    make_page("Network weaving", "## How\n\nSee [[Huddles]].\n")
    pages.create_page(session, librarian, section_id=section.id, title="Huddles",
                      body="Short meetings.\n", renderer=RENDER)
    session.commit()
    reader = visitor()
    reader.goto("/")
    reader.get_by_role("link", name="Editions to print or take offline").click()
    reader.get_by_role("link", name="Printable edition of Practical methods").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Practical methods")
    expect(reader.locator(".edition-contents")).to_contain_text("Huddles")
    reader.emulate_media(media="print")
    breaks = reader.locator(".edition-page").evaluate_all(
        "pages => pages.map(page => getComputedStyle(page).breakBefore)")
    assert breaks == ["page", "page"], "each page starts on a new sheet"
    pdf = reader.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    reader.emulate_media(media="screen")

    reader.goto("/editions")
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Offline edition (zip) of Practical methods").click()
    archive = tmp_path / "edition.zip"
    download.value.save_as(archive)
    zipfile.ZipFile(archive).extractall(tmp_path / "unzipped")
    index = (tmp_path / "unzipped" / "handbook-edition" / "index.html").as_uri()
    reader.goto(index)
    reader.get_by_role("link", name="Network weaving").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Network weaving")
    reader.locator(".prose").get_by_role("link", name="Huddles").click()
    expect(reader.locator(".prose")).to_have_text("Short meetings.")
    assert reader.url.startswith("file://") and reader.url.endswith("/huddles.html")
    font = reader.locator("h1").evaluate("heading => getComputedStyle(heading).fontFamily")
    assert "system-ui" in font, "the stylesheet came with the zip"
