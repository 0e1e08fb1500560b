"""Snippets: a window of plain text around the matched words, escaped, with <mark> around them."""

import re
from bisect import bisect_left
from functools import lru_cache

from markupsafe import Markup
from markupsafe import escape

from handbook import text_passages
from handbook.search.analysis import stem

WIDTH = 220
#: a character that a word's first letter cannot follow (it would continue an earlier word)
_INSIDE_A_WORD = re.compile(r"[\w.]")


def snippet(text, words, prefixes=(), finder=None):
    """Escaped HTML: the densest stretch of `text` for the query words, matches marked
    (found by `finder` when best_part made one for this query)."""
    finder = finder or _finder(frozenset(_stems(words)), _lowered(prefixes))
    spans = finder.spans(text)
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
    its plain text and the finder of the query's words: (`text_passages.RenderedPart`, text,
    finder), or None when no part holds any (a match in the title)."""
    finder = _finder(frozenset(_stems(words)), _lowered(prefixes))
    best, most = None, 0
    for part in text_passages.rendered_parts(html):
        text = to_text(part.html)
        found = len(finder.spans(text))
        if found > most:
            best, most = (part, text, finder), found
    return best


def _stems(words):
    return {stem(word.lower()) for word in words}


def _lowered(prefixes):
    return tuple(sorted({prefix.lower() for prefix in prefixes}))


class _Finder:
    """Finds the words of a text whose stem is wanted or that begin with a prefix.

    Words are found as `analysis.WORD` finds them, but only those beginning like a wanted stem
    (`_beginning`) are stemmed, so a page is scanned once by one expression instead of being
    cut into all its words."""

    def __init__(self, wanted, prefixes):
        self.wanted, self.prefixes = wanted, prefixes
        starts = set(map(_beginning, wanted))
        starts.update(prefixes)
        alternatives = "|".join(map(re.escape, sorted(starts, key=len, reverse=True)))
        # the beginnings first, so that one alone is searched for as a string; whether a word
        # begins there (not a letter or a dot before it) is checked for each match
        self._candidates = re.compile(rf"(?:{alternatives})\w*(?:\.?\w+)*",
                                      re.IGNORECASE) if starts else None

    def spans(self, text):
        """(start, end) of each wanted word of `text`, in order."""
        if self._candidates is None:
            return []
        return [match.span() for match in self._candidates.finditer(text)
                if not (match.start() and _INSIDE_A_WORD.match(text, match.start() - 1))
                and self._wanted(match.group().lower())]

    def _wanted(self, word):
        return stem(word) in self.wanted or (self.prefixes and word.startswith(self.prefixes))


def _beginning(stemmed):
    """How every word with this Porter stem begins: the stem but for its last letter, or its
    last two from six letters on ("sensibility" stems to "sensible")."""
    return stemmed[:max(1, len(stemmed) - (1 if len(stemmed) < 6 else 2))]


@lru_cache(maxsize=256)
def _finder(wanted, prefixes):
    return _Finder(wanted, prefixes)


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
