"""The embedded search backend: a Whoosh index in the instance folder."""

import os
import shutil
import threading
from collections import Counter
from collections import defaultdict
from contextlib import contextmanager

from whoosh import index
from whoosh import query as wq
from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN
from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.index import LockError
from whoosh.scoring import BM25F

from handbook.search import analysis
from handbook.search.backend import RawResults


class StemmedText(TEXT):
    """A TEXT field whose terms and positions come from `analysis.stems`.

    Whoosh's own analyzer still feeds the spelling graph (unstemmed words of titles and headings).
    """

    def __init__(self, **options):
        super().__init__(analyzer=StemmingAnalyzer(stoplist=None), **options)

    def index(self, value, **kwargs):
        """(term bytes, frequency, weight, encoded positions) for each distinct term of `value`."""
        positions = defaultdict(list)
        for position, term in enumerate(analysis.stems(value)):
            positions[term].append(position)
        encode, boost = self.format.encode, self.format.field_boost
        return [(term.encode(), len(where), len(where) * boost, encode(where))
                for term, where in positions.items()]


#: Only public fields of published pages; queries are built by us, never parsed by Whoosh.
SCHEMA = Schema(
    page_id=ID(stored=True, unique=True),
    slug=STORED,
    revision_id=STORED,
    #: titles weigh most, then headings, then the body
    title=StemmedText(field_boost=4.0, spelling=True),
    headings=StemmedText(field_boost=2.0, spelling=True),
    #: no spelling graph for the body: it would nearly halve indexing speed; suggestions come
    #: from the words of titles and headings, where a handbook's topics are named
    body=StemmedText(),
    #: sortable: its column gives the section of each hit for the facet counts
    section_slug=ID(sortable=True),
    section_title=StemmedText(),
    #: comma-separated, lower-cased, so "systems convening" is one tag
    tags=KEYWORD(commas=True, lowercase=True),
    #: the same tags as one column value, for the facet counts
    tag_list=COLUMN(VarBytesColumn()),
)
TAG_SEPARATOR = "\x1f"
TEXT_FIELDS = ("title", "headings", "body")
SPELLING_FIELDS = ("title", "headings")
#: a prefix stands for at most this many of the commonest words it begins, in each field
MAX_PREFIX_TERMS = 8
#: worker processes of a full rebuild; each leaves one index segment
REBUILD_PROCESSES = min(2, os.cpu_count() or 1)


