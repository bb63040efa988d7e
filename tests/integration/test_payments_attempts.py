"""A payment that did not go through, and the attempts after it (SQLite and PostgreSQL).

The customer is told it failed and may try again while the hold lives: a new link, a new order, paid and
confirmed. LiqPay lets the first page be paid later still: that second payment goes back (a refund job),
and nothing is confirmed or told twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage.db import Database
from tests.integration.prepaid_salon import Bot, running


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    async with running(database) as bot:
        yield bot


async def test_a_failed_payment_offers_a_new_attempt_whose_payment_confirms(bot: Bot) -> None:
    first = await bot.hold()
    [delivery] = await bot.liqpay.fail(first)
    assert delivery.http_status == 200
    said = await bot.messages()
    assert said[-1].startswith(
        "The payment did not go through. You can try again until 10:29"
    )  # LiqPay stops taking it a minute before the hold ends
    [held] = await bot.store.bookings()
    assert (held.status, held.paid) == ("held", 0)

    await bot.tap("Try paying again")
    second = await bot.open_link()
    assert second != first and second.startswith(held.code)
    await bot.liqpay.pay(second)
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    said = await bot.messages()
    assert sum(t.startswith("Paid and booked!") for t in said) == 1
    staff = await bot.staff()
    assert sum(t.startswith("💳 Prepayment received") for t in staff) == 1


async def test_the_first_attempts_late_success_goes_back_and_confirms_nothing_twice(bot: Bot) -> None:
    first = await bot.hold()
    await bot.liqpay.fail(first)
    await bot.tap("Try paying again")
    second = await bot.open_link()
    await bot.liqpay.pay(second)
    told, staff_told = await bot.messages(), await bot.staff()

    await bot.liqpay.pay(first)  # the customer went back to the first page and paid there too
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    returned = await bot.store.payment(first)
    assert returned is not None and (returned.paid, returned.refund_wanted) == (Decimal(500), Decimal(500))
    said = await bot.messages()
    assert said[len(told) :][0].startswith("We received a payment of 500 UAH for Colouring")
    staff = await bot.staff()
    assert [t[:27] for t in staff[len(staff_told) :]] == ["Payment going back: Olha (+"]
    assert "500 UAH" in staff[-1]

    await bot.scheduler.run_due()  # the refund job
    returned = await bot.store.payment(first)
    kept = await bot.store.payment(second)
    assert returned is not None and kept is not None
    assert (returned.refunded, returned.state) == (Decimal(500), "refunded")
    assert (kept.paid, kept.refunded) == (Decimal(500), 0)
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    refunds = [r for r in bot.liqpay.requests if r["action"] == "refund"]
    assert [(r["order_id"], r["amount"]) for r in refunds] == [(first, 500)]
    said = await bot.messages()
    assert sum(t.startswith("Paid and booked!") for t in said) == 1
    assert sum(t.startswith("Refund made: 500 UAH") for t in said) == 1
