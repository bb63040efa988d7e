"""Payment attempts in the store, on SQLite and PostgreSQL alike: an attempt per order, results recorded
idempotently whatever order LiqPay reports them in, never paid twice, never refunded beyond what was paid,
and the booking's `paid` in step with its attempts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, update
from sqlalchemy.exc import IntegrityError

from storage import payments, payments_report
from storage import transactions as tx
from storage.attempt import ALREADY_PAID, FAILED, OPEN, PAID, REFUNDED, Attempt, Change, Report, Verdict
from storage.booking import Booking
from storage.db import Database
from storage.models import metadata
from storage.models import payments as payments_table
from storage.store import Store
from storage.transactions import Refused
from tests.sample import NOW, at, salon

T = TypeVar("T")
UAH = "UAH"
PAY_BY = NOW + timedelta(minutes=29)


@pytest.fixture
async def store(database: Database) -> Store:
    return Store(database, salon())


async def held(store: Store, hour: int = 11, ttl: timedelta = timedelta(minutes=30)) -> Booking:
    customer = await store.add_customer(now=NOW, name="Olha", phone="+380501234567", language="uk")
    outcome = await store.hold(
        service="colouring", specialist="anna", start=at(24, hour), now=NOW, customer_id=customer, ttl=ttl
    )
    assert outcome.booking is not None
    return outcome.booking


def report(order_id: str, status: str, verdict: Verdict, amount: str | None = "500", **more: Any) -> Report:
    document = {"order_id": order_id, "status": status, "amount": amount, **more}
    raw = json.dumps({k: str(v) for k, v in document.items()})
    money = {k: Decimal(v) for k, v in more.items() if k == "refunded"}
    currency = more.get("currency", UAH)
    return Report(
        order_id, status, verdict, None if amount is None else Decimal(amount), currency, raw=raw, **money
    )


PAID_OK = ("success", Verdict.PAID)
FAILURE = ("failure", Verdict.FAILED)
PROCESSING = ("processing", Verdict.PENDING)
REVERSED = ("reversed", Verdict.REFUNDED)


async def run(db: Database, work: Callable[[Connection], T]) -> T:
    return await db.transaction(work)


async def start(db: Database, booking: Booking, amount: str = "500", now: datetime = NOW) -> Attempt:
    return await run(db, lambda c: payments.start(c, booking.id, Decimal(amount), UAH, PAY_BY, now))


async def record(db: Database, order_id: str, said: tuple[str, Verdict], **more: Any) -> payments.Recorded:
    return await run(db, lambda c: payments.record(c, report(order_id, *said, **more), NOW))


async def booking_now(db: Database, booking_id: int) -> Booking:
    return await db.query(lambda c: tx.current(c, booking_id))


# ---------------------------------------------------------------- starting attempts


async def test_attempts_are_numbered_per_booking_and_named_after_its_code(store: Store) -> None:
    db, booking = store.db, await held(store)
    first = await start(db, booking)
    assert (first.order_id, first.attempt, first.state) == (f"{booking.code}-1", 1, OPEN)
    assert (first.amount, first.currency, first.pay_by, first.paid) == (Decimal(500), UAH, PAY_BY, 0)
    await record(db, first.order_id, FAILURE)
    second = await start(db, booking)
    assert second.order_id == f"{booking.code}-2"
    assert [a.order_id for a in await db.query(lambda c: payments.unsettled(c, booking.id))] == [
        first.order_id,
        second.order_id,
    ]


async def test_no_attempt_for_a_paid_cancelled_or_expired_booking(store: Store) -> None:
    db = store.db
    paid, cancelled, expired = await held(store, 9), await held(store, 14), await held(store, 16)
    attempt = await start(db, paid)
    await record(db, attempt.order_id, PAID_OK)
    await store.cancel(cancelled.id, now=NOW)
    for booking, now, reason in (
        (paid, NOW, ALREADY_PAID),
        (cancelled, NOW, "cancelled"),
        (expired, NOW + timedelta(minutes=31), "expired"),
    ):
        with pytest.raises(Refused) as refused:
            await start(db, booking, now=now)
        assert refused.value.reason == reason
    with pytest.raises(ValueError, match="positive amount"):
        await start(db, expired, amount="0")
    assert await db.query(lambda c: len(payments.attempts(c, cancelled.id))) == 0


# ---------------------------------------------------------------- recording results


async def test_a_payment_is_recorded_once_and_the_booking_confirmed_in_the_same_transaction(
    store: Store,
) -> None:
    db, business, booking = store.db, store.business, await held(store)
    attempt = await start(db, booking)

    def pay_and_confirm(conn: Connection) -> tuple[payments.Recorded, Booking | None]:
        recorded = payments.record(conn, report(attempt.order_id, *PAID_OK, payment_id=7), NOW)
        if recorded.change is not Change.PAID:
            return recorded, None
        return recorded, tx.confirm(conn, business, booking.id, NOW, None, late_ok=True)

    recorded, confirmed = await run(db, pay_and_confirm)
    assert recorded.change is Change.PAID and recorded.booking_paid == Decimal(500)
    assert recorded.attempt is not None and recorded.attempt.state == PAID
    assert confirmed is not None and (confirmed.status, confirmed.paid) == ("confirmed", Decimal(500))
    again, nothing = await run(db, pay_and_confirm)  # LiqPay calls back a second time
    assert again.change is Change.NOTHING and nothing is None
    assert (await booking_now(db, booking.id)).paid == Decimal(500)
    kept = await db.query(lambda c: payments.received(c, attempt.order_id))
    assert [line["status"] for line in kept] == ["success"]  # the very same document is kept once


async def test_when_the_confirmation_is_refused_nothing_of_the_payment_is_lost(store: Store) -> None:
    db, business = store.db, store.business
    late = await held(store, ttl=timedelta(minutes=5))
    attempt = await start(db, late)
    later = NOW + timedelta(minutes=10)
    taken = await store.hold(service="colouring", specialist="anna", start=at(24, 11), now=later)
    assert taken.ok  # the expired hold's time went to someone else

    def pay_and_confirm(conn: Connection) -> None:
        payments.record(conn, report(attempt.order_id, *PAID_OK), later)
        tx.confirm(conn, business, late.id, later, None, late_ok=True)

    with pytest.raises(IntegrityError):  # the database refuses the claim: the time is taken
        await run(db, pay_and_confirm)  # rolled back whole, the payment too

    def pay_and_give_back(conn: Connection) -> Attempt:
        recorded = payments.record(conn, report(attempt.order_id, *PAID_OK), later)
        return payments.want_refund(conn, attempt.order_id, recorded.attempt.paid, later)  # type: ignore[union-attr]

    assert await db.query(lambda c: payments.find(c, attempt.order_id)) == attempt
    kept = await run(db, pay_and_give_back)
    assert (kept.state, kept.paid, kept.refund_due) == (PAID, Decimal(500), Decimal(500))
    assert (await booking_now(db, late.id)).paid == 0  # nothing of it counts toward the lost booking


@pytest.mark.parametrize(
    ("said", "final_state", "changes"),
    [
        pytest.param([PAID_OK, PAID_OK], PAID, ["paid", "nothing"], id="success twice"),
        pytest.param([PAID_OK, PROCESSING], PAID, ["paid", "nothing"], id="processing after success"),
        pytest.param([PAID_OK, FAILURE], PAID, ["paid", "nothing"], id="failure after success"),
        pytest.param([PROCESSING, PROCESSING], OPEN, ["pending", "nothing"], id="processing twice"),
        pytest.param([FAILURE, FAILURE], FAILED, ["failed", "nothing"], id="failure twice"),
        pytest.param([FAILURE, PROCESSING, PAID_OK], PAID, ["failed", "nothing", "paid"], id="retried"),
        pytest.param(
            [("try_again", Verdict.FAILED), FAILURE], FAILED, ["failed", "nothing"], id="two failing words"
        ),
        pytest.param([REVERSED, PAID_OK], REFUNDED, ["refunded", "nothing"], id="reversal before success"),
        pytest.param([PAID_OK, REVERSED, REVERSED], REFUNDED, ["paid", "refunded", "nothing"], id="reversed"),
        pytest.param([("sandbox", Verdict.IGNORED)], OPEN, ["nothing"], id="ignored"),
    ],
)
async def test_reports_in_any_order_change_only_what_they_should(
    store: Store, said: list[tuple[str, Verdict]], final_state: str, changes: list[str]
) -> None:
    db, booking = store.db, await held(store)
    attempt = await start(db, booking)
    seen = [(await record(db, attempt.order_id, one)).change for one in said]
    assert seen == changes
    after = await db.query(lambda c: payments.find(c, attempt.order_id))
    assert after is not None and after.state == final_state
    paid = Decimal(500) if final_state == PAID else Decimal(0)
    assert (await booking_now(db, booking.id)).paid == paid


async def test_a_second_paid_attempt_is_to_go_back_whole(store: Store) -> None:
    db, booking = store.db, await held(store)
    first = await start(db, booking)
    second = await start(db, booking)  # the customer asked for a new link, then paid both
    assert (await record(db, first.order_id, PAID_OK)).change is Change.PAID
    twice = await record(db, second.order_id, PAID_OK)
    assert twice.change is Change.PAID_TWICE and twice.booking_paid == Decimal(500)
    assert twice.attempt is not None and twice.attempt.refund_due == Decimal(500)


@pytest.mark.parametrize(
    ("amount", "currency"), [("499", UAH), ("500.01", UAH), ("500", "USD")], ids=["less", "more", "currency"]
)
async def test_a_payment_of_another_amount_or_currency_is_kept_for_refund(
    store: Store, amount: str, currency: str
) -> None:
    db, booking = store.db, await held(store)
    attempt = await start(db, booking)
    recorded = await record(db, attempt.order_id, PAID_OK, amount=amount, currency=currency)
    assert recorded.change is Change.MISMATCH and recorded.booking_paid == 0
    assert recorded.attempt is not None and recorded.attempt.refund_due == Decimal(amount)


async def test_an_unknown_order_changes_nothing(store: Store) -> None:
    recorded = await record(store.db, "NOPE-1", PAID_OK)
    assert recorded == payments.Recorded(Change.UNKNOWN_ORDER)


# ---------------------------------------------------------------- refunds


async def test_refunds_are_decided_once_and_never_exceed_what_was_paid(store: Store) -> None:
    db, booking = store.db, await held(store)
    order = (await start(db, booking)).order_id
    await record(db, order, PAID_OK)

    async def want(total: str) -> Attempt:
        return await run(db, lambda c: payments.want_refund(c, order, Decimal(total), NOW))

    assert (await want("200")).refund_due == Decimal(200)
    assert (await want("200")).refund_due == Decimal(200)  # the same decision again
    assert (await want("100")).refund_due == Decimal(200)  # never less than decided
    assert (await booking_now(db, booking.id)).paid == Decimal(300)
    partly = await record(db, order, REVERSED, refunded="200")
    assert partly.change is Change.REFUNDED and partly.attempt is not None
    assert (partly.attempt.state, partly.attempt.refunded, partly.attempt.refund_due) == (PAID, 200, 0)
    assert (await want("9000")).refund_due == Decimal(300)  # capped at what was paid
    whole = await record(db, order, REVERSED, refunded="9000")
    assert whole.attempt is not None and (whole.attempt.state, whole.attempt.refunded) == (REFUNDED, 500)
    assert whole.booking_paid == 0 and (await booking_now(db, booking.id)).paid == 0
    assert (await record(db, order, REVERSED, refunded="500")).change is Change.NOTHING


async def test_the_database_itself_refuses_a_refund_beyond_the_payment(store: Store) -> None:
    db, booking = store.db, await held(store)
    order = (await start(db, booking)).order_id
    await record(db, order, PAID_OK)
    too_much = update(payments_table).where(payments_table.c.order_id == order).values(refunded=Decimal(501))
    with pytest.raises(IntegrityError):
        await run(db, lambda c: c.execute(too_much))


async def test_the_same_callback_recorded_at_once_many_times_pays_once(store: Store) -> None:
    db, booking = store.db, await held(store)
    order = (await start(db, booking)).order_id
    changes = await asyncio.gather(*(record(db, order, PAID_OK) for _ in range(12)))
    assert sorted(r.change for r in changes) == [Change.NOTHING] * 11 + [Change.PAID]
    assert (await booking_now(db, booking.id)).paid == Decimal(500)


# ---------------------------------------------------------------- the report, and the schema


async def test_the_report_lists_attempts_with_their_booking_and_totals(store: Store) -> None:
    db = store.db
    first, second = await held(store, 10), await held(store, 15)
    paid = await start(db, first)
    await record(db, paid.order_id, PAID_OK)
    await run(db, lambda c: payments.want_refund(c, paid.order_id, Decimal(100), NOW))
    await record(db, paid.order_id, REVERSED, refunded="100")
    failed = await start(db, second, now=NOW + timedelta(minutes=1))
    await record(db, failed.order_id, FAILURE)
    lines = await db.query(lambda c: payments_report.lines(c))
    assert [(line.order_id, line.state, line.paid, line.refunded) for line in lines] == [
        (paid.order_id, PAID, 500, 100),
        (failed.order_id, FAILED, 0, 0),
    ]
    assert (lines[0].booking_code, lines[0].customer, lines[0].service) == (first.code, "Olha", "colouring")
    assert lines[0].start == at(24, 10) and lines[0].paid_at == NOW and lines[0].refunded_at == NOW
    [total] = payments_report.totals(lines)
    assert (total.currency, total.asked, total.paid, total.refunded, total.kept) == (UAH, 1000, 500, 100, 400)
    only_failed = await db.query(lambda c: payments_report.lines(c, states=[FAILED]))
    assert [line.order_id for line in only_failed] == [failed.order_id]
    since = await db.query(lambda c: payments_report.lines(c, since=NOW + timedelta(seconds=30)))
    assert [line.order_id for line in since] == [failed.order_id]


async def test_migration_0006_builds_the_payments_table_the_models_describe(database: Database) -> None:
    def differences(conn: Connection) -> list[Any]:
        found = compare_metadata(MigrationContext.configure(conn), metadata)
        return [d for d in found if "payments" in repr(d)]

    assert await database.query(differences) == []
