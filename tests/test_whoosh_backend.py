"""The Whoosh backend's own parts: weighted parts of a page, phrases, scoring, spelling, rebuilds.

These need no database: the backend is given search documents directly.
"""

import multiprocessing
import os
import re
from datetime import datetime
from datetime import timezone

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from whoosh import formats
from whoosh import index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.scoring import BM25F

from handbook.search import analysis
from handbook.search import documents
from handbook.search import highlight
from handbook.search import query
from handbook.search import whoosh_backend
from handbook.search import whoosh_query
from handbook.search import whoosh_schema
from handbook.search.documents import SearchDocument
from handbook.search.highlight import best_part
from handbook.search.highlight import snippet
from handbook.search.whoosh_backend import WhooshBackend


def document(number, title, body, headings="", tags=()):
    return SearchDocument(
        page_id=number, slug=f"page-{number}", title=title, section_slug="methods",
        section_title="Methods", tags=tuple(tags), headings=headings, body=body,
        revision_id=number * 10, published_at=datetime.now(timezone.utc))


@pytest.fixture
def backend(tmp_path):
    built = WhooshBackend(str(tmp_path / "search-index"))
    built.rebuild(None, iter([]))
    return built


def found(backend, raw, **filters):
    return [slug for slug, _revision in backend.search(None, query.parse(raw), **filters).hits]


def test_phrases_match_words_in_order_within_one_part_of_a_page(backend):
    backend.apply(None, [
        document(1, "Trust grows", "slowly in every group."),
        document(2, "Another page", "Trust grows slowly.", headings="Where trust\nGrows slowly"),
        document(3, "A third", "Grows trust; that that works."),
        document(4, "A fourth", "Nothing here.", headings="Ends with trust\nGrows at the start"),
    ], [])
    assert sorted(found(backend, '"trust grows"')) == ["page-1", "page-2"]
    assert found(backend, '"grows slowly"') == ["page-2"]  # not page 1: its title ends at "grows"
    assert found(backend, '"that that works"') == ["page-3"]
    assert found(backend, '"works that"') == []
    assert found(backend, 'title:"trust grows"') == ["page-1"]
    assert found(backend, '"trust grows" -slowly') == []
    assert sorted(found(backend, '"trust grows" OR "that works"')) == ["page-1", "page-2", "page-3"]


def test_a_title_outweighs_headings_which_outweigh_the_body(backend):
    backend.apply(None, [
        document(1, "Weaving", "Plain text."),
        document(2, "Other", "Plain text.", headings="Weaving"),
        document(3, "More", "Plain text about weaving."),
        document(4, "Many mentions", "Weaving, weaving, weaving. " * 8, headings="Weaving"),
    ], [])
    assert found(backend, "weaving")[:3] == ["page-1", "page-4", "page-2"]
    assert found(backend, '"plain text"') == ["page-1", "page-2", "page-3"]


def test_scores_are_whooshs_own_bm25f(backend):
    """Caching field lengths changes no score."""
    backend.apply(None, [document(number, f"Page {number}", "trust " * number + "grows slowly")
                         for number in range(1, 30)], [])
    backend.apply(None, [document(40, "Trust", "trust grows in a later segment")], [])
    ix = index.open_dir(backend.live_path())
    for raw in ["trust", "trust grows", '"grows slowly"', "tru*"]:
        compiled = whoosh_query.compile_query(query.parse(raw), ix.reader())
        with ix.searcher(weighting=BM25F()) as plain, \
                ix.searcher(weighting=whoosh_query.Weighting()) as cached:
            assert whoosh_query.every_match(cached, compiled) == \
                whoosh_query.every_match(plain, compiled), raw


VOCABULARY = ["trust", "trusted", "grows", "slowly", "team", "teams", "network", "care", "the"]
QUERY_ATOMS = st.sampled_from(VOCABULARY + ['"grows slowly"', '"the team"', "tr*", "title:team",
                                            "tag:care", "section:methods", "-slowly", "-network"])


@given(st.lists(st.lists(st.lists(st.sampled_from(VOCABULARY), max_size=8), min_size=1, max_size=6),
                min_size=1, max_size=3),
       st.lists(st.lists(QUERY_ATOMS, min_size=1, max_size=3).map(" OR ".join), min_size=1,
                max_size=3).map(" ".join))
