"""Editions of the handbook, from published text only: a printable edition (one HTML page with
a table of contents, a page break before each page and the edition's date) and an offline
edition (a zip of static HTML with the stylesheet, that opens from disk). Of the whole
handbook or of one section; from the browser (/editions) and the command line.

Links between pages of the edition stay inside it; links to pages it leaves out go to the
handbook on the web (BASE_URL). Each page's anchors are prefixed with its address, so the
headings of different pages never share an id.
"""

import html as html_entities
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from urllib.parse import urljoin

from flask import current_app
from flask import render_template
from flask import url_for

from handbook.services import media
from handbook.services import reading

_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
_MEDIA_SRC = re.compile(r'\bsrc="/media/([0-9a-f]{32})"')


@dataclass
class EditionPage:
    page: object
    revision: object
    html: str


@dataclass
class EditionSection:
    section: object
    introduction: str
    pages: list


@dataclass
class Edition:
    title: str
    made_at: datetime
    #: the newest publication it includes
    up_to: datetime | None
    sections: list


def _local_target(kind):
    """How a link to page `slug` (at anchor `fragment`) is written in this kind of edition."""
    if kind == "print":
        return lambda slug, fragment: f"#{slug}--{fragment}" if fragment else f"#page-{slug}"
    return lambda slug, fragment: f"{slug}.html" + (f"#{slug}--{fragment}" if fragment else "")


def relink(html, slug, included, kind):
    """A page's rendering with its anchors prefixed by `slug` and its links pointed inside
    the edition (`included`: the slugs it holds) or at the handbook on the web."""
    target = _local_target(kind)
    base = current_app.config["BASE_URL"]

    def rewrite(match):
        url = html_entities.unescape(match.group(1))
        if url.startswith("#"):
            return f'href="#{slug}--{html_entities.escape(url[1:])}"'
        if url.startswith("/wiki/"):
            linked, _, fragment = url[len("/wiki/"):].partition("#")
            if linked in included:
                return f'href="{html_entities.escape(target(linked, fragment))}"'
        if url.startswith("/"):
            return f'href="{html_entities.escape(urljoin(base, url))}"'
        return match.group(0)

    prefixed = _ID.sub(lambda match: f'id="{slug}--{match.group(1)}"', html)
    relinked = _HREF.sub(rewrite, prefixed)
    if kind == "offline":  # the zip holds the images: media/<digest>
        relinked = _MEDIA_SRC.sub(lambda match: f'src="media/{match.group(1)}"', relinked)
    return relinked


def collect(session, section=None, kind="print", progress=None):
    """The edition's published pages, in the handbook's order, relinked for `kind`."""
    chosen = [(found, pages) for found, pages in reading.contents(session)
              if section is None or found.id == section.id]
    included = {page.slug for _, pages in chosen for page in pages}
    sections, newest = [], None
    for found, pages in chosen:
        made = []
        for page in pages:
            revision = page.current_revision
            made.append(EditionPage(page, revision, relink(revision.html, page.slug, included, kind)))
            newest = max(filter(None, [newest, revision.published_at]), default=None)
            if progress is not None:
                progress(1)
        introduction = relink(found.introduction_html or "", f"section-{found.slug}", included, kind)
        sections.append(EditionSection(found, introduction, made))
    title = section.title if section is not None else "The whole handbook"
    return Edition(title, datetime.now(timezone.utc), newest, sections)


def page_count(session, section=None):
    return sum(len(pages) for found, pages in reading.contents(session)
               if section is None or found.id == section.id)


def printable(session, section=None, progress=None):
    """The printable edition: one HTML page."""
    edition = collect(session, section, "print", progress)
    return render_template("edition.html", edition=edition, offline=False,
                           stylesheet=url_for("static", filename="style.css", _external=True))


def offline(session, section=None, progress=None):
    """The offline edition: the bytes of a zip of static HTML that opens from disk."""
    edition = collect(session, section, "offline", progress)
    buffer = io.BytesIO()
    folder = "handbook-edition"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/index.html", render_template(
            "edition.html", edition=edition, offline=True, stylesheet="style.css"))
        for part in edition.sections:
            for entry in part.pages:
                archive.writestr(f"{folder}/{entry.page.slug}.html", render_template(
                    "edition_page.html", edition=edition, part=part, entry=entry))
        archive.writestr(f"{folder}/style.css",
                         current_app.extensions["handbook_assets"]["style.css"].data)
        shown = {digest for part in edition.sections for entry in part.pages
                 for digest in _MEDIA_SRC.findall(entry.revision.html)}
        for image in media.published(session, shown):
            archive.writestr(f"{folder}/media/{image.digest}", image.data)
    return buffer.getvalue()

