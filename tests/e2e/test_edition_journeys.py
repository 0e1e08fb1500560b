"""A reader takes the handbook away: prints a section's edition and opens the offline zip from
disk, following a link between its pages, all with the stylesheet."""

import io
import zipfile

import pytest

from PIL import Image

from handbook.services import media
from handbook.services import pages

from conftest import RENDER

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests, or fails them under CI
    expect = None

pytestmark = pytest.mark.browser


def test_a_reader_prints_a_section_and_opens_the_offline_edition_from_disk(
        session, make_page, librarian, section, visitor, tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (90, 60), (200, 120, 30)).save(picture, "PNG")
    upload = media.store(session, librarian, "map.png", picture.getvalue(), "A map",
                         max_bytes=10**6)
    session.commit()
    make_page("Network weaving", f"## How\n\nSee [[Huddles]].\n\n![A map](media:{upload.digest})\n")
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
    reader.go_back()
    expect(reader.get_by_role("img", name="A map")).to_be_visible()
    reader.wait_for_function("() => document.querySelector('.prose img').naturalWidth === 90")
    assert reader.url.startswith("file://"), "the image came with the zip"
