"""Markdown to sanitized HTML: the one Markdown configuration and the one bleach Cleaner
(reached through handbook.rendering, which loads this module when something is first rendered)."""

import html as html_entities
import re
import xml.etree.ElementTree as etree
from urllib.parse import quote

import bleach
import markdown
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from handbook.rendering import WIKILINK
from handbook.rendering import Rendered
from handbook.rendering import anchor_slug
from handbook.rendering import link_targets
from handbook.rendering import slugify

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: an upload of this handbook, named in markdown as media:<digest> (services.media)
MEDIA_URL = re.compile(r"^media:([0-9a-f]{32})$")
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


_SCHEME = re.compile(r"^([^/?#]*?):")


def url_allowed(value):
    """Only http, https, mailto and relative URLs; checked here because bleach reads
    "javascript:123" as a host and a port. Browsers ignore whitespace and control
    characters inside a scheme ("java\tscript:"), so they are ignored here too."""
    cleaned = "".join(character for character in html_entities.unescape(value)
                      if character > " " and character != "\x7f")
    if MEDIA_URL.match(value):
        return True
    scheme = _SCHEME.match(cleaned)
    return scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS


def _allow_attribute(tag, name, value):
    """Attribute policy: a short allow-list; ids and classes only of simple shapes."""
    if name in ("href", "src") and name in _TAG_ATTRIBUTES.get(tag, ()):
        return url_allowed(value)
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


class MediaFilter(Filter):
    """Part of the Cleaner: media:<digest> (an upload) becomes its address, /media/<digest>."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] in ("a", "img"):
                attributes = dict(token["data"])
                for name in ((None, "href"), (None, "src")):
                    match = MEDIA_URL.match(attributes.get(name, ""))
                    if match:
                        attributes[name] = f"/media/{match.group(1)}"
                token["data"] = attributes
            yield token


CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS | {"media"},
    strip=True,
    strip_comments=True,
    filters=[ExternalLinkFilter, MediaFilter],
)


def sanitize(html):
    """Everything user-written passes through here before it reaches a page."""
    return CLEANER.clean(html)


#: a comment keeps the inline marks, lists, quotes and code of a page, not its headings,
#: images, tables or footnotes
COMMENT_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i", "ins", "kbd", "li", "ol",
    "p", "pre", "s", "strong", "sub", "sup", "ul",
})
COMMENT_CLEANER = bleach.Cleaner(
    tags=COMMENT_TAGS,
    attributes=lambda tag, name, value: name != "id" and _allow_attribute(tag, name, value),
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[ExternalLinkFilter],
)


def sanitize_comment(html):
    """A comment's rendering, narrowed to what a comment may hold."""
    return COMMENT_CLEANER.clean(html)


class WikiLinkProcessor(InlineProcessor):
    """Turn [[Target|label]] into a link; a missing target becomes a "create" link.
    `existing` maps link keys to the address of the page each leads to."""

    def __init__(self, pattern, md, existing):
        super().__init__(pattern, md)
        self.existing = existing

    def handleMatch(self, m, data):
        target = m.group(1).strip()
        label = (m.group(2) or target).strip()
        slug = self.existing.get(slugify(target))
        anchor = etree.Element("a")
        anchor.text = label
        if slug is not None:
            anchor.set("href", f"/wiki/{quote(slug)}")
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


def render(text, existing=None):
    """Render markdown to sanitized HTML; `existing` maps link keys to live pages' slugs."""
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            TocExtension(permalink="#", permalink_title="Link to this section",
                         slugify=anchor_slug, toc_depth="2-3", title="On this page"),
            WikiLinkExtension(dict(existing or {})),
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
