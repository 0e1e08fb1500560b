"""revisions carry the page's tags and summary when they change them

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("page_summary", sa.String(500), nullable=True))


def downgrade():
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("page_summary")
        batch.drop_column("tags")
