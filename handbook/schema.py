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
    """Bring the database to the newest schema (idempotent).

    On SQLite, altering a table means copying it to a new one, which foreign keys forbid
    while they are enforced; they are switched off for the migration (outside its
    transaction, where SQLite allows it), checked afterwards, and switched on again.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        return
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection  # no transaction is open on it yet
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), "head")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
        finally:
            driver.execute("PRAGMA foreign_keys=ON")
