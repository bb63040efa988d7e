"""Holds per second: on distinct free slots, and many customers on one contended slot.

    python bench/holds.py [--database-url URL] [--holds 2000] [--concurrency 50] [--contenders 200]

Every hold is a real store transaction (BEGIN IMMEDIATE on SQLite) that the database may refuse.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fixtures import KYIV, NOW, business
from storage.db import open_database
from storage.migrate import upgrade
from storage.store import Store


def distinct_slots(count: int, staff: int) -> list[tuple[str, datetime]]:
    """`count` non-overlapping 30-minute slots, spread over specialists and days."""
    first = NOW.astimezone(KYIV).date() + timedelta(days=1)
    found: list[tuple[str, datetime]] = []
    day = first
    while len(found) < count:
        if day.weekday() != 6:
            for half_hour in [h for h in range(18, 38) if h not in (26, 27)]:
                start = datetime.combine(day, datetime.min.time(), KYIV) + timedelta(minutes=30 * half_hour)
                found += [(f"s{i:02d}", start) for i in range(staff)]
        day += timedelta(days=1)
    return found[:count]


async def distinct(store: Store, holds: int, concurrency: int) -> None:
    slots = distinct_slots(holds, len(store.business.staff))
    queue: asyncio.Queue[tuple[str, datetime]] = asyncio.Queue()
    for slot in slots:
        queue.put_nowait(slot)
    won = 0

    async def worker() -> None:
        nonlocal won
        while not queue.empty():
            specialist, start = queue.get_nowait()
            outcome = await store.hold(service="quick", specialist=specialist, start=start, now=NOW)
            won += outcome.ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    print(
        f"distinct slots: {holds} holds by {concurrency} concurrent customers in {elapsed:.2f} s "
        f"= {holds / elapsed:.0f} holds/s ({won} won)"
    )


async def contended(store: Store, contenders: int) -> None:
    start = datetime.combine(NOW.astimezone(KYIV).date() + timedelta(days=70), datetime.min.time(), KYIV)
    start = start.replace(hour=10) if start.weekday() != 6 else start.replace(hour=10) + timedelta(days=1)
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            store.hold(service="quick", specialist="s00", start=start, now=NOW + timedelta(days=20))
            for _ in range(contenders)
        )
    )
    elapsed = time.perf_counter() - started
    won = sum(o.ok for o in outcomes)
    print(
        f"one contended slot: {contenders} simultaneous holds resolved in {elapsed * 1000:.0f} ms "
        f"= {contenders / elapsed:.0f} attempts/s; winners: {won}"
    )


async def main(url: str, holds: int, concurrency: int, contenders: int) -> None:
    db = open_database(url, pool_size=concurrency)
    await upgrade(db)
    store = Store(db, business(20))
    print(f"backend: {db.dialect}")
    await distinct(store, holds, concurrency)
    await contended(store, contenders)
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--holds", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--contenders", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(main(url, args.holds, args.concurrency, args.contenders))
