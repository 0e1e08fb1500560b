"""Editions: printable and offline, of the handbook or a section, from published text only,
with links kept inside the edition, anchors that never clash, and the same from the CLI."""

import io
import re
import zipfile

from click.testing import CliRunner

from handbook.cli import main
from handbook.models import Role
from handbook.services import pages
from handbook.services import redaction
from handbook.services import sections

from conftest import RENDER


def publish(session, librarian, page, body):
    pages.save_edit(session, librarian, page, body=body, base_revision_id=page.current_revision_id,
                    renderer=RENDER)
    session.commit()


def a_handbook(session, librarian, make_page, make_user):
    """Two sections; a pending proposal, a removed page and a hidden old text on the side."""
    weaving = make_page("Network weaving", "## Sources\n\nSee [[Huddles]] and [[A far story]].[^1]\n\n"
                                           "[^1]: A footnote.\n")
    make_page("Huddles", "## Sources\n\nShort meetings.\n")
    stories = sections.create_section(session, librarian, title="Stories", summary="",
                                      introduction="Told by members.", renderer=RENDER)
    session.commit()
    pages.create_page(session, librarian, section_id=stories.id, title="A far story",
                      body="There.\n", renderer=RENDER)
    gone = make_page("Old notes", "Removed text quokkaword.\n")
    pages.remove(session, librarian, gone, "Duplicate")
    contributor = make_user(Role.contributor)
    pages.save_edit(session, contributor, weaving, body="Pending text wombatword.\n",
                    base_revision_id=weaving.current_revision_id, renderer=RENDER)
    publish(session, librarian, weaving, weaving.current_revision.body + "\nA phone 07700 900123.\n")
    leaked = weaving.current_revision
    publish(session, librarian, weaving, leaked.body.replace("A phone 07700 900123.", "No phone."))
    redaction.hide(session, librarian, leaked, text=True, summary=False, reason="personal details")
    session.commit()
    return stories


def test_the_printable_edition_holds_published_text_in_order_and_links_inside(
        client, session, librarian, make_page, make_user):
    a_handbook(session, librarian, make_page, make_user)
    response = client.get("/editions/handbook.html")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.index('id="page-network-weaving"') < text.index('id="page-huddles"') < text.index(
        'id="page-a-far-story"'), "the handbook's order"
    assert "Edition of" in text and "No phone." in text and "Told by members." in text
    for secret in ("wombatword", "quokkaword", "07700"):
        assert secret not in text
    assert 'href="#page-huddles"' in text and 'href="#page-a-far-story"' in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "two pages' Sources headings get different anchors"
    assert 'id="network-weaving--sources"' in text and 'id="huddles--sources"' in text
    assert 'href="#network-weaving--fn:1"' in text


def test_a_section_edition_links_out_to_the_pages_it_leaves_out(client, session, librarian,
                                                                 make_page, make_user):
    a_handbook(session, librarian, make_page, make_user)
    text = client.get("/editions/sections/practical-methods.html").get_data(as_text=True)
    assert 'href="#page-huddles"' in text
    assert 'href="http://127.0.0.1:5000/wiki/a-far-story"' in text
    assert "There." not in text
    assert client.get("/editions/sections/no-such-section.html").status_code == 404


def test_the_offline_edition_is_a_zip_of_pages_that_link_to_each_other(client, session, librarian,
                                                                        make_page, make_user):
    a_handbook(session, librarian, make_page, make_user)
    response = client.get("/editions/handbook.zip")
    assert response.mimetype == "application/zip"
    assert 'attachment; filename="systems-convenor-handbook.zip"' == response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    assert names == {"handbook-edition/index.html", "handbook-edition/style.css",
                     "handbook-edition/network-weaving.html", "handbook-edition/huddles.html",
                     "handbook-edition/a-far-story.html"}
    weaving = archive.read("handbook-edition/network-weaving.html").decode()
    assert 'href="huddles.html"' in weaving and 'href="style.css"' in weaving
    everything = b"".join(archive.read(name) for name in names)
    for secret in (b"wombatword", b"quokkaword", b"07700"):
        assert secret not in everything
    section_zip = zipfile.ZipFile(io.BytesIO(client.get("/editions/sections/stories.zip").get_data()))
    assert "handbook-edition/a-far-story.html" in section_zip.namelist()
    assert "handbook-edition/huddles.html" not in section_zip.namelist()


def test_the_editions_page_lists_the_handbook_and_each_section(client, session, librarian,
                                                               make_page, make_user):
    a_handbook(session, librarian, make_page, make_user)
    text = client.get("/editions").get_data(as_text=True)
    assert 'href="/editions/handbook.html"' in text and 'href="/editions/sections/stories.zip"' in text


def test_the_command_writes_both_editions(database_url, tmp_path, monkeypatch, session, librarian,
                                          make_page, make_user):
    monkeypatch.setenv("HANDBOOK_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    a_handbook(session, librarian, make_page, make_user)
    session.commit()
    runner = CliRunner()
    printed = runner.invoke(main, ["edition", str(tmp_path / "all.html")], catch_exceptions=False)
    assert printed.exit_code == 0 and "Wrote the printable edition of the whole handbook" in printed.output
    assert "No phone." in (tmp_path / "all.html").read_text()
    zipped = runner.invoke(main, ["edition", "--format", "zip", "--section", "stories",
                                  str(tmp_path / "stories.zip")], catch_exceptions=False)
    assert zipped.exit_code == 0
    assert "handbook-edition/a-far-story.html" in zipfile.ZipFile(tmp_path / "stories.zip").namelist()
    missing = runner.invoke(main, ["edition", "--section", "nowhere", str(tmp_path / "x.html")])
    assert missing.exit_code != 0 and not (tmp_path / "x.html").exists()


def test_the_offline_edition_holds_the_published_images_and_no_others(client, session, librarian,
                                                                       make_page, make_user):
    from PIL import Image

    from handbook.services import media

    def picture(colour):
        out = io.BytesIO()
        Image.new("RGB", (20, 20), colour).save(out, "PNG")
        return out.getvalue()

    shown = media.store(session, librarian, "a.png", picture((1, 2, 3)), "Shown", max_bytes=10**6)
    contributor = make_user(Role.contributor)
    private = media.store(session, contributor, "b.png", picture((9, 8, 7)), "Private",
                          max_bytes=10**6)
    session.commit()
    page = make_page("Network weaving", f"![Shown](media:{shown.digest})\n")
    pages.save_edit(session, contributor, page, body=f"![Private](media:{private.digest})\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/editions/handbook.zip").get_data()))
    assert f"handbook-edition/media/{shown.digest}" in archive.namelist()
    assert not any(private.digest in name for name in archive.namelist())
    assert f'src="media/{shown.digest}"' in archive.read("handbook-edition/network-weaving.html").decode()
