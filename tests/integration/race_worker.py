"""Runs in a separate OS process: many concurrent holds of one time against a shared database."""

from __future__ import annotations

import asyncio
from datetime import datetime

from storage.db import open_database
from storage.store import Store
from tests.sample import NOW, salon


async def _holds(url: str, service: str, start: datetime, count: int, engines: int) -> int:
    # Several databases, each with its own writer connection, so that the holds really come from separate
    # connections that race in the database, not from one queue.
    databases = [open_database(url) for _ in range(engines)]
    stores = [Store(db, salon()) for db in databases]
    try:
        outcomes = await asyncio.gather(
            *(stores[i % engines].hold(service=service, start=start, now=NOW) for i in range(count))
        )
    finally:
        for db in databases:
            await db.dispose()
    return sum(outcome.ok for outcome in outcomes)


def hold_many(url: str, service: str, start: datetime, count: int, engines: int) -> int:
    return asyncio.run(_holds(url, service, start, count, engines))
