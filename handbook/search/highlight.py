"""Snippets: a window of plain text around the matched words, escaped, with <mark> around them."""

from markupsafe import Markup
from markupsafe import escape

from handbook.search.analysis import WORD
from handbook.search.analysis import stem

WIDTH = 220


def snippet(text, words, prefixes=()):
    """Escaped HTML: the densest stretch of `text` for the query words, matches marked."""
    wanted = {stem(word.lower()) for word in words}
    prefixes = tuple(prefix.lower() for prefix in prefixes)
    spans = []
    for match in WORD.finditer(text):
        token = match.group(0).lower()
        if stem(token) in wanted or (prefixes and token.startswith(prefixes)):
            spans.append(match.span())
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


def _best_start(spans, length):
    """Where the window holding the most matches begins."""
    if not spans:
        return 0
    best, best_count = spans[0][0], 0
    for index, (begin, _) in enumerate(spans):
        count = sum(1 for other, _ in spans[index:] if other < begin + WIDTH - 40)
        if count > best_count:
            best, best_count = begin, count
    return max(0, min(best - 60, max(0, length - WIDTH)))
