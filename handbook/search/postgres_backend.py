"""The PostgreSQL backend: the search_documents table (migration 0002) and its tsvector column.

User text only ever reaches SQL as bind parameters: each atom of our parsed query becomes a
tsquery built by plainto_tsquery / phraseto_tsquery / to_tsquery, combined with || && !!.
"""

import difflib
from functools import reduce

from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import and_
from sqlalchemy import any_
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from handbook.search.analysis import one_spelling
from handbook.search.backend import RawResults

#: The key of the advisory lock that lets one writer at a time pay the outbox ("hbsearch").
LOCK_KEY = 0x6862736561726368
BATCH = 500
CONFIG = "english"
#: the words nearest by trigrams among which difflib chooses a spelling suggestion
CANDIDATES = 20

#: Created by migration 0002, not by the models: it exists on PostgreSQL only.
DOCS = Table(
    "search_documents", MetaData(),
    Column("page_id", Integer, primary_key=True),
    Column("slug", String(120)),
    Column("title", Text),
    Column("section_slug", String(120)),
    Column("section_title", Text),
    Column("tags", ARRAY(Text)),
    Column("headings", Text),
    Column("body", Text),
    Column("revision_id", Integer),
    Column("published_at", DateTime(timezone=True)),
    #: generated: title weighs A, headings B, body C
    Column("document", TSVECTOR),
)
#: Created by migration 0014 (PostgreSQL only): the words of indexed titles and headings,
#: unstemmed, that spelling suggestions come from, with a trigram index.
WORDS = Table("search_words", MetaData(), Column("word", Text, primary_key=True))


class PostgresBackend:
    """Search the search_documents table with PostgreSQL's full-text search.

    Unlike Whoosh, PostgreSQL has no spelling corrector: suggestions are chosen by difflib
    among the words of titles and headings nearest by trigrams (search_words, kept as pages
    are indexed), and English stopwords are not indexed at all.
    """

    name = "postgres"
    #: owed pages the outbox's payer hands to one `apply` (one statement of their rows)
    batch = 1000

    def apply(self, session, documents, removed_page_ids):
        """Upsert `documents`, delete `removed_page_ids`; False if another writer holds the lock."""
        if not session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_KEY))):
            return False
        if removed_page_ids:
            session.execute(delete(DOCS).where(DOCS.c.page_id.in_(list(removed_page_ids))))
        if documents:
            statement = insert(DOCS).values([_row(document) for document in documents])
            columns = {name: statement.excluded[name] for name in _row(documents[0])}
            del columns["page_id"]
            session.execute(
                statement.on_conflict_do_update(index_elements=["page_id"], set_=columns)
            )
            _add_words(session, DOCS.c.page_id.in_([document.page_id for document in documents]))
        return True

    def tidy(self, engine):
        """After many committed changes (a rebuild, a big import): VACUUM ANALYZE the table.

        Until then the GIN index's pending list and the missing statistics make PostgreSQL
        scan the whole table for every query (100-170 ms at 10,000 pages instead of 0.1 ms),
        until autovacuum comes round. VACUUM runs outside any transaction.
        """
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE) search_documents")

    def is_current(self):
        """The table is the migrations' business: always current."""
        return True

    def rebuild(self, session, documents, progress=None):
        """Replace every row in the caller's transaction; readers see the old rows until commit."""
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        session.execute(delete(DOCS))
        session.execute(delete(WORDS))
        count, batch = 0, []
        for document in documents:
            batch.append(_row(document))
            count += 1
            if progress:
                progress(1)
            if len(batch) >= BATCH:
                session.execute(insert(DOCS).values(batch))
                batch = []
        if batch:
            session.execute(insert(DOCS).values(batch))
        _add_words(session, true())
        return count

    def indexed_versions(self, session):
        """{slug: revision id} of every indexed page."""
        return dict(session.execute(select(DOCS.c.slug, DOCS.c.revision_id)).all())

    def search(self, session, parsed, *, section=None, tag=None, offset=0, limit=20):
        """Hits (slug, revision id) for a parsed query, with the total and section/tag facets."""
        matched, ranking = _compile(parsed)
        if matched is None:
            return RawResults(0, [], {}, {})
        #: ts_rank's default weights {0.1, 0.2, 0.4, 1.0} put title (A) > headings (B) > body (C)
        rank = func.ts_rank(DOCS.c.document, ranking) if ranking is not None else literal(0.0)
        # one statement, one pass over the matching rows (a CTE used more than once is computed
        # once): on PostgreSQL each evaluation of a phrase re-reads every candidate's document
        found = select(DOCS.c.slug, DOCS.c.revision_id, DOCS.c.title, DOCS.c.section_slug,
                       DOCS.c.tags, rank.label("rank")).where(matched).cte("found")
        filtered = []
        if section:
            filtered.append(found.c.section_slug == section)
        if tag:
            filtered.append(literal(tag.lower()) == any_(found.c.tags))
        by_section = select(found.c.section_slug.label("key"), func.count().label("n")) \
            .group_by(found.c.section_slug).subquery()
        tag_rows = select(func.unnest(found.c.tags).label("key")).subquery()
        by_tag = select(tag_rows.c.key, func.count().label("n")).group_by(tag_rows.c.key).subquery()
        order = [found.c.rank.desc(), found.c.title, found.c.slug]
        shown = select(found).where(*filtered).order_by(*order).offset(offset).limit(limit).subquery()
        total, hits, sections, tags = session.execute(select(
            select(func.count()).select_from(found).where(*filtered).scalar_subquery(),
            select(func.json_agg(aggregate_order_by(
                func.json_build_array(shown.c.slug, shown.c.revision_id),
                shown.c.rank.desc(), shown.c.title, shown.c.slug))).scalar_subquery(),
            _counts(by_section), _counts(by_tag),
        )).one()
        return RawResults(total, [tuple(hit) for hit in hits or []], sections or {},
                          {key: count for key, count in (tags or {}).items() if key})

    def corrections(self, session, words):
        """{word: better spelling} for words that match no indexed page."""
        better = {}
        for word in words:
            query = func.plainto_tsquery(CONFIG, word)
            # MATERIALIZED: planned for all its rows, so through the index. As a plain EXISTS
            # it was planned to stop at the first row, expected soon: a scan of every document
            # for a word none holds (760 ms at 100,000 pages, 0.07 ms through the index)
            holding = (select(DOCS.c.page_id).where(_matches(DOCS.c.document, query))
                       .cte("holding").prefix_with("MATERIALIZED"))
            known = select(or_(func.numnode(query) == 0,  # a stopword: not a misspelling
                               exists().select_from(holding)))
            if session.scalar(known):
                continue
            nearest = session.scalars(select(WORDS.c.word).order_by(
                WORDS.c.word.op("<->")(word.lower())).limit(CANDIDATES)).all()
            close = difflib.get_close_matches(word.lower(), nearest, n=1, cutoff=0.75)
            if close and close[0] != word.lower():
                better[word] = close[0]
        return better


