"""Links to pages in the numbers a page's tree and the contents need (hundreds a view):
url_for's addresses, built once a request and filled in per slug."""

import re
from urllib.parse import quote

from flask import g
from flask import url_for
from markupsafe import Markup
from markupsafe import escape

#: what a URL path segment keeps unquoted (werkzeug's converters quote a slug the same way)
_SEGMENT_SAFE = "!$&'()*+,/:;=@"
#: slugs needing no quoting (most of them): quote() is skipped for these
_PLAIN = re.compile(r"[a-z0-9-]+")


def page_url(slug):
    """The address of the page at `slug`, as url_for("reading.page", slug=slug) gives it."""
    before, after = _around()
    return before + _quoted(slug) + after


def page_list_items(pages, current_slug):
    """`<li>` links to `pages` (with .slug and .title), the one at `current_slug` marked as the
    page being read: the tree beside a page, which lists its whole section."""
    before, after = (str(escape(part)) for part in _around())
    items = []
    for page in pages:
        slug = page.slug
        address = before + (slug if _PLAIN.fullmatch(slug) else str(escape(_quoted(slug)))) + after
        here = ' aria-current="page"' if slug == current_slug else ""
        items.append(f'<li><a href="{address}"{here}>{escape(page.title)}</a></li>')
    return Markup("".join(items))


def _around():
    """What url_for puts before and after a page's slug, worked out once a request."""
    around = g.get("page_url_around")
    if around is None:
        before, _, after = url_for("reading.page", slug="%").rpartition("%25")
        around = g.page_url_around = (before, after)
    return around


def _quoted(slug):
    return slug if _PLAIN.fullmatch(slug) else quote(slug, safe=_SEGMENT_SAFE)
