"""The models and the Alembic migrations describe the same schema, on every database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from handbook.models import Base

#: made by migrations for PostgreSQL's search only; the models do not describe them
NOT_MODELLED = {"search_documents", "search_words", "alembic_version"}


def _modelled(object_, name, type_, reflected, compare_to):
    table = getattr(object_, "table", object_) if type_ != "table" else object_
    return not (type_ == "table" and name in NOT_MODELLED) and getattr(table, "name", "") not in NOT_MODELLED


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _modelled,
                                                               "compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_handbook_with_pages_upgrades_to_the_newest_schema(tmp_path):
    """Altering tables that others refer to (SQLite copies them) keeps every row and key."""
    from alembic import command

    from handbook import db
    from handbook import schema

    engine = db.make_engine(f"sqlite:///{tmp_path / 'handbook.db'}")
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), "0005")
    with engine.begin() as connection:  # a handbook as 0005 left it: an account, a section, a page
        connection.exec_driver_sql(
            "INSERT INTO users (id, name, name_key, email, password_hash, role, blocked,"
            " session_token, is_system, created_at, display_name, watch_own_proposals)"
            " VALUES (1, 'ada', 'ada', 'ada@example.org', '!', 'admin', 0, 't', 0,"
            " '2026-01-01', '', 1)")
        connection.exec_driver_sql(
            "INSERT INTO sections (id, slug, title, position, summary, introduction,"
            " introduction_html) VALUES (1, 'how-this-handbook-works', 'How', 1, '', '', '')")
        connection.exec_driver_sql(
            "INSERT INTO pages (id, section_id, slug, title, title_key, position, tags, summary,"
            " created_at) VALUES (1, 1, 'style-guide', 'Style', 'style', 1, '[]', '', '2026-01-01')")
        connection.exec_driver_sql(
            "INSERT INTO revisions (id, page_id, title, body, summary, author_id, created_at,"
            " status, reason, html, toc_html, render_version) VALUES (1, 1, 'Style', 'Text', '',"
            " 1, '2026-01-01', 'published', '', '<p>Text</p>', '', 3)")
        connection.exec_driver_sql("UPDATE pages SET current_revision_id = 1")
    schema.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT current_revision_id FROM pages").scalar() == 1
        assert connection.exec_driver_sql("SELECT protection FROM sections").scalar() == "librarians"
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
