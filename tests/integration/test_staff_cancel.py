"""Staff cancel a paid booking (`slotbot cancel`) through the runner's one entry, the store and LiqPay's
refund API (a spec-checking fake), on SQLite and PostgreSQL.

The event is keyed by the booking and its revision: entered twice, it changes nothing and sends nothing the
second time. Inside the refund window the whole prepayment goes back through one refund job, outside it
nothing (unless staff give it all back); the customer hears it once, staff are told once, the booking's
reminders never go out, and its freed time is offered to the waitlist as after any cancellation.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal

from bot.cli_commands import staff_cancels
from storage import waitlist
from storage.booking import Booking
from storage.db import Database
from storage.jobs import REFUND, REMINDER, Jobs
from storage.outbox import Outbox
from storage.waiting import Wish
from tests.integration.prepaid_salon import Bot, business, running
from tests.sample import NOW, at

CANCELLED = "Test salon cancelled your visit: Colouring, Anna, Tue 24 Nov at 10:00."


async def _paid(bot: Bot) -> tuple[str, Booking]:
    order = await bot.hold()
    await bot.liqpay.pay(order)
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    return order, booking


async def _pending(bot: Bot, kind: str) -> int:
    return len(await Jobs(bot.db).listed(("pending",), kind=kind))


def _refunds(bot: Bot) -> list[tuple[str, Decimal]]:
    return [(r["order_id"], Decimal(r["amount"])) for r in bot.liqpay.requests if r["action"] == "refund"]


def _told(said: list[str]) -> list[str]:
    return [text for text in said if text.startswith(CANCELLED)]


async def test_a_paid_booking_cancelled_by_staff_inside_the_window_is_refunded_once_and_told_once(
    database: Database,
) -> None:
    async with running(database, business(refund_cancel_hours=12)) as bot:
        order, booking = await _paid(bot)
        staff_before = len(await bot.staff())
        await bot.runner.enter(staff_cancels(booking, "Anna is ill"))
        [told] = _told(await bot.messages())
        assert "Reason: Anna is ill" in told and "500 UAH will be refunded" in told
        [notice] = (await bot.staff())[staff_before:]
        assert notice.startswith("Cancelled: Olha") and booking.code in notice
        assert await _pending(bot, REFUND) == 1
        [gone] = await bot.store.bookings()
        assert (gone.status, gone.paid) == ("cancelled", 0)

        await bot.scheduler.run_due()  # the refund job
        await bot.refunds_called_back(order)
        assert _refunds(bot) == [(order, Decimal(500))]
        said = await bot.messages()
        assert [t for t in said if t.startswith("Refund made")] == [
            "Refund made: 500 UAH for Colouring, Anna, Tue 24 Nov at 10:00."
        ]
        assert len(_told(said)) == 1 and sum(t.startswith("Cancelled: Olha") for t in await bot.staff()) == 1


async def test_the_same_staff_cancel_entered_twice_changes_nothing_the_second_time(
    database: Database,
) -> None:
    async with running(database, business(refund_cancel_hours=12)) as bot:
        _, booking = await _paid(bot)
        inbound = staff_cancels(booking)
        await bot.runner.enter(inbound)
        rows = await Outbox(bot.db).all()
        again = await bot.runner.enter(inbound)
        assert again.replies == [] and await Outbox(bot.db).all() == rows
        assert await _pending(bot, REFUND) == 1
        # A second run of the command reads the booking anew: its revision moved on, and nothing is live.
        [gone] = await bot.store.bookings()
        assert gone.revision == booking.revision + 1
        await bot.runner.enter(staff_cancels(gone, full_refund=True))
        assert await Outbox(bot.db).all() == rows and await _pending(bot, REFUND) == 1


async def test_outside_the_window_nothing_goes_back_and_the_customer_is_told_so(database: Database) -> None:
    async with running(database, business(refund_cancel_hours=48)) as bot:
        _, booking = await _paid(bot)
        await bot.runner.enter(staff_cancels(booking))
        [told] = _told(await bot.messages())
        assert "The prepayment of 500 UAH is not refunded." in told
        await bot.scheduler.run_due()
        assert await _pending(bot, REFUND) == 0 and _refunds(bot) == []
        [gone] = await bot.store.bookings()
        assert (gone.status, gone.paid) == ("cancelled", Decimal(500))


async def test_a_full_refund_outside_the_window_gives_back_all_that_was_paid(database: Database) -> None:
    async with running(database, business(refund_cancel_hours=48)) as bot:
        order, booking = await _paid(bot)
        await bot.runner.enter(staff_cancels(booking, full_refund=True))
        assert "500 UAH will be refunded" in _told(await bot.messages())[0]
        await bot.scheduler.run_due()
        await bot.refunds_called_back(order)
        assert _refunds(bot) == [(order, Decimal(500))]


async def test_a_customer_cancelling_after_staff_gets_nothing_more_back(database: Database) -> None:
    """Cancelling twice is harmless: a cancel under another key (the customer's, a moment late) refunds no
    more than staff's did."""
    async with running(database, business(refund_cancel_hours=48, late_refund_percent=50)) as bot:
        _, booking = await _paid(bot)
        await bot.runner.enter(staff_cancels(booking))
        await bot.store.cancel(booking.id, now=bot.clock.now, refund=True, refund_amount=Decimal(250))
        [gone] = await bot.store.bookings()
        assert gone.paid == Decimal(250)  # half went back once, not twice


async def test_the_reminders_of_a_booking_cancelled_by_staff_never_go_out(database: Database) -> None:
    async with running(database, business()) as bot:
        _, booking = await _paid(bot)
        assert await _pending(bot, REMINDER) >= 1
        await bot.runner.enter(staff_cancels(booking))
        assert await _pending(bot, REMINDER) == 0
        bot.clock.now = booking.start - timedelta(minutes=30)
        await bot.run_jobs()
        assert not [t for t in await bot.messages() if t.startswith("⏰ Reminder")]


async def test_the_time_staff_freed_is_offered_to_the_waitlist(database: Database) -> None:
    async with running(database, business()) as bot:
        _, booking = await _paid(bot)
        ten = time(10, 0)
        wish = Wish("colouring", "anna", date(2026, 11, 24), ten, ten)
        chat, day = ("telegram", "888"), (at(24, 0), at(25, 0))
        await bot.runner.waitlist.join(wish, chat=chat, customer_id=None, day=day, near=at(24, 10), now=NOW)
        await bot.run_jobs()  # joining looks at once: 10:00 is taken
        assert await bot.messages("888") == []
        await bot.runner.enter(staff_cancels(booking))
        [offer] = await Jobs(bot.db).listed(("pending",), kind=waitlist.OFFER)
        assert offer.booking_code == booking.code
        await bot.run_jobs()
        offered = (await bot.messages("888"))[0]  # then the menu, where the customer stands
        assert "Anna" in offered and "10:00" in offered  # in the business's language: a new chat


async def test_a_booking_with_no_chat_is_cancelled_and_staff_told_with_nothing_said(
    database: Database,
) -> None:
    async with running(database, business()) as bot:
        held = await bot.store.hold(
            service="haircut",
            start=at(25, 11),
            now=NOW,
            customer_id=None,
            specialist="anna",
            ttl=timedelta(1),
        )
        assert held.booking is not None
        confirmed = await bot.store.confirm(held.booking.id, now=NOW)
        assert confirmed.booking is not None and confirmed.booking.channel is None
        await bot.runner.enter(staff_cancels(confirmed.booking))
        gone = await bot.store.booking(held.booking.id)
        assert gone is not None and gone.status == "cancelled"
        rows = await Outbox(bot.db).all()
        assert [r["chat_id"] for r in rows] == ["4040"]  # Anna's notice; no customer to tell
        assert json.loads(rows[0]["params"])["text"].startswith("Cancelled: —")
