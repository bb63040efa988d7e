"""The prepayments report and the past visits `slotbot prepayment` counts, read from attempts and bookings
written through the store (storage/payments.py), on SQLite and PostgreSQL alike: local times, Decimal money,
the business's decimal separator, and a CSV a spreadsheet reads as text where it should."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Connection

from bot.cli_report import day_bounds, print_table, style_of, write_csv
from storage import payments
from storage.attempt import FAILED, OPEN, PAID, REFUNDED, Report, Verdict
from storage.booking import Booking
from storage.db import Database
from storage.payments_report import Line, Visits, lines, past_visits
from storage.store import Store
from tests.sample import KYIV, NOW, at, salon

PHONE = "+380501234567"
PAY_BY = NOW + timedelta(minutes=29)
SUCCESS, FAILURE = ("success", Verdict.PAID), ("failure", Verdict.FAILED)
REVERSED = ("reversed", Verdict.REFUNDED)
MADE = NOW - timedelta(days=4)  # when the holds were made, before their attempts


@pytest.fixture
async def store(database: Database) -> Store:
    return Store(database, salon())


async def held(store: Store, day: int, hour: int, name: str = "Ольга Петренко") -> Booking:
    customer = await store.add_customer(now=MADE, name=name, phone=PHONE, proven=True)
    start, ttl = at(day, hour), timedelta(days=5)
    outcome = await store.hold(service="colouring", start=start, now=MADE, customer_id=customer, ttl=ttl)
    assert outcome.booking is not None, outcome.reason
    return outcome.booking


async def attempt(store: Store, booking: Booking, started: datetime, amount: str = "500") -> str:
    def work(conn: Connection) -> str:
        return payments.start(conn, booking.id, Decimal(amount), "UAH", PAY_BY, started).order_id

    return await store.db.transaction(work)


async def tell(
    store: Store, order: str, said: tuple[str, Verdict], when: datetime, amount: str = "", refunded: str = ""
) -> None:
    """What LiqPay said of an order at `when`, recorded as a callback is."""
    status, verdict = said
    raw = json.dumps({"order_id": order, "status": status, "amount": amount, "refunded": refunded})
    paid, back = (Decimal(amount) if amount else None), (Decimal(refunded) if refunded else None)
    report = Report(order, status, verdict, paid, "UAH", refunded=back, at=when, raw=raw)
    await store.db.transaction(lambda conn: payments.record(conn, report, when))


async def four_attempts(store: Store) -> list[str]:
    """Open, failed then paid (one booking), refunded in part, and refunded in full; started on 20, 21
    (two), 22 and 23 November, 10:00 in Kyiv (the paid one an hour later)."""
    first, second = await held(store, 24, 9), await held(store, 24, 11, '=HYPERLINK("http://x")')
    third, fourth = await held(store, 24, 14), await held(store, 24, 16)
    started = [NOW - timedelta(days=days) for days in (3, 2, 2, 1, 0)]
    started[2] += timedelta(hours=1)
    orders = [await attempt(store, first, started[0])]
    failed = await attempt(store, second, started[1])
    await tell(store, failed, FAILURE, started[1])
    paid = await attempt(store, second, started[2], "450.50")
    await tell(store, paid, SUCCESS, started[2] + timedelta(minutes=5), amount="450.50")
    part = await attempt(store, third, started[3])
    await tell(store, part, SUCCESS, started[3], amount="500")
    await tell(store, part, REVERSED, started[3] + timedelta(hours=2), refunded="200")
    whole = await attempt(store, fourth, started[4])
    await tell(store, whole, REVERSED, started[4], amount="500")
    return [*orders, failed, paid, part, whole]


async def read(
    store: Store, since: datetime | None = None, until: datetime | None = None, states: Sequence[str] = ()
) -> list[Line]:
    return await store.db.query(lambda conn: lines(conn, since=since, until=until, states=states))


async def test_every_attempt_with_its_booking_customer_money_and_local_times(store: Store) -> None:
    orders = await four_attempts(store)
    found = await read(store)
    assert [line.order_id for line in found] == orders
    assert [line.state for line in found] == [OPEN, FAILED, PAID, PAID, REFUNDED]
    paid = found[2]
    assert (paid.amount, paid.paid, paid.refunded) == (Decimal("450.50"), Decimal("450.50"), Decimal(0))
    assert all(isinstance(money, Decimal) for line in found for money in (line.amount, line.paid))
    assert (found[3].paid, found[3].refunded) == (Decimal(500), Decimal(200))
    table = io.StringIO()
    print_table(found, KYIV, table)
    text = table.getvalue()
    assert "times in Europe/Kyiv" in text and "2026-11-24 11:00" in text  # the visit, local time
    assert "Ольга Петренко" in text and PHONE in text
    assert "total UAH: asked 2450.50, paid 1450.50, refunded 700.00, kept 750.50" in text


async def test_the_csv_has_the_businesss_decimal_comma_semicolons_and_no_formulas(store: Store) -> None:
    await four_attempts(store)
    out = io.StringIO()
    write_csv(await read(store), style_of(store.business), out)  # a Ukrainian business: 450,50
    header, *rows, blank, total = csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=";")
    attempts = [dict(zip(header, row, strict=True)) for row in rows]
    assert [row["status"] for row in attempts] == [OPEN, FAILED, PAID, PAID, REFUNDED]
    paid = attempts[2]
    assert (paid["amount"], paid["paid"], paid["refunded"]) == ("450,50", "450,50", "0,00")
    assert paid["paid at"] == "2026-11-21 11:05"  # 09:05 UTC, Kyiv is UTC+2 in November
    assert paid["visit"] == "2026-11-24 11:00" and paid["service"] == "colouring"
    assert paid["customer"] == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert paid["phone"] == f"'{PHONE}" and attempts[0]["customer"] == "Ольга Петренко"
    assert attempts[3]["refunded at"] == "2026-11-22 12:00"
    assert blank == []
    totals = dict(zip(header, total, strict=True))
    assert (totals["order"], totals["currency"], totals["amount"]) == ("total", "UAH", "2450,50")
    assert (totals["paid"], totals["refunded"]) == ("1450,50", "700,00")


async def test_an_english_business_writes_points_and_commas(store: Store) -> None:
    await four_attempts(store)
    out = io.StringIO()
    write_csv(await read(store), style_of(replace(store.business, default_language="en")), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))  # skips the blank row
    assert rows[2]["amount"] == "450.50" and rows[5]["paid"] == "1450.50"


async def test_days_and_statuses_filter_the_attempts(store: Store) -> None:
    orders = await four_attempts(store)
    since, until = day_bounds(date(2026, 11, 21), date(2026, 11, 22), KYIV)
    assert [line.order_id for line in await read(store, since=since, until=until)] == orders[1:4]
    since, until = day_bounds(None, date(2026, 11, 20), KYIV)
    assert [line.order_id for line in await read(store, since=since, until=until)] == orders[:1]
    assert [line.order_id for line in await read(store, states=[PAID, REFUNDED])] == orders[2:]
    assert await read(store, states=[PAID], since=NOW + timedelta(days=1)) == []


def test_a_local_day_starts_at_local_midnight_across_a_clock_change() -> None:
    since, until = day_bounds(date(2026, 10, 25), date(2026, 10, 25), KYIV)  # clocks go back that night
    assert since is not None and until is not None
    assert until.astimezone(UTC) - since.astimezone(UTC) == timedelta(hours=25)
    assert since.utcoffset() == timedelta(hours=3) and until.utcoffset() == timedelta(hours=2)


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
