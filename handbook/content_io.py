"""The content/ format on disk: import it into a handbook, export a handbook to it."""

import contextlib
import re
from pathlib import Path

import yaml
from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook.models import Page
from handbook.models import Protection
from handbook.models import Revision
from handbook.models import Section
from handbook.render_budget import RenderRefused
from handbook.rendering import link_targets
from handbook.rendering import slugify
from handbook.services import accounts
from handbook.services import links
from handbook.services import new_pages
from handbook.services import pages
from handbook.services import titles
from handbook.services.errors import ServiceError
from handbook.services.validation import clean_body

SECTION_FILE = "_section.md"
LICENCE_FILE = "LICENCE.md"
#: written beside every export: the licence of the handbook's text
LICENCE = """# Licence

The text of the Systems Convenor handbook is licensed under the Creative Commons
Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0):
https://creativecommons.org/licenses/by-sa/4.0/

You may share and adapt it, also commercially, if you credit the handbook and its contributors,
link to the licence, say what you changed, and share your adaptation under the same licence.
Quoted material and the works each page cites keep their own licences.
"""
#: libyaml's safe loader where PyYAML was built with it (about ten times faster), else PyYAML's
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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
        meta = yaml.load(match.group(1), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict) or "title" not in meta:
        raise ContentError(f"{path}: front matter needs at least a title")
    return meta, match.group(2).lstrip("\n")


#: from this many changed pages on, an import renders them in a pool of processes
POOL_FROM = 64


def import_dir(session, folder, renderer, progress=None):
    """Read a content folder: new sections and pages, new revisions where text changed.

    Pages are rendered knowing every page the import will publish, so links between imported
    pages are right at once; pages already in the handbook that link to new ones are rendered
    again after the commit (publishing declares it). Many changed pages are rendered in a pool
    of processes while the writes go on, inside `progress(total)` (a context manager whose
    `update(n)` is told of each n rendered, such as click.progressbar) when given. The new pages
    of each section are published together (services.new_pages); changed ones one by one.
    """
    db.begin_write(session)
    system = accounts.system_user(session)
    section_dirs = [path for path in sorted(Path(folder).iterdir())
                    if path.is_dir() and _SECTION_DIR.match(path.name)]
    parsed = {path: _parse_page(path) for section_dir in section_dirs
              for path in sorted(section_dir.glob("*.md")) if path.name != SECTION_FILE}
    _refuse_shared_names(parsed)
    live = links.live_targets(session)
    for path, (meta, title, body) in parsed.items():
        live.setdefault(slugify(title), path.stem)
        live[path.stem] = path.stem
    existing = _existing_pages(session, [path.stem for path in parsed])
    changed = 0
    with _prerender(session, renderer, parsed, live, progress) as rendered:
        for section_dir in section_dirs:
            match = _SECTION_DIR.match(section_dir.name)
            section = _import_section(session, renderer, section_dir, match.group(2),
                                      int(match.group(1)), live)
            drafts = []
            for path in sorted(section_dir.glob("*.md")):
                if path.name == SECTION_FILE:
                    continue
                page = existing.get(path.stem)
                if page is None:
                    drafts.append(_new_page(session, renderer, section, path, parsed[path], live,
                                            rendered.get(path)))
                else:
                    changed += _import_page(session, renderer, system, section, page, path,
                                            parsed[path], live, rendered.get(path))
            new_pages.publish(session, system, drafts)
            changed += len(drafts)
    return changed


def _existing_pages(session, slugs, chunk=500):
    """{slug: Page} of those of `slugs` already in the handbook."""
    found = {}
    for start in range(0, len(slugs), chunk):
        found.update((page.slug, page) for page in session.scalars(
            select(Page).where(Page.slug.in_(slugs[start:start + chunk]))))
    return found


class _Prerendered:
    """Renderings arriving from the pool in file order, taken as the writes reach each file."""

    def __init__(self, paths, results, bar):
        self._pending = iter(zip(paths, results))
        self._paths = set(paths)
        self._arrived = {}
        self._bar = bar

    def get(self, path):
        """The Rendered or RenderRefused of `path`, or None when it was not sent to the pool."""
        if path not in self._paths:
            return None
        while path not in self._arrived:
            arrived, result = next(self._pending)
            self._arrived[arrived] = result
            if self._bar is not None:
                self._bar.update(1)
        return self._arrived.pop(path)


@contextlib.contextmanager
def _prerender(session, renderer, parsed, live, progress):
    """The pages whose published text or title will change, rendered in a pool of processes
    while the writes go on, when there are many (fewer are rendered one by one as written)."""
    published = {slug: (title, body) for slug, title, body in session.execute(
        select(Page.slug, Revision.title, Revision.body)
        .join(Revision, Revision.id == Page.current_revision_id))}
    changed = [path for path, (_meta, title, body) in parsed.items()
               if published.get(path.stem) != (title, body)]
    if len(changed) < POOL_FROM:
        yield _Prerendered([], [], None)
        return
    jobs = [(parsed[path][2], {key: live[key] for key in link_targets(parsed[path][2]) if key in live})
            for path in changed]
    results = renderer.render_many(jobs)
    try:
        with progress(len(changed)) if progress else contextlib.nullcontext() as bar:
            yield _Prerendered(changed, results, bar)
    finally:
        results.close()


