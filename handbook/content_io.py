"""The content/ format on disk: import it into a handbook, export a handbook to it."""

import re
from pathlib import Path

import yaml
from sqlalchemy import select

from handbook.models import Page
from handbook.models import Section
from handbook.render_budget import RenderRefused
from handbook.search import outbox
from handbook.services import accounts
from handbook.services import links
from handbook.services import pages
from handbook.services.errors import ServiceError
from handbook.services.validation import clean_body
from handbook.services.validation import clean_title

SECTION_FILE = "_section.md"
_SECTION_DIR = re.compile(r"^(\d+)-(.+)$")


class ContentError(Exception):
    """A file in the content folder is malformed; the message names it."""


def parse(path):
    """(front matter dict, markdown body) of one content file."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n?(.*)$", text, re.S)
    if not match:
        raise ContentError(f"{path}: no front matter between --- lines at the top")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict) or "title" not in meta:
        raise ContentError(f"{path}: front matter needs at least a title")
    return meta, match.group(2).lstrip("\n")


def import_dir(session, folder):
    """Read a content folder: new sections and pages, new revisions where text changed.

    Pages are rendered knowing every slug the import will publish, so links between imported
    pages are right at once; pages already in the handbook that link to new ones are rendered
    again once, at the end.
    """
    system = accounts.system_user(session)
    section_dirs = [path for path in sorted(Path(folder).iterdir())
                    if path.is_dir() and _SECTION_DIR.match(path.name)]
    files = [path for section_dir in section_dirs for path in sorted(section_dir.glob("*.md"))
             if path.name != SECTION_FILE]
    imported = {path.stem for path in files}
    new_slugs = imported - set(session.scalars(
        select(Page.slug).where(Page.slug.in_(imported), Page.current_revision_id.is_not(None))))
    live = links.live_slugs(session) | imported
    changed = 0
    for section_dir in section_dirs:
        match = _SECTION_DIR.match(section_dir.name)
        section = _import_section(session, section_dir, match.group(2), int(match.group(1)), live)
        for path in sorted(section_dir.glob("*.md")):
            if path.name != SECTION_FILE:
                changed += _import_page(session, system, section, path, live)
    if new_slugs:
        links.refresh_linking_pages(session, new_slugs, skip=imported)
    return changed


def _import_section(session, section_dir, slug, default_order, live):
    meta, body = parse(section_dir / SECTION_FILE) if (section_dir / SECTION_FILE).exists() else (
        {"title": slug.replace("-", " ").capitalize()}, "")
    section = session.scalar(select(Section).where(Section.slug == slug))
    if section is None:
        section = Section(slug=slug)
        session.add(section)
    section.title = clean_title(str(meta["title"]))
    section.position = int(meta.get("order", default_order))
    section.summary = str(meta.get("summary", ""))
    if section.introduction != body.strip() or not section.introduction_html:
        section.introduction = body.strip()
        try:
            section.introduction_html = links.render_text(session, body, live).html if body.strip() else ""
        except RenderRefused as refused:
            raise ContentError(f"{section_dir / SECTION_FILE}: {refused}") from None
    session.flush()
    return section


def _import_page(session, system, section, path, live):
    """Create or update one page from its file; 1 when a revision was published."""
    meta, body = parse(path)
    try:
        title = clean_title(str(meta["title"]))
        body = clean_body(body)
    except ServiceError as error:
        raise ContentError(f"{path}: {error}") from None
    page = session.scalar(select(Page).where(Page.slug == path.stem))
    if page is None:
        page = Page(slug=path.stem, title=title, section=section, tags=[])
        session.add(page)
    tags = [str(tag) for tag in meta.get("tags") or []]
    if page.id is not None and (page.section_id != section.id or page.tags != tags):
        outbox.owe(session, [page.id])
    page.section = section
    page.position = int(meta.get("order", 0))
    page.tags = tags
    page.summary = str(meta.get("summary", ""))
    session.flush()
    current = page.current_revision
    if current is not None and current.body == body and current.title == title:
        return 0
    summary = "Imported from files" if current else "First version"
    revision = pages.add_revision(session, page, system, title, body, summary, base=current,
                                  live=live)
    pages.publish(session, page, revision, expected=page.current_revision_id, reviewer=system,
                  refresh_links=False)
    return 1


def export_dir(session, folder):
    """Write the published handbook in the content format; returns the number of pages."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    sections = session.scalars(select(Section).order_by(Section.position, Section.id)).all()
    for number, section in enumerate(sections, start=1):
        section_dir = folder / f"{number:02d}-{section.slug}"
        section_dir.mkdir(exist_ok=True)
        _write(section_dir / SECTION_FILE,
               {"title": section.title, "order": number, "summary": section.summary},
               section.introduction)
        published = [page for page in section.pages if page.is_published]
        for order, page in enumerate(published, start=1):
            revision = page.current_revision
            _write(section_dir / f"{page.slug}.md",
                   {"title": revision.title, "order": order, "tags": list(page.tags or []),
                    "summary": page.summary},
                   revision.body)
            count += 1
    return count


def _write(path, meta, body):
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    path.write_text(f"---\n{front}\n---\n{body.strip()}\n", encoding="utf-8")
