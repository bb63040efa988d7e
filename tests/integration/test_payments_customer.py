"""What a customer and a business owner expect around a prepayment, beyond paying (SQLite and PostgreSQL): the
payment link asked for again after "help", a paid booking shown as paid in "my bookings", news of a payment
while the customer is busy with something else, and callbacks that arrive at the same moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from conversations.events import Command, Text
from storage.db import Database
from tests.integration.prepaid_salon import Bot, running


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    async with running(database) as bot:
        yield bot


async def test_help_while_awaiting_payment_gives_the_payment_link_again(bot: Bot) -> None:
    order = await bot.hold()
    link = bot.link(await bot.shown())
    sent = await bot.send(Command("help", "en"))
    again = sent[-1].params
    assert again["text"].startswith("We are waiting for your prepayment of 500 UAH to confirm Tue 24 Nov")
    assert again["link"] == ["💳 Pay 500 UAH", link]
    assert again["labels"] == ["Cancel"]
    sent = await bot.send(Text("hello"))
    assert sent[-1].params["link"] == ["💳 Pay 500 UAH", link]
    assert list(bot.liqpay.orders) == [order]  # the same order, not a new one


async def test_help_after_a_failed_payment_and_a_new_attempt_gives_the_new_link(bot: Bot) -> None:
    first = await bot.hold()
    await bot.liqpay.fail(first)
    await bot.tap("Try paying again")
    second = await bot.open_link()
    sent = await bot.send(Command("help", "en"))
    assert sent[-1].params["link"][1] == bot.link(await bot.shown()) and second in bot.liqpay.orders
    await bot.liqpay.pay(second)
    [booking] = await bot.store.bookings()
    assert booking.status == "confirmed"


async def test_a_paid_booking_shows_as_paid_in_my_bookings(bot: Bot) -> None:
    order = await bot.hold()
    listed = await bot.send(Command("my", "en"))
    assert "(awaiting confirmation)" in listed[-1].params["text"]
    await bot.liqpay.pay(order)
    listed = await bot.send(Command("my", "en"))
    assert "Colouring, Anna, Tue 24 Nov at 10:00 (confirmed, prepaid 500 UAH)" in listed[-1].params["text"]
    await bot.tap("Colouring")
    shown = (await bot.shown())[-1].params
    assert "(confirmed, prepaid 500 UAH)" in shown["text"]


async def test_news_of_a_payment_while_busy_with_another_booking_keeps_the_current_question(bot: Bot) -> None:
    order = await bot.hold()
    await bot.send(Command("book", "en"))
    [question] = await bot.tap("Haircut")  # now asked which day
    await bot.liqpay.pay(order)
    said = [m.params for m in await bot.shown()]
    assert said[-2]["text"].startswith("Paid and booked! Colouring with Anna")
    again = said[-1]  # the question they were on, again
    assert (again["text"], again["labels"]) == (question.params["text"], question.params["labels"])


async def test_two_callbacks_at_once_pay_once_and_tell_once(bot: Bot) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)
    deliveries = await asyncio.gather(*(bot.liqpay.send_callback(order) for _ in range(4)))
    assert {d.http_status for d in deliveries} == {200}
    [booking] = await bot.store.bookings()
    attempt = await bot.store.payment(order)
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert attempt is not None and (attempt.paid, attempt.refund_wanted) == (Decimal(500), 0)
    assert sum(t.startswith("Paid and booked!") for t in await bot.messages()) == 1
    assert sum(t.startswith("💳 Prepayment received") for t in await bot.staff()) == 1


async def test_a_callback_and_a_status_check_at_once_pay_once_and_tell_once(bot: Bot) -> None:
    order = await bot.hold()
    await bot.liqpay.pay(order, callbacks=0)
    bot.clock.now = bot.clock.now.replace(minute=bot.clock.now.minute + 29, second=30)
    await asyncio.gather(bot.liqpay.send_callback(order), bot.scheduler.run_due())
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    assert sum(t.startswith("Paid and booked!") for t in await bot.messages()) == 1
    assert sum(t.startswith("💳 Prepayment received") for t in await bot.staff()) == 1


async def test_two_attempts_paid_at_once_confirm_once_and_the_other_goes_back(bot: Bot) -> None:
    first = await bot.hold()
    await bot.liqpay.fail(first)
    await bot.tap("Try paying again")
    second = await bot.open_link()
    await asyncio.gather(bot.liqpay.pay(first), bot.liqpay.pay(second))
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    attempts = [await bot.store.payment(order) for order in (first, second)]
    assert sorted((a.paid, a.refund_wanted) for a in attempts if a is not None) == [
        (Decimal(500), 0),
        (Decimal(500), Decimal(500)),
    ]
    said = await bot.messages()
    assert sum(t.startswith("Paid and booked!") for t in said) == 1
    assert sum(t.startswith("We received a payment of 500 UAH") for t in said) == 1
    await bot.run_jobs()
    returned = next(a for a in attempts if a is not None and a.refund_wanted)
    await bot.refunds_called_back(returned.order_id)
    assert [r["order_id"] for r in bot.liqpay.requests if r["action"] == "refund"] == [returned.order_id]
