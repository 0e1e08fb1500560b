"""the community: page discussions (comments and their edits, reports of comments), coffee
pairings (members, rounds, matches) and saved network-role reflections

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade():
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("comments", "page_id", "pages"), _fk("comments", "author_id", "users"),
        _fk("comments", "parent_id", "comments"), _fk("comments", "decided_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_page_state", "comments", ["page_id", "state"])
    for column in ("author_id", "parent_id", "created_at", "published_at"):
        op.create_index(op.f(f"ix_comments_{column}"), "comments", [column])
    op.create_table(
        "comment_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        _fk("comment_edits", "comment_id", "comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_edits")),
    )
    op.create_index(op.f("ix_comment_edits_comment_id"), "comment_edits", ["comment_id"])
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("comment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_reports_comment_id_comments"), "comments",
                                 ["comment_id"], ["id"])
    op.create_table(
        "coffee_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(200), nullable=False),
        sa.Column("meet_by", sa.String(20), nullable=False),
        sa.Column("area", sa.String(80), nullable=False),
        sa.Column("share_email", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        _fk("coffee_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_coffee_members")),
    )
    op.create_table(
        "coffee_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(20), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coffee_rounds")),
        sa.UniqueConstraint("key", name=op.f("uq_coffee_rounds_key")),
    )
    op.create_table(
        "coffee_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("across_sections", sa.Boolean(), nullable=False),
        _fk("coffee_matches", "round_id", "coffee_rounds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coffee_matches")),
    )
    op.create_index(op.f("ix_coffee_matches_round_id"), "coffee_matches", ["round_id"])
    op.create_table(
        "coffee_match_members",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("met", sa.String(20), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _fk("coffee_match_members", "match_id", "coffee_matches"),
        _fk("coffee_match_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("match_id", "user_id", name=op.f("pk_coffee_match_members")),
    )
    op.create_index(op.f("ix_coffee_match_members_user_id"), "coffee_match_members", ["user_id"])
    op.create_table(
        "reflections",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("strongest", sa.String(20), nullable=False),
        sa.Column("on_profile", sa.Boolean(), nullable=False),
        sa.Column("with_matches", sa.Boolean(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        _fk("reflections", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reflections")),
    )


def downgrade():
    op.drop_table("reflections")
    op.drop_index(op.f("ix_coffee_match_members_user_id"), table_name="coffee_match_members")
    op.drop_table("coffee_match_members")
    op.drop_index(op.f("ix_coffee_matches_round_id"), table_name="coffee_matches")
    op.drop_table("coffee_matches")
    op.drop_table("coffee_rounds")
    op.drop_table("coffee_members")
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint(op.f("fk_reports_comment_id_comments"), type_="foreignkey")
        batch.drop_column("comment_id")
    op.drop_index(op.f("ix_comment_edits_comment_id"), table_name="comment_edits")
    op.drop_table("comment_edits")
    for column in ("published_at", "created_at", "parent_id", "author_id"):
        op.drop_index(op.f(f"ix_comments_{column}"), table_name="comments")
    op.drop_index("ix_comments_page_state", table_name="comments")
    op.drop_table("comments")
