"""the review workflow in depth: edited-by credit, rebased proposals, discussion threads,
canned rejection reasons, protection levels and first approvals, section librarians, claims

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REASONS = [
    "It repeats what another page or proposal already says.",
    "It is outside what this handbook covers.",
    "Its claims need sources that readers can check.",
    "It contains personal or confidential information.",
    "It does not follow the style guide.",
    "It is advertising or spam.",
]


def upgrade():
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("edited_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rebased_from_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("second_look_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f("fk_revisions_claimed_by_id_users"), "users",
                                 ["claimed_by_id"], ["id"])
        batch.create_foreign_key(op.f("fk_revisions_edited_by_id_users"), "users",
                                 ["edited_by_id"], ["id"])
        batch.create_foreign_key(op.f("fk_revisions_rebased_from_id_revisions"), "revisions",
                                 ["rebased_from_id"], ["id"])
        batch.create_index(op.f("ix_revisions_thread_id"), ["thread_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("all_sections", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    op.create_table(
        "librarian_sections",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_librarian_sections_user_id_users")),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"],
                                name=op.f("fk_librarian_sections_section_id_sections")),
        sa.PrimaryKeyConstraint("user_id", "section_id", name=op.f("pk_librarian_sections")),
    )
    with op.batch_alter_table("sections") as batch:
        batch.add_column(sa.Column("protection", sa.String(20), nullable=False,
                                   server_default="open"))
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("protection", sa.String(20), nullable=True))
    # the seed handbook's policy pages are for librarians to change
    op.execute("UPDATE sections SET protection = 'librarians' WHERE slug = 'how-this-handbook-works'")
    op.create_table(
        "approvals",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("librarian_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"],
                                name=op.f("fk_approvals_revision_id_revisions")),
        sa.ForeignKeyConstraint(["librarian_id"], ["users.id"],
                                name=op.f("fk_approvals_librarian_id_users")),
        sa.PrimaryKeyConstraint("revision_id", "librarian_id", name=op.f("pk_approvals")),
    )
    op.create_table(
        "proposal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_proposal_notes_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_notes")),
    )
    op.create_index(op.f("ix_proposal_notes_thread_id"), "proposal_notes", ["thread_id"])
    reasons = op.create_table(
        "rejection_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejection_reasons")),
    )
    op.bulk_insert(reasons, [{"text": text, "position": number}
                             for number, text in enumerate(REASONS, 1)])


def downgrade():
    op.drop_table("librarian_sections")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("all_sections")
    op.drop_table("approvals")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("protection")
    with op.batch_alter_table("sections") as batch:
        batch.drop_column("protection")
    op.drop_table("rejection_reasons")
    op.drop_index(op.f("ix_proposal_notes_thread_id"), table_name="proposal_notes")
    op.drop_table("proposal_notes")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_index(op.f("ix_revisions_thread_id"))
        batch.drop_constraint(op.f("fk_revisions_edited_by_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_revisions_rebased_from_id_revisions"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_revisions_claimed_by_id_users"), type_="foreignkey")
        batch.drop_column("second_look_at")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by_id")
        batch.drop_column("rebased_from_id")
        batch.drop_column("thread_id")
        batch.drop_column("edited_by_id")
