"""pages: an index for a section's pages in order (previous/next on every page view)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_pages_section_order", "pages", ["section_id", "position", "id"])


def downgrade():
    op.drop_index("ix_pages_section_order", table_name="pages")
