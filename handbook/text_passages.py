"""A page's markdown cut into passages: the text before the first heading, then each heading with
what follows it up to the next heading. One passage can be edited alone: the edit link beside a
heading names it by the heading's anchor, and saving puts it back in place of the old passage,
leaving every other line of the page exactly as it was."""

import re
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

_HEADING = re.compile(r"^#{1,6}\s")
_FENCE = re.compile(r"^(```|~~~)")
#: a rendered heading with its anchor (the renderer gives every heading an id)
_RENDERED_HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Passage:
    """Lines [start, end) of the text; `heading` is False only for the text before the first."""

    start: int
    end: int
    heading: bool


def split(text):
    """The passages of a markdown text (headings inside fenced code do not cut)."""
    lines = text.splitlines()
    starts, fenced = [0], False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif _HEADING.match(line) and not fenced and number > 0:
            starts.append(number)
    return [Passage(start, end, bool(_HEADING.match(lines[start])))
            for start, end in zip(starts, [*starts[1:], len(lines)]) if end > start]


def texts(text):
    """The text of each passage, stripped (what a reader would call the same passage)."""
    lines = text.splitlines()
    return ["\n".join(lines[p.start:p.end]).strip() + "\n" for p in split(text)
            if "".join(lines[p.start:p.end]).strip()]


def anchors(html):
    """The anchors of a rendering's headings, in order."""
    return [match.group(2) for match in _RENDERED_HEADING.finditer(html)]


@dataclass(frozen=True)
class RenderedPart:
    """A stretch of a rendering: the text before the first heading (no anchor), or a heading
    and what follows it; `path` is the titles of the headings it sits under, its own last."""

    anchor: str | None
    path: tuple
    html: str


def rendered_parts(html):
    """A rendering cut at its headings, each part with its heading path."""
    parts, stack, cursor, anchor, path = [], [], 0, None, ()
    for match in _RENDERED_HEADING.finditer(html):
        if match.start() > cursor or anchor is not None:
            parts.append(RenderedPart(anchor, path, html[cursor:match.start()]))
        level, anchor = int(match.group(1)), match.group(2)
        title = _TAG.sub("", match.group(3)).rstrip("#").strip()
        stack = [(depth, name) for depth, name in stack if depth < level] + [(level, title)]
        path, cursor = tuple(name for _, name in stack), match.end()
    parts.append(RenderedPart(anchor, path, html[cursor:]))
    return parts


def find(text, html, anchor):
    """The passage of `text` under the heading with `anchor` in its rendering `html`, or None
    (also when the text's headings and the rendering's do not pair up one to one)."""
    headed = [passage for passage in split(text) if passage.heading]
    rendered = anchors(html)
    if len(headed) != len(rendered) or anchor not in rendered:
        return None
    return headed[rendered.index(anchor)]


def passage_text(text, passage):
    return "\n".join(text.splitlines()[passage.start:passage.end]).rstrip("\n") + "\n"


def replace(text, passage, new_passage):
    """`text` with `passage` replaced by `new_passage`; every other line as it was."""
    lines = text.splitlines()
    new_lines = new_passage.rstrip("\n").splitlines()
    if passage.end < len(lines) and new_lines and new_lines[-1].strip():
        new_lines.append("")  # keep a blank line before the next heading
    kept = lines[:passage.start] + new_lines + lines[passage.end:]
    return "\n".join(kept) + "\n"


def with_edit_links(html, edit_url):
    """The rendering with an "edit" link after each heading, to `edit_url` with its anchor."""
    def link(match):
        level, anchor, inner = match.groups()
        title = _TAG.sub("", inner).rstrip("#").strip()
        return Markup(
            f'<h{level} id="{anchor}">{inner}<a class="section-edit" href="{escape(edit_url)}?section={escape(anchor)}"'
            f' aria-label="Edit section: {escape(title)}">edit</a></h{level}>')
    return Markup(_RENDERED_HEADING.sub(link, str(html)))
