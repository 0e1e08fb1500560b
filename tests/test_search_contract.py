"""One contract for every search backend: the same pages, queries and answers, Whoosh or
PostgreSQL. These tests only read, so each handbook (per backend, fresh and lived-in) is built
once for the module; the tests that change it are in test_search_contract_changes.py."""

import pytest

from handbook import db
from handbook.models import Role
from handbook.search import check
from handbook.search import documents
from handbook.search import query as query_language
from handbook.services import accounts
from handbook.services import sections

from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import fresh_database
from search_corpus import COMBINATIONS
from search_corpus import CORPUS
from search_corpus import api
from search_corpus import find
from search_corpus import publish_corpus
from search_corpus import slugs

HOSTILE = [
    "", " ", "x" * 10_000, "trust " * 2_000, '"unbalanced', 'trust "grows', '""', '"trust grows',
    "((", "trust)", "(trust", "(trust OR (patience", "OR", "OR OR", "trust OR", "OR trust", "-",
    "- -", "-trust", "--trust", "*", "**", "t*", "trust**", "*trust", "foo:bar", "foo:", "title:",
    "tag:", "section:", 'title:""', "tag:*", ":*", "\x00", "\x00trust\x07\x1b[0m", "\u202etrust",
    "🙂", "trust 🙂", "tag:🙂", "日本語 検索", "café naïve Ünïcode", "Ω≈ç√", "'; DROP TABLE pages; --",
    "' OR 1=1 --", "don't", "don't*", "o'reilly", "''", "\\", "a\\b*", "%_", "!!trust", "trust & power",
    "trust | power", "trust <-> power", "trust:*", "trust:A", "a:b:c", '-""', "title:'", "\ufeff",
]


HANDBOOKS = [(database, search, kind) for database, search in COMBINATIONS
             for kind in ("fresh", "lived-in")]


@pytest.fixture(scope="module", params=HANDBOOKS, ids=lambda names: "-".join(names))
def handbook(request, tmp_path_factory):
    """(app, corpus): each search backend on each database that can hold it, with the CORPUS
    published and indexed in a fresh handbook or in one that has lived a little."""
    database, search, kind = request.param
    folder = tmp_path_factory.mktemp("search")
    app = build_app(fresh_database(request, database, folder), folder / "instance", SEARCH=search)
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD,
                                         Role.librarian)
        section = sections.create_section(session, librarian, title="Practical methods",
                                          summary="Ways of working.", renderer=RENDER)
        session.commit()
        published = publish_corpus(session, app, librarian, section, kind == "lived-in")
    yield app, published
    app.extensions["handbook_engine"].dispose()


@pytest.fixture
def app(handbook):
    """conftest's session and client use the handbook's app."""
    return handbook[0]


@pytest.fixture
def corpus(handbook):
    return handbook[1]


@pytest.fixture
def backend(app):
    return app.extensions["handbook_search"]


@pytest.mark.parametrize("raw, expected", [
    ("convening", ["network-weaving"]),  # the page says "convener"
    ("Trust", ["holding-the-space", "systems-change"]),
    ("trust patience", ["systems-change"]),
    ("trust grows", ["holding-the-space", "systems-change"]),
    ('"trust grows"', ["holding-the-space"]),
    ("patience OR retrospective", ["running-a-retrospective", "systems-change"]),
    ("trust -patience", ["holding-the-space"]),
    ("trust -patience -host", []),
    ("retro*", ["running-a-retrospective"]),
    ("weav*", ["holding-the-space", "network-weaving"]),
    ("systems", ["running-a-retrospective", "systems-change"]),
    ("title:systems", ["systems-change"]),
    ('title:"network weaving"', ["network-weaving"]),
    ("trust section:foundations", ["systems-change"]),
    ("section:practical", ["holding-the-space", "network-weaving"]),
    ("tag:facilitation", ["holding-the-space", "network-weaving"]),
    ("tag:Theory", ["systems-change"]),
    ("tag:facilitation -host", ["network-weaving"]),
    ("weaving -tag:networks", ["holding-the-space"]),
    ("title:weaving OR tag:theory", ["network-weaving", "systems-change"]),
    ("everyone's", ["systems-change"]),
    ("the convener", ["network-weaving"]),
    ("-trust", []),
])
def test_query_language(session, backend, corpus, raw, expected):
    """Stemming, all words, phrases, OR, exclusion, prefixes and fields mean the same everywhere."""
    assert sorted(slugs(session, backend, raw)) == expected


def test_a_title_match_ranks_above_a_body_match(session, backend, corpus):
    assert slugs(session, backend, "weaving") == ["network-weaving", "holding-the-space"]


def test_the_http_endpoint_answers_with_the_same_hits(app, client, corpus):
    body = api(client, "convening")
    assert body["total"] == 1
    assert [hit["slug"] for hit in body["results"]] == ["network-weaving"]
    assert body["results"][0]["url"] == "/wiki/network-weaving"
    assert [hit["slug"] for hit in api(client, '"trust grows"')["results"]] == ["holding-the-space"]
    assert [hit["slug"] for hit in api(client, "trust", section="foundations")["results"]] == [
        "systems-change"]
    assert [hit["slug"] for hit in api(client, "trust", tag="Facilitation")["results"]] == [
        "holding-the-space"]


