"""Uploads: images re-encoded (metadata gone, size bounded, polyglots defeated), PDFs kept,
everything else refused; seen only by the uploader and librarians until published; served
with the right headers; and shown in pages through media: links with their descriptions."""

import io
import re

import pytest
from PIL import Image

from handbook.models import Role
from handbook.services import media
from handbook.services import moderation
from handbook.services import reading
from handbook.services import pages
from handbook.services.errors import InvalidInput

from conftest import RENDER
from conftest import csrf_token
from conftest import login


def png(width=40, height=30, exif=None, colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG", exif=exif or Image.Exif())
    return out.getvalue()


def jpeg_with_gps():
    exif = Image.Exif()
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 4: (0.0, 7.0, 0.0)}  # GPSInfo: latitude, longitude
    exif[0x010F] = "Phone maker"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(client, data, name="photo.png", alt="A red square", json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/media/new", data={
        "csrf_token": csrf_token(client, "/media/new"), "alt": alt,
        "file": (io.BytesIO(data), name)}, headers=headers, content_type="multipart/form-data")


def test_an_image_is_drawn_again_without_its_metadata(session, contributor):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif(), "the test image carries EXIF"
    stored = media.store(session, contributor, "holiday.jpg", original, "A blue field",
                         max_bytes=10**7)
    again = Image.open(io.BytesIO(stored.data))
    assert again.format == "JPEG" and not again.getexif() and "exif" not in again.info
    assert (stored.width, stored.height, stored.content_type) == (64, 48, "image/jpeg")
    assert stored.name == "holiday.jpg" and not stored.public


def test_a_large_image_is_scaled_down_and_a_polyglot_loses_its_tail(session, contributor):
    big = media.store(session, contributor, "big.png", png(5000, 1000), "Wide", max_bytes=10**8)
    assert (big.width, big.height) == (media.MAX_SIDE, 480)
    polyglot = png() + b"<script>alert(1)</script>PK\x03\x04zip tail"
    stored = media.store(session, contributor, "x.png", polyglot, "Red", max_bytes=10**7)
    assert b"<script>" not in stored.data and b"PK\x03\x04" not in stored.data


@pytest.mark.parametrize("data, name", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
    (b"just some text", "notes.txt"),
    (b"\x89PNG\r\n\x1a\nbroken", "broken.png"),
    (b"", "empty.png"),
])
def test_anything_but_an_image_or_a_pdf_is_refused(session, contributor, data, name):
    with pytest.raises(InvalidInput):
        media.store(session, contributor, name, data, "Something", max_bytes=10**7)


def test_an_image_needs_a_description_and_a_size_limit_holds(session, contributor):
    with pytest.raises(InvalidInput, match="what the image shows"):
        media.store(session, contributor, "a.png", png(), "  ", max_bytes=10**7)
    with pytest.raises(InvalidInput, match="larger than"):
        media.store(session, contributor, "a.png", png(), "Red", max_bytes=100)
    pdf = media.store(session, contributor, "../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n", "",
                      max_bytes=10**7)
    assert pdf.content_type == "application/pdf" and pdf.name == "etc_passwd.pdf"


def test_an_upload_is_private_until_a_published_page_uses_it(app, client, session, make_page,
                                                            contributor, librarian, make_user):
    login(client, contributor)
    answer = upload(client, png()).get_json()
    assert re.fullmatch(r"!\[A red square\]\(media:[0-9a-f]{32}\)", answer["markdown"])
    address = answer["url"]
    mine = client.get(address)
    assert mine.status_code == 200 and mine.mimetype == "image/png"
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert mine.headers["Content-Disposition"].startswith("inline")
    assert "private" in mine.headers["Cache-Control"]
    reader, other, reviewer = app.test_client(), app.test_client(), app.test_client()
    login(other, make_user(Role.contributor))
    login(reviewer, librarian)
    assert reader.get(address).status_code == 404 and other.get(address).status_code == 404
    assert reviewer.get(address).status_code == 200

    page = make_page("Network weaving", "Words.\n")
    pages.save_edit(session, contributor, page, body=f"Words.\n\n{answer['markdown']}\n",
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    assert reader.get(address).status_code == 404, "a proposal does not publish its files"
    proposal = reading.own_pending_proposal(session, contributor, page)
    moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    session.commit()
    public = reader.get(address)
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert reader.get(address, headers={"If-None-Match": public.headers["ETag"]}).status_code == 304
    shown = reader.get("/wiki/network-weaving").get_data(as_text=True)
    digest = address.split("/")[2]
    assert f'<img alt="A red square" src="/media/{digest}">' in shown
    assert reader.get(f"/media/{digest}").status_code == 200


def test_a_pdf_is_a_download_and_bad_uploads_come_back_with_a_reason(client, contributor):
    login(client, contributor)
    pdf = upload(client, b"%PDF-1.4\n%%EOF\n", name="report.pdf", alt="").get_json()
    assert pdf["markdown"].startswith("[report.pdf](media:")
    assert client.get(pdf["url"]).headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    refused = upload(client, b"<svg/>", name="x.svg")
    assert refused.status_code == 400 and "SVG" in refused.get_json()["error"]
    page = upload(client, png(), alt="", json=False)
    assert page.status_code == 400 and "Say what the image shows" in page.get_data(as_text=True)


def test_an_upload_over_the_limit_is_refused_whole(app, contributor):
    app.config["MEDIA_MAX_BYTES"] = 50_000
    client = app.test_client()
    login(client, contributor)
    assert upload(client, b"x" * 200_000, name="huge.png").status_code == 413


def test_readers_and_guests_cannot_upload(client):
    assert client.get("/media/new").status_code in (302, 401)


def test_an_image_without_a_description_is_refused_in_a_page(session, make_page, librarian):
    page = make_page("Network weaving", "Words.\n")
    with pytest.raises(InvalidInput, match="Describe each image"):
        pages.save_edit(session, librarian, page, body="![](media:" + "a" * 32 + ")\n",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
