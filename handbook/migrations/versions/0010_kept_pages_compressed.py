"""kept reader pages carry the release that rendered them, and brotli and gzip copies

Kept pages are derived data: the ones kept before this migration are dropped, and views keep
them again.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM reader_pages")
    with op.batch_alter_table("reader_pages") as batch:
        batch.add_column(sa.Column("release", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("body_br", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("body_gzip", sa.LargeBinary(), nullable=True))


def downgrade():
    op.execute("DELETE FROM reader_pages")
    with op.batch_alter_table("reader_pages") as batch:
        batch.drop_column("body_gzip")
        batch.drop_column("body_br")
        batch.drop_column("release")
