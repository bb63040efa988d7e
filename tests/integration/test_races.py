"""Many customers tapping the same time at once: the database lets exactly as many win as there are places."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from storage.db import Database
from storage.store import Store
from tests.integration.race_worker import _holds, hold_many
from tests.sample import NOW, at, salon

CASES = [("haircut", at(24, 11), 2), ("yoga", at(24, 19), 6)]  # haircut: anna and boris, one place each


def _url(database: Database) -> str:
    return database.url


@pytest.mark.parametrize(("service", "start", "places"), CASES, ids=["one-slot", "class-of-6"])
async def test_200_concurrent_holds_from_separate_connections(
    database: Database, service: str, start, places: int
) -> None:
    # Within this process: 200 holds spread over 20 databases, each with its own writer connection.
    wins = await _holds(_url(database), service, start, count=200, engines=20)
    assert wins == places
    assert len(await Store(database, salon()).bookings(live_at=NOW)) == places


@pytest.mark.parametrize(("service", "start", "places"), CASES, ids=["one-slot", "class-of-6"])
async def test_200_concurrent_holds_from_two_processes(
    database: Database, service: str, start, places: int
) -> None:
    wins = await asyncio.to_thread(_two_processes, _url(database), service, start)
    assert wins == places
    assert len(await Store(database, salon()).bookings(live_at=NOW)) == places


def _two_processes(url: str, service: str, start) -> int:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        runs = [pool.submit(hold_many, url, service, start, 100, 10) for _ in range(2)]
        return sum(run.result(timeout=300) for run in runs)
