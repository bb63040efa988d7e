"""A paid booking cancelled or moved by the customer, through the runner, the store and LiqPay's refund API (a
spec-checking fake), on SQLite and PostgreSQL.

Cancelled early enough (the service's refund window, `refund_cancel_hours`), the whole prepayment goes back;
later, nothing, or the business's late share (`late_refund_percent`). The customer is told what comes back
before they confirm, the refund job sends it through LiqPay once and never more than was paid, and the
customer and staff are told when it is made. A moved booking stays paid, mapped to its payment, and is never
asked to pay again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from storage.db import Database
from tests.fakes.liqpay_api import FakeLiqPay
from tests.integration.prepaid_salon import Bot, SpecLiqPay, business, running
from tests.sample import NOW


async def _paid(bot: Bot) -> str:
    order = await bot.hold()
    await bot.liqpay.pay(order)
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    return order


def _refunds(bot: Bot) -> list[tuple[str, Decimal]]:
    return [(r["order_id"], Decimal(r["amount"])) for r in bot.liqpay.requests if r["action"] == "refund"]


async def test_cancelled_inside_the_refund_window_the_whole_prepayment_goes_back_once(
    database: Database,
) -> None:
    async with running(database, business(refund_cancel_hours=12)) as bot:
        order = await _paid(bot)
        bot.clock.now = NOW + timedelta(hours=1)
        question = await bot.cancel()
        assert "Your prepayment of 500 UAH will be refunded." in question
        said = await bot.messages()
        assert said[-2].startswith("Cancelled: Colouring, Anna, Tue 24 Nov")
        staff = await bot.staff()
        assert staff[-1].startswith("Cancelled: Olha") and "Paid: 0 UAH" in staff[-1]

        await bot.scheduler.run_due()  # the refund job
        await bot.refunds_called_back(order)
        assert _refunds(bot) == [(order, Decimal(500))]
        assert bot.liqpay.order(order).refunded == Decimal(500)
        attempt = await bot.store.payment(order)
        assert attempt is not None and (attempt.state, attempt.refunded, attempt.refund_due) == (
            "refunded",
            Decimal(500),
            0,
        )
        [booking] = await bot.store.bookings()
        assert (booking.status, booking.paid, booking.refund) == ("cancelled", 0, True)
        said = await bot.messages()
        assert [t for t in said if t.startswith("Refund made")] == [
            "Refund made: 500 UAH for Colouring, Anna, Tue 24 Nov at 10:00."
        ]
        assert sum(t.startswith("Refund made: Olha") for t in await bot.staff()) == 1

        bot.clock.now += timedelta(hours=2)
        await bot.scheduler.run_due()
        assert _refunds(bot) == [(order, Decimal(500))]  # never twice


async def test_cancelled_outside_the_refund_window_nothing_goes_back(database: Database) -> None:
    async with running(database, business(refund_cancel_hours=48)) as bot:
        order = await _paid(bot)
        question = await bot.cancel()
        assert "less than 48 hours before the visit, so the prepayment of 500 UAH is not refunded" in question
        await bot.scheduler.run_due()
        assert _refunds(bot) == []
        attempt = await bot.store.payment(order)
        assert attempt is not None and (attempt.paid, attempt.refund_wanted) == (Decimal(500), 0)
        [booking] = await bot.store.bookings()
        assert (booking.status, booking.paid, booking.refund) == ("cancelled", Decimal(500), False)
        assert not any(t.startswith("Refund made") for t in await bot.messages())


@pytest.mark.parametrize("liqpay", [FakeLiqPay, SpecLiqPay], ids=["status with the amount", "without"])
async def test_cancelled_outside_the_refund_window_the_late_share_goes_back(
    database: Database, liqpay: type[FakeLiqPay]
) -> None:
    salon = business(refund_cancel_hours=48, late_refund_percent=30)
    async with running(database, salon, liqpay=liqpay()) as bot:
        order = await _paid(bot)
        question = await bot.cancel()
        assert "so 150 UAH of the prepayment of 500 UAH is refunded" in question
        await bot.scheduler.run_due()
        await bot.refunds_called_back(order)
        assert _refunds(bot) == [(order, Decimal(150))]
        attempt = await bot.store.payment(order)
        assert attempt is not None and (attempt.state, attempt.refunded, attempt.refund_due) == (
            "paid",
            Decimal(150),
            0,
        )
        [booking] = await bot.store.bookings()
        assert (booking.status, booking.paid) == ("cancelled", Decimal(350))
        said = await bot.messages()
        assert [t[:27] for t in said if t.startswith("Refund made")] == ["Refund made: 150 UAH for Co"]

        bot.clock.now += timedelta(hours=2)
        await bot.scheduler.run_due()  # a status check, once the refund is told: it is a repeat
        assert _refunds(bot) == [(order, Decimal(150))]
        again = await bot.store.payment(order)
        assert again is not None and (again.refunded, again.state) == (Decimal(150), "paid")
        assert sum(t.startswith("Refund made") for t in await bot.messages()) == 1


async def test_a_booking_paid_twice_and_cancelled_gets_each_payment_back_once(database: Database) -> None:
    async with running(database, business(refund_cancel_hours=12)) as bot:
        first = await bot.hold()
        await bot.liqpay.fail(first)
        await bot.tap("Try paying again")
        second = await bot.open_link()
        await bot.liqpay.pay(second)
        await bot.liqpay.pay(first)  # the first page paid too: that one goes back
        await bot.cancel()
        await bot.scheduler.run_due()
        await bot.refunds_called_back(first)
        await bot.refunds_called_back(second)
        assert sorted(_refunds(bot)) == sorted([(first, Decimal(500)), (second, Decimal(500))])
        for order in (first, second):
            attempt = await bot.store.payment(order)
            assert attempt is not None and (attempt.paid, attempt.refunded) == (Decimal(500), Decimal(500))
        [booking] = await bot.store.bookings()
        assert (booking.status, booking.paid) == ("cancelled", 0)
        said = await bot.messages()
        assert sum(t.startswith("Refund made: 500 UAH") for t in said) == 2


async def test_a_paid_booking_moved_stays_paid_and_is_never_asked_to_pay_again(database: Database) -> None:
    async with running(database, business(refund_cancel_hours=12)) as bot:
        order = await _paid(bot)
        [paid] = await bot.store.bookings()
        told = len(await bot.messages())
        await bot.tap("My bookings")
        await bot.tap("Colouring")
        await bot.tap("Reschedule")
        await bot.tap("Wed 25 Nov")
        await bot.tap("11:00")
        await bot.tap("Confirm")
        [moved] = await bot.store.bookings()
        assert (moved.id, moved.status, moved.paid, moved.moves) == (paid.id, "confirmed", Decimal(500), 1)
        assert moved.start == paid.start + timedelta(days=1, hours=1)
        said = (await bot.messages())[told:]
        assert any(t.startswith("Done! Your booking is moved to Wed 25 Nov at 11:00") for t in said)
        assert not any("prepayment" in t.lower() or "pay " in t.lower() for t in said), said
        assert await bot.store.open_payments(moved.id) == []
        assert list(bot.liqpay.orders) == [order]
        staff = await bot.staff()
        assert staff[-1].startswith("Moved: Olha") and "Paid: 500 UAH" in staff[-1]

        await bot.tap("My bookings")
        await bot.tap("Colouring")
        question = await bot.tap("Cancel booking")
        assert "Your prepayment of 500 UAH will be refunded." in question[-1].params["text"]
        await bot.tap("Yes, cancel")
        await bot.scheduler.run_due()
        await bot.refunds_called_back(order)
        attempt = await bot.store.payment(order)
        assert attempt is not None and (attempt.booking_id, attempt.refunded) == (moved.id, Decimal(500))
