"""Compression and static files: responses come in brotli or gzip when the reader accepts
them (Flask-Compress; kept readers' pages are stored compressed), static files have
content-hashed names cached for a year, and an old or plain name still works."""

import gzip
import re

import brotli

from conftest import login


def test_a_members_page_and_the_api_are_compressed(app, make_page, contributor):
    make_page("Network weaving", "Alpha line.\n" * 50)
    client = app.test_client()
    login(client, contributor)
    page = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    assert b"Log out" in brotli.decompress(page.get_data())
    zipped = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and b"Log out" in gzip.decompress(zipped.get_data())
    plain = client.get("/wiki/network-weaving", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    feed = client.get("/recent.atom", headers={"Accept-Encoding": "br"})
    assert feed.headers["Content-Encoding"] == "br"


def test_static_files_have_hashed_names_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/style\.[0-9a-f]{12}\.css)"', page).group(1)
    script = re.search(r'src="(/static/search\.[0-9a-f]{12}\.js)"', page).group(1)
    for address in (stylesheet, script):
        response = client.get(address, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "br"
        again = client.get(address, headers={"Accept-Encoding": "br",
                                              "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    plain = client.get("/static/style.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    outdated = client.get("/static/style.0123456789ab.css")
    assert outdated.status_code == 200 and outdated.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/../setup.cfg").status_code == 404
    assert client.get("/static/nothing.css").status_code == 404
