"""The paid time-hold through the runner, the store and LiqPay (a spec-checking fake) on both backends.

A customer holds a colouring (it asks a prepayment), gets the checkout link, pays; LiqPay calls back
/webhooks/liqpay (the real app, on loopback) and the booking is confirmed, with the receipt for the
customer and the paid-hold notice for staff, in the same booking rows.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import _booking_of
from bot.channels.base import Inbound, Outgoing
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.runner import Runner
from bot.web import LiqPayHook, make_app
from conversations.events import Choice, Command, Text
from payments.liqpay import LiqPayAccount
from payments.liqpay_api import LiqPayApi
from storage.business import Business, Contact
from storage.db import Database
from storage.health import Health
from storage.jobs import Jobs
from storage.outbox import Outbox
from storage.store import Store
from tests.fakes.liqpay_api import DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, FakeLiqPay
from tests.sample import NOW, salon
from tests.talk import option, receive

CHAT = "777000"
STAFF = "4040"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bot:
    runner: Runner
    scheduler: Scheduler
    liqpay: FakeLiqPay
    clock: Clock
    db: Database
    sent: list[Outgoing]
    update: int = 0

    async def send(self, event: Any) -> list[Outgoing]:
        self.update += 1
        inbound = Inbound("telegram", CHAT, event, dedup_id=str(self.update), language="en")
        self.sent = await receive(self.runner, inbound) or self.sent
        return self.sent

    async def tap(self, label: str) -> list[Outgoing]:
        return await self.send(Choice(option(self.sent, label)))

    def link(self) -> str:
        return next(m.params["link"][1] for m in reversed(self.sent) if m.params.get("link"))

    async def messages(self, chat: str) -> list[str]:
        return [json.loads(r["params"])["text"] for r in await Outbox(self.db).all() if r["chat_id"] == chat]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _business() -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", STAFF),))
    return replace(business, staff=(anna, *business.staff[1:]), languages=("en", *business.languages))


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    clock = Clock()
    business = _business()
    store = Store(database, business)
    async with FakeLiqPay(clock=clock) as liqpay:
        hook: dict[str, Any] = {}

        async def enter(inbound: Inbound) -> object:
            return await hook["runner"].enter(inbound)

        async def healthy() -> Health:
            raise AssertionError("not asked")

        port = _free_port()
        account = LiqPayAccount(
            DEFAULT_PUBLIC_KEY,
            DEFAULT_PRIVATE_KEY,
            sandbox=True,
            server_url=f"http://127.0.0.1:{port}/webhooks/liqpay",
            api_base=liqpay.base_url,
        )
        app = make_app(healthy=healthy, liqpay_hook=LiqPayHook(account, _booking_of(store), enter))
        server = TestServer(app, host="127.0.0.1", port=port)
        await server.start_server()
        runner = Runner(store, clock, "p1", notify=staff_notifier(business), liqpay=account)
        hook["runner"] = runner
        api = LiqPayApi(account)
        try:
            yield Bot(
                runner,
                Scheduler(Jobs(database), runner, clock, "p1", liqpay=api),
                liqpay,
                clock,
                database,
                [],
            )
        finally:
            await api.aclose()
            await server.close()
        liqpay.assert_no_violations()


async def _hold(bot: Bot) -> str:
    """Book a colouring up to the payment link; the order id the link is for."""
    await bot.send(Command("start", "en"))
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00"):
        await bot.tap(label)
    await bot.send(Text("Olha"))
    await bot.send(Text("+380501234567"))
    await bot.tap("Confirm")
    status, _ = await bot.liqpay.open(bot.link())
    assert status == 200
    [order] = bot.liqpay.orders
    return order


async def test_paid_in_time_the_booking_is_confirmed_with_a_receipt_and_staff_are_told(bot: Bot) -> None:
    order = await _hold(bot)
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
    order = await _hold(bot)
    await bot.liqpay.pay(order, callbacks=0)  # LiqPay never calls back
    [held] = await bot.runner.store.bookings()
    assert held.status == "held"
    bot.clock.now = NOW + timedelta(minutes=29, seconds=30)  # the check at the checkout's end
    assert await bot.scheduler.run_due() >= 1
    [booking] = await bot.runner.store.bookings()
    assert booking.status == "confirmed" and booking.paid == Decimal(500)
    assert any(t.startswith("Paid and booked!") for t in await bot.messages(CHAT))


async def test_a_payment_after_expiry_takes_a_free_time_back(bot: Bot) -> None:
    order = await _hold(bot)
    bot.clock.now = NOW + timedelta(minutes=31)
    await bot.scheduler.run_due()  # the hold runs out: the customer is told
    [expired] = await bot.runner.store.bookings()
    assert expired.status == "expired"
    await bot.liqpay.pay_late(order)
    [booking] = await bot.runner.store.bookings()
    assert booking.status == "confirmed" and booking.paid == Decimal(500)


async def test_a_payment_after_expiry_for_a_taken_time_goes_back(bot: Bot) -> None:
    order = await _hold(bot)
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
    await bot.scheduler.run_due()  # the refund job
    attempt = await bot.runner.store.payment(order)
    assert attempt is not None and attempt.refunded == Decimal(500)
    first, _ = await bot.runner.store.bookings()
    assert first.paid == 0
