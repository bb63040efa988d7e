"""The store's database: async reads, and write transactions run as one piece of synchronous code.

A write transaction is a plain function of a SQLAlchemy `Connection` (`Database.transaction(work)`), so its
statements run back to back without an event-loop round trip each:
- SQLite: with the standard driver, on the event loop's thread while no other process writes and on a
  writer thread when one does (`_Writer`); every transaction starts with `BEGIN IMMEDIATE`, so it holds the
  write lock from its first read and two check-then-insert transactions can never interleave (other
  processes wait on the lock, up to the busy timeout). Transactions asked for together are committed
  together (group commit). Reads (`Database.query`) run on the loop's thread too, on a connection of their
  own in autocommit, and never queue behind a writer (WAL); `Database.reading()` offers aiosqlite.
- PostgreSQL: asyncpg, with the work run through `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Select, UpdateBase, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler

SQLITE_BUSY_TIMEOUT_S = 30.0
GROUP_MAX = 32  # write transactions committed together at most
CHECKPOINT_GROUPS = 200  # groups committed on the event loop between two checkpoints of the WAL
_CHECKPOINT = "checkpoint"  # asks the writer thread for one
# aiosqlite gives every connection a thread; one past the pool's size is opened and closed around a single
# query. The hot reads run on the loop's thread (`Database.query`); these serve the rest (health checks, the
# expiry sweep, counts), rarely more than a few at once.
SQLITE_READERS = 8
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
        writer = _Writer(
            thread=_sqlite_engine(sync_url, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S),
            loop=_sqlite_engine(sync_url, busy_timeout_s=0, checkpoints=False),
            reads=_sqlite_engine(sync_url, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S, autocommit=True),
        )
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
        _configure_sqlite(read.sync_engine, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S)
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


class _Writer:
    """SQLite's one writer: write transactions run in groups, one group at a time.

    Transactions asked for in one turn of the event loop run together at the end of that turn (group
    commit): one BEGIN IMMEDIATE and one COMMIT, and every page the group touches written to the WAL once.
    Each work runs in a savepoint of its own and sees the ones before it, exactly as if committed one by one;
    one that raises is rolled back to its savepoint and gets its error, and the others go on: a failed work
    writes nothing, as alone.

    A group runs right on the event loop's thread while the write lock is free, which it is unless another
    process writes: a statement takes microseconds, and a thread in between would cost more than the
    statements themselves (the interpreter lock changes hands after every statement, each time after a
    wait of up to the 5-ms switch interval while the loop is busy). When the lock is taken, the group goes
    to a thread of its own that waits for it (up to the busy timeout), so the loop never blocks on another
    process; transactions from any other event loop go there too. The loop's connection leaves the WAL's
    checkpoints to that thread as well, since a checkpoint writes and syncs the database file."""

    def __init__(self, *, thread: Engine, loop: Engine, reads: Engine) -> None:
        # One connection each, kept for its life: a Connection per transaction is garbage for the collector.
        self._on_thread = _Kept(thread)
        self._on_loop = _Kept(loop)
        self._reads = _Kept(reads)
        self._queue: SimpleQueue[tuple[Work, asyncio.Future[Any]] | str | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="slotbot-sqlite-writer", daemon=True)
        self._thread.start()
        self._loop: asyncio.AbstractEventLoop | None = None  # whose thread runs groups inline
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._groups = 0  # run inline since the last checkpoint
        self._closed = False

    def reader(self) -> Connection | None:
        """The read connection of the event loop whose thread runs transactions inline, if that is the loop
        running now (else None: read through the async engine)."""
        return self._reads.get() if self._here(asyncio.get_running_loop()) else None

    def submit(self, work: Work) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._here(loop):
            if not self._pending:
                loop.call_soon(self.flush)
            self._pending.append((work, future))
        else:
            self._queue.put((work, future))
        return future

    def _here(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether `loop`'s thread runs things inline: the first loop to ask, until it closes."""
        if self._loop is not loop and (self._loop is None or self._loop.is_closed()) and not self._pending:
            self._loop = loop
        return self._loop is loop and not self._closed

    def flush(self) -> None:
        """Run what this loop asked for, in groups: here if the write lock is free, else on the thread."""
        if not self._pending or self._loop is not asyncio.get_running_loop():
            return
        pending, self._pending = self._pending, []
        for first in range(0, len(pending), GROUP_MAX):
            group = pending[first : first + GROUP_MAX]
            try:
                outcomes = self._run(self._on_loop, [work for work, _ in group], inline=True)
            except _LockTaken:
                for item in group:
                    self._queue.put(item)
                continue
            except Exception as error:  # no connection to be had (the file gone, the disk full)
                outcomes = [(False, error)] * len(group)
            _settle([(future, ok, value) for (_, future), (ok, value) in zip(group, outcomes, strict=True)])
            self._groups += 1
        if self._groups >= CHECKPOINT_GROUPS:
            self._groups = 0
            self._queue.put(_CHECKPOINT)

    def close(self) -> None:
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        for kept in (self._on_thread, self._on_loop, self._reads):
            kept.close()

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if item == _CHECKPOINT:
                self._checkpoint()
                continue
            assert not isinstance(item, str)
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
                if isinstance(more, str):
                    continue  # a checkpoint: this group's commit may well make one anyway
                group.append(more)
            try:
                outcomes = self._run(self._on_thread, [work for work, _ in group], inline=False)
            except Exception as error:  # no connection to be had
                outcomes = [(False, error)] * len(group)
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
            for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                by_loop.setdefault(future.get_loop(), []).append((future, ok, value))
            for loop, settled in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(_settle, settled)
            if stop:
                return

    @staticmethod
    def _run(kept: _Kept, works: list[Work], *, inline: bool) -> list[tuple[bool, Any]]:
        conn = kept.get()
        raw = conn.connection.dbapi_connection
        assert raw is not None
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if inline and error.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise _LockTaken from None
            kept.drop()
            return [(False, _wrapped(conn, "BEGIN IMMEDIATE", (), error))] * len(works)
        try:
            return _Writer._group(conn, raw, works)
        except Exception as error:  # COMMIT failed (disk full, I/O error): nothing written
            kept.drop()
            return [(False, error)] * len(works)
        except BaseException:  # interrupted mid-group: closing the connection rolls the transaction back
            kept.drop()
            raise

    @staticmethod
    def _group(conn: Connection, raw: Any, works: list[Work]) -> list[tuple[bool, Any]]:
        """The works in the transaction just begun, which ends here: committed, or rolled back if the only
        work failed. Savepoints and the transaction's end are the driver's own: SQLAlchemy's nested
        transactions cost several times the statements, and a work's own begin_nested nests inside."""
        outcomes: list[tuple[bool, Any]] = []
        try:
            if len(works) == 1:
                try:
                    outcomes.append((True, works[0](conn)))
                except Exception as error:
                    outcomes.append((False, error))
                    _end(conn, raw, "ROLLBACK")
                    return list(outcomes)
            else:
                for work in works:
                    raw.execute("SAVEPOINT slotbot_work")
                    try:
                        outcomes.append((True, work(conn)))
                    except Exception as error:
                        raw.execute("ROLLBACK TO slotbot_work")
                        outcomes.append((False, error))
                    raw.execute("RELEASE slotbot_work")
            _end(conn, raw, "COMMIT")
            return list(outcomes)
        finally:
            # A failed work's traceback holds this frame, and the frame this list: empty it rather than leave
            # a cycle for the garbage collector (at a few hundred lost races a minute, it shows).
            outcomes.clear()

    def _checkpoint(self) -> None:
        # RESTART, not PASSIVE: it takes the write lock, so the log is copied whole with nothing appended
        # meanwhile and the next transaction starts it again from the top. A passive checkpoint beside a
        # steady stream of writes never finishes, and the log would only grow. Groups on the loop meanwhile
        # find the lock taken and queue here behind it.
        raw = self._on_thread.get().connection.dbapi_connection
        assert raw is not None
        with contextlib.suppress(sqlite3.Error):  # a reader kept past the busy timeout: the next one will do
            raw.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()


