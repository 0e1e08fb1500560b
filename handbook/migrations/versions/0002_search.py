"""search: the outbox of pages the index owes, and PostgreSQL's full-text table

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_index(op.f("ix_search_outbox_page_id"), "search_outbox", ["page_id"])
    op.create_index(op.f("ix_search_outbox_done_at"), "search_outbox", ["done_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TABLE search_documents (
                page_id integer PRIMARY KEY,
                slug varchar(120) NOT NULL,
                title text NOT NULL,
                section_slug varchar(120) NOT NULL,
                section_title text NOT NULL,
                tags text[] NOT NULL DEFAULT '{}',
                headings text NOT NULL,
                body text NOT NULL,
                revision_id integer NOT NULL,
                published_at timestamptz NOT NULL,
                document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') ||
                    setweight(to_tsvector('english', headings), 'B') ||
                    setweight(to_tsvector('english', body), 'C')
                ) STORED
            )
        """)
        op.execute("CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document)")
        op.execute("CREATE INDEX ix_search_documents_section ON search_documents (section_slug)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_documents")
    op.drop_index(op.f("ix_search_outbox_done_at"), table_name="search_outbox")
    op.drop_index(op.f("ix_search_outbox_page_id"), table_name="search_outbox")
    op.drop_table("search_outbox")
