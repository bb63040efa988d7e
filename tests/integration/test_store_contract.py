"""The store's contract, run against a real SQLite file and a real PostgreSQL server alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import claims, resource_versions
from storage.store import Outcome, Store
from tests.sample import NOW, at, salon


@pytest.fixture
async def store(database: Database) -> Store:
    return Store(database, salon())


async def _customer(store: Store) -> int:
    return await store.add_customer(now=NOW, name="Olha", phone="+380501234567", language="uk")


def _starts(slots: list) -> list[str]:
    return [slot.start.astimezone(at(1, 0).tzinfo).strftime("%H:%M") for slot in slots]


async def test_hold_takes_the_slot_off_offer(store: Store) -> None:
    customer = await _customer(store)
    outcome = await store.hold(
        service="haircut", specialist="anna", start=at(24, 11), now=NOW, customer_id=customer
    )
    assert outcome.ok and outcome.booking is not None
    assert outcome.booking.status == "held"
    assert outcome.booking.expires_at == NOW + timedelta(minutes=15)
    assert outcome.booking.end == at(24, 12)
    offered = _starts(await store.slots("haircut", specialist="anna", now=NOW, start_day=at(24, 0).date()))
    # 11:00 is held; 10:00 would run into it (it ends 11:00, its buffer runs to 11:15); 11:15 still overlaps.
    assert "11:00" not in offered and "10:00" not in offered and "11:45" not in offered
    assert "09:45" in offered and "14:00" in offered


async def test_second_hold_on_the_same_time_is_refused_as_taken(store: Store) -> None:
    first = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    second = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert first.ok
    assert second.reason == "taken" and second.booking is None


async def test_any_specialist_falls_back_to_the_next_free_one(store: Store) -> None:
    first = await store.hold(service="haircut", start=at(24, 11), now=NOW)
    second = await store.hold(service="haircut", start=at(24, 11), now=NOW)
    third = await store.hold(service="haircut", start=at(24, 11), now=NOW)
    assert first.booking and first.booking.specialist == "anna"
    assert second.booking and second.booking.specialist == "boris"
    assert third.reason == "taken"


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (at(24, 7), "outside_hours"),
        (at(24, 10, 7), "outside_hours"),
        (at(24, 13), "outside_hours"),
        (at(29, 11), "outside_hours"),  # Sunday
        (at(25, 11, month=12), "outside_hours"),  # closed for Christmas
        (at(23, 10, 30), "too_late"),
        (at(30, 11, month=12), "too_far"),
    ],
    ids=["before-opening", "off-grid", "lunch", "day-off", "closure", "notice", "window"],
)
async def test_hold_outside_the_rules_is_refused_with_the_reason(store: Store, start, reason: str) -> None:
    outcome = await store.hold(service="haircut", specialist="anna", start=start, now=NOW)
    assert outcome.reason == reason
    assert await store.bookings() == []


async def test_unknown_service_and_specialist(store: Store) -> None:
    assert (await store.hold(service="tattoo", start=at(24, 11), now=NOW)).reason == "unknown_service"
    assert (await store.hold(service="manicure", specialist="boris", start=at(24, 11), now=NOW)).reason == (
        "unknown_specialist"
    )


async def test_buffers_are_enforced_by_the_database(store: Store) -> None:
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 10), now=NOW)).ok
    # 11:00 is on the grid and inside hours, but the first haircut's 15-minute buffer runs to 11:15.
    assert (
        await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    ).reason == "taken"
    # The manicure needs 10 minutes before it: from 11:15 that overlaps the buffer, from 11:30 it does not.
    assert (
        await store.hold(service="manicure", specialist="anna", start=at(24, 11, 15), now=NOW)
    ).reason == "taken"
    assert (await store.hold(service="manicure", specialist="anna", start=at(24, 11, 30), now=NOW)).ok


async def test_an_expired_hold_frees_its_time_without_any_cleanup(store: Store) -> None:
    first = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    later = NOW + timedelta(minutes=16)
    offered = _starts(await store.slots("haircut", specialist="anna", now=later, start_day=at(24, 0).date()))
    assert "11:00" in offered
    second = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=later)
    assert second.ok
    assert first.booking is not None
    assert (await store.confirm(first.booking.id, now=later)).reason == "expired"
    assert (await store.confirm(first.booking.id, now=later, late_ok=True)).reason == "taken"
    assert await store.count_live_claims("staff:anna", now=later) == 1


async def test_confirm_keeps_the_slot_past_the_hold_time(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    confirmed = await store.confirm(held.booking.id, now=NOW + timedelta(minutes=5), paid=Decimal(200))
    assert (
        confirmed.booking and confirmed.booking.status == "confirmed" and confirmed.booking.expires_at is None
    )
    assert confirmed.booking.paid == Decimal(200)
    much_later = NOW + timedelta(hours=5)
    assert (
        await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=much_later)
    ).reason == "taken"
    again = await store.confirm(held.booking.id, now=much_later)
    assert again.ok and again.booking and again.booking.paid == Decimal(200)


async def test_a_late_payment_is_honoured_while_the_time_is_still_free(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    late = NOW + timedelta(hours=1)
    outcome = await store.confirm(held.booking.id, now=late, paid=Decimal(200), late_ok=True)
    assert outcome.ok and outcome.booking and outcome.booking.status == "confirmed"
    assert (
        await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=late)
    ).reason == "taken"


async def test_cancel_frees_the_time_and_is_idempotent(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    first = await store.cancel(held.booking.id, now=NOW)
    second = await store.cancel(held.booking.id, now=NOW)
    assert first.ok and second.ok and second.booking and second.booking.status == "cancelled"
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok
    assert (await store.confirm(held.booking.id, now=NOW)).reason == "cancelled"
    assert (await store.cancel(999, now=NOW)).reason == "not_found"


async def test_move_takes_the_new_time_and_frees_the_old(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    await store.confirm(held.booking.id, now=NOW, paid=Decimal(800))
    moved = await store.move(held.booking.id, start=at(25, 15), now=NOW)
    assert moved.ok and moved.booking
    assert (moved.booking.start, moved.booking.moves) == (at(25, 15), 1)
    assert (moved.booking.status, moved.booking.paid) == ("confirmed", Decimal(800))
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok
    assert (
        await store.hold(service="haircut", specialist="anna", start=at(25, 15), now=NOW)
    ).reason == "taken"


async def test_move_onto_its_own_overlapping_time(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    moved = await store.move(held.booking.id, start=at(24, 11, 30), now=NOW)
    assert moved.ok and moved.booking and moved.booking.start == at(24, 11, 30)
    assert await store.count_live_claims("staff:anna", now=NOW) == 1


async def test_a_failed_move_changes_nothing(store: Store) -> None:
    mine = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    other = await store.hold(service="haircut", specialist="anna", start=at(24, 15), now=NOW)
    assert mine.booking and other.ok
    refused = await store.move(mine.booking.id, start=at(24, 15), now=NOW)
    assert refused.reason == "taken"
    assert refused.booking == mine.booking
    # The old time is still claimed: nobody else can take it.
    assert (
        await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    ).reason == "taken"
    assert (await store.move(mine.booking.id, start=at(24, 7), now=NOW)).reason == "outside_hours"


async def test_move_of_an_expired_hold_is_refused(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    refused = await store.move(held.booking.id, start=at(24, 15), now=NOW + timedelta(hours=1))
    assert refused.reason == "expired"


async def test_move_to_another_specialist(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    moved = await store.move(held.booking.id, start=at(24, 11), specialist="boris", now=NOW)
    assert moved.booking and moved.booking.specialist == "boris"
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok


async def test_a_class_sells_exactly_its_capacity(store: Store) -> None:
    session = at(24, 19)
    outcomes = [await store.hold(service="yoga", start=session, now=NOW) for _ in range(7)]
    assert [o.ok for o in outcomes] == [True] * 6 + [False]
    assert outcomes[-1].reason == "taken"
    assert await store.slots("yoga", now=NOW, start_day=session.date()) == []
    first = outcomes[0].booking
    assert first is not None
    await store.cancel(first.id, now=NOW)
    [slot] = await store.slots("yoga", now=NOW, start_day=session.date())
    assert slot.seats_left == 1
    assert (await store.hold(service="yoga", start=session, now=NOW)).ok


async def test_seats_left_count_down(store: Store) -> None:
    session = at(24, 19)
    for expected in (6, 5, 4):
        [slot] = await store.slots("yoga", now=NOW, start_day=session.date())
        assert slot.seats_left == expected
        assert (await store.hold(service="yoga", start=session, now=NOW)).ok


async def test_a_room_is_shared_by_specialists(store: Store) -> None:
    assert (await store.hold(service="laser", specialist="anna", start=at(24, 11), now=NOW)).ok
    assert (
        await store.hold(service="laser", specialist="boris", start=at(24, 11), now=NOW)
    ).reason == "taken"
    assert (await store.hold(service="haircut", specialist="boris", start=at(24, 11), now=NOW)).ok


async def test_expire_records_a_run_out_hold_and_nothing_else(store: Store) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    kept = await store.hold(service="haircut", specialist="anna", start=at(24, 15), now=NOW)
    assert held.booking and kept.booking
    await store.confirm(kept.booking.id, now=NOW)
    assert (await store.expire(held.booking.id, now=NOW + timedelta(minutes=5))).reason == "held"  # not yet
    expired = await store.expire(held.booking.id, now=NOW + timedelta(minutes=20))
    assert expired.booking is not None and expired.booking.status == "expired"
    assert (await store.expire(kept.booking.id, now=NOW + timedelta(minutes=20))).reason == "confirmed"


async def test_bookings_lists_by_customer_and_liveness(store: Store) -> None:
    olha = await _customer(store)
    other = await store.add_customer(now=NOW, name="Petro")
    a = await store.hold(service="haircut", specialist="anna", start=at(25, 11), now=NOW, customer_id=olha)
    b = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW, customer_id=olha)
    await store.hold(service="haircut", specialist="boris", start=at(24, 11), now=NOW, customer_id=other)
    assert a.booking and b.booking
    await store.confirm(a.booking.id, now=NOW)
    mine = await store.bookings(customer_id=olha)
    assert [x.id for x in mine] == [b.booking.id, a.booking.id]
    live = await store.bookings(customer_id=olha, live_at=NOW + timedelta(hours=1))
    assert [x.id for x in live] == [a.booking.id]


async def test_the_database_itself_refuses_overlapping_claims(store: Store, database: Database) -> None:
    held = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    start = int(at(24, 11, 30).timestamp())
    row = {"booking_id": held.booking.id, "resource": "staff:anna", "seat": 0, "capacity": 1, "active": True}

    def overlapping(conn: Connection) -> None:
        conn.execute(insert(claims).values(**row, start_ts=start, end_ts=start + 600))

    def beyond_capacity(conn: Connection) -> None:
        conn.execute(
            insert(claims).values(**{**row, "seat": 1}, start_ts=start + 86400, end_ts=start + 87000)
        )

    def reactivated_into_a_taken_time(conn: Connection) -> None:
        conn.execute(text("UPDATE claims SET active = false"))
        conn.execute(insert(claims).values(**row, start_ts=start, end_ts=start + 600))
        conn.execute(text("UPDATE claims SET active = true"))

    for work in (overlapping, beyond_capacity, reactivated_into_a_taken_time):
        with pytest.raises(IntegrityError):
            await database.transaction(work)
    assert await store.count_live_claims("staff:anna", now=NOW) == 1


async def test_another_process_booking_is_seen(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each store caches claims; a write by another process (another Store and Database) must still show: at
    once where processes share the store, within RECHECK_S where one process writes it (SQLite)."""
    from storage.db import open_database
    from storage.store import RECHECK_S

    clock = [1000.0]
    monkeypatch.setattr("storage.claims_cache.monotonic", lambda: clock[0])
    mine = Store(database, salon())
    other_db = open_database(database.url)
    other = Store(other_db, salon())

    async def offered(now: datetime = NOW) -> list[datetime]:
        slots = await mine.slots("haircut", specialist="anna", now=now, start_day=at(24, 0).date())
        return [s.start for s in slots]

    try:
        assert at(24, 11) in await offered()
        held = await other.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
        assert held.booking is not None
        if database.one_process:
            assert at(24, 11) in await offered()  # not read yet
            clock[0] += RECHECK_S
        assert at(24, 11) not in await offered()
        await other.cancel(held.booking.id, now=NOW)
        clock[0] += RECHECK_S
        assert at(24, 11) in await offered()
        # This process's own writes show at once.
        mine_held = await mine.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
        assert mine_held.booking is not None and at(24, 11) not in await offered()
        await mine.cancel(mine_held.booking.id, now=NOW)
        assert at(24, 11) in await offered()
        # A hold's expiry needs no write at all to show.
        await other.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
        clock[0] += RECHECK_S
        assert at(24, 11) not in await offered()
        assert at(24, 11) in await offered(NOW + timedelta(minutes=16))
    finally:
        await other_db.dispose()


