"""Members' views built from the readers' kept pages (reader_pages): the kept copy with the
parts that depend on who is looking rendered afresh and put in its place. A logged-in view then
costs a lookup, a query or two and a few small templates, not the page's queries and its whole
template, and it goes stale exactly when the readers' copy does.

A template marks each such part `<!--member-part NAME-->...<!--/member-part-->`, and renders
the same markers for everyone, so a member's view built here is byte for byte what the full
template would give them. Text from contributors cannot forge a marker: the sanitiser strips
comments (markdown_html.CLEANER) and titles and names are escaped.
"""

import functools
import re

from flask import current_app

_OPEN, _CLOSE, _NAME_END = "<!--member-part ", "<!--/member-part-->", "-->"
_NAME = re.compile(r"\w+")


def splice(kept, parts):
    """`kept` (a readers' page) with each marked part replaced: `parts` maps a part's name to a
    function of the readers' text of that part. None unless the page marks exactly those parts,
    once each (then the caller renders the page in full). The markers are found with str.find:
    a regular expression scanning the page for each part's end cost several times more."""
    pieces, found, at = [], [], 0
    while (start := kept.find(_OPEN, at)) >= 0:
        name_start = start + len(_OPEN)
        name_end = kept.find(_NAME_END, name_start)
        close = kept.find(_CLOSE, name_end)
        name = kept[name_start:name_end]
        if name_end < 0 or close < 0 or not _NAME.fullmatch(name):
            return None
        readers_text = kept[name_end + len(_NAME_END):close]
        found.append(name)
        pieces += [kept[at:name_end + len(_NAME_END)],
                   parts[name](readers_text) if name in parts else readers_text]
        at = close
    pieces.append(kept[at:])
    return "".join(pieces) if sorted(found) == sorted(parts) else None


def _renderer(**context):
    """A function rendering part templates with the request's template context (the context
    processors run once, however many parts are rendered)."""
    context = dict(context)
    current_app.update_template_context(context)

    def render(template_name, **values):
        return current_app.jinja_env.get_template(template_name).render({**context, **values})

    return render


def build(kept, parts=None, **context):
    """`kept` with the site menu, and each of `parts`, rendered for the member: `parts` maps a
    part's name to a function of (render, the readers' text of that part); `context` is what
    every part template sees. None when splice refuses the page."""
    render = _renderer(**context)
    parts = {name: functools.partial(part, render) for name, part in (parts or {}).items()}
    return splice(kept, {"menu": lambda _readers: render("_site_menu.html"), **parts})
