"""The store's database: async reads, and write transactions run as one piece of synchronous code.

A write transaction is a plain function of a SQLAlchemy `Connection` (`Database.transaction(work)`), so its
statements run back to back without an event-loop round trip each:
- SQLite: on a writer thread of its own with the standard driver; every transaction starts with
  `BEGIN IMMEDIATE`, so it holds the write lock from its first read and two check-then-insert transactions can
  never interleave (other processes wait on the lock, up to the busy timeout). Reads use aiosqlite with plain
  deferred transactions and never queue behind a writer (WAL).
- PostgreSQL: asyncpg, with the work run through `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_S = 30.0
T = TypeVar("T")


@dataclass
class Database:
    url: str
    dialect: str
    read: AsyncEngine
    _write_async: AsyncEngine | None = None
    _write_sync: Engine | None = None
    _writer: ThreadPoolExecutor | None = field(default=None, repr=False)

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction: committed if it returns, rolled back if it raises."""
        if self._write_sync is not None:
            return await asyncio.get_running_loop().run_in_executor(self._writer, self._run, work)
        assert self._write_async is not None
        async with self._write_async.begin() as conn:
            return await conn.run_sync(work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        assert self._write_sync is not None
        with self._write_sync.begin() as conn:
            return work(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.read.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.read.dispose()
        if self._write_async is not None and self._write_async is not self.read:
            await self._write_async.dispose()
        if self._write_sync is not None:
            assert self._writer is not None
            await asyncio.get_running_loop().run_in_executor(self._writer, self._write_sync.dispose)
            self._writer.shutdown(wait=True)


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """The database at `url` (an async SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://)."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("the store needs a SQLite file, not an in-memory database")
        write = _sqlite_writer(parsed.set(drivername="sqlite").render_as_string(hide_password=False))
        # Reads run in autocommit mode: no BEGIN, no rollback, one round trip a query. Nothing reads twice
        # expecting one snapshot (the claims cache reads versions before claims, which is safe either way).
        # A connection past the pool's size is opened and closed around one query, with a thread of its own
        # (aiosqlite): keep enough for a busy process's concurrent turns.
        read = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=2 * pool_size,
            max_overflow=2 * pool_size,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,
        )
        _configure_sqlite(read.sync_engine, begin=None)
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slotbot-sqlite-writer")
        return Database(url, dialect, read, _write_sync=write, _writer=writer)
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return Database(url, dialect, engine, _write_async=engine)


def _sqlite_writer(url: str) -> Engine:
    # One writer thread, one connection. Transactions always end in commit or rollback inside engine.begin(),
    # so the pool's own rollback on return would only add a statement.
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=1,
        max_overflow=0,
        pool_reset_on_return=None,
    )
    _configure_sqlite(engine, begin="BEGIN IMMEDIATE")
    return engine


def _configure_sqlite(engine: Engine, *, begin: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver, so that our own BEGIN below is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    if begin is None:
        return

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)
