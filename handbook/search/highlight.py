"""Snippets: a window of plain text around the matched words, escaped, with <mark> around them."""

import re
from bisect import bisect_left

from markupsafe import Markup
from markupsafe import escape

from handbook import text_passages
from handbook.search.analysis import WORD
from handbook.search.analysis import stem

WIDTH = 220


def snippet(text, words, prefixes=(), pattern=None):
    """Escaped HTML: the densest stretch of `text` for the query words, matches marked
    (found by `pattern` when best_part made one for this text)."""
    if pattern is None:
        pattern = _pattern(text, _stems(words), tuple(prefix.lower() for prefix in prefixes))
    spans = [match.span() for match in pattern.finditer(text)] if pattern else []
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
    """The part of a page's rendering (cut at its headings) holding the most matches, with
    its plain text and the pattern that finds them: (`text_passages.RenderedPart`, text,
    pattern), or None when no part holds any (a match in the title). The page's matching
    words are found once, then counted per part."""
    parts = [(part, to_text(part.html)) for part in text_passages.rendered_parts(html)]
    pattern = _pattern(" ".join(text for _part, text in parts), _stems(words),
                       tuple(prefix.lower() for prefix in prefixes))
    if pattern is None:
        return None
    best, most = None, 0
    for part, text in parts:
        found = sum(1 for _match in pattern.finditer(text))
        if found > most:
            best, most = (part, text, pattern), found
    return best


def _stems(words):
    return {stem(word.lower()) for word in words}


def _pattern(text, wanted, prefixes):
    """A pattern finding the words of `text` whose stem is wanted or that begin with a prefix,
    or None when there are none. The text's distinct words are judged first; the pattern is
    made of those. Stemming keeps a word's first letter, so only words sharing a first letter
    with a wanted stem are stemmed."""
    initials = {wanted_stem[:1] for wanted_stem in wanted}
    matching = {word for word in set(WORD.findall(text.lower()))
                if (word[:1] in initials and stem(word) in wanted)
                or (prefixes and word.startswith(prefixes))}
    if not matching:
        return None
    alternatives = "|".join(map(re.escape, sorted(matching, key=len, reverse=True)))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w]|\.\w)", re.IGNORECASE)


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
