"""initial schema

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('introduction_html', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sections')),
    sa.UniqueConstraint('slug', name=op.f('uq_sections_slug'))
    )
    op.create_table('site_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_state'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_key', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('contributor', 'librarian', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('is_system', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    sa.UniqueConstraint('name_key', name=op.f('uq_users_name_key'))
    )
    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_pages_section_id_sections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_pages_slug'))
    )
    op.create_table('links',
    sa.Column('source_page_id', sa.Integer(), nullable=False),
    sa.Column('target_slug', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['source_page_id'], ['pages.id'], name=op.f('fk_links_source_page_id_pages')),
    sa.PrimaryKeyConstraint('source_page_id', 'target_slug', name=op.f('pk_links'))
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_target_slug'), ['target_slug'], unique=False)

    op.create_table('redirects',
    sa.Column('old_slug', sa.String(length=120), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_redirects_page_id_pages')),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_redirects'))
    )
    with op.batch_alter_table('redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redirects_page_id'), ['page_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('base_revision_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'published', 'merged', 'rejected', 'withdrawn', 'superseded', name='revisionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('toc_html', sa.Text(), nullable=False),
    sa.Column('render_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['base_revision_id'], ['revisions.id'], name=op.f('fk_revisions_base_revision_id_revisions')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['revisions.id'], name=op.f('fk_revisions_merged_into_id_revisions')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_revisions_page_id_pages')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_revisions_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_page_id'), ['page_id'], unique=False)
        batch_op.create_index('ix_revisions_page_status', ['page_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_published_at'), ['published_at'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_audit_log_page_id_pages')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_audit_log_revision_id_revisions')),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_audit_log_target_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    # pages and revisions refer to each other: add this key once both tables exist.
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_pages_current_revision_id_revisions'), 'revisions',
            ['current_revision_id'], ['id'])
    site_state = sa.table('site_state', sa.column('id', sa.Integer), sa.column('generation', sa.Integer))
    op.bulk_insert(site_state, [{'id': 1, 'generation': 1}])


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pages_current_revision_id_revisions', type_='foreignkey')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_published_at'))
        batch_op.drop_index('ix_revisions_page_status')
        batch_op.drop_index(batch_op.f('ix_revisions_page_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_created_at'))
        batch_op.drop_index(batch_op.f('ix_revisions_author_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redirects_page_id'))

    op.drop_table('redirects')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_target_slug'))

    op.drop_table('links')
    op.drop_table('pages')
    op.drop_table('users')
    op.drop_table('site_state')
    op.drop_table('sections')