class _Kept:
    """An engine's one connection, opened when first needed and again after it was dropped or broke."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def get(self) -> Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self.engine.connect()
        return conn

    def drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        self.drop()
        self.engine.dispose()


class _LockTaken(Exception):
    """Another process holds SQLite's write lock: the group waits for it on the writer thread."""


def _end(conn: Connection, raw: Any, how: str) -> None:
    """End the transaction: SQLAlchemy's record of it too, if a work's statement started one there."""
    if conn.in_transaction():
        if how == "COMMIT":
            conn.commit()  # the driver's commit() commits our BEGIN as well
        else:
            conn.rollback()
    if raw.in_transaction:
        raw.execute(how)


def _settle(settled: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in settled:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _sqlite_engine(
    url: str, *, busy_timeout_s: float, checkpoints: bool = True, autocommit: bool = False
) -> Engine:
    """An engine of one connection, kept for its life (`_Kept`). Transactions are begun and ended on the
    driver, and reads in autocommit need none, so the pool's own rollback on return would only add a
    statement."""
    engine = create_engine(
        url,
        connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
        pool_size=1,
        max_overflow=0,
        pool_reset_on_return=None,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    _configure_sqlite(engine, busy_timeout_s=busy_timeout_s, checkpoints=checkpoints)
    return engine


def _configure_sqlite(engine: Engine, *, busy_timeout_s: float, checkpoints: bool = True) -> None:
    pragmas = [
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"busy_timeout={int(busy_timeout_s * 1000)}",
    ]
    if not checkpoints:
        pragmas.append("wal_autocheckpoint=0")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver: BEGIN is always ours (the writer's, or none for reads).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


class Ran(Protocol):
    """What a `Prepared` statement returns: the driver's cursor (SQLAlchemy's result where the driver takes
    named parameters). Rows are indexable by position."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Sequence[Any]: ...


class Prepared:
    """A statement built once for the hottest writes, run straight on the driver's connection: compiled once
    per dialect, its parameters put in order and converted by the statement's own bind processors (the UTC
    datetimes among them). That skips SQLAlchemy's work per execution — the cache key, the execution
    context, the result wrapper — which on SQLite costs about ten times the statement itself. On PostgreSQL
    the driver is SQLAlchemy's asyncpg adapter, which still prepares and caches each statement.

    Parameters are named as for `conn.execute`: the bindparams' names, or an INSERT's column keys. Only
    statements whose results need no conversion (ids, counts, plain text) are taken; an INSERT may not
    leave a column to a Python-side default, and an expanding IN is not supported."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...] | None], _Plan | None] = {}

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Ran:
        plan = self._plan(conn, params)
        if plan is None:
            return conn.execute(self.statement, params)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        values = plan.values(params)
        try:
            if plan.shortcut:
                return raw.execute(plan.sql, values)
            cursor = raw.cursor()
            cursor.execute(plan.sql, values)
            return cursor
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(conn, plan.sql, values, error) from error

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per row (an executemany), for statements that return nothing."""
        if not rows:
            return
        plan = self._plan(conn, rows[0])
        if plan is None:
            conn.execute(self.statement, list(rows))
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        values = [plan.values(row) for row in rows]
        try:
            raw.cursor().executemany(plan.sql, values)
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(conn, plan.sql, values, error) from error

    def _plan(self, conn: Connection, params: Mapping[str, Any]) -> _Plan | None:
        dialect = conn.dialect
        key = (dialect.name, tuple(params) if self.statement.is_insert else None)
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plans[key] = _Plan.compile(self.statement, dialect, key[1])
            return plan


def _wrapped(conn: Connection, sql: str, values: Any, error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it (IntegrityError, OperationalError...), as callers expect."""
    dbapi = conn.dialect.loaded_dbapi
    wrapped = DBAPIError.instance(sql, values, error, dbapi.Error, dialect=conn.dialect)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


@dataclass(frozen=True)
class _Plan:
    sql: str
    shortcut: bool  # the driver's connection executes directly (sqlite3), without a cursor of ours
    # (name, required, literal value, bind processor) for each "?" in order
    slots: tuple[tuple[str, bool, Any, Callable[[Any], Any] | None], ...]

    @classmethod
    def compile(
        cls, statement: Select[Any] | UpdateBase, dialect: Dialect, keys: tuple[str, ...] | None
    ) -> _Plan | None:
        """The plan, or None where the driver takes named parameters: there SQLAlchemy runs it."""
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        assert isinstance(compiled, SQLCompiler)
        if compiled.positiontup is None:
            return None
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError(f"Prepared: Python-side defaults are not applied: {compiled.string}")
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError(f"Prepared: an expanding IN is not supported: {compiled.string}")
        for column in compiled._result_columns:
            if column.type._cached_result_processor(dialect, None) is not None:
                raise ValueError(f"Prepared: result column {column.keyname} needs conversion")
        processors = compiled._bind_processors
        slots = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            required = bind.required or (keys is not None and name in keys)
            process = processors.get(name)
            assert process is None or callable(process)  # a tuple of them is only for tuple binds
            slots.append((name, required, bind.value, process))
        return cls(compiled.string, dialect.driver == "pysqlite", tuple(slots))

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, required, literal, process in self.slots:
            value = params[name] if required else params.get(name, literal)
            out.append(value if process is None or value is None else process(value))
        return out
