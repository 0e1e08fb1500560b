"""trust and safety: earned trust per section and patrol, redaction, readers' reports,
review freshness, the confidentiality guard's phrases

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sections") as batch:
        batch.add_column(sa.Column("trust_after", sa.Integer(), nullable=False, server_default="5"))
        batch.add_column(sa.Column("trust_window_days", sa.Integer(), nullable=False,
                                   server_default="90"))
        batch.add_column(sa.Column("throttle_after", sa.Integer(), nullable=False,
                                   server_default="3"))
        batch.add_column(sa.Column("throttle_pending", sa.Integer(), nullable=False,
                                   server_default="2"))
        batch.add_column(sa.Column("review_interval_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("guard_phrases", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f("fk_pages_reviewed_by_id_users"), "users",
                                 ["reviewed_by_id"], ["id"])
        batch.create_index(op.f("ix_pages_review_due_at"), ["review_due_at"])
    # a page was last reviewed when its current text was published
    op.execute("UPDATE pages SET reviewed_at = (SELECT r.published_at FROM revisions r"
               " WHERE r.id = pages.current_revision_id), reviewed_by_id = (SELECT r.reviewer_id"
               " FROM revisions r WHERE r.id = pages.current_revision_id)")
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("unpatrolled", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("patrolled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("patrolled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("text_hidden", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("summary_hidden", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("hidden_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f("fk_revisions_patrolled_by_id_users"), "users",
                                 ["patrolled_by_id"], ["id"])
        batch.create_foreign_key(op.f("fk_revisions_hidden_by_id_users"), "users",
                                 ["hidden_by_id"], ["id"])
        batch.create_index(op.f("ix_revisions_unpatrolled"), ["unpatrolled"])
    op.create_table(
        "trust_grants",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_trust_grants_user_id_users")),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"],
                                name=op.f("fk_trust_grants_section_id_sections")),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_trust_grants_by_id_users")),
        sa.PrimaryKeyConstraint("user_id", "section_id", name=op.f("pk_trust_grants")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(20), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_reports_page_id_pages")),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"],
                                name=op.f("fk_reports_revision_id_revisions")),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"],
                                name=op.f("fk_reports_reporter_id_users")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"],
                                name=op.f("fk_reports_resolved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("ix_reports_page_open", "reports", ["page_id", "resolved_at"])
    op.create_index(op.f("ix_reports_reporter_id"), "reports", ["reporter_id"])


def downgrade():
    op.drop_index(op.f("ix_reports_reporter_id"), table_name="reports")
    op.drop_index("ix_reports_page_open", table_name="reports")
    op.drop_table("reports")
    op.drop_table("trust_grants")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_index(op.f("ix_revisions_unpatrolled"))
        batch.drop_constraint(op.f("fk_revisions_hidden_by_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_revisions_patrolled_by_id_users"), type_="foreignkey")
        for column in ("hidden_at", "hidden_by_id", "hidden_reason", "summary_hidden",
                       "text_hidden", "patrolled_at", "patrolled_by_id", "unpatrolled"):
            batch.drop_column(column)
    with op.batch_alter_table("pages") as batch:
        batch.drop_index(op.f("ix_pages_review_due_at"))
        batch.drop_constraint(op.f("fk_pages_reviewed_by_id_users"), type_="foreignkey")
        for column in ("review_due_at", "reviewed_by_id", "reviewed_at"):
            batch.drop_column(column)
    with op.batch_alter_table("sections") as batch:
        for column in ("guard_phrases", "review_interval_months", "throttle_pending",
                       "throttle_after", "trust_window_days", "trust_after"):
            batch.drop_column(column)
