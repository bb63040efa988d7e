"""Slot search: one service across 20 specialists over 60 days with 10,000 existing bookings.

    python bench/slot_search.py [--database-url URL] [--runs 50]

Prints the median and p95 of the whole search through the store (reading claims + computing slots), and of
the pure computation alone on the same claims.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fixtures import KYIV, NOW, business, fill
from storage.availability import free_slots
from storage.db import open_database
from storage.migrate import upgrade
from storage.store import Store


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


async def main(url: str, runs: int) -> None:
    db = open_database(url)
    await upgrade(db)
    biz = business(20)
    store = Store(db, biz)
    await fill(db, biz, 10_000, days=60)
    first = NOW.astimezone(KYIV).date()
    whole, pure = [], []
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        found = await store.slots("consult", now=NOW, start_day=first, days=60)
        whole.append(time.perf_counter() - started)
    busy = await store.busy(now=NOW, first_day=first, days=60)
    for _ in range(runs):
        started = time.perf_counter()
        free_slots(biz, biz.service("consult"), now=NOW, start_day=first, days=60, busy=busy)
        pure.append(time.perf_counter() - started)
    claims = sum(len(v) for v in busy.values())
    print(
        f"backend: {db.dialect}; 20 specialists, 60 days, {claims} existing bookings, {len(found)} free slots"
    )
    print(f"slot search through the store: {_ms(whole)} over {runs} runs")
    print(f"slot computation alone:        {_ms(pure)} over {runs} runs")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db", args.runs))
