"""The past visits `slotbot prepayment` counts, read from bookings written through the store, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import Database
from storage.payments_report import Visits, past_visits
from storage.store import Store
from tests.sample import NOW, at, salon

PHONE = "+380501234567"


@pytest.fixture
async def store(database: Database) -> Store:
    return Store(database, salon())


async def test_past_visits_count_confirmed_bookings_that_ended_of_a_proven_phone(store: Store) -> None:
    later = NOW + timedelta(days=5)  # Saturday 28 November

    async def booking(day: int, hour: int, proven: bool, then: str) -> None:
        customer = await store.add_customer(now=NOW, name="Olha", phone=PHONE, proven=proven)
        made = await store.hold(service="haircut", start=at(day, hour), now=NOW, customer_id=customer)
        assert made.booking is not None, made.reason
        if then == "confirm":
            assert (await store.confirm(made.booking.id, now=NOW)).ok
        elif then == "cancel":
            assert (await store.cancel(made.booking.id, now=NOW)).ok

    await booking(24, 10, True, "confirm")  # a visit
    await booking(25, 10, True, "confirm")  # a visit
    await booking(26, 10, True, "cancel")  # cancelled: none
    await booking(27, 10, True, "keep")  # an unpaid hold that lapsed: none
    await booking(24, 15, False, "confirm")  # a typed number: shown, not counted
    await booking(30, 10, True, "confirm")  # still ahead on `later`
    assert await store.db.query(lambda conn: past_visits(conn, PHONE, later)) == Visits(proven=2, typed=1)
    assert await store.db.query(lambda conn: past_visits(conn, "+380671234567", later)) == Visits(0, 0)
    assert await store.db.query(lambda conn: past_visits(conn, PHONE, NOW)) == Visits(0, 0)
