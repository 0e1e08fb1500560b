"""The readers' query language, parsed by us (never by a backend's own parser) with firm limits.

words (all must match), "quoted phrases", a OR b, -exclusion, prefix*, and the fields
title:, section: and tag:. Anything else is read as plain words, with a hint.
"""

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX_CHARS = 2
FIELDS = ("title", "section", "tag")
_TOKEN = re.compile(r'(-?)(?:(\w+):)?("([^"]*)"?|[^\s"]+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Atom:
    """One thing to match: a word, a phrase (several words) or a prefix, in a field or anywhere."""

    kind: str
    text: str
    field: str | None = None

    def words(self):
        return _WORD.findall(self.text.lower())


@dataclass(frozen=True)
class Clause:
    """Atoms joined by OR; a negated clause excludes pages that match it."""

    atoms: tuple
    negated: bool = False


@dataclass
class Query:
    """A parsed query: clauses that must all hold, and hints about what was changed or ignored."""

    clauses: list = field(default_factory=list)
    hints: list = field(default_factory=list)

    @property
    def positive(self):
        return [clause for clause in self.clauses if not clause.negated]

    @property
    def is_empty(self):
        return not self.positive

    def words(self):
        """Every searched word (for highlighting), excluded ones left out."""
        return [word for clause in self.positive for atom in clause.atoms for word in atom.words()]

    def text(self):
        """The query written back in the query language (for links and suggestions)."""
        return " ".join(_clause_text(clause) for clause in self.clauses)


def _atom_text(atom):
    body = f'"{atom.text}"' if atom.kind == "phrase" else atom.text + ("*" if atom.kind == "prefix" else "")
    return f"{atom.field}:{body}" if atom.field else body


def _clause_text(clause):
    return ("-" if clause.negated else "") + " OR ".join(_atom_text(atom) for atom in clause.atoms)


def clean(raw):
    """Drop control characters and normalise; cap the length."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", raw or "")
                   if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(text.split())


def parse(raw):
    """A Query from what the reader typed; never raises, always bounded."""
    query = Query()
    text = clean(raw)
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        query.hints.append(f"Only the first {MAX_QUERY_CHARS} characters of the query were used.")
    if text.count('"') % 2:
        query.hints.append("An unmatched quotation mark was ignored.")
    pending_or = False
    terms = 0
    for match in _TOKEN.finditer(text.replace("(", " ").replace(")", " ")):
        negated, name, token, phrase = match.group(1) == "-", match.group(2), match.group(3), match.group(4)
        if token == "OR" and not negated and not name:
            pending_or = bool(query.clauses) and not query.clauses[-1].negated
            continue
        atom = _atom(query, name, token, phrase)
        if atom is None:
            continue
        terms += 1
        if terms > MAX_TERMS:
            query.hints.append(f"Only the first {MAX_TERMS} terms were used.")
            break
        if pending_or and not negated:
            last = query.clauses.pop()
            query.clauses.append(Clause(last.atoms + (atom,)))
        else:
            query.clauses.append(Clause((atom,), negated))
        pending_or = False
    if query.clauses and all(clause.negated for clause in query.clauses):
        query.hints.append("Say what to look for as well as what to leave out.")
    return query


def _atom(query, name, token, phrase):
    """Build one atom, or None (with a hint) for what cannot be searched."""
    field_name = None
    if name:
        if name.lower() in FIELDS:
            field_name = name.lower()
        else:
            query.hints.append(f"There is no field “{name}”; searched for the words instead.")
            token = f"{name} {token}"
    if phrase is not None:
        words = _WORD.findall(phrase)
        if not words:
            return None
        return Atom("phrase" if len(words) > 1 else "word", " ".join(words), field_name)
    if token.endswith("*"):
        stem = token.rstrip("*")
        words = _WORD.findall(stem)
        if len(words) != 1 or len(words[0]) < MIN_PREFIX_CHARS or stem != words[0]:
            query.hints.append(
                f"“{token}”: a * may only end a word of at least {MIN_PREFIX_CHARS} letters."
            )
            return None
        return Atom("prefix", words[0].lower(), field_name)
    words = _WORD.findall(token)
    if not words:
        return None
    if len(words) > 1:
        return Atom("phrase", " ".join(words), field_name)
    return Atom("word", words[0], field_name)