# ---------------------------------------------------------------- every claim change reaches every cache

_LATER = NOW + timedelta(minutes=20)  # past a hold made at NOW (15 minutes)


async def _held(store: Store) -> int:
    outcome = await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert outcome.booking is not None
    return outcome.booking.id


async def _booked(store: Store) -> int:
    booking_id = await _held(store)
    assert (await store.confirm(booking_id, now=NOW)).ok
    return booking_id


async def _nothing(store: Store) -> None:
    return None


@dataclass(frozen=True)
class _Change:
    """One claim-changing operation: what it starts from, what it does, and what every cache must see."""

    before: Callable[[Store], Awaitable[int | None]]
    change: Callable[[Store, Any], Awaitable[Outcome]]
    bumped: tuple[str, ...]  # resources whose version must rise
    now: datetime = NOW  # when the searches look
    freed: tuple[datetime, ...] = ()  # anna's haircut times offered after the change and not before
    taken: tuple[datetime, ...] = ()  # and the other way round


_CHANGES = {
    "hold": _Change(
        _nothing,
        lambda s, _: s.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW),
        ("staff:anna",),
        taken=(at(24, 11),),
    ),
    "hold-with-a-room": _Change(
        _nothing,
        lambda s, _: s.hold(service="laser", specialist="anna", start=at(24, 11), now=NOW),
        ("room:laser-room", "staff:anna"),
        taken=(at(24, 11),),
    ),
    # Seen after the hold's expiry: a cache that kept the claim as a hold would offer the time again.
    "confirm": _Change(
        _held,
        lambda s, b: s.confirm(b, now=NOW + timedelta(minutes=5)),
        ("staff:anna",),
        now=_LATER,
        taken=(at(24, 11),),
    ),
    "late-confirm": _Change(
        _held,
        lambda s, b: s.confirm(b, now=_LATER, late_ok=True),
        ("staff:anna",),
        _LATER,
        taken=(at(24, 11),),
    ),
    "cancel": _Change(_booked, lambda s, b: s.cancel(b, now=NOW), ("staff:anna",), freed=(at(24, 11),)),
    "move": _Change(
        _booked,
        lambda s, b: s.move(b, start=at(24, 15), now=NOW),
        ("staff:anna",),
        freed=(at(24, 11),),
        taken=(at(24, 15),),
    ),
    "move-to-another-specialist": _Change(
        _booked,
        lambda s, b: s.move(b, start=at(24, 11), specialist="boris", now=NOW),
        ("staff:anna", "staff:boris"),
        freed=(at(24, 11),),
    ),
    # The expired hold's claim is still active: the new hold releases it first (storage/transactions.py).
    "hold-over-an-expired-hold": _Change(
        _held,
        lambda s, _: s.hold(service="haircut", specialist="anna", start=at(24, 11), now=_LATER),
        ("staff:anna",),
        _LATER,
        taken=(at(24, 11),),
    ),
    # Every reader ignores an expired hold already; the claim still goes inactive, so its version moves.
    "expire": _Change(_held, lambda s, b: s.expire(b, now=_LATER), ("staff:anna",), _LATER),
}


