"""The store's database: async reads, and write transactions run as one piece of synchronous code.

This is the facade the rest of the store sees (`Database`, `open_database`) and the engines behind it; the
speed work lives in rooms of its own: SQLite's writer in storage/sqlite_writer.py, prepared statements in
storage/prepared.py.

A write transaction is a plain function of a SQLAlchemy `Connection` (`Database.transaction(work)`), so its
statements run back to back without an event-loop round trip each:
- SQLite: with the standard driver, on the event loop's thread while no other process writes and on a
  writer thread when one does (`sqlite_writer.Writer`); every transaction starts with `BEGIN IMMEDIATE`, so
  it holds the write lock from its first read and two check-then-insert transactions can never interleave
  (other processes wait on the lock, up to the busy timeout). Transactions asked for together are committed
  together (group commit). Reads (`Database.query`) run on the loop's thread too, on a connection of their
  own in autocommit, and never queue behind a writer (WAL); `Database.reading()` offers aiosqlite.
- PostgreSQL: asyncpg, with the work run through `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.sqlite_writer import SQLITE_BUSY_TIMEOUT_S, Writer, configure_sqlite, open_writer

# aiosqlite gives every connection a thread; one past the pool's size is opened and closed around a single
# query. The hot reads run on the loop's thread (`Database.query`); these serve the rest (health checks, the
# expiry sweep, counts), rarely more than a few at once.
SQLITE_READERS = 8
T = TypeVar("T")


@dataclass
class Database:
    url: str
    dialect: str
    read: AsyncEngine
    _write_async: AsyncEngine | None = None
    _writer: Writer | None = field(default=None, repr=False)

    @property
    def one_process(self) -> bool:
        """One serving process writes this store (SQLite, the embedded default): what it keeps of its own
        writes stays current. On PostgreSQL several processes share the store."""
        return self._writer is not None

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction: committed if it returns, rolled back if it raises."""
        if self._writer is not None:
            result: T = await self._writer.submit(work)
            return result
        assert self._write_async is not None
        async with self._write_async.begin() as conn:
            return await conn.run_sync(work)

    async def query(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, which only reads, on a read connection: it sees what was committed. On SQLite it runs
        right here on the event loop's thread, as the writes do: under WAL a read never waits for a writer,
        and a thread in between would cost more than the query. Elsewhere through the async driver."""
        if self._writer is not None:
            conn = self._writer.reader()
            if conn is not None:
                return work(conn)
        async with self.read.connect() as reading:
            return await reading.run_sync(work)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.read.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.read.dispose()
        if self._write_async is not None and self._write_async is not self.read:
            await self._write_async.dispose()
        if self._writer is not None:
            self._writer.flush()
            await asyncio.get_running_loop().run_in_executor(None, self._writer.close)


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """The database at `url` (an async SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://)."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("the store needs a SQLite file, not an in-memory database")
        sync_url = parsed.set(drivername="sqlite").render_as_string(hide_password=False)
        writer = open_writer(sync_url)
        # Reads run in autocommit mode: no BEGIN, no rollback, one round trip a query. Nothing reads twice
        # expecting one snapshot (the claims cache reads versions before claims, which is safe either way).
        read = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=SQLITE_READERS,
            max_overflow=SQLITE_READERS,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,
        )
        configure_sqlite(read.sync_engine, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S)
        return Database(url, dialect, read, _writer=writer)
    # No ping before each use: under load pings were a tenth of the time a process spent in the driver. A
    # connection the server dropped (a restart) fails the one transaction or read that meets it, SQLAlchemy
    # then starts the pool afresh, and the platform delivers the message again after our 503.
    write = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
    # Reads in autocommit: no BEGIN and no ROLLBACK around each (with the pings, a third of that time).
    read = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
    )
    return Database(url, dialect, read, _write_async=write)
