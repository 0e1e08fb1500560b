"""The search contract's corpus: short pages with each word placed for one test, published
in a fresh handbook or in one that has lived a little, and how the tests ask for results."""

from handbook import changes
from handbook.search import documents
from handbook.search import service
from handbook.services import pages
from handbook.services import sections

from conftest import RENDER
from conftest import backends
from lived_in import live

#: slug -> (title, section, tags, body); short pages, each word placed for one test
CORPUS = {
    "network-weaving": ("Network weaving", "practical-methods", ["Facilitation", "Networks"],
                        "A weaver introduces people who should know each other.\n\n"
                        "The convener keeps the group in touch between meetings.\n"),
    "holding-the-space": ("Holding the space", "practical-methods", ["Facilitation"],
                          "A good host listens first.\n\n"
                          "Trust grows slowly, and network weaving depends on it.\n"),
    "systems-change": ("Systems change", "foundations", ["Theory"],
                       "Change needs patience: everyone's pace differs.\n\n"
                       "Trust, relationships and power: everything grows over years.\n"),
    "running-a-retrospective": ("Running a retrospective", "foundations", [],
                                "Ask what went well in the systems you touch, then what to change.\n\n"
                                "Keep the meeting short.\n"),
}
#: (database, search backend): Whoosh on every database, PostgreSQL's search on PostgreSQL.
COMBINATIONS = [(database, "whoosh") for database in backends()] + (
    [("postgresql", "postgres")] if "postgresql" in backends() else [])


def publish_corpus(session, app, librarian, section, lived_in):
    """The CORPUS published by a librarian and indexed, {slug: page}: in a fresh handbook, or
    in one that has lived a little (a history of made-up words first, and each corpus page
    edited and reverted, so the index has several segments and deleted documents)."""
    if lived_in:
        live(session, RENDER, steps=60)
    foundations = sections.create_section(session, librarian, title="Foundations", summary="Ideas.", renderer=RENDER)
    session.commit()
    homes = {section.slug: section, foundations.slug: foundations}
    created = {}
    for slug, (title, home, tags, body) in CORPUS.items():
        outcome = pages.create_page(session, librarian, section_id=homes[home].id, title=title,
                                    body=body, summary="new", renderer=RENDER)
        outcome.revision.page.tags = tags
        session.commit()
        created[slug] = outcome.revision.page
    assert set(created) == set(CORPUS)
    if lived_in:
        for page in created.values():
            original = page.current_revision_id
            pages.save_edit(session, librarian, page, body="Interim text.\n",
                            base_revision_id=original, renderer=RENDER)
            session.commit()
            pages.revert(session, librarian, page, original, renderer=RENDER)
            session.commit()
    changes.drain(app.extensions["handbook_runtime"])
    return Corpus(created, total=len(documents.published_versions(session)))


class Corpus(dict):
    """{slug: page} of the CORPUS; `total` counts every published page, lived-in ones too."""

    def __init__(self, pages, total):
        super().__init__(pages)
        self.total = total


def find(session, backend, raw, **filters):
    """service.search's results; then end the transaction so the index writer never waits on it."""
    results = service.search(session, backend, raw, **filters)
    session.commit()
    return results


def slugs(session, backend, raw, **filters):
    return [hit.slug for hit in find(session, backend, raw, **filters).hits]


def api(client, raw, **params):
    response = client.get("/api/v1/search", query_string={"q": raw, **params})
    assert response.status_code == 200
    assert response.is_json
    return response.get_json()
