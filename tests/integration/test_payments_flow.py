"""The paid time-hold through the runner, the store and LiqPay (a spec-checking fake) on both backends.

A customer holds a colouring (it asks a prepayment), gets the checkout link, pays; LiqPay calls back
/webhooks/liqpay (the real app, on loopback) and the booking is confirmed, with the receipt for the
customer and the paid-hold notice for staff, in the same booking rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from storage.db import Database
from tests.integration.prepaid_salon import CHAT, STAFF, Bot, running
from tests.sample import NOW


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    async with running(database) as bot:
        yield bot


async def test_paid_in_time_the_booking_is_confirmed_with_a_receipt_and_staff_are_told(bot: Bot) -> None:
    order = await bot.hold()
    [held] = await bot.runner.store.bookings()
    assert held.status == "held" and held.code in order
    [delivery] = await bot.liqpay.pay(order)
    assert delivery.http_status == 200
    [booking] = await bot.runner.store.bookings()
    assert (booking.status, booking.paid, booking.id) == ("confirmed", Decimal(500), held.id)
    said = await bot.messages(CHAT)
    receipt = next(t for t in said if t.startswith("Paid and booked!"))
    assert (
        "Prepaid: 500 UAH" in receipt
        and "To pay at the visit: 1 900 UAH" in receipt
        and booking.code in receipt
    )
    staff = await bot.messages(STAFF)
    assert any("500" in t and booking.code in t for t in staff[-1:])
    # LiqPay calls again: nothing more happens, nobody is told twice.
    again = await bot.liqpay.send_callback(order)
    assert again.http_status == 200
    assert await bot.messages(CHAT) == said and await bot.messages(STAFF) == staff


async def test_a_lost_callback_is_found_by_the_status_check(bot: Bot) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)  # LiqPay never calls back
    [held] = await bot.runner.store.bookings()
    assert held.status == "held"
    bot.clock.now = NOW + timedelta(minutes=29, seconds=30)  # the check at the checkout's end
    assert await bot.scheduler.run_due() >= 1
    [booking] = await bot.runner.store.bookings()
    assert booking.status == "confirmed" and booking.paid == Decimal(500)
    assert any(t.startswith("Paid and booked!") for t in await bot.messages(CHAT))


async def test_a_payment_after_expiry_takes_a_free_time_back(bot: Bot) -> None:
    order = await bot.hold()
    bot.clock.now = NOW + timedelta(minutes=31)
    await bot.scheduler.run_due()  # the hold runs out: the customer is told
    [expired] = await bot.runner.store.bookings()
    assert expired.status == "expired"
    await bot.liqpay.pay_late(order)
    [booking] = await bot.runner.store.bookings()
    assert booking.status == "confirmed" and booking.paid == Decimal(500)


async def test_a_payment_after_expiry_for_a_taken_time_goes_back(bot: Bot) -> None:
    order = await bot.hold()
    [held] = await bot.runner.store.bookings()
    bot.clock.now = NOW + timedelta(minutes=31)
    await bot.scheduler.run_due()
    taken = await bot.runner.store.hold(
        service="colouring", specialist="anna", start=held.start, now=bot.clock.now, ttl=timedelta(days=1)
    )
    assert taken.ok
    await bot.liqpay.pay_late(order)
    attempt = await bot.runner.store.payment(order)
    assert attempt is not None and attempt.refund_wanted == Decimal(500)
    assert any("goes back" in t for t in await bot.messages(CHAT))
    going_back = [t for t in await bot.staff() if t.startswith("Payment going back")]
    assert len(going_back) == 1 and ": 500 UAH" in going_back[0]  # what goes back, not what is kept (0)
    await bot.scheduler.run_due()  # the refund job
    attempt = await bot.runner.store.payment(order)
    assert attempt is not None and attempt.refunded == Decimal(500)
    first, _ = await bot.runner.store.bookings()
    assert first.paid == 0
