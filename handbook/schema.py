"""Create or upgrade the schema with Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None, url=None):
    """An Alembic configuration that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine):
    """Bring the database to the newest schema (idempotent)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