class WhooshBackend:
    """Search and update a Whoosh index; one writer at a time, enforced by Whoosh's lock."""

    name = "whoosh"

    def __init__(self, folder):
        self.folder = folder
        self._index = None
        self._searcher = None
        self._columns = None
        self._lock = threading.Lock()

    def _open(self):
        if self._index is None:
            os.makedirs(self.folder, exist_ok=True)
            if index.exists_in(self.folder):
                self._index = index.open_dir(self.folder)
            else:
                self._index = index.create_in(self.folder, SCHEMA)
        return self._index

    def is_current(self):
        """True when an index exists with this version's schema (else `handbook init` rebuilds)."""
        if not index.exists_in(self.folder):
            return False
        try:
            schema = index.open_dir(self.folder).schema
        except Exception:  # an index written by another version may not even load its schema
            return False
        return _field_types(schema) == _field_types(SCHEMA)

    @contextmanager
    def _reading(self):
        """A searcher kept open between queries and refreshed when the index changed."""
        with self._lock:
            if self._searcher is None:
                self._searcher = self._open().searcher(weighting=BM25F())
            else:
                self._searcher = self._searcher.refresh()
            yield self._searcher

    def apply(self, session, documents, removed_page_ids):
        """Index `documents` and drop `removed_page_ids`; False if another writer has the lock."""
        try:
            writer = self._open().writer(timeout=0)
        except LockError:
            return False
        try:
            # One query deletes every old entry (update_document would open a reader per page),
            # then the current documents are added.
            stale = set(removed_page_ids) | {document.page_id for document in documents}
            if stale:
                writer.delete_by_query(wq.Or([wq.Term("page_id", str(page_id)) for page_id in stale]))
            for document in documents:
                writer.add_document(**_fields(document))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return True

    def rebuild(self, session, documents, progress=None):
        """Build a fresh index beside the old one, then swap it in."""
        fresh = self.folder + ".rebuild"
        shutil.rmtree(fresh, ignore_errors=True)
        os.makedirs(fresh)
        # Whoosh's MpWriter: each worker process writes a segment of its own (no merge at the end)
        writer = index.create_in(fresh, SCHEMA).writer(
            procs=REBUILD_PROCESSES, multisegment=True, limitmb=256)
        count = 0
        try:
            for document in documents:
                writer.add_document(**_fields(document))
                count += 1
                if progress:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        built = index.open_dir(fresh).doc_count()
        if built != count:  # a worker failed: keep the old index
            raise RuntimeError(f"the new search index holds {built} of {count} pages")
        self._index = None
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        old = self.folder + ".old"
        shutil.rmtree(old, ignore_errors=True)
        if os.path.exists(self.folder):
            os.rename(self.folder, old)
        os.rename(fresh, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        return count

    def indexed_versions(self, session):
        """{slug: revision id} of every indexed page."""
        with self._reading() as searcher:
            return {fields["slug"]: fields["revision_id"] for fields in searcher.all_stored_fields()}

    def search(self, session, parsed, *, section=None, tag=None, offset=0, limit=20):
        """Hits (slug, revision id) for a parsed query, with the total and section/tag facets."""
        with self._reading() as searcher:
            compiled = _compile(parsed, searcher.reader())
            if compiled is None or not searcher.doc_count_all():
                return RawResults(0, [], {}, {})
            section_of, tags_of = self._facet_columns(searcher)
            sections, tags, kept = Counter(), Counter(), []
            tag = tag.lower() if tag else None
            for docnum in searcher.docs_for_query(compiled):
                its_section = section_of[docnum]
                its_tags = tags_of[docnum]
                sections[its_section] += 1
                tags.update(its_tags)
                if (section is None or its_section == section) and (tag is None or tag in its_tags):
                    kept.append(docnum)
            filtered = section is not None or tag is not None
            found = searcher.search(compiled, limit=offset + limit,
                                    filter=set(kept) if filtered else None)
            hits = [(hit["slug"], hit["revision_id"]) for hit in found[offset:offset + limit]]
            return RawResults(len(kept), hits, dict(sections), dict(tags))

    def _facet_columns(self, searcher):
        """Each document's section and tags, read once per version of the index."""
        if self._columns is None or self._columns[0] is not searcher:
            reader = searcher.reader()
            sections = list(reader.column_reader("section_slug"))
            tags = [value.decode().split(TAG_SEPARATOR) if value else []
                    for value in reader.column_reader("tag_list")]
            self._columns = (searcher, sections, tags)
        return self._columns[1], self._columns[2]

    def corrections(self, session, words):
        """{word: better spelling} for words the index does not know: the word of titles and
        headings within two edits that the most pages hold."""
        better = {}
        with self._reading() as searcher:
            for word in words:
                if any(searcher.doc_frequency(name, stem) for name in TEXT_FIELDS
                       for stem in analysis.stems(word)):
                    continue
                candidates = _close_words(searcher.reader(), word.lower())
                if candidates:
                    better[word] = max(candidates, key=lambda candidate: (sum(
                        searcher.doc_frequency("body", stem) for stem in analysis.stems(candidate)),
                        candidate))
        return better


def _close_words(reader, word):
    """Words of titles and headings within two edits of `word`. Asked of each segment: on an
    index of several segments Whoosh's own corrector compares the word with every indexed word."""
    return {candidate for leaf, _offset in reader.leaf_readers() for name in SPELLING_FIELDS
            for candidate in leaf.terms_within(name, word, 2) if candidate != word}


def _field_types(schema):
    return {name: type(schema[name]) for name in schema.names()}


def _fields(document):
    return {
        "page_id": str(document.page_id), "slug": document.slug,
        "revision_id": document.revision_id, "title": document.title,
        "headings": document.headings, "body": document.body,
        "section_slug": document.section_slug, "section_title": document.section_title,
        "tags": ",".join(tag.lower() for tag in document.tags),
        "tag_list": TAG_SEPARATOR.join(tag.lower() for tag in document.tags).encode(),
    }


def _compile(parsed, reader):
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
    names = {"title": ("title",), "section": ("section_title",)}.get(atom.field, TEXT_FIELDS)
    if atom.kind == "prefix":
        return _prefix(atom.text.lower(), names, reader)
    words = analysis.stems(atom.text)
    if not words:
        return None
    if len(words) == 1:
        return wq.Or([wq.Term(name, words[0]) for name in names])
    return wq.Or([wq.Phrase(name, words) for name in names])


def _prefix(text, names, reader):
    """The commonest indexed words that begin with `text` (stemmed or not), at most
    MAX_PREFIX_TERMS a field: a short prefix cannot make a query scan the whole index."""
    starts = {text, *analysis.stems(text)}
    terms = []
    for name in names:
        words = {word for start in starts for word in reader.expand_prefix(name, start)}
        commonest = sorted(words, key=lambda word: -reader.doc_frequency(name, word))
        terms.extend(wq.Term(name, word) for word in commonest[:MAX_PREFIX_TERMS])
    return wq.Or(terms) if terms else None
