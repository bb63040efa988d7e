"""Schema migrations: SQLite is brought up to date on start; an outdated PostgreSQL stops start-up."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import open_database
from storage.migrate import SchemaOutdated, current_revision, ensure_schema, head_revision, upgrade
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
