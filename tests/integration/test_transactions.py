"""Write transactions under load: many at once (on SQLite committed in groups) behave as if run one by one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
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
