"""Fixtures shared by every test: the store on a real SQLite file and on a real PostgreSQL server; the
`testdata` mark for tests that need a file of the external test material (tests/testdata.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from storage.db import Database, open_database
from storage.migrate import upgrade
from tests import pg, testdata


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "testdata(path): needs this file of the external test material")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("testdata"):
        testdata.path(*mark.args)  # skips, or fails under SLOTBOT_REQUIRE_TESTDATA=1, when it is absent


TABLES = (
    "claims, jobs, effects, payments, bookings, customers, conversations, resource_versions, "
    "inbound, identities, outbox, waitlist_offers, waitlist"
)


def _to_async(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _create_database(server: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    db = open_database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


def _run(coroutine_function, *args: object) -> None:
    # Session fixtures may be first requested from inside a running event loop: use a thread of their own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(coroutine_function(*args))).result()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    try:
        with pg.server_url() as url:
            yield url
    except RuntimeError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def pg_url(pg_server: str) -> str:
    """A migrated database of its own on the test server (async URL)."""
    name = f"slotbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    _run(_create_database, pg_server, name)
    url = _to_async(pg_server.rsplit("/", 1)[0] + f"/{name}")
    _run(_migrate, url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'slotbot.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated store database on the backend under test."""
    if backend == "sqlite":
        db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'slotbot.db'}")
        await upgrade(db)
    else:
        db = open_database(request.getfixturevalue("pg_url"))
        await db.transaction(lambda conn: conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")))
    yield db
    await db.dispose()


# Property tests (hypothesis): a quick default, and HYPOTHESIS_PROFILE=long for a thorough run.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
