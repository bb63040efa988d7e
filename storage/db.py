"""The store's database: async reads, and write transactions run as one piece of synchronous code.

A write transaction is a plain function of a SQLAlchemy `Connection` (`Database.transaction(work)`), so its
statements run back to back without an event-loop round trip each:
- SQLite: on a writer thread of its own with the standard driver; every transaction starts with
  `BEGIN IMMEDIATE`, so it holds the write lock from its first read and two check-then-insert transactions can
  never interleave (other processes wait on the lock, up to the busy timeout). Transactions that queue up
  while one runs are committed together (group commit, `_Writer`). Reads use aiosqlite with plain deferred
  transactions and never queue behind a writer (WAL).
- PostgreSQL: asyncpg, with the work run through `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_S = 30.0
GROUP_MAX = 32  # write transactions committed together at most
T = TypeVar("T")
Work = Callable[[Connection], Any]


@dataclass
class Database:
    url: str
    dialect: str
    read: AsyncEngine
    _write_async: AsyncEngine | None = None
    _writer: _Writer | None = field(default=None, repr=False)

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

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.read.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.read.dispose()
        if self._write_async is not None and self._write_async is not self.read:
            await self._write_async.dispose()
        if self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._writer.close)


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
        return Database(url, dialect, read, _writer=_Writer(write))
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return Database(url, dialect, engine, _write_async=engine)


class _Writer:
    """SQLite's one writer: a thread with one connection that runs write transactions in order.

    Whatever queued up while a transaction ran is run next in one transaction (group commit): one BEGIN and
    one COMMIT, and every page the group touches written to the WAL once. Each work still sees the ones
    before it, exactly as if committed one by one. If one raises, the group is rolled back, that work gets
    its error, and the others run again without it: a failed work writes nothing, as alone."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: SimpleQueue[tuple[Work, asyncio.Future[Any]] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="slotbot-sqlite-writer", daemon=True)
        self._thread.start()

    def submit(self, work: Work) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._queue.put((work, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.engine.dispose()

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            stop = False
            while len(group) < GROUP_MAX:
                try:
                    more = self._queue.get_nowait()
                except Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            outcomes = self._run([work for work, _ in group])
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
            for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                by_loop.setdefault(future.get_loop(), []).append((future, ok, value))
            for loop, settled in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(_settle, settled)
            if stop:
                return

    def _run(self, works: list[Work]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any] | None] = [None] * len(works)
        todo = list(range(len(works)))
        while todo:
            with self.engine.connect() as conn:
                try:
                    transaction = conn.begin()
                except Exception as error:  # the database is locked or away: nothing ran
                    for index in todo:
                        outcomes[index] = (False, error)
                    break
                failed = None
                for index in todo:
                    try:
                        outcomes[index] = (True, works[index](conn))
                    except Exception as error:
                        outcomes[index] = (False, error)
                        failed = index
                        break
                if failed is None:
                    try:
                        transaction.commit()
                    except Exception as error:
                        for index in todo:
                            outcomes[index] = (False, error)
                    break
                transaction.rollback()
                # The works before the failed one wrote into the rolled-back transaction: run them again.
                todo.remove(failed)
        return [outcome for outcome in outcomes if outcome is not None]


def _settle(settled: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in settled:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


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
