"""The search contract when the handbook changes: an edit, a removal, pending text, and one
index writer at a time, on every search backend, each test on a handbook of its own."""

import pytest
from sqlalchemy import text
from whoosh import index

from handbook import changes
from handbook.models import Role
from handbook.search import check
from handbook.search import integration
from handbook.services import pages

from conftest import RENDER
from conftest import build_app
from conftest import fresh_database
from search_corpus import COMBINATIONS
from search_corpus import CORPUS
from search_corpus import api
from search_corpus import publish_corpus
from search_corpus import slugs


@pytest.fixture(params=COMBINATIONS, ids=lambda pair: "-".join(pair))
def backend_app(request, tmp_path):
    """The app with each search backend on each database that can hold it."""
    database, search = request.param
    app = build_app(fresh_database(request, database, tmp_path), tmp_path / "instance",
                    SEARCH=search)
    yield app
    app.extensions["handbook_engine"].dispose()


@pytest.fixture
def database_url(backend_app):
    """The database the backend's app uses (for fixtures that ask for it)."""
    return backend_app.config["DATABASE_URL"]


@pytest.fixture
def app(backend_app):
    """conftest's session, users and client use the backend's app."""
    return backend_app


@pytest.fixture
def backend(app):
    return app.extensions["handbook_search"]


@pytest.fixture(params=["fresh", "lived-in"])
def corpus(request, app, session, librarian, section):
    """The CORPUS published and indexed, in a fresh handbook or one that has lived a little."""
    return publish_corpus(session, app, librarian, section, request.param == "lived-in")


def test_an_edit_is_found_by_its_new_words_only(app, session, backend, corpus, librarian):
    page = corpus["running-a-retrospective"]
    pages.save_edit(session, librarian, page, body=CORPUS[page.slug][3].replace("short", "brisk"),
                    summary="tone", base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    assert slugs(session, backend, "brisk") == ["running-a-retrospective"]
    assert slugs(session, backend, "short") == []
    assert backend.indexed_versions(session)[page.slug] == page.current_revision_id
    assert check.compare(session, backend).clean


def test_a_new_title_is_suggested_at_once_by_every_server_process(app, session, backend, corpus,
                                                                  librarian, section):
    """Suggestions come from what is indexed now, not from a copy a process made earlier."""
    other = integration.make_backend(app.config, app.instance_path)  # as another server has it
    assert other.corrections(session, ["kaleidoscpe"]) == {}
    session.commit()
    pages.create_page(session, librarian, section_id=section.id, title="Kaleidoscope thinking",
                      body="Many views at once.\n", summary="New", renderer=RENDER)
    session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    assert other.corrections(session, ["kaleidoscpe", "thinking"]) == {"kaleidoscpe": "kaleidoscope"}
    assert backend.corrections(session, ["kaleidoscpe"]) == {"kaleidoscpe": "kaleidoscope"}
    session.commit()


def test_a_removed_page_disappears(app, session, backend, corpus, librarian):
    pages.remove(session, librarian, corpus["systems-change"], "Merged into another page")
    session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    assert slugs(session, backend, "patience") == []
    assert slugs(session, backend, "trust") == ["holding-the-space"]
    assert "systems-change" not in backend.indexed_versions(session)
    assert check.compare(session, backend).clean


def test_pending_text_is_never_found(app, client, session, backend, corpus, make_user, section):
    contributor = make_user(Role.contributor)
    pages.create_page(session, contributor, section_id=section.id, title="Secret garden",
                      body="Zanzibar is lovely.\n", summary="proposal", renderer=RENDER)
    page = corpus["network-weaving"]
    pages.save_edit(session, contributor, page, body=CORPUS[page.slug][3] + "Quokkas help.\n",
                    summary="proposal", base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    assert slugs(session, backend, "zanzibar") == [] and slugs(session, backend, "secret") == []
    assert slugs(session, backend, "quokkas") == []
    assert slugs(session, backend, "convening") == ["network-weaving"]
    assert api(client, "zanzibar OR quokkas")["total"] == 0
    assert check.compare(session, backend).clean


def test_one_writer_at_a_time(app, session, backend, corpus, librarian):
    """While another writer holds the index, apply() declines and the outbox keeps the debt."""
    page = corpus["holding-the-space"]
    with _writer_held(app, backend):
        pages.save_edit(session, librarian, page, body="Trust grows quickly.\n", summary="faster",
                        base_revision_id=page.current_revision_id, renderer=RENDER)
        session.commit()  # its drain finds the index busy
        assert check.compare(session, backend).stale == ["holding-the-space"]
        session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    assert check.compare(session, backend).clean
    assert slugs(session, backend, "quickly") == ["holding-the-space"]


class _writer_held:
    """Hold the backend's writer lock from elsewhere: Whoosh's lock file or the advisory lock."""

    def __init__(self, app, backend):
        self.app, self.backend = app, backend

    def __enter__(self):
        if self.backend.name == "whoosh":
            self.held = index.open_dir(self.backend.live_path()).writer()
        else:
            from handbook.search.postgres_backend import LOCK_KEY

            self.held = self.app.extensions["handbook_engine"].connect()
            self.held.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        return self

    def __exit__(self, *exc):
        if self.backend.name == "whoosh":
            self.held.cancel()
        else:
            self.held.rollback()
            self.held.close()


def _vacuumed(session, backend):
    """Whether PostgreSQL has vacuumed and analysed the search table (always, for Whoosh)."""
    if backend.name != "postgres":
        return True
    row = session.execute(text("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables"
                               " WHERE relname = 'search_documents'")).one()
    session.commit()
    return None not in row


def test_a_rebuild_and_a_big_pay_leave_the_index_tidy(app, session, backend, corpus, librarian,
                                                      section, monkeypatch):
    """After many changes PostgreSQL must plan with fresh statistics and no GIN pending list
    (else it scans the whole table for every query until autovacuum comes round)."""
    from handbook.search import indexing

    tidied = []
    monkeypatch.setattr(backend, "tidy", lambda engine, tidy=backend.tidy: tidied.append(tidy(engine)))
    check.rebuild(session, backend)
    assert len(tidied) == 1 and _vacuumed(session, backend)
    pages.create_page(session, librarian, section_id=section.id, title="One more page",
                      body="Text.\n", summary="New", renderer=RENDER)
    session.commit()  # one page: no tidying after so small a pay
    assert len(tidied) == 1
    monkeypatch.setattr(indexing, "TIDY_FROM", 1)
    pages.create_page(session, librarian, section_id=section.id, title="And another",
                      body="Text.\n", summary="New", renderer=RENDER)
    session.commit()
    assert len(tidied) == 2
    assert slugs(session, backend, "another") == ["and-another"]
