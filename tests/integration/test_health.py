"""/healthz says what the service can actually do: the database takes writes, and neither the outbox nor the
jobs are stuck; each check in the JSON, and 503 when one fails (issue 11: it said healthy while every write
failed on a full disk)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from bot.app import App, build
from bot.config import Settings
from storage.db import Database, open_database
from storage.models import jobs, outbox
from tests.conftest import _create_database, _migrate
from tests.diskfull import disk_full
from tests.sample import NOW, salon


async def _healthz(app: App) -> tuple[int, dict[str, Any]]:
    async with TestClient(TestServer(app.web)) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


@pytest.fixture
async def app(database: Database) -> AsyncIterator[App]:
    built = await build(Settings(business=salon(), database_url=database.url), clock=lambda: NOW)
    yield built
    await built.close()


async def test_healthz_reports_each_check_as_json(app: App) -> None:
    status, report = await _healthz(app)
    assert status == 200, report
    assert report["ok"] is True
    assert set(report["checks"]) == {"database", "outbox", "jobs"}
    assert all(check["ok"] for check in report["checks"].values())
    assert report["checks"]["outbox"]["oldest_due_s"] is None  # nothing waiting


async def test_healthz_leaves_no_trace_of_its_write(app: App) -> None:
    for _ in range(3):
        assert (await _healthz(app))[0] == 200
    async with app.db.reading() as conn:
        rows = (await conn.execute(outbox.select())).all()
    assert rows == []


async def _late_message(db: Database, waited: timedelta) -> None:
    row = {
        "channel": "telegram",
        "chat_id": "501",
        "method": "sendMessage",
        "params": "{}",
        "status": "pending",
        "not_before": int((NOW - waited).timestamp()),
        "created_at": NOW - waited,
    }
    await db.transaction(lambda conn: conn.execute(insert(outbox).values(row)))


async def _late_job(db: Database, waited: timedelta) -> None:
    row = {
        "kind": "hold_expiry",
        "run_at": int((NOW - waited).timestamp()),
        "status": "pending",
        "created_at": NOW - waited,
        "updated_at": NOW - waited,
    }
    await db.transaction(lambda conn: conn.execute(insert(jobs).values(row)))


async def test_healthz_is_503_when_the_outbox_is_stuck(app: App) -> None:
    await _late_message(app.db, timedelta(seconds=30))  # due a while, as under load: fine
    status, report = await _healthz(app)
    assert status == 200 and report["checks"]["outbox"]["oldest_due_s"] == 30
    await _late_message(app.db, timedelta(minutes=10))  # nobody sends
    status, report = await _healthz(app)
    assert status == 503 and report["ok"] is False
    assert report["checks"]["outbox"] == {"ok": False, "oldest_due_s": 600, "limit_s": 300}
    assert report["checks"]["database"]["ok"] and report["checks"]["jobs"]["ok"]


async def test_healthz_is_503_when_the_jobs_are_stuck(app: App) -> None:
    await _late_job(app.db, timedelta(minutes=10))
    status, report = await _healthz(app)
    assert status == 503
    assert report["checks"]["jobs"] == {"ok": False, "oldest_due_s": 600, "limit_s": 300}
    assert report["checks"]["database"]["ok"] and report["checks"]["outbox"]["ok"]


# ---- a full disk ------------------------------------------------------------------------------------------


async def test_healthz_is_503_when_the_disk_is_full(tmp_path: Path) -> None:
    path = tmp_path / "slotbot.db"
    url = f"sqlite+aiosqlite:///{path}"
    await _migrate(url)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("VACUUM")  # no free pages left inside the file either
    with disk_full():
        app = await build(Settings(business=salon(), database_url=url), clock=lambda: NOW)
        try:
            status, report = await _healthz(app)
        finally:
            await app.close()
    assert status == 503 and report["ok"] is False
    assert report["checks"]["database"] == {"ok": False, "error": "database or disk is full"}
    assert report["checks"]["outbox"]["ok"] and report["checks"]["jobs"]["ok"]  # reading still works


# ---- a PostgreSQL that takes no writes ------------------------------------------------------------------


@pytest.mark.postgres
async def test_healthz_is_503_when_postgresql_takes_no_writes(pg_server: str) -> None:
    name = f"slotbot_readonly_{secrets.token_hex(4)}"
    await _create_database(pg_server, name)
    url = pg_server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    await _migrate(url)
    admin = open_database(url)
    await admin.transaction(
        lambda conn: conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    )
    await admin.dispose()
    app = await build(Settings(business=salon(), database_url=url), clock=lambda: NOW)
    try:
        status, report = await _healthz(app)
    finally:
        await app.close()
    assert status == 503
    assert report["checks"]["database"]["ok"] is False
    assert "read-only transaction" in report["checks"]["database"]["error"]
