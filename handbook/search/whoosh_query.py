"""Our parsed queries as Whoosh queries, a faster phrase matcher, and spelling candidates.

Whoosh's own query parser never sees what readers type: queries are built here from
`handbook.search.query`, on the fields we mean to offer.
"""

from bisect import bisect_left
from weakref import WeakKeyDictionary

from whoosh import query as wq
from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.matching import Matcher
from whoosh.matching import NullMatcher
from whoosh.scoring import BM25F
from whoosh.scoring import BM25FScorer

from handbook.search import analysis

#: the index field each query field searches (no field: title, headings and body)
FIELD_NAMES = {None: "text", "title": "title", "section": "section_title"}
#: how much more a match in the title counts than in the text (where the title is a part,
#: but BM25 soon stops counting more occurrences of a word, so it alone cannot put titles first)
TITLE_BOOST = 4.0
#: a prefix stands for at most this many of the commonest words it begins
MAX_PREFIX_TERMS = 8
SPELLING_FIELD = "topics"


def compile_query(parsed, reader):
    """A Whoosh query from our parsed query, or None when nothing can match."""
    positive = [_clause(clause, reader) for clause in parsed.positive]
    positive = [clause for clause in positive if clause is not None]
    if not positive:
        return None
    compiled = wq.And(positive) if len(positive) > 1 else positive[0]
    negative = [_clause(clause, reader) for clause in parsed.clauses if clause.negated]
    negative = [clause for clause in negative if clause is not None]
    if negative:
        compiled = wq.AndNot(compiled, wq.Or(negative))
    return compiled


def _clause(clause, reader):
    atoms = [_atom(atom, reader) for atom in clause.atoms]
    atoms = [atom for atom in atoms if atom is not None]
    if not atoms:
        return None
    return wq.Or(atoms) if len(atoms) > 1 else atoms[0]


def _atom(atom, reader):
    if atom.field == "tag":
        return wq.Term("tags", atom.text.lower())
    name = FIELD_NAMES[atom.field]
    if atom.kind == "prefix":
        return _prefix(atom.text.lower(), name, reader)
    terms = analysis.stems(atom.text)
    if not terms:
        return None
    if atom.field is None:  # also asked of titles alone, so a page named for the words ranks first
        return wq.Or([_words(name, terms), _words("title", terms, TITLE_BOOST)])
    return _words(name, terms)


def _words(name, terms, boost=1.0):
    if len(terms) == 1:
        return wq.Term(name, terms[0], boost=boost)
    return Phrase(name, terms, boost=boost)


def _prefix(text, name, reader):
    """The commonest indexed words that begin with `text` (stemmed or not), at most
    MAX_PREFIX_TERMS: a short prefix cannot make a query read the whole index."""
    starts = {text, *analysis.stems(text)}
    words = {word for start in starts for word in reader.expand_prefix(name, start)}
    commonest = sorted(words, key=lambda word: (-reader.doc_frequency(name, word), word))
    terms = [wq.Term(name, word) for word in commonest[:MAX_PREFIX_TERMS]]
    return wq.Or(terms) if terms else None


class Phrase(wq.Phrase):
    """Words next to each other, in order, in one field.

    Whoosh's own phrase matcher makes an object of every occurrence of every word in each page
    that holds them all, which made phrases of common words take a third of a second on 10,000
    pages; this one compares sets of positions.
    """

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if any((self.fieldname, word) not in reader for word in self.words):
            return NullMatcher()
        return AdjacentWords([(offset, wq.Term(self.fieldname, word).matcher(searcher, context))
                              for offset, word in enumerate(self.words)], self.boost)