@pytest.mark.parametrize("name", list(_CHANGES))
async def test_every_claim_change_reaches_every_cache(
    name: str, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store that writes sees its change at once; another process's store sees it at once where
    processes share the store (PostgreSQL) and after RECHECK_S where one process writes it (SQLite). Both
    rely on the version bump: a cache reloads only the resources whose version moved."""
    from storage.db import open_database
    from storage.store import RECHECK_S

    case = _CHANGES[name]
    clock = [1000.0]
    monkeypatch.setattr("storage.claims_cache.monotonic", lambda: clock[0])
    writer = Store(database, salon())
    other_db = open_database(database.url)
    watcher = Store(other_db, salon())

    async def offered(store: Store) -> set[datetime]:
        if store is watcher and database.one_process:
            clock[0] += RECHECK_S
        found = await store.slots("haircut", specialist="anna", now=case.now, start_day=at(24, 0).date())
        return {slot.start for slot in found} & {*case.freed, *case.taken}

    try:
        booking_id = await case.before(writer)
        for store in (writer, watcher):
            assert await offered(store) == set(case.taken), "before the change"
        versions = await database.query(_versions)
        outcome = await case.change(writer, booking_id)
        assert outcome.ok, outcome.reason
        bumped = await database.query(_versions)
        assert all(bumped.get(r, 0) > versions.get(r, 0) for r in case.bumped), (versions, bumped)
        assert await offered(writer) == set(case.freed), "the writing store"
        assert await offered(watcher) == set(case.freed), "another process's store"
    finally:
        await other_db.dispose()


def _versions(conn: Connection) -> dict[str, int]:
    return {r: v for r, v in conn.execute(select(resource_versions.c.resource, resource_versions.c.version))}
