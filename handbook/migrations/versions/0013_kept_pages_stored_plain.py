"""PostgreSQL keeps reader pages' bodies out of line and uncompressed

Every kept page is read on every view. PostgreSQL's default storage compresses a large value
(pglz) and decompresses it on each read; the brotli and gzip copies do not compress further.
EXTERNAL storage keeps them out of line as they are. Kept pages are derived data: the ones kept
before are dropped, and views keep them again. SQLite stores values as they are already.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("body", "body_br", "body_gzip")


def _storage(kind):
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM reader_pages")
    for column in COLUMNS:
        op.execute(f"ALTER TABLE reader_pages ALTER COLUMN {column} SET STORAGE {kind}")


def upgrade():
    _storage("EXTERNAL")


def downgrade():
    _storage("EXTENDED")
