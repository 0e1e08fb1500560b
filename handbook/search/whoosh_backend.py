"""The embedded search backend: a Whoosh index in the instance folder.

The folder holds one index directory per build (`index-<id>`) and a file CURRENT naming the
live one. A rebuild writes a new directory and swaps CURRENT atomically; every worker reads
CURRENT before each search and opens the new index when it changed, so `handbook reindex`
heals running workers. Files are read, not memory-mapped: a truncated file then raises an
error (search answers "unavailable") instead of killing the process with SIGBUS.
"""

import heapq
import logging
import os
import shutil
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from functools import cached_property
from itertools import chain
from itertools import islice

from whoosh import index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from handbook.search import analysis
from handbook.search import whoosh_query
from handbook.search import whoosh_schema
from handbook.search.backend import RawResults
from handbook.search.backend import SearchUnavailable
from handbook.search.whoosh_schema import SCHEMA

log = logging.getLogger(__name__)

#: worker processes of a rebuild, or of an update, of at least PARALLEL_FROM pages; each
#: writes one segment
REBUILD_PROCESSES = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 1000
#: megabytes of postings each of those processes sorts in memory before it spills a sorted run
#: to disk (Whoosh's estimate; a process then holds about 0.8 of it): 10,000 pages of 1,200
#: words fit, and spilling them (pickled one posting at a time, read back) took a third of a
#: rebuild
REBUILD_SORT_MB = 1024
#: postings written uncompressed: Whoosh compresses each block of 128 postings with their
#: positions as one, so a query decompressed every block of a word's pages to read which pages
#: they are (a fifth of a word most pages hold). The index takes 2.6 times the disk.
CODEC = W3Codec(compression=0)


class WhooshBackend:
    """Search and update a Whoosh index; one writer at a time, enforced by Whoosh's lock."""

    name = "whoosh"

    def __init__(self, folder, parallel_updates=False):
        self.folder = folder
        #: whether `apply` may share PARALLEL_FROM pages or more among worker processes (forked:
        #: not from a server, whose other threads may hold locks the children would need)
        self.parallel_updates = parallel_updates
        #: owed pages the outbox's payer hands to one `apply`: when parallel, an import's pages
        #: in one update, not ten that each merge the segments before them
        self.batch = 10_000 if parallel_updates else 1000
        self._identity = None
        self._index = None
        self._searcher = None
        self._read_once = None
        self._weighting = whoosh_query.Weighting()
        self._lock = threading.Lock()

    def live_path(self):
        """The directory of the index that searches read now (None before the first build)."""
        identity = self._current_identity()
        return os.path.join(self.folder, identity) if identity else None

    def _current_identity(self):
        try:
            with open(os.path.join(self.folder, "CURRENT"), encoding="ascii") as handle:
                return handle.read().strip()
        except FileNotFoundError:
            return None

    def _open(self):
        """The live index, reopened when a rebuild swapped in another; SearchUnavailable if none."""
        identity = self._current_identity()
        if identity is None:
            self._forget()
            raise SearchUnavailable(f"no search index in {self.folder}; run `handbook reindex`")
        if identity != self._identity or self._index is None:
            self._forget()
            storage = FileStorage(os.path.join(self.folder, identity), supports_mmap=False)
            self._index = storage.open_index()
            self._identity = identity
        return self._index

    def _forget(self):
        """Drop the open index and searcher (after a swap or a failure)."""
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:
                pass
        self._index = self._searcher = self._read_once = None
        self._identity = None

    def tidy(self, engine):
        """Nothing to do: each commit of the index already merges its small segments."""

    def is_current(self):
        """True when a live index exists with this version's schema (else `handbook init` rebuilds)."""
        identity = self._current_identity()
        if identity is None:
            return False
        try:
            schema = index.open_dir(os.path.join(self.folder, identity)).schema
        except Exception:  # missing, damaged, or written by another version
            return False
        return whoosh_schema.field_types(schema) == whoosh_schema.field_types(SCHEMA)

    @contextmanager
    def _reading(self):
        """A searcher kept open between queries and refreshed when the index changed; on any
        failure the index is dropped, to be opened afresh by the next search."""
        with self._lock:
            try:
                opened = self._open()
                if self._searcher is None:
                    self._searcher = opened.searcher(weighting=self._weighting)
                else:
                    self._searcher = self._searcher.refresh()
                if self._read_once is None or self._read_once.searcher is not self._searcher:
                    self._read_once = _ReadOnce(self._searcher)
                yield self._searcher
            except SearchUnavailable:
                raise
            except Exception as error:
                self._forget()
                raise SearchUnavailable(repr(error)) from error

    def apply(self, session, documents, removed_page_ids):
        """Index `documents` and drop `removed_page_ids`; False if another writer has the lock."""
        with self._lock:
            opened = self._open()
        replacing = set(removed_page_ids) | {document.page_id for document in documents}
        parallel = self.parallel_updates and len(documents) >= PARALLEL_FROM
        try:
            _write(_writer(opened, parallel, timeout=0), documents, replacing=replacing)
        except LockError:
            return False
        except WorkerStopped:  # e.g. killed for memory: the pages are written again by this process
            log.warning("a search index worker process stopped; indexing %d pages serially",
                        len(documents))
            try:
                _write(_writer(opened, False, timeout=0), documents, replacing=replacing)
            except LockError:
                return False
        return True

    def rebuild(self, session, documents, progress=None):
        """Build a fresh index in a directory of its own, then swap it in for every worker."""
        identity = f"index-{uuid.uuid4().hex[:12]}"
        fresh = os.path.join(self.folder, identity)
        os.makedirs(fresh, exist_ok=False)
        try:
            count = _build(index.create_in(fresh, SCHEMA), documents, progress)
            built = index.open_dir(fresh).doc_count()
            if built != count:  # a worker failed: keep the old index
                raise RuntimeError(f"the new search index holds {built} of {count} pages")
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        draft = os.path.join(self.folder, f".CURRENT.{os.getpid()}")
        with open(draft, "w", encoding="ascii") as handle:
            handle.write(identity)
        os.replace(draft, os.path.join(self.folder, "CURRENT"))
        for name in os.listdir(self.folder):  # older builds (open files stay readable)
            if name not in (identity, "CURRENT") and not name.startswith(".CURRENT"):
                path = os.path.join(self.folder, name)
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.remove(path)
        return count

    def indexed_versions(self, session):
        """{slug: revision id} of every indexed page."""
        with self._reading() as searcher:
            return {fields["slug"]: fields["revision_id"] for fields in searcher.all_stored_fields()}

    def search(self, session, parsed, *, section=None, tag=None, offset=0, limit=20):
        """Hits (slug, revision id) for a parsed query, with the total and section/tag facets."""
        with self._reading() as searcher:
            compiled = whoosh_query.compile_query(parsed, searcher.reader())
            if compiled is None or not searcher.doc_count_all():
                return RawResults(0, [], {}, {})
            matches = whoosh_query.every_match(searcher, compiled)
            section_of, tags_of = self._read_once.sections, self._read_once.tags
            docnums = [docnum for _score, docnum in matches]
            sections = Counter(map(section_of.__getitem__, docnums))
            tags = Counter(chain.from_iterable(map(tags_of.__getitem__, docnums)))
            if section is not None or tag is not None:
                tag = tag.lower() if tag else None
                matches = [(score, docnum) for score, docnum in matches
                           if (section is None or section_of[docnum] == section)
                           and (tag is None or tag in tags_of[docnum])]
            best = heapq.nsmallest(offset + limit, matches, key=lambda match: (-match[0], match[1]))
            stored = [searcher.stored_fields(docnum) for _score, docnum in best[offset:]]
            hits = [(fields["slug"], fields["revision_id"]) for fields in stored]
            return RawResults(len(matches), hits, dict(sections), dict(tags))

    def corrections(self, session, words):
        """{word: better spelling} for words the index does not know: of the words of titles and
        headings closest to it, the one that the most pages hold."""
        better = {}
        with self._reading() as searcher:
            def pages_holding(word):
                return sum(searcher.doc_frequency("text", term) for term in analysis.stems(word))

            for word in words:
                if pages_holding(word):
                    continue
                candidates = whoosh_query.close_words(self._read_once.vocabulary, word.lower())
                if candidates:
                    better[word] = max(candidates, key=lambda candidate: (
                        pages_holding(candidate), candidate))
        return better


