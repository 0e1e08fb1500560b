"""The models and the Alembic migrations describe the same schema, on every database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from handbook.models import Base

#: made by a migration for PostgreSQL's search only; the models do not describe it
NOT_MODELLED = {"search_documents", "alembic_version"}


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