@settings(max_examples=60, deadline=None)
def test_every_match_is_what_whooshs_own_matchers_find_with_their_scores(tmp_path_factory, batches,
                                                                         raw):
    """Updates in batches make several segments, and replaced pages leave deleted documents."""
    backend = WhooshBackend(str(tmp_path_factory.mktemp("index")))
    backend.rebuild(None, iter([]))
    for batch in batches:
        backend.apply(None, [document(number, " ".join(words[:2]) or "page", " ".join(words),
                                      tags=["care"] if "care" in words else ())
                             for number, words in enumerate(batch, 1)], [])
    ix = index.open_dir(backend.live_path())
    compiled = whoosh_query.compile_query(query.parse(raw), ix.reader())
    if compiled is None:
        return
    with ix.searcher(weighting=whoosh_query.Weighting()) as searcher:
        ours = {docnum: score for score, docnum in whoosh_query.every_match(searcher, compiled)}
        if isinstance(compiled, wq.AndNot):  # Whoosh's own AndNot matcher can keep excluded pages
            excluded = {hit.docnum for hit in searcher.search(compiled.b, limit=None)}
            compiled = compiled.a
        else:
            excluded = set()
        whooshs = {hit.docnum: hit.score for hit in searcher.search(compiled, limit=None)
                   if hit.docnum not in excluded}
    assert ours.keys() == whooshs.keys()
    assert all(ours[docnum] == pytest.approx(whooshs[docnum]) for docnum in ours)


def test_an_excluded_word_excludes_every_page_that_holds_it(backend):
    """Whoosh's own AndNot matcher found the second page here."""
    backend.apply(None, [document(1, "slowly", "slowly"), document(2, "trust slowly", "trust slowly")], [])
    assert found(backend, "trust -slowly") == [] and found(backend, "trust") == ["page-2"]


def test_spelling_suggestions_come_from_titles_and_headings(backend):
    backend.apply(None, [
        document(1, "Convening", "Bodies mention facilitation."),
        document(2, "Listening", "Text.", headings="Convening well"),
    ], [])
    assert backend.corrections(None, ["convenning", "facilitaton", "listening"]) == {
        "convenning": "convening"}  # "facilitation" is only in a body; "listening" is known
    assert whoosh_query.close_words(["convening", "covering", "listening"], "conevning") == {
        "convening"}
    assert whoosh_query.close_words(["team", "them"], "tem") == {"team", "them"}
    assert whoosh_query.close_words(["team"], "tx") == set()  # short words: one edit at most


def test_index_and_snippets_share_one_analysis():
    assert analysis.stems("Convening, e.g. 3.5 conveners; a I") == [
        "conven", "e.g", "3.5", "conven", "a", "i"]
    marked = snippet("The convening of conveners, e.g. twice.", ["convene"])
    assert str(marked) == "The <mark>convening</mark> of <mark>conveners</mark>, e.g. twice."


@given(st.text(st.characters(whitelist_categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=14))
def test_stemming_keeps_a_words_first_letter(text):
    """Snippets stem only the words sharing a first letter with a query's stems."""
    for word in analysis.words(text):
        assert analysis.stem(word)[:1] == word[:1]


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=40, unique=True))
def test_positions_are_written_as_whooshs_own_format_writes_them(positions):
    """An index written by an earlier version reads the same, and Whoosh reads ours."""
    positions.sort()
    ours, whooshs = whoosh_schema.DeltaPositions(), formats.Positions()
    assert ours.encode(positions) == whooshs.encode(positions)
    assert ours.decode_positions(ours.encode(positions)) == positions


def test_weighted_text_counts_each_occurrence_by_the_weight_of_its_part():
    indexed = {term: (frequency, weight, whoosh_schema.DeltaPositions().decode_positions(value))
               for term, frequency, weight, value in whoosh_schema.WeightedText().index(
                   [("Networks network", 4.0), ("A network", 2.0), ("network of networks", 1.0)])}
    gap = whoosh_schema.PART_GAP
    assert indexed[b"network"] == (5, 4.0 * 2 + 2.0 + 1.0 * 2, [0, 1, 3 + gap, 4 + 2 * gap, 6 + 2 * gap])
    assert indexed[b"a"] == (1, 2.0, [2 + gap])


