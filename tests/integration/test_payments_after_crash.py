"""A process that dies between LiqPay's word and the customer being told (SQLite and PostgreSQL).

Recording a payment commits with the booking's confirmation under the effect's idempotency key; the turn
that tells the customer and staff is saved after it. A process killed in between leaves the payment recorded
and nobody told: when LiqPay calls again, or the status check asks, the same event finds what was done and
tells it, once. A refund job killed after LiqPay made the refund, before it was recorded, asks LiqPay's
status when it runs again and never refunds twice.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import pytest

from storage.attempt import Paying, Report
from storage.db import Database
from storage.jobs import LEASE_S as JOB_LEASE_S
from storage.jobs import Jobs
from storage.sessions import LEASE_S
from storage.store import Store
from tests.fakes.liqpay_api import FakeLiqPay
from tests.integration.prepaid_salon import Bot, SpecLiqPay, business, running
from tests.integration.test_exact_after_crash import Died, Mortal
from tests.sample import NOW

T = TypeVar("T")


class DyingStore(Store):
    """The store of a process killed when it records a report LiqPay gave `via` ("callback", "status",
    "refund"): right after the record commits, or, with `before`, just before it is sent."""

    via = ""
    before = False

    async def record_payment(self, report: Report, **kwargs: Any) -> Paying:
        if report.via != self.via:
            return await super().record_payment(report, **kwargs)
        if self.before:
            self._die("before recording")
        await super().record_payment(report, **kwargs)
        self._die("right after recording")

    def _die(self, when: str) -> NoReturn:
        self.db.dead = True  # type: ignore[attr-defined]
        raise Died(f"killed {when} a report via {self.via}")


def dying(database: Database, salon: Any) -> DyingStore:
    return DyingStore(Mortal(database), salon)  # type: ignore[arg-type]


async def _dies(work: Awaitable[T]) -> None:
    with pytest.raises(Died):
        await work


async def _told(bot: Bot) -> tuple[int, int]:
    """How often the customer got the receipt, and staff the paid-hold notice."""
    said, staff = await bot.messages(), await bot.staff()
    return sum(t.startswith("Paid and booked!") for t in said), sum(t.startswith("💳") for t in staff)


async def _paid_once(bot: Bot, order: str) -> None:
    [booking] = await bot.store.bookings()
    attempt = await bot.store.payment(order)
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert attempt is not None and (attempt.paid, attempt.refund_wanted) == (Decimal(500), 0)
    assert await _told(bot) == (1, 1)


@pytest.fixture
async def bot(database: Database) -> Any:
    async with running(database, store=dying) as bot:
        yield bot


def _dying(bot: Bot, via: str, *, before: bool = False) -> None:
    store = bot.store
    assert isinstance(store, DyingStore)
    store.via, store.before = via, before


async def test_killed_after_the_payment_commits_the_callback_again_tells_once(bot: Bot) -> None:
    order = await bot.hold()
    _dying(bot, "callback")
    [lost] = await bot.liqpay.pay(order)  # the process dies before it answers LiqPay
    assert lost.http_status != 200
    assert await _told(bot) == (0, 0)
    bot.restart()
    bot.clock.now = NOW + timedelta(seconds=LEASE_S + 1)  # the dead process's lease has run out

    again = await bot.liqpay.send_callback(order)  # LiqPay calls again
    assert again.http_status == 200
    await _paid_once(bot, order)
    assert (await bot.liqpay.send_callback(order)).http_status == 200
    await bot.scheduler.run_due()
    bot.clock.now = NOW + timedelta(minutes=40)
    await bot.scheduler.run_due()
    await _paid_once(bot, order)


async def test_killed_after_the_payment_commits_the_status_check_tells_once(bot: Bot) -> None:
    order = await bot.hold()
    _dying(bot, "callback")
    await bot.liqpay.pay(order)  # the process dies; LiqPay does not call again
    bot.restart()
    for minutes in (1, 2, 29.5, 31, 60):  # the jobs due by then, each time
        bot.clock.now = NOW + timedelta(minutes=minutes)
        await bot.scheduler.run_due()
    await _paid_once(bot, order)


async def test_killed_after_a_status_answer_commits_the_next_check_tells_once(bot: Bot) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)  # the callback is lost
    _dying(bot, "status")
    bot.clock.now = NOW + timedelta(minutes=29, seconds=30)
    await _dies(bot.scheduler.run_due())  # the status check finds the payment, and the process dies
    bot.restart()
    for minutes in (31, 32, 33, 60):
        bot.clock.now = NOW + timedelta(minutes=minutes)
        await bot.scheduler.run_due()
    await _paid_once(bot, order)


async def _paid_twice(bot: Bot) -> str:
    """A booking paid under its first attempt too, after a second one was paid: the first goes back."""
    first = await bot.hold()
    await bot.liqpay.fail(first)
    await bot.tap("Try paying again")
    second = await bot.open_link()
    await bot.liqpay.pay(second)
    await bot.liqpay.pay(first)
    return first


def _refunds(fake: FakeLiqPay) -> list[tuple[str, Decimal]]:
    return [(r["order_id"], Decimal(r["amount"])) for r in fake.requests if r["action"] == "refund"]


async def _refunded_once(bot: Bot, order: str) -> None:
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.refunded, attempt.refund_due) == (Decimal(500), 0)
    assert _refunds(bot.liqpay) == [(order, Decimal(500))]
    assert bot.liqpay.order(order).refunded == Decimal(500)
    said = await bot.messages()
    assert sum(t.startswith("Refund made: 500 UAH") for t in said) == 1
    assert sum(t.startswith("Refund made: Olha") for t in await bot.staff()) == 1


async def _runs_again_later(bot: Bot) -> None:
    """The restarted process runs the jobs due once the dead one's leases ran out, and later ones."""
    for seconds in (JOB_LEASE_S + 1, 2 * JOB_LEASE_S, 40 * 60):
        bot.clock.now = NOW + timedelta(seconds=seconds)
        await bot.scheduler.run_due()


