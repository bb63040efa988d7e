"""Reminders end to end under a controlled clock: `serve`'s app (its scheduler, runner and outbox sender) on
Telegram against the spec-checking fake Bot API, and on WhatsApp against the fake Twilio.

A booking gets its reminders at their moments and not before; each answer does what it says (Confirm is
recorded and staff hear who, Cancel cancels, Reschedule moves); a cancelled booking's reminders never go
out, and a moved one's go out for its new time. On WhatsApp, more than 24 hours after the customer last
wrote, the reminder is the approved template with its buttons, and its button answers like any other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot import cli_commands
from bot.app import App, build
from bot.config import Settings, TelegramSettings, TwilioSettings
from bot.serve import run
from conversations.texts import text
from storage.business import Business, Contact
from storage.outbox import Outbox
from tests.e2e.test_telegram_booking import CHAT, Customer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.sample import NOW, Clock, at, salon
from tests.waiting import DEADLINE_S, finished, until

TOKEN = "123456:TEST-token_for-the-fake"
SECRET = "s3cret-Token_for-webhooks"
STAFF = 777
ADDRESS = "Kyiv, 12 Velyka Vasylkivska St."
PUBLIC = "https://bot.example.com"
REMINDER_SID = "HX" + "5e" * 16
NUMBER = "+380501234567"


def _business() -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", str(STAFF)),))
    return replace(business, staff=(anna, *business.staff[1:]), address=ADDRESS)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    service: App
    clock: Clock
    url: str

    async def at(self, moment: datetime) -> None:
        """The clock moves to `moment`; the scheduler looks at once (its next look would see it too)."""
        self.clock.now = moment
        self.service.scheduler.wake()

    async def nothing_due(self, moment: datetime) -> None:
        self.clock.now = moment
        assert await self.service.scheduler.run_due() == 0


async def _serve(settings: Settings, clock: Clock) -> AsyncIterator[Running]:
    service = await build(settings, clock=clock)
    port, stop = _port(), asyncio.Event()
    task = asyncio.create_task(run(service, host="127.0.0.1", port=port, stop=stop))
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

        async def healthy() -> bool:
            try:
                return (await client.get(f"{url}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await until(healthy, "serve to answer /healthz")
    try:
        yield Running(service, clock, url)
    finally:
        stop.set()
        await finished(task, "serve to stop")


# ---------------------------------------------------------------- Telegram


@pytest.fixture
async def telegram(tmp_path: Any) -> AsyncIterator[tuple[FakeTelegram, Running, Customer]]:
    async with FakeTelegram(TOKEN) as tg:
        settings = Settings(
            business=_business(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            telegram=TelegramSettings(
                token=TOKEN,
                webhook_url="https://bot.example.com/webhooks/telegram",
                webhook_secret=SECRET,
                api_base=tg.base_url,
            ),
        )
        async for running in _serve(settings, Clock(NOW)):
            await until(lambda: bool(tg.webhook.url), "serve to set its webhook")

            async def deliver(update: dict[str, Any], url: str = running.url) -> None:
                status, _ = await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram")
                assert status == 200

            yield tg, running, Customer(tg, deliver, Outbox(running.service.db))


def _reminders(tg: FakeTelegram) -> list[dict[str, Any]]:
    """The reminders sent to the customer, as sent (answering one's button replaces its message)."""
    sent = tg.calls_to("sendMessage")
    return [p for p in sent if str(p["chat_id"]) == str(CHAT) and str(p["text"]).startswith("⏰")]


def _buttons(params: dict[str, Any]) -> list[str]:
    markup = params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


async def _reminded(tg: FakeTelegram, running: Running, moment: datetime, count: int) -> dict[str, Any]:
    await running.at(moment)
    await until(lambda: len(_reminders(tg)) >= count, f"reminder {count}")
    assert len(_reminders(tg)) == count
    return _reminders(tg)[-1]


async def _book(customer: Customer, day: str, time: str, first: bool = False) -> None:
    if first:
        await customer.say("/start")
    await customer.say("/book")
    for label in ("Haircut", "Anna", day, time) if first else ("Haircut", day, time):  # then: anyone
        await customer.tap(label)
    if first:
        await customer.say("Olha")
        await customer.say("+380 50 123 4567")
    await customer.tap("Confirm")
    assert "Booked!" in customer.last_text()


async def test_a_telegram_customers_reminders_and_their_answers(
    telegram: tuple[FakeTelegram, Running, Customer],
) -> None:
    tg, running, customer = telegram
    store = running.service.store
    await _book(customer, "Thu 26 Nov", "11:00", first=True)
    assert "To reschedule or cancel, just reply in this chat" in customer.last_text()

    # The day before, at 11:00 and not a second earlier: with the address, what to pay, three buttons.
    await running.nothing_due(at(25, 10, 59))
    assert _reminders(tg) == []
    first = await _reminded(tg, running, at(25, 11), 1)
    assert "Haircut with Anna, Thu 26 Nov at 11:00" in first["text"] and ADDRESS in first["text"]
    assert "To pay at the visit: 800 UAH" in first["text"]
    assert _buttons(first) == ["Confirm", "Reschedule", "Cancel"]
    await customer.tap("Confirm")
    assert "Thank you! See you Thu 26 Nov at 11:00." in customer.last_text()
    [booking] = await store.bookings()
    assert booking.customer_confirmed_at == at(25, 11)
    staff = [m["text"] for m in tg.sent if m["chat"]["id"] == STAFF]
    await until(lambda: any("Підтвердив" in m["text"] for m in tg.sent if m["chat"]["id"] == STAFF), "staff")
    assert "Olha" in [m["text"] for m in tg.sent if m["chat"]["id"] == STAFF][-1], staff

    # A second booking, cancelled from its reminder in words: its 2-hour reminder never comes.
    await _book(customer, "Fri 27 Nov", "11:00")
    second = await _reminded(tg, running, at(26, 9), 2)
    assert "today at 11:00" in second["text"]  # the first booking's 2-hour reminder
    third = await _reminded(tg, running, at(26, 11), 3)
    assert "Fri 27 Nov at 11:00" in third["text"]
    await customer.say("cancel")
    await customer.tap("Yes, cancel")
    assert "Cancelled" in customer.last_text() or any("Cancelled" in m["text"] for m in tg.sent[-3:])
    await running.nothing_due(at(27, 9))

    # A third, moved from its reminder in words: reminders for the new time only.
    await _book(customer, "Mon 30 Nov", "11:00")
    fourth = await _reminded(tg, running, at(29, 11), 4)
    assert "Mon 30 Nov at 11:00" in fourth["text"]
    await customer.say("reschedule")
    await customer.tap("Tue 1 Dec")
    await customer.tap("10:00")
    await customer.tap("Confirm")
    assert "moved to Tue 1 Dec at 10:00" in customer.last_text()
    await running.nothing_due(at(30, 9))  # the old time's 2-hour moment
    fifth = await _reminded(tg, running, at(30, 10), 5)
    assert "Tue 1 Dec at 10:00" in fifth["text"]
    # 2 hours before 10:00 is 8:00, in quiet hours: the evening before, before they begin.
    await running.nothing_due(at(30, 20, 44))
    sixth = await _reminded(tg, running, at(30, 20, 45), 6)
    assert "Tue 1 Dec at 10:00" in sixth["text"]
    assert tg.violations == []

    # `slotbot bookings` shows who said they are coming.
    settings = running.service.settings
    listed = await _listed(settings)
    assert [(b["status"], b["customer_confirmed_at"] is not None) for b in listed] == [
        ("confirmed", True),
        ("cancelled", False),
        ("confirmed", False),
    ]


async def _listed(settings: Settings) -> list[dict[str, Any]]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        await cli_commands.bookings(settings, argparse.Namespace(all=True, json=True))
    return list(json.loads(out.getvalue()))


# ---------------------------------------------------------------- WhatsApp


@pytest.fixture
async def whatsapp(tmp_path: Any) -> AsyncIterator[tuple[FakeTwilio, Running]]:
    async with FakeTwilio() as twilio:
        settings = Settings(
            business=_business(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number="whatsapp:+14155238886",
                public_url=PUBLIC,
                api_base=twilio.base_url,
                content={"reminder": REMINDER_SID},
            ),
        )
        async for running in _serve(settings, Clock(NOW)):
            yield twilio, running


async def _write(twilio: FakeTwilio, running: Running, n: int, body: str = "", **kw: str) -> list[Any]:
    """The customer writes (or taps a button); the replies once they have all gone out."""
    seen = len(twilio.messages)
    form = twilio.inbound_form(NUMBER, body, message_sid=f"SM{n:032d}", profile_name="Olha", **kw)
    status, _ = await twilio.deliver(
        f"{running.url}/webhooks/twilio", form, public_url=f"{PUBLIC}/webhooks/twilio"
    )
    assert status == 200
    box = Outbox(running.service.db)

    async def replied() -> bool:
        return len(twilio.messages) > seen and await box.pending() == 0

    await until(replied, f"a reply to {body or kw}")
    return twilio.messages[seen:]


async def test_a_whatsapp_reminder_outside_the_window_is_the_template_and_its_button_answers(
    whatsapp: tuple[FakeTwilio, Running],
) -> None:
    twilio, running = whatsapp
    booked, ask_name = (
        text("uk", "booked", service="", specialist="", when="", code="")[:10],
        text("uk", "ask_name"),
    )
    said = await _write(twilio, running, 1, "стрижка в четвер о 15:00")
    for n in range(2, 8):
        bodies = [m.body or "" for m in said]
        if any(booked in b for b in bodies):
            break
        said = await _write(
            twilio, running, n, "Olha Petrenko" if any(ask_name in b for b in bodies) else "так"
        )
    assert "Щоб перенести чи скасувати запис" in (said[-1].body or "")
    [booking] = await running.service.store.bookings()
    assert booking.start == at(26, 15)

    # 29 hours after the customer last wrote: WhatsApp takes only the approved template.
    seen = len(twilio.messages)
    await running.at(at(25, 15))
    await until(lambda: len(twilio.messages) > seen, "the reminder")
    [reminder] = twilio.messages[seen:]
    assert reminder.content_sid == REMINDER_SID and reminder.body is None
    variables = reminder.content_variables or {}
    assert [variables[str(n)] for n in range(1, 8)] == [
        "Стрижка",
        "Anna",
        "чт, 26 листопада о 15:00",
        ADDRESS,
        "0 UAH",
        "800 UAH",
        booking.code,
    ]
    replies = await _write(twilio, running, 20, button_payload=variables["8"], button_text="Підтвердити")
    assert "Дякуємо! Чекаємо на вас" in (replies[0].body or "")
    confirmed = await running.service.store.booking(booking.id)
    assert confirmed is not None and confirmed.customer_confirmed_at == at(25, 15)

    # The 2-hour reminder, 22 hours after they wrote: free-form, numbered; "3" is Cancel, which two hours
    # before the visit the business's rules leave to staff (3 hours' notice): whom to contact.
    seen = len(twilio.messages)
    await running.at(at(26, 13))
    await until(lambda: len(twilio.messages) > seen, "the 2-hour reminder")
    [free] = twilio.messages[seen:]
    assert free.content_sid is None and (free.body or "").endswith(
        "1. Підтвердити\n2. Перенести\n3. Скасувати"
    )
    refused = await _write(twilio, running, 21, "3")
    assert "не пізніше ніж за 3 год" in (refused[0].body or "") and "+380 44 000 00 00" in (
        refused[0].body or ""
    )
    kept = await running.service.store.booking(booking.id)
    assert kept is not None and kept.status == "confirmed"
    assert twilio.violations == []
