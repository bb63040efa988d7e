"""Write transactions under load: many at once (on SQLite committed in groups) behave as if run one by one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage import sqlite_writer
from storage.db import Database, open_database
from storage.migrate import upgrade
from storage.models import inbound, resource_versions
from tests.sample import NOW

v = resource_versions.c


class Broke(Exception):
    pass


def _bump(conn: Connection) -> int:
    """Read the counter and write it back one higher: a lost update would show as a missing increment."""
    query = select(v.version).where(v.resource == "counter").with_for_update()  # PostgreSQL: in turn
    seen = conn.execute(query).scalar_one()
    conn.execute(update(resource_versions).where(v.resource == "counter").values(version=seen + 1))
    return int(seen)


def _bump_then_fail(conn: Connection) -> int:
    _bump(conn)
    conn.execute(insert(inbound).values(channel="test", external_id="lost", received_at=NOW))
    raise Broke


async def test_concurrent_transactions_see_each_other_and_a_failure_writes_nothing(
    database: Database,
) -> None:
    await database.transaction(
        lambda conn: conn.execute(insert(resource_versions).values(resource="counter", version=0))
    )
    works = [_bump_then_fail if n % 7 == 3 else _bump for n in range(70)]
    outcomes = await asyncio.gather(*(database.transaction(w) for w in works), return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, Broke)]
    seen = sorted(o for o in outcomes if isinstance(o, int))
    assert len(failed) == 10 and seen == list(range(60))  # every success saw all the earlier ones
    async with database.reading() as conn:
        counter = (await conn.execute(select(v.version).where(v.resource == "counter"))).scalar_one()
        lost = (await conn.execute(select(inbound.c.external_id).where(inbound.c.channel == "test"))).all()
    assert counter == 60 and lost == []


async def test_a_work_refused_by_a_constraint_fails_alone(database: Database) -> None:
    def record(external_id: str) -> Callable[[Connection], None]:
        def work(conn: Connection) -> None:
            conn.execute(insert(inbound).values(channel="test", external_id=external_id, received_at=NOW))

        return work

    works = [record("same" if n % 2 else f"m{n}") for n in range(10)]
    outcomes = await asyncio.gather(*(database.transaction(w) for w in works), return_exceptions=True)
    assert all(o is None for o in outcomes[::2])  # every distinct id recorded
    refused = [o for o in outcomes[1::2] if o is not None]
    assert len(refused) == 4 and all(isinstance(o, IntegrityError) for o in refused)  # one "same" won
    async with database.reading() as conn:
        ids = (await conn.execute(select(inbound.c.external_id).where(inbound.c.channel == "test"))).scalars()
        assert sorted(ids) == ["m0", "m2", "m4", "m6", "m8", "same"]


async def test_a_read_sees_what_was_committed_just_before(database: Database) -> None:
    for n in range(3):
        await database.transaction(
            lambda conn, n=n: conn.execute(insert(resource_versions).values(resource=f"r{n}", version=n))
        )
        count = await database.query(lambda conn: len(conn.execute(select(v.resource)).all()))
        assert count == n + 1


# ------------------------------------------------ SQLite: the loop thread and the writer thread


async def _sqlite(url: str) -> Database:
    database = open_database(url)
    await upgrade(database)
    return database


async def test_while_another_process_holds_the_write_lock_the_loop_goes_on_and_the_write_waits(
    sqlite_url: str,
) -> None:
    database = await _sqlite(sqlite_url)
    other = sqlite3.connect(sqlite_url.split("///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    other.execute("INSERT INTO resource_versions (resource, version) VALUES ('theirs', 1)")
    write = asyncio.ensure_future(
        database.transaction(
            lambda conn: conn.execute(insert(resource_versions).values(resource="ours", version=1))
        )
    )
    ticks = 0
    while ticks < 20:  # the event loop is not blocked by the wait for the lock
        await asyncio.sleep(0.005)
        ticks += 1
    assert not write.done()
    other.execute("COMMIT")
    other.close()
    await write
    rows = await database.query(lambda conn: sorted(conn.execute(select(v.resource)).scalars()))
    assert rows == ["ours", "theirs"]
    await database.dispose()


async def test_a_write_from_another_event_loop_goes_through_the_writer_thread(sqlite_url: str) -> None:
    database = await _sqlite(sqlite_url)
    await database.transaction(
        lambda conn: conn.execute(insert(resource_versions).values(resource="a", version=1))
    )

    def elsewhere() -> list[str]:
        async def main() -> list[str]:
            await database.transaction(
                lambda conn: conn.execute(insert(resource_versions).values(resource="b", version=1))
            )
            return await database.query(lambda conn: sorted(conn.execute(select(v.resource)).scalars()))

        return asyncio.run(main())

    assert await asyncio.get_running_loop().run_in_executor(None, elsewhere) == ["a", "b"]
    await database.dispose()


async def test_checkpoints_keep_the_write_ahead_log_from_growing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_GROUPS", 5)
    database = await _sqlite(sqlite_url)
    wal = Path(sqlite_url.split("///", 1)[1] + "-wal")
    payload = "x" * 100_000
    sizes = []

    def barrier() -> None:  # a write from another loop: the writer thread runs it after the checkpoint asked
        asyncio.run(database.transaction(lambda conn: None))

    for n in range(60):  # 6 MB written in all, in 60 groups
        sizes.append(wal.stat().st_size)
        await database.transaction(
            lambda conn, n=n: conn.execute(
                insert(inbound).values(channel="wal", external_id=f"{n}{payload}", received_at=NOW)
            )
        )
        if n % 5 == 4:
            await asyncio.get_running_loop().run_in_executor(None, barrier)
    # The log holds at most the migrations' pages and about five groups (1.2-1.6 MB as the schema grows);
    # without the checkpoints it passes 6 MB.
    assert max(sizes) < 2_000_000
    await database.dispose()