def _add_words(session, which):
    """Add the words of the titles and headings of the indexed pages `which` selects."""
    words = func.unnest(func.tsvector_to_array(
        func.to_tsvector("simple", DOCS.c.title + " " + DOCS.c.headings)))
    session.execute(insert(WORDS).from_select(["word"], select(words).where(which).distinct())
                    .on_conflict_do_nothing())


def _row(document):
    return {
        "page_id": document.page_id, "slug": document.slug, "title": one_spelling(document.title),
        "section_slug": document.section_slug, "section_title": document.section_title,
        "tags": [tag.lower() for tag in document.tags], "headings": one_spelling(document.headings),
        "body": one_spelling(document.body), "revision_id": document.revision_id,
        "published_at": document.published_at,
    }


def _compile(parsed):
    """(WHERE condition, tsquery to rank by) for our parsed query, or (None, None).

    Clauses of plain text atoms become one tsquery: OR within a clause (||), clauses joined
    with &&, exclusions with !!. Stopwords: PostgreSQL's english configuration drops them from
    documents and queries alike, and && / !! ignore an empty tsquery, so a stopword in a query
    is simply left out ("the network" finds "network"); a query of nothing but stopwords is
    empty and matches nothing. Whoosh indexes stopwords, so there they must appear (they
    nearly always do). Clauses with field atoms (title:, section:, tag:) become SQL conditions.
    """
    if parsed.is_empty:
        return None, None
    plain = [clause for clause in parsed.clauses if not _has_fields(clause)]
    fielded = [clause for clause in parsed.clauses if _has_fields(clause)]
    positive = [_any(clause.atoms) for clause in plain if not clause.negated]
    negative = [_any(clause.atoms) for clause in plain if clause.negated]
    conditions = []
    if positive:
        query = reduce(_and, positive + [_not(excluded) for excluded in negative])
        conditions.append(_matches(DOCS.c.document, query))
    elif negative:
        conditions.append(not_(_matches(DOCS.c.document, reduce(_or, negative))))
    for clause in fielded:
        condition = or_(*(_atom_condition(atom) for atom in clause.atoms))
        conditions.append(not_(condition) if clause.negated else condition)
    ranked = [_tsquery(atom) for clause in parsed.positive for atom in clause.atoms
              if atom.field in (None, "title")]
    return and_(*conditions), reduce(_or, ranked) if ranked else None


def _tsquery(atom):
    """A tsquery for one atom, from bind parameters only."""
    text = one_spelling(atom.text)
    if atom.kind == "prefix":
        # quote_literal makes the word (one \w+ word, see query.parse) a quoted lexeme, so nothing
        # in it is read as tsquery syntax ("o'reil" gives 'o':* <-> 'reil':*, no error); both the
        # stemmed and the unstemmed prefix, as Whoosh does ("the*" finds "theory")
        lexeme = func.quote_literal(text.lower()).concat(":*")
        return _or(func.to_tsquery(CONFIG, lexeme), func.to_tsquery("simple", lexeme))
    if atom.kind == "phrase":
        return func.phraseto_tsquery(CONFIG, text)
    return func.plainto_tsquery(CONFIG, text)


def _atom_condition(atom):
    if atom.field == "tag":
        return _tagged(atom.text)
    if atom.field == "title":
        return _matches(func.to_tsvector(CONFIG, DOCS.c.title), _tsquery(atom))
    if atom.field == "section":
        return _matches(func.to_tsvector(CONFIG, DOCS.c.section_title), _tsquery(atom))
    return _matches(DOCS.c.document, _tsquery(atom))


def _counts(grouped):
    """{key: n} of a (key, n) subquery, as one JSON value."""
    return select(func.json_object_agg(grouped.c.key, grouped.c.n)).scalar_subquery()


def _tagged(tag):
    return literal(tag.lower()) == any_(DOCS.c.tags)


def _has_fields(clause):
    return any(atom.field is not None for atom in clause.atoms)


def _any(atoms):
    return reduce(_or, [_tsquery(atom) for atom in atoms])


def _matches(vector, query):
    return vector.op("@@", return_type=Boolean)(query)


def _and(left, right):
    return left.op("&&", return_type=TSQUERY)(right)


def _or(left, right):
    return left.op("||", return_type=TSQUERY)(right)


def _not(query):
    return UnaryExpression(query, operator=custom_op("!!"), type_=TSQUERY)
