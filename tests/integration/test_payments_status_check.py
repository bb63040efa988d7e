"""The status checks that find lost callbacks (SQLite and PostgreSQL): the payment_check job at the checkout's
end and the check inside hold_expiry, asking a spec-checking fake LiqPay.

LiqPay not answering (a 503, or no answer until the client gives up) is no answer: the check is retried
later, and the hold still expires at its time; a payment found by the retried check then takes the time back
if it is free and goes back if it is not. `payment_not_found` (the customer never paid) changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.jobs import Jobs, Listed
from storage.models import jobs
from tests.integration.prepaid_salon import Bot, running
from tests.sample import NOW

PAY_BY = NOW + timedelta(minutes=29, seconds=30)  # the checkout's end has passed; the hold has not
EXPIRED = NOW + timedelta(minutes=31)


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    async with running(database) as bot:
        yield bot


def _unavailable(bot: Bot, how: str, times: int = 1) -> None:
    if how == "503":
        bot.liqpay.fail_next(503, times=times)
    else:
        bot.liqpay.stall_next(times=times)


async def _pending(bot: Bot, kind: str) -> list[Listed]:
    return [job for job in await Jobs(bot.db).listed() if job.kind == kind]


UNAVAILABLE = pytest.mark.parametrize("how", ["503", "no answer"])


@UNAVAILABLE
async def test_a_check_liqpay_does_not_answer_is_retried_and_then_finds_the_payment(
    bot: Bot, how: str
) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)  # the callback is lost
    _unavailable(bot, how)
    bot.clock.now = PAY_BY
    await bot.scheduler.run_due()
    [check] = await _pending(bot, "payment_check")
    assert check.attempts == 1 and check.status == "pending" and check.run_at > PAY_BY.timestamp()
    [held] = await bot.store.bookings()
    assert held.status == "held"

    bot.clock.now = PAY_BY + timedelta(seconds=15)
    await bot.scheduler.run_due()
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert sum(t.startswith("Paid and booked!") for t in await bot.messages()) == 1


@UNAVAILABLE
async def test_the_hold_expires_when_liqpay_does_not_answer_and_a_payment_found_later_takes_it_back(
    bot: Bot, how: str
) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)
    _unavailable(bot, how, times=2)  # the check at the checkout's end, and the one at the hold's expiry
    bot.clock.now = EXPIRED
    await bot.scheduler.run_due()
    [expired] = await bot.store.bookings()
    assert expired.status == "expired"
    said = await bot.messages()
    assert any(t.startswith("The hold for Colouring, Tue 24 Nov at 10:00, ran out") for t in said)

    bot.clock.now = EXPIRED + timedelta(minutes=5)  # the check, retried
    await bot.scheduler.run_due()
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert sum(t.startswith("Paid and booked!") for t in await bot.messages()) == 1
    assert sum(t.startswith("💳 Prepayment received") for t in await bot.staff()) == 1


async def test_the_hold_expires_when_liqpay_does_not_answer_and_a_payment_found_for_a_taken_time_goes_back(
    bot: Bot,
) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)
    _unavailable(bot, "503", times=2)
    bot.clock.now = EXPIRED
    await bot.scheduler.run_due()
    [expired] = await bot.store.bookings()
    taken = await bot.store.hold(
        service="colouring", specialist="anna", start=expired.start, now=EXPIRED, ttl=timedelta(days=1)
    )
    assert taken.ok

    bot.clock.now = EXPIRED + timedelta(minutes=5)
    await bot.run_jobs()  # the check finds the payment; then the refund job sends it back
    await bot.refunds_called_back(order)
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.paid, attempt.refunded, attempt.state) == (
        Decimal(500),
        Decimal(500),
        "refunded",
    )
    gone, _ = await bot.store.bookings()
    assert (gone.id, gone.status, gone.paid) == (expired.id, "expired", 0)
    said = await bot.messages()
    assert sum(t.startswith("Your payment of 500 UAH came after the hold had run out") for t in said) == 1
    assert sum(t.startswith("Refund made: 500 UAH") for t in said) == 1


async def test_payment_not_found_changes_nothing(bot: Bot) -> None:
    await bot.hold()  # the customer never pays
    told = await bot.messages()
    bot.clock.now = PAY_BY
    await bot.scheduler.run_due()
    assert [r["action"] for r in bot.liqpay.requests] == ["status"]
    assert await _pending(bot, "payment_check") == []  # done: nothing to retry
    [held] = await bot.store.bookings()
    assert (held.status, held.paid) == ("held", 0)
    assert await bot.messages() == told

    bot.clock.now = EXPIRED
    await bot.scheduler.run_due()  # asked again at expiry: still nothing; the hold runs out
    [expired] = await bot.store.bookings()
    assert expired.status == "expired"
    assert [r["action"] for r in bot.liqpay.requests] == ["status", "status"]


async def test_a_payment_liqpay_still_verifies_is_asked_about_until_it_settles(bot: Bot) -> None:
    order = await bot.hold()
    await bot.liqpay.fail(order, "3ds_verify")  # LiqPay says it is verifying the card: not paid, not failed
    bot.clock.now = PAY_BY
    await bot.scheduler.run_due()
    [check] = await _pending(bot, "payment_check")
    assert check.run_at >= (PAY_BY + timedelta(minutes=10)).timestamp()  # asked again later
    bot.clock.now = EXPIRED
    await bot.scheduler.run_due()
    [expired] = await bot.store.bookings()
    assert expired.status == "expired"
    await bot.liqpay.pay_late(order, callbacks=0)  # verified after all, and the callback lost
    bot.clock.now = PAY_BY + timedelta(minutes=10, seconds=1)
    await bot.scheduler.run_due()
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))  # the time was still free


async def test_a_new_attempt_leaves_one_check_that_asks_about_every_open_attempt(bot: Bot) -> None:
    first = await bot.hold()
    await bot.liqpay.fail(first)
    await bot.tap("Try paying again")
    second = await bot.open_link()
    assert second != first
    general = select(func.count()).where(
        jobs.c.kind == "payment_check", jobs.c.status == "pending", jobs.c.payload == "{}"
    )
    assert await bot.db.query(lambda conn: conn.execute(general).scalar_one()) == 1
    await bot.liqpay.pay(second, callbacks=0)  # paid, and the callback lost: the one check finds it
    bot.clock.now = PAY_BY
    await bot.scheduler.run_due()
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert sum(t.startswith("Paid and booked!") for t in await bot.messages()) == 1
