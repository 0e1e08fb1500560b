"""Markdown to sanitized HTML: the one Markdown configuration and the one bleach Cleaner."""

import re
import unicodedata
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import quote

import bleach
import markdown
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

#: Bump when rendering changes: revisions rendered by an older version are rendered again.
RENDER_VERSION = 2

#: [[Target]] or [[Target|label]]; the same pattern finds links for the links table.
WIKILINK = r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]"
_WIKILINK_RE = re.compile(WIKILINK)

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: class values each tag may carry (anything else is dropped)
ALLOWED_CLASSES = {
    "a": re.compile(r"^(wikilink|wikilink missing|footnote-ref|footnote-backref|headerlink)$"),
    "code": re.compile(r"^language-[A-Za-z0-9+#_-]{1,30}$"),
    "div": re.compile(r"^(footnote|toc)$"),
    "span": re.compile(r"^toctitle$"),
}
SIMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.-]{0,100}$")
_COMMON_ATTRIBUTES = {"title"}
_TAG_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
_ID_TAGS = {"h2", "h3", "h4", "h5", "h6", "li", "sup", "div"}
EXTERNAL_REL = "nofollow ugc noopener"


def slugify(text, separator="-"):
    """A URL-safe ASCII slug for a title: "Why bridgers need connectors" -> why-bridgers-..."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)
    return slug[:100].strip(separator) or "page"


def link_targets(text):
    """The slugs that a markdown text links to with [[wiki links]]."""
    return {slugify(match.group(1).strip()) for match in _WIKILINK_RE.finditer(text)}


def _allow_attribute(tag, name, value):
    """Attribute policy: a short allow-list; ids and classes only of simple shapes."""
    if name in _COMMON_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(tag, ()):
        return True
    if name == "id":
        return tag in _ID_TAGS and bool(SIMPLE_ID.match(value))
    if name == "class":
        pattern = ALLOWED_CLASSES.get(tag)
        return bool(pattern and pattern.match(value))
    return False


def is_external(href):
    """True for links that leave the site (absolute http(s) or protocol-relative)."""
    lowered = href.strip().lower()
    return lowered.startswith(("http:", "https:", "//"))


class ExternalLinkFilter(Filter):
    """Part of the Cleaner: drop any rel and mark external links nofollow ugc noopener."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attributes = dict(token["data"])
                attributes.pop((None, "rel"), None)
                if is_external(attributes.get((None, "href"), "")):
                    attributes[(None, "rel")] = EXTERNAL_REL
                token["data"] = attributes
            yield token


CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[ExternalLinkFilter],
)


def sanitize(html):
    """Everything user-written passes through here before it reaches a page."""
    return CLEANER.clean(html)


class WikiLinkProcessor(InlineProcessor):
    """Turn [[Target|label]] into a link; a missing target becomes a "create" link."""

    def __init__(self, pattern, md, existing):
        super().__init__(pattern, md)
        self.existing = existing

    def handleMatch(self, m, data):
        target = m.group(1).strip()
        label = (m.group(2) or target).strip()
        slug = slugify(target)
        anchor = etree.Element("a")
        anchor.text = label
        if slug in self.existing:
            anchor.set("href", f"/wiki/{slug}")
            anchor.set("class", "wikilink")
        else:
            anchor.set("href", f"/new?title={quote(target)}")
            anchor.set("class", "wikilink missing")
            anchor.set("title", f"{target} (not written yet: create this page)")
        return anchor, m.start(0), m.end(0)


class WikiLinkExtension(Extension):
    def __init__(self, existing):
        super().__init__()
        self.existing = existing

    def extendMarkdown(self, md):
        md.inlinePatterns.register(WikiLinkProcessor(WIKILINK, md, self.existing), "wikilink", 175)


class DemoteTopHeadings(Treeprocessor):
    """A page has one h1, its title: a "# Heading" in the text becomes an h2."""

    def run(self, root):
        for heading in root.iter("h1"):
            heading.tag = "h2"


class OneTitleExtension(Extension):
    def extendMarkdown(self, md):
        # before the table of contents (priority 5) collects the headings
        md.treeprocessors.register(DemoteTopHeadings(md), "demote_top_headings", 30)


@dataclass
class Rendered:
    """A revision's kept rendering."""

    html: str
    toc_html: str
    heading_count: int
    links: set = field(default_factory=set)


def render(text, existing=frozenset()):
    """Render markdown to sanitized HTML; `existing` holds the slugs that are live pages."""
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            TocExtension(permalink="#", permalink_title="Link to this section",
                         slugify=slugify, toc_depth="2-3", title="On this page"),
            WikiLinkExtension(frozenset(existing)),
            OneTitleExtension(),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    html = md.convert(text)
    return Rendered(
        html=sanitize(html),
        toc_html=sanitize(md.toc) if len(md.toc_tokens) else "",
        heading_count=_count_headings(md.toc_tokens),
        links=link_targets(text),
    )


def _count_headings(tokens):
    return sum(1 + _count_headings(token["children"]) for token in tokens)


def init_app(app):
    """Make the bounded renderer available to services through each session's info."""
    from handbook.render_budget import BoundedRenderer

    app.extensions["handbook_renderer"] = BoundedRenderer(app.config["RENDER_TIMEOUT"])