class AdjacentWords(Matcher):
    """Documents where the terms ((offset in the phrase, term matcher)) stand in that order;
    scored as the sum of the terms' scores (times `boost`), like an AND of the words."""

    def __init__(self, terms, boost=1.0):
        self._terms = terms
        self._boost = boost
        self._matchers = [matcher for _, matcher in terms]
        self._settle()

    def is_active(self):
        return all([matcher.is_active() for matcher in self._matchers])

    def id(self):
        return self._matchers[0].id()

    def _settle(self):
        """Move on to the first document, from here, where the words stand in order."""
        matchers = self._matchers
        while self.is_active():
            ids = [matcher.id() for matcher in matchers]
            target = max(ids)
            if min(ids) == target:
                if self._adjacent():
                    return
                matchers[0].next()
                continue
            for matcher, at in zip(matchers, ids):
                if at < target:
                    matcher.skip_to(target)

    def _adjacent(self):
        starts = None
        for offset, matcher in self._terms:
            positions = matcher.value_as("positions")
            here = {position - offset for position in positions} if offset else set(positions)
            starts = here if starts is None else starts & here
            if not starts:
                return False
        return True

    def next(self):
        self._matchers[0].next()
        self._settle()

    def skip_to(self, id):
        for matcher in self._matchers:
            if matcher.is_active():
                matcher.skip_to(id)
        self._settle()

    def score(self):
        return sum(matcher.score() for matcher in self._matchers) * self._boost

    def children(self):
        return list(self._matchers)

    def copy(self):
        return AdjacentWords([(offset, matcher.copy()) for offset, matcher in self._terms],
                             self._boost)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self):
        return False


class Weighting(BM25F):
    """BM25F, with each page's field length read from a list kept per index segment (Whoosh
    reads it from the segment's length column for every match, a third of scoring time)."""

    def __init__(self):
        super().__init__()
        self._lengths = WeakKeyDictionary()

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = self._lengths_of(searcher.reader(), fieldname).__getitem__
        return scorer

    def _lengths_of(self, reader, fieldname):
        per_field = self._lengths.setdefault(reader, {})
        if fieldname not in per_field:
            per_field[fieldname] = [reader.doc_field_length(docnum, fieldname, 1)
                                    for docnum in range(reader.doc_count_all())]
        return per_field[fieldname]


def every_match(searcher, compiled):
    """(score, document number) of every match of a compiled query: totals and facets need
    every match, so skipping low-scoring blocks would gain nothing.

    Ors, Ands and AndNots are combined as {document: score} per index segment, not by Whoosh's
    matcher tree, which makes a Python call per document at each level (a third of the time of
    a word that most pages hold); the scores are the tree's (a sum of the parts' scores; an
    AndNot scores as its first part)."""
    matches = []
    for leaf, offset in searcher.leaf_searchers():
        matches.extend((score, docnum + offset) for docnum, score in _scores(compiled, leaf).items())
    return matches


def _scores(compiled, leaf):
    """{document number in the segment: score} of the matches of `compiled` in one segment."""
    if isinstance(compiled, (wq.Or, wq.And)):
        parts = [_scores(part, leaf) for part in compiled.subqueries]
        if isinstance(compiled, wq.Or):
            scores = {}
            for part in parts:
                for docnum, score in part.items():
                    scores[docnum] = scores.get(docnum, 0.0) + score
        else:
            parts.sort(key=len)
            common = set(parts[0]).intersection(*parts[1:])
            scores = {docnum: sum(part[docnum] for part in parts) for docnum in common}
    elif isinstance(compiled, wq.AndNot):
        dropped = _scores(compiled.b, leaf)
        scores = {docnum: score for docnum, score in _scores(compiled.a, leaf).items()
                  if docnum not in dropped}
    else:  # a term or a phrase: its own matcher
        scores, matcher = {}, compiled.matcher(leaf)
        while matcher.is_active():
            scores[matcher.id()] = matcher.score()
            matcher.next()
        return scores
    if compiled.boost != 1.0:
        scores = {docnum: score * compiled.boost for docnum, score in scores.items()}
    return scores


def close_words(vocabulary, word):
    """Words of the sorted `vocabulary` one edit from `word`, else two (words of four letters or
    more), found by walking a Levenshtein automaton over the list."""
    def first_from(text):
        at = bisect_left(vocabulary, text)
        return vocabulary[at] if at < len(vocabulary) else None

    for distance in (1, 2) if len(word) >= 4 else (1,):
        automaton = levenshtein_automaton(word, distance).to_dfa()
        found = set(find_all_matches(automaton, first_from)) - {word}
        if found:
            return found
    return set()