def test_facets_count_all_matches_while_filters_narrow_the_hits(session, backend, corpus):
    everything = find(session, backend, "trust")
    assert everything.total == 2
    assert everything.sections == [("foundations", "Foundations", 1),
                                   ("practical-methods", "Practical methods", 1)]
    assert everything.tags == [("facilitation", 1), ("theory", 1)]
    in_section = find(session, backend, "trust", section="foundations")
    assert (in_section.total, [hit.slug for hit in in_section.hits]) == (1, ["systems-change"])
    assert in_section.sections == everything.sections and in_section.tags == everything.tags
    tagged = find(session, backend, "trust", tag="Facilitation")
    assert (tagged.total, [hit.slug for hit in tagged.hits]) == (1, ["holding-the-space"])
    assert tagged.tags == everything.tags
    assert find(session, backend, "trust", section="foundations", tag="facilitation").total == 0
    weaving = find(session, backend, "weaving")
    assert weaving.sections == [("practical-methods", "Practical methods", 2)]
    assert weaving.tags == [("facilitation", 2), ("networks", 1)]


def test_raw_results_page_through_the_hits(session, backend, corpus):
    parsed = query_language.parse("systems OR trust OR convener")
    first = backend.search(session, parsed, offset=0, limit=2)
    rest = backend.search(session, parsed, offset=2, limit=2)
    session.commit()
    assert first.total == rest.total == 4
    assert len(first.hits) == 2 and len(rest.hits) == 2
    assert {slug for slug, _ in first.hits + rest.hits} == set(CORPUS)
    versions = documents.published_versions(session)
    assert all(revision_id == versions[slug] for slug, revision_id in first.hits + rest.hits)
    assert backend.search(session, parsed, offset=10, limit=2).hits == []
    session.commit()


def test_a_misspelt_word_gets_a_suggestion_that_finds_the_page(client, session, backend, corpus):
    """Suggestions come at least from the words of titles and headings (where topics are named)."""
    results = find(session, backend, "retrospetcive")
    assert results.total == 0
    assert results.suggestion == "retrospective"
    assert slugs(session, backend, results.suggestion) == ["running-a-retrospective"]
    assert api(client, "meeting retrospetcive")["suggestion"] == "meeting retrospective"
    assert find(session, backend, "retrospective").suggestion is None
    assert find(session, backend, "the convener").suggestion is None


def test_hostile_queries_never_raise(client, session, backend, corpus):
    """Whatever is typed: a 200 with a JSON body from the API, and no exception from the service."""
    for raw in HOSTILE:
        if "\x00" in raw:  # refused at the edge, before any search: a clear 400
            assert client.get("/api/v1/search", query_string={"q": raw}).status_code == 400
            find(session, backend, raw)
            continue
        body = api(client, raw)
        assert isinstance(body["results"], list) and isinstance(body["hints"], list), repr(raw)
        assert isinstance(body["total"], int), repr(raw)
        find(session, backend, raw)
        find(session, backend, raw, section="'; --", tag="🙂")
    assert len(documents.published_versions(session)) == corpus.total
    assert [hit["slug"] for hit in api(client, "convening")["results"]] == ["network-weaving"]


@pytest.mark.parametrize("kind, words", [
    ("prefix", "o'reil"), ("prefix", "a\\b"), ("prefix", ":*"), ("prefix", "tr' | !x"),
    ("word", "trust & !power"), ("word", "'; DROP TABLE pages; --"), ("phrase", "trust' <-> 'grows"),
])
def test_atoms_the_parser_never_makes_still_never_raise(session, backend, corpus, kind, words):
    """Backends take the query's text as data even beyond what parse() produces."""
    for field in (None, "title", "section", "tag"):
        parsed = query_language.Query([query_language.Clause((query_language.Atom(kind, words, field),))])
        assert isinstance(backend.search(session, parsed).hits, list)
        session.commit()
    assert len(documents.published_versions(session)) == corpus.total


def test_corrections_only_for_unknown_words(session, backend, corpus):
    assert backend.corrections(session, ["retrospetcive", "patience", "Trust", "the"]) == {
        "retrospetcive": "retrospective"}
    session.commit()


def test_the_index_holds_exactly_the_published_versions(session, backend, corpus):
    assert backend.indexed_versions(session) == documents.published_versions(session)
    assert check.compare(session, backend).clean


def test_a_rebuild_reproduces_the_same_results(session, backend, corpus):
    queries = ["trust", "weav*", "tag:facilitation", "systems -patience", '"trust grows"']

    def answers():
        """Totals, hits (as a set: equal scores may come in any order) and facets."""
        return {raw: (lambda found: (found.total, sorted(hit.slug for hit in found.hits),
                                     found.sections, found.tags))(find(session, backend, raw))
                for raw in queries}

    before = answers()
    assert slugs(session, backend, "weaving") == ["network-weaving", "holding-the-space"]
    progress = []
    assert check.rebuild(session, backend, progress.append) == corpus.total
    assert progress == [1] * corpus.total
    assert answers() == before
    assert slugs(session, backend, "weaving") == ["network-weaving", "holding-the-space"]
    assert check.compare(session, backend).clean


def test_both_spellings_of_convenor_find_the_same_pages(session, backend, corpus):
    """The handbook writes "convenor", many of its sources "convener": search treats them as one."""
    assert slugs(session, backend, "convenor") == slugs(session, backend, "convener") == ["network-weaving"]
    assert slugs(session, backend, '"the convenor keeps"') == ["network-weaving"]
    assert slugs(session, backend, "conveners") == slugs(session, backend, "convenors")
