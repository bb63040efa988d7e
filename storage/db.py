"""Engines for the store: one for writes, one for reads, set up for SQLite or PostgreSQL.

On SQLite every write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its first read
and two check-then-insert transactions can never interleave; reads go through a second engine with plain
deferred transactions so that they never queue behind writers (WAL lets them run alongside).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_S = 30.0


@dataclass
class Database:
    write: AsyncEngine
    read: AsyncEngine
    dialect: str
    # SQLite allows one writer at a time anyway; queueing writers of this process on an asyncio lock is far
    # cheaper than letting them spin in SQLite's busy handler. Other processes still meet BEGIN IMMEDIATE.
    _write_lock: asyncio.Lock | None = field(default=None, repr=False)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        if self._write_lock is None:
            async with self.write.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.write.begin() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.read.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()


def open_database(url: str, *, pool_size: int = 10, serialize_writers: bool = True) -> Database:
    """Engines for `url` (an async SQLAlchemy URL: sqlite+aiosqlite:// or postgresql+asyncpg://)."""
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        write = _sqlite_engine(url, begin="BEGIN IMMEDIATE", reset=False)
        read = _sqlite_engine(url, begin="BEGIN", reset=True)
        return Database(write, read, dialect, asyncio.Lock() if serialize_writers else None)
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return Database(engine, engine, dialect)


def _sqlite_engine(url: str, *, begin: str, reset: bool) -> AsyncEngine:
    memory = make_url(url).database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"poolclass": NullPool} if memory else {}
    if not reset:
        # Writes always run in engine.begin(), which commits or rolls back itself: the pool's extra
        # rollback on return would only cost a round trip to the driver's thread.
        kwargs["pool_reset_on_return"] = None
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that our own BEGIN below is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine
