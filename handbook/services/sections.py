"""Curating the structure: sections, their order, and the order of pages within them."""

from sqlalchemy import func
from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import permissions
from handbook.models import Page
from handbook.models import Section
from handbook.render_budget import RenderRefused
from handbook.rendering import slugify
from handbook.services import audit
from handbook.services import freshness
from handbook.services import links
from handbook.services import titles
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound
from handbook.services.validation import MAX_BODY_BYTES
from handbook.services.validation import clean_summary


def get_by_slug(session, slug):
    section = session.scalar(select(Section).where(Section.slug == slug))
    if section is None:
        raise NotFound("No such section.")
    return section


def render_introduction(session, renderer, text):
    """(markdown, sanitized HTML) of a section's introduction, or InvalidInput."""
    text = (text or "").replace("\r\n", "\n").strip()
    if "\x00" in text or len(text.encode()) > MAX_BODY_BYTES:
        raise InvalidInput("The introduction is too long or contains NUL bytes.", "introduction")
    try:
        return text, links.render_text(session, renderer, text).html if text else ""
    except RenderRefused as refused:
        raise InvalidInput(str(refused), "introduction") from None


def create_section(session, user, *, title, summary="", introduction="", renderer):
    """Add a section at the end of the contents."""
    permissions.require(permissions.may_manage_sections(user))
    title = titles.normalise(title)
    slug = slugify(title)
    summary = clean_summary(summary, 500)
    text, html = render_introduction(session, renderer, introduction)
    db.begin_write(session)
    if session.scalar(select(Section.id).where(Section.slug == slug)):
        raise InvalidInput("A section with this title exists.", "title")
    position = session.scalar(select(func.coalesce(func.max(Section.position), 0))) + 1
    section = Section(slug=slug, title=title, position=position, summary=summary,
                      introduction=text, introduction_html=html)
    session.add(section)
    session.flush()
    audit.record(session, user, "section", detail=f"created {title}")
    changes.layout_changed(session)
    return section


def update_section(session, user, section, *, title, summary="", introduction="", renderer):
    """Rename a section and rewrite its summary and introduction (its address stays)."""
    permissions.require(permissions.may_manage_sections(user))
    title = titles.normalise(title)
    summary = clean_summary(summary, 500)
    text, html = render_introduction(session, renderer, introduction)
    db.begin_write(session)
    if title != section.title:
        changes.page_changed(session, *[page.id for page in section.pages], placed=True)
    section.title = title
    section.summary = summary
    section.introduction, section.introduction_html = text, html
    audit.record(session, user, "section", detail=f"edited {section.title}")
    changes.layout_changed(session)
    return section


#: the trust thresholds of a section, which admins set
THRESHOLDS = ("trust_after", "trust_window_days", "throttle_after", "throttle_pending")
MAX_PHRASES_CHARS = 5000


def set_rules(session, user, section, *, review_interval_months, guard_phrases, thresholds=None):
    """A section's review interval and guard phrases (its librarians) and, from admins, its
    trust thresholds (a dict of THRESHOLDS); audited."""
    permissions.require(permissions.may_review_section(user, section.id))
    if thresholds is not None:
        permissions.require(permissions.may_set_trust_rules(user),
                            "Only admins change the trust thresholds.")
    phrases = "\n".join(line.strip() for line in (guard_phrases or "").splitlines() if line.strip())
    if len(phrases) > MAX_PHRASES_CHARS:
        raise InvalidInput(f"Keep the phrases under {MAX_PHRASES_CHARS} characters.",
                           "guard_phrases")
    db.begin_write(session)
    freshness.set_interval(session, section, review_interval_months)
    section.guard_phrases = phrases
    for name, value in (thresholds or {}).items():
        setattr(section, name, value)
    detail = (f"rules of {section.title}: review every {review_interval_months or 'never'}"
              f" months, {len(phrases.splitlines())} guard phrase(s)")
    if thresholds:
        detail += ", " + ", ".join(f"{name} {value}" for name, value in thresholds.items())
    audit.record(session, user, "section rules", detail=detail)


def move_section(session, user, section, direction):
    """Swap a section with its neighbour above (-1) or below (+1)."""
    permissions.require(permissions.may_manage_sections(user))
    db.begin_write(session)
    ordered = session.scalars(select(Section).order_by(Section.position, Section.id)).all()
    _swap(ordered, section, direction)
    audit.record(session, user, "reorder", detail=f"section {section.title}")
    changes.layout_changed(session)


def move_page(session, user, page, direction):
    """Swap a page with its neighbour above (-1) or below (+1) within its section."""
    permissions.require(permissions.may_manage_sections(user))
    db.begin_write(session)
    ordered = session.scalars(
        select(Page).where(Page.section_id == page.section_id).order_by(Page.position, Page.id)
    ).all()
    _swap(ordered, page, direction)
    audit.record(session, user, "reorder", page=page)
    changes.layout_changed(session)


def _swap(ordered, item, direction):
    """Renumber `ordered` 1..n, then swap `item` with its neighbour; edges stay put."""
    if direction not in (-1, 1) or item not in ordered:
        raise InvalidInput("Move up or down only.")
    index = ordered.index(item)
    other = index + direction
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, entry in enumerate(ordered, start=1):
        entry.position = position