@given(st.text(st.characters(whitelist_categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=18)
       | st.tuples(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=7), st.sampled_from(
           ["", "s", "ies", "ied", "ed", "ing", "ly", "ational", "ization", "iveness", "biliti",
            "bility", "alli", "entli", "ousli", "logi", "eed", "ingly", "icate", "y", "e", "ying",
            "yly"])).map("".join))
def test_a_word_begins_as_snippets_expect_from_its_stem(text):
    """Snippets look only at words beginning so (highlight._Finder)."""
    for word in analysis.words(text):
        assert word.startswith(highlight._beginning(analysis.stem(word)))


WORDS = st.sampled_from(["tie", "ties", "tied", "Tying", "happy", "happily", "sky", "skies",
                         "convenor", "Convener", "convening", "e.g", "3.5", "the", "than", "a",
                         "bail", "bailing", "abail", "sensibility", "sensible", "x"])


@given(st.lists(st.tuples(WORDS, st.sampled_from([" ", ", ", ". ", "; ", " (", "-", "...", "\n"])),
                max_size=12),
       st.lists(WORDS, min_size=1, max_size=3), st.lists(st.sampled_from(["ba", "se", "zz"]), max_size=1))
def test_snippets_mark_exactly_the_words_that_match(pieces, words, prefixes):
    """Every word (as the index splits text) whose stem a query word has, or that begins with a
    prefix, and no other; the texts are shorter than a snippet, so all of it is shown."""
    text = "".join(word + separator for word, separator in pieces)
    assert len(text) < highlight.WIDTH
    wanted = {analysis.stem(word.lower()) for word in words}
    expected = [word for word in re.findall(r"(?<![\w.])\w+(?:\.?\w+)*", text)
                if analysis.stem(word.lower()) in wanted
                or any(word.lower().startswith(prefix) for prefix in prefixes)]
    assert re.findall(r"<mark>(.*?)</mark>", str(snippet(text, words, prefixes))) == expected


def test_snippets_and_best_parts_mark_every_form_of_a_word():
    text = "Ties tied; the tying of ties. Happily happy. Sky skies. Convenors convene."
    assert str(snippet(text, ["ties", "happy", "skies", "convener"])) == (
        "<mark>Ties</mark> <mark>tied</mark>; the tying of <mark>ties</mark>. Happily "
        "<mark>happy</mark>. Sky <mark>skies</mark>. <mark>Convenors</mark> <mark>convene</mark>.")
    html = "<p>Intro about nothing.</p><h2 id=\"ties\">Ties</h2><p>Tied ties, tying.</p>"
    part, part_text, _pattern = best_part(html, ["ties"], (), documents.html_to_text)
    assert part.anchor == "ties" and "Tied ties" in part_text
    assert best_part(html, ["absent"], (), documents.html_to_text) is None


def test_a_large_rebuild_is_shared_among_worker_processes(backend, monkeypatch):
    monkeypatch.setattr(whoosh_backend, "PARALLEL_FROM", 150)
    monkeypatch.setattr(whoosh_backend, "REBUILD_PROCESSES", 2)
    pages = [document(number, f"Page {number}", f"word{number} shared text")
             for number in range(1, 401)]
    progress = []
    assert backend.rebuild(None, iter(pages), progress.append) == 400
    assert len(progress) == 400
    assert len(index.open_dir(backend.live_path()).reader().leaf_readers()) == 2
    assert len(backend.indexed_versions(None)) == 400
    assert found(backend, "word1") == ["page-1"] and found(backend, "word400") == ["page-400"]
    assert backend.search(None, query.parse("shared")).total == 400


def test_a_failed_worker_keeps_the_old_index(backend, monkeypatch):
    backend.apply(None, [document(1, "Old", "still here")], [])
    monkeypatch.setattr(whoosh_backend, "PARALLEL_FROM", 150)
    monkeypatch.setattr(whoosh_backend, "REBUILD_PROCESSES", 2)
    index_text = whoosh_schema.WeightedText.index

    def failing(self, parts, **kwargs):
        if any("poison" in text for text, _weight in parts):
            raise MemoryError("a worker ran out of memory")
        return index_text(self, parts, **kwargs)

    monkeypatch.setattr(whoosh_schema.WeightedText, "index", failing)
    pages = [document(number, f"Page {number}", "poison" if number == 120 else "fine")
             for number in range(1, 401)]
    with pytest.raises(RuntimeError):
        backend.rebuild(None, iter(pages))
    assert found(backend, "still") == ["page-1"]
    assert sorted(os.listdir(backend.folder)) == sorted(["CURRENT", os.path.basename(backend.live_path())])