CALLS_AGAIN = pytest.mark.parametrize(
    "calls_again", [False, True], ids=["LiqPay is silent", "LiqPay calls back after the restart"]
)


@CALLS_AGAIN
async def test_a_refund_killed_before_it_was_recorded_is_not_made_twice(
    database: Database, calls_again: bool
) -> None:
    async with running(database, store=dying, liqpay=FakeLiqPay(callback_refunds=False)) as bot:
        first = await _paid_twice(bot)
        _dying(bot, "refund", before=True)
        await _dies(bot.scheduler.run_due())  # LiqPay made the refund; the process died before recording it
        bot.restart()
        bot.clock.now = NOW + timedelta(seconds=LEASE_S + 1)  # the dead process's lease has run out
        if calls_again:
            await bot.liqpay.send_callback(first)
        await _runs_again_later(bot)
        await _refunded_once(bot, first)


@CALLS_AGAIN
async def test_a_refund_killed_after_it_was_recorded_is_told_once(
    database: Database, calls_again: bool
) -> None:
    async with running(database, store=dying, liqpay=FakeLiqPay(callback_refunds=False)) as bot:
        first = await _paid_twice(bot)
        _dying(bot, "refund")
        await _dies(bot.scheduler.run_due())  # recorded, and the process died before telling anyone
        bot.restart()
        bot.clock.now = NOW + timedelta(seconds=LEASE_S + 1)  # the dead process's lease has run out
        if calls_again:
            await bot.liqpay.send_callback(first)
        await _runs_again_later(bot)
        await _refunded_once(bot, first)


async def test_a_refund_killed_before_it_was_recorded_waits_for_liqpays_status_before_refunding(
    database: Database,
) -> None:
    async with running(database, store=dying, liqpay=FakeLiqPay(callback_refunds=False)) as bot:
        first = await _paid_twice(bot)
        _dying(bot, "refund", before=True)
        await _dies(bot.scheduler.run_due())  # LiqPay made the refund; the process died before recording it
        bot.restart()
        bot.liqpay.fail_next(503)  # and LiqPay cannot say so when the job runs again
        bot.clock.now = NOW + timedelta(seconds=JOB_LEASE_S + 1)
        await bot.scheduler.run_due()
        assert _refunds(bot.liqpay) == [(first, Decimal(500))]  # not sent again blind
        [job] = [j for j in await Jobs(bot.db).listed() if j.kind == "refund"]
        assert job.attempts == 1 and "503" in (job.last_error or "")
        await _runs_again_later(bot)
        await _refunded_once(bot, first)


async def test_a_lost_refund_is_not_made_again_when_liqpays_status_says_reversed_without_an_amount(
    database: Database,
) -> None:
    salon = business(refund_cancel_hours=48, late_refund_percent=30)
    async with running(database, salon, store=dying, liqpay=SpecLiqPay(callback_refunds=False)) as bot:
        order = await bot.hold()
        await bot.liqpay.pay(order)
        await bot.cancel()  # 150 of the 500 comes back
        _dying(bot, "refund", before=True)
        await _dies(bot.scheduler.run_due())  # LiqPay refunded 150; the process died before recording it
        bot.restart()
        await _runs_again_later(bot)
        assert _refunds(bot.liqpay) == [(order, Decimal(150))]
        attempt = await bot.store.payment(order)
        assert attempt is not None and (attempt.refunded, attempt.refund_due) == (Decimal(150), 0)
        [booking] = await bot.store.bookings()
        assert (booking.status, booking.paid) == ("cancelled", Decimal(350))
        assert sum(t.startswith("Refund made: 150 UAH") for t in await bot.messages()) == 1
