"""Schema migrations (Alembic), run programmatically on the store's own write engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaOutdated(Exception):
    """The database schema is not the one this version of the code needs."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def current_revision(db: Database) -> str | None:
    return await db.transaction(lambda conn: MigrationContext.configure(conn).get_current_revision())


async def upgrade(db: Database, revision: str = "head") -> None:
    await db.transaction(lambda conn: command.upgrade(_config(conn), revision))


async def ensure_schema(db: Database) -> None:
    """Bring the embedded SQLite file up to date; refuse to start on an outdated shared PostgreSQL."""
    current, head = await current_revision(db), head_revision()
    if current == head:
        return
    if db.dialect == "sqlite":
        await upgrade(db)
        return
    raise SchemaOutdated(
        f"the database schema is at revision {current or 'none (empty database)'}, "
        f"this version of Slotbot needs {head}: run `slotbot db upgrade` first"
    )