def segments(backend):
    return len(index.open_dir(backend.live_path()).reader().leaf_readers())


def test_a_command_shares_a_large_update_among_worker_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_backend, "PARALLEL_FROM", 150)
    monkeypatch.setattr(whoosh_backend, "REBUILD_PROCESSES", 2)
    command = WhooshBackend(str(tmp_path / "command"), parallel_updates=True)
    server = WhooshBackend(str(tmp_path / "server"))
    assert (command.batch, server.batch) == (10_000, 1000)
    for backend in (command, server):
        backend.rebuild(None, iter([document(1, "Old", "first words"), document(2, "Kept", "kept")]))
        pages = [document(number, f"Page {number}", f"word{number} shared text")
                 for number in range(3, 403)]
        assert backend.apply(None, [document(1, "New", "new words"), *pages], [2])
        assert found(backend, "first") == [] and found(backend, "kept") == []
        assert found(backend, "new") == ["page-1"] and found(backend, "word402") == ["page-402"]
        assert backend.search(None, query.parse("shared")).total == 400
        assert len(backend.indexed_versions(None)) == 401
    assert (segments(command), segments(server)) == (3, 2), "one new segment per worker process"
    assert command.apply(None, [document(1, "New", "new words")], []), "a small update is serial"
    assert segments(command) <= 4


@pytest.mark.parametrize("poisoned", [120, 400], ids=["early", "in the last batch"])
def test_an_update_whose_worker_process_dies_is_written_again_serially(tmp_path, monkeypatch,
                                                                        poisoned):
    monkeypatch.setattr(whoosh_backend, "PARALLEL_FROM", 150)
    monkeypatch.setattr(whoosh_backend, "REBUILD_PROCESSES", 2)
    command = WhooshBackend(str(tmp_path / "command"), parallel_updates=True)
    command.rebuild(None, iter([document(1, "Old", "still here")]))
    index_text = whoosh_schema.WeightedText.index

    def dying(self, parts, **kwargs):
        if multiprocessing.parent_process() and any("poison" in text for text, _weight in parts):
            os._exit(9)  # as the kernel kills a process out of memory
        return index_text(self, parts, **kwargs)

    monkeypatch.setattr(whoosh_schema.WeightedText, "index", dying)
    pages = [document(number, f"Page {number}", "poison" if number == poisoned else "fine")
             for number in range(1, 401)]
    assert command.apply(None, pages, [])
    assert found(command, "still") == [] and found(command, "poison") == [f"page-{poisoned}"]
    assert command.search(None, query.parse("fine")).total == 399
    assert len(command.indexed_versions(None)) == 400


def test_an_index_with_compressed_postings_is_read_and_updated(backend):
    """Indexes written before postings were stored uncompressed still serve, and mix with new
    segments."""
    ix = index.open_dir(backend.live_path())
    with ix.writer(codec=W3Codec(compression=3)) as writer:
        for number in (1, 2):
            writer.add_document(**whoosh_schema.fields(document(number, f"Old {number}", "compressed words")))
    backend.apply(None, [document(3, "New", "compressed words, and newer ones")], [])
    assert segments(backend) == 2
    assert found(backend, '"compressed words"') == ["page-1", "page-2", "page-3"]
    backend.apply(None, [document(1, "Old 1", "changed")], [2])
    assert found(backend, "compressed") == ["page-3"] and found(backend, "changed") == ["page-1"]


def test_an_index_of_an_older_schema_is_not_current(backend, tmp_path):
    assert not WhooshBackend(str(tmp_path / "never-built")).is_current()
    backend.apply(None, [document(1, "One", "text")], [])
    assert backend.is_current()
    older = tmp_path / "older"
    (older / "index-old").mkdir(parents=True)
    (older / "CURRENT").write_text("index-old")
    from whoosh.fields import ID
    from whoosh.fields import TEXT
    from whoosh.fields import Schema

    index.create_in(str(older / "index-old"), Schema(page_id=ID(stored=True), text=TEXT, title=TEXT))
    assert not WhooshBackend(str(older)).is_current()
