"""Snippets: a window of plain text around the matched words, escaped, with <mark> around them."""

import re
from bisect import bisect_left

from markupsafe import Markup
from markupsafe import escape

from handbook import text_passages
from handbook.search.analysis import WORD
from handbook.search.analysis import stem

WIDTH = 220


def snippet(text, words, prefixes=()):
    """Escaped HTML: the densest stretch of `text` for the query words, matches marked."""
    spans = _matches(text, {stem(word.lower()) for word in words},
                     tuple(prefix.lower() for prefix in prefixes))
    start = _best_start(spans, len(text))
    end = min(len(text), start + WIDTH)
    if start > 0:
        start = text.find(" ", start, start + 30) + 1 or start
    if end < len(text):
        end = text.rfind(" ", end - 30, end) if text.rfind(" ", end - 30, end) > start else end
    pieces, cursor = [], start
    for begin, finish in spans:
        if begin < start or finish > end:
            continue
        pieces.append(escape(text[cursor:begin]))
        pieces.append(Markup("<mark>%s</mark>") % text[begin:finish])
        cursor = finish
    pieces.append(escape(text[cursor:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return Markup(prefix) + Markup("").join(pieces) + Markup(suffix)


def best_part(html, words, prefixes, to_text):
    """The part of a page's rendering (cut at its headings) holding the most matches: a
    `text_passages.RenderedPart`, or None when no part holds any (a match in the title)."""
    wanted = {stem(word.lower()) for word in words}
    prefixes = tuple(prefix.lower() for prefix in prefixes)
    best, most = None, 0
    for part in text_passages.rendered_parts(html):
        found = len(_matches(to_text(part.html), wanted, prefixes))
        if found > most:
            best, most = part, found
    return best


def _matches(text, wanted, prefixes):
    """(start, end) of each word of `text` whose stem is wanted or that begins with a prefix.
    The page's distinct words are judged first; a pattern of those then finds them."""
    matching = {word for word in set(WORD.findall(text.lower()))
                if stem(word) in wanted or (prefixes and word.startswith(prefixes))}
    if not matching:
        return []
    alternatives = "|".join(map(re.escape, sorted(matching, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w]|\.\w)", re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


def _best_start(spans, length):
    """Where the window holding the most matches begins."""
    if not spans:
        return 0
    starts = [begin for begin, _ in spans]
    best, best_count = starts[0], 0
    for index, begin in enumerate(starts):
        count = bisect_left(starts, begin + WIDTH - 40, index) - index
        if count > best_count:
            best, best_count = begin, count
    return max(0, min(best - 60, max(0, length - WIDTH)))
