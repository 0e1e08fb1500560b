"""PostgreSQL search: the words spelling suggestions come from, in a table with trigrams

Suggestions used to come from the words of every indexed page, gathered by ts_stat into each
server process and gathered again after any change there or every five minutes: a scan of the
whole index (about 2 s at 1,000 pages, 20 s at 10,000) inside some reader's search. The words
of titles and headings (as with Whoosh) are now kept in search_words as pages are indexed, and
the closest are found through a trigram index (pg_trgm, a trusted extension that ships with
PostgreSQL). SQLite and Whoosh are unchanged.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE TABLE search_words (word text PRIMARY KEY)")
    op.execute("CREATE INDEX ix_search_words_trigrams ON search_words USING GIST (word gist_trgm_ops)")
    op.execute("""
        INSERT INTO search_words (word)
        SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('simple', title || ' ' || headings)))
        FROM search_documents
    """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_words")