def _build(fresh_index, documents, progress):
    """Index `documents` into an empty index; how many there were."""
    first = list(islice(documents, PARALLEL_FROM))
    writer = _writer(fresh_index, parallel=len(first) == PARALLEL_FROM)
    return _write(writer, chain(first, documents), progress)


class WorkerStopped(RuntimeError):
    """A worker process of a parallel writer stopped before its segment was written."""


def _writer(opened, parallel, **options):
    """A writer of `opened`; a parallel one is Whoosh's MpWriter, whose REBUILD_PROCESSES worker
    processes each write a segment of their own (not merged: a merge would take as long again)."""
    options["codec"] = CODEC
    if parallel and REBUILD_PROCESSES > 1:
        return opened.writer(procs=REBUILD_PROCESSES, multisegment=True, limitmb=REBUILD_SORT_MB,
                             **options)
    return opened.writer(**options)


def _write(writer, documents, progress=None, replacing=()):
    """Drop the entries of the pages `replacing`, add `documents` and commit; how many there
    were. WorkerStopped if a worker process stopped: before the commit nothing is committed;
    during it (Whoosh commits without the missing segment) the index lacks that worker's
    pages, so they must be written again."""
    workers = getattr(writer, "tasks", [])  # an MpWriter's worker processes
    count = 0
    try:
        if replacing:  # one query (update_document would open a reader per page)
            writer.delete_by_query(wq.Or([wq.Term("page_id", str(page_id)) for page_id in replacing]))
        for document in documents:
            writer.add_document(**whoosh_schema.fields(document))
            count += 1
            if progress:
                progress(1)
            if count % 100 == 0 and any(worker.exitcode is not None for worker in workers):
                raise WorkerStopped("a search index worker process stopped")
        writer.commit()
    except BaseException:
        writer.cancel()
        for worker in workers:  # MpWriter.cancel() leaves them waiting for work
            worker.terminate()
        raise
    if any(worker.exitcode for worker in workers):
        raise WorkerStopped("a search index worker process stopped while the index was committed")
    return count


class _ReadOnce:
    """What is read once per version of the index, when first needed."""

    def __init__(self, searcher):
        self.searcher = searcher

    @cached_property
    def sections(self):
        """The section of each document (by document number), for the facet counts."""
        return list(self.searcher.reader().column_reader("section_slug"))

    @cached_property
    def tags(self):
        """The tags of each document, for the facet counts."""
        return [value.decode().split(whoosh_schema.TAG_SEPARATOR) if value else []
                for value in self.searcher.reader().column_reader("tag_list")]

    @cached_property
    def vocabulary(self):
        """The words of titles and headings, sorted: where spelling suggestions come from."""
        reader = self.searcher.reader()
        return sorted({word.decode() for leaf, _offset in reader.leaf_readers()
                       for word in leaf.lexicon(whoosh_query.SPELLING_FIELD)})
