"""one outbox for every kind of owed work; pages.title_key for wiki links by title

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from handbook.rendering import slugify

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_kind_done", "outbox", ["kind", "done_at"])
    op.execute(
        "INSERT INTO outbox (kind, subject_id, queued_at, attempts, last_error)"
        " SELECT 'search', page_id, queued_at, 0, '' FROM search_outbox WHERE done_at IS NULL"
    )
    op.drop_index(op.f("ix_search_outbox_done_at"), table_name="search_outbox")
    op.drop_index(op.f("ix_search_outbox_page_id"), table_name="search_outbox")
    op.drop_table("search_outbox")
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("title_key", sa.String(120), nullable=False, server_default=""))
        batch.create_index(op.f("ix_pages_title_key"), ["title_key"])
    connection = op.get_bind()
    pages = sa.table("pages", sa.column("id", sa.Integer), sa.column("title", sa.String),
                     sa.column("title_key", sa.String))
    for page_id, title in connection.execute(sa.select(pages.c.id, pages.c.title)).all():
        connection.execute(pages.update().where(pages.c.id == page_id)
                           .values(title_key=slugify(title)))
    # search now treats "convener" and "convenor" as one word: every page is indexed again
    op.execute(
        "INSERT INTO outbox (kind, subject_id, queued_at, attempts, last_error)"
        " SELECT 'search', id, CURRENT_TIMESTAMP, 0, '' FROM pages"
        " WHERE current_revision_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("pages") as batch:
        batch.drop_index(op.f("ix_pages_title_key"))
        batch.drop_column("title_key")
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
    op.drop_index("ix_outbox_kind_done", table_name="outbox")
    op.drop_table("outbox")
