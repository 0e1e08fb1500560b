"""Markdown to sanitized HTML, as the rest of the handbook meets it: the wiki-link syntax, page
addresses, the render version and what a rendering holds. The rendering itself (the one Markdown
configuration and the one bleach Cleaner) is handbook.markdown_html, loaded by the first call of
`render` or `sanitize_comment`: web workers render in the rendering child
(render_budget), so a worker that only serves pages never loads Python-Markdown or bleach."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field

#: Bump when rendering changes: revisions rendered by an older version are rendered again.
RENDER_VERSION = 3

#: [[Target]] or [[Target|label]]; the same pattern finds links for the links table.
WIKILINK = r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]"
_WIKILINK_RE = re.compile(WIKILINK)


def slugify(text, separator="-"):
    """A page address for a title, in any script: "Why bridgers need connectors" ->
    why-bridgers-need-connectors, "Café" -> cafe, "Сеть связей" -> сеть-связей.

    Accents on Latin letters are dropped (as addresses always were); other scripts keep
    their letters and marks. Case-insensitive (casefolded). A title with no letters or
    digits at all gets "page-" and a short digest of itself, so such titles stay distinct.
    """
    kept = []
    for character in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(character) and kept and kept[-1].isascii():
            continue
        kept.append(character)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    spaced = "".join(character if unicodedata.category(character)[0] in "LNM" else " "
                     for character in folded)
    slug = separator.join(spaced.split())[:100].strip(separator)
    if not slug:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"page{separator}{digest}"
    return slug


def anchor_slug(text, separator="-"):
    """An ASCII id for a heading (ids must be simple to pass the sanitizer)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)
    return slug[:100].strip(separator) or "section"


def link_targets(text):
    """The slugs that a markdown text links to with [[wiki links]]."""
    return {slugify(match.group(1).strip()) for match in _WIKILINK_RE.finditer(text)}


@dataclass
class Rendered:
    """A revision's kept rendering."""

    html: str
    toc_html: str
    heading_count: int
    links: set = field(default_factory=set)


def render(text, existing=None):
    """Render markdown to sanitized HTML; `existing` maps link keys to live pages' slugs."""
    from handbook import markdown_html

    return markdown_html.render(text, existing)


def sanitize_comment(html):
    """A comment's rendering, narrowed to what a comment may hold."""
    from handbook import markdown_html

    return markdown_html.sanitize_comment(html)


def init_app(app):
    """The bounded renderer: views hand it to the services that render."""
    from handbook.render_budget import BoundedRenderer

    app.extensions["handbook_renderer"] = BoundedRenderer(app.config["RENDER_TIMEOUT"])
