"""Schema migrations: SQLite is brought up to date on start; an outdated PostgreSQL stops start-up."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

from storage.db import open_database
from storage.migrate import (
    MIGRATIONS,
    SchemaOutdated,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade,
)
from tests.conftest import _create_database, _to_async


async def test_sqlite_is_migrated_on_start(tmp_path: Path) -> None:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    try:
        assert await current_revision(db) is None
        await ensure_schema(db)
        assert await current_revision(db) == head_revision()
        async with db.reading() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert {"bookings", "claims", "customers", "conversations", "resource_versions"} <= tables
        await ensure_schema(db)  # a second start changes nothing
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_an_outdated_postgres_schema_stops_start_up(pg_server: str) -> None:
    name = f"slotbot_empty_{secrets.token_hex(4)}"
    await _create_database(pg_server, name)
    db = open_database(_to_async(pg_server.rsplit("/", 1)[0] + f"/{name}"))
    try:
        with pytest.raises(SchemaOutdated, match="run `slotbot db upgrade`"):
            await ensure_schema(db)
        assert await current_revision(db) is None  # nothing was changed behind the operator's back
        await upgrade(db)
        await ensure_schema(db)
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


def _triggers(conn: Connection) -> set[str]:
    return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def _downgrade(conn: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.downgrade(config, revision)


async def test_0004_leaves_the_version_bump_to_the_store_and_keeps_the_overlap_triggers(
    tmp_path: Path,
) -> None:
    overlap = {"claims_no_overlap_insert", "claims_no_overlap_update"}
    versions = {"claims_version_insert", "claims_version_update"}
    db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0003")
        assert await db.query(_triggers) == overlap | versions
        await upgrade(db)
        assert await db.query(_triggers) == overlap
        await db.transaction(lambda conn: _downgrade(conn, "0003"))
        assert await db.query(_triggers) == overlap | versions
    finally:
        await db.dispose()
