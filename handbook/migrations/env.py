"""Alembic environment: runs on the connection or URL that handbook.schema hands over."""

from alembic import context
from sqlalchemy import create_engine

from handbook.models import Base

config = context.config


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is None:
        with create_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
