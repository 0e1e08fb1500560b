"""reader pages: complete anonymous pages kept in the database, shared by every worker and
server, each gone stale only where a change is seen

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reader_pages",
        sa.Column("path", sa.String(600), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column("stored_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_reader_pages")),
    )
    op.create_index(op.f("ix_reader_pages_page_id"), "reader_pages", ["page_id"])
    op.create_index(op.f("ix_reader_pages_section_id"), "reader_pages", ["section_id"])


def downgrade():
    op.drop_index(op.f("ix_reader_pages_section_id"), table_name="reader_pages")
    op.drop_index(op.f("ix_reader_pages_page_id"), table_name="reader_pages")
    op.drop_table("reader_pages")