def _refuse_shared_names(paths):
    """A page's file name is its address, so two section folders may not both have one."""
    seen = {}
    for path in paths:
        if path.stem in seen:
            raise ContentError(f"{path}: {seen[path.stem]} has the same file name; a page's file"
                               " name is its address, so each must be unique in the folder")
        seen[path.stem] = path


def _parse_page(path):
    meta, body = parse(path)
    try:
        return meta, titles.normalise(str(meta["title"])), clean_body(body)
    except ServiceError as error:
        raise ContentError(f"{path}: {error}") from None


def _import_section(session, renderer, section_dir, slug, default_order, live):
    meta, body = parse(section_dir / SECTION_FILE) if (section_dir / SECTION_FILE).exists() else (
        {"title": slug.replace("-", " ").capitalize()}, "")
    section = session.scalar(select(Section).where(Section.slug == slug))
    if section is None:
        section = Section(slug=slug)
        session.add(section)
    values = {"title": titles.normalise(str(meta["title"])),
              "position": int(meta.get("order", default_order)),
              "summary": str(meta.get("summary", "")),
              "protection": _protection(section_dir / SECTION_FILE, meta) or Protection.open}
    if section.introduction != body.strip() or not section.introduction_html:
        values["introduction"] = body.strip()
        try:
            values["introduction_html"] = (links.render_text(session, renderer, body, live).html
                                           if body.strip() else "")
        except RenderRefused as refused:
            raise ContentError(f"{section_dir / SECTION_FILE}: {refused}") from None
    if section.id is not None and section.title != values["title"]:
        changes.page_changed(session, *[page.id for page in section.pages], placed=True)
    if any(getattr(section, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(section, name, value)
        changes.layout_changed(session)
    session.flush()
    return section


def _protection(path, meta):
    """The `protection:` of a file's front matter (open, librarians, two_approvals), or None."""
    if "protection" not in meta:
        return None
    try:
        return Protection(str(meta["protection"]))
    except ValueError:
        raise ContentError(f"{path}: protection must be one of "
                           f"{', '.join(level.value for level in Protection)}") from None


def _placing(path, meta, section):
    """The page fields a file's folder and front matter set."""
    return {"section": section, "position": int(meta.get("order", 0)),
            "tags": [str(tag) for tag in meta.get("tags") or []],
            "summary": str(meta.get("summary", "")),
            "protection": _protection(path, meta)}


def _rendering(session, renderer, path, body, live, rendered):
    """`rendered` from the pool, or the text rendered now; a refusal names the file."""
    try:
        if rendered is None:
            return links.render_text(session, renderer, body, live)
        if isinstance(rendered, RenderRefused):
            raise rendered
        return rendered
    except RenderRefused as refused:
        raise ContentError(f"{path}: {refused}") from None


def _new_page(session, renderer, section, path, parsed, live, rendered):
    """A Draft of a page new to the handbook, for new_pages.publish."""
    meta, title, body = parsed
    page = Page(slug=path.stem, title=title, title_key=slugify(title),
                **_placing(path, meta, section))
    session.add(page)  # in the session before any flush reaches its section's page list
    return new_pages.Draft(page, title, body,
                           _rendering(session, renderer, path, body, live, rendered))


def _import_page(session, renderer, system, section, page, path, parsed, live, rendered=None):
    """Update a page already in the handbook from its file (`rendered` already, or rendered
    now); 1 when a revision was published."""
    meta, title, body = parsed
    values = _placing(path, meta, section)
    if any(getattr(page, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(page, name, value)
        changes.page_changed(session, page.id, placed=True)
    session.flush()
    current = page.current_revision
    if current is not None and current.body == body and current.title == title:
        return 0
    summary = "Imported from files" if current else "First version"
    rendered = _rendering(session, renderer, path, body, live, rendered)
    revision = pages.add_revision(session, page, system, title, body, summary, base=current,
                                  rendered=rendered)
    pages.publish(session, page, revision, expected=page.current_revision_id, reviewer=system)
    return 1


def export_dir(session, folder):
    """Write the published handbook in the content format; returns the number of pages."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LICENCE_FILE).write_text(LICENCE, encoding="utf-8")
    count = 0
    sections = session.scalars(select(Section).order_by(Section.position, Section.id)).all()
    for number, section in enumerate(sections, start=1):
        section_dir = folder / f"{number:02d}-{section.slug}"
        section_dir.mkdir(exist_ok=True)
        _write(section_dir / SECTION_FILE,
               {"title": section.title, "order": number, "summary": section.summary,
                **({"protection": section.protection.value}
                   if section.protection is not Protection.open else {})},
               section.introduction)
        published = [page for page in section.pages if page.is_published]
        for order, page in enumerate(published, start=1):
            revision = page.current_revision
            _write(section_dir / f"{page.slug}.md",
                   {"title": revision.title, "order": order, "tags": list(page.tags or []),
                    "summary": page.summary,
                    **({"protection": page.protection.value} if page.protection else {})},
                   revision.body)
            count += 1
    return count


def _write(path, meta, body):
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    path.write_text(f"---\n{front}\n---\n{body.strip()}\n", encoding="utf-8")
