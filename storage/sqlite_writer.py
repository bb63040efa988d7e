"""SQLite's one writer: write transactions committed in groups, on the event loop's thread while no other
process holds the write lock and on a thread of their own while one does; the WAL's checkpoints; the
engines and pragmas of its connections.

Speed work in a room of its own, behind a small interface: storage/db.py takes a `Writer` from
`open_writer(url)` and calls only its `submit`, `reader`, `flush` and `close` (and `configure_sqlite` for its
aiosqlite engine). Why it runs where it runs is in `Writer`'s docstring and in docs/architecture.md. It
begins and ends transactions on the driver under a SQLAlchemy Connection; that SQLAlchemy leaves them alone
is checked by tests/unit/test_sqlalchemy_contract.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from storage.prepared import driver_error

SQLITE_BUSY_TIMEOUT_S = 30.0
GROUP_MAX = 32  # write transactions committed together at most
CHECKPOINT_GROUPS = 200  # groups committed on the event loop between two checkpoints of the WAL
_CHECKPOINT = "checkpoint"  # asks the writer thread for one
Work = Callable[[Connection], Any]


def open_writer(sync_url: str) -> Writer:
    """The writer of the SQLite file at `sync_url` (a plain sqlite:/// URL), its thread started."""
    return Writer(
        thread=sqlite_engine(sync_url, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S),
        loop=sqlite_engine(sync_url, busy_timeout_s=0, checkpoints=False),
        reads=sqlite_engine(sync_url, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S, autocommit=True),
    )


class Writer:
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
            return [(False, driver_error(conn, "BEGIN IMMEDIATE", (), error))] * len(works)
        try:
            return Writer._group(conn, raw, works)
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


def sqlite_engine(
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
    configure_sqlite(engine, busy_timeout_s=busy_timeout_s, checkpoints=checkpoints)
    return engine


def configure_sqlite(engine: Engine, *, busy_timeout_s: float, checkpoints: bool = True) -> None:
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
