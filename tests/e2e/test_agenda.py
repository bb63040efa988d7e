"""The staff agenda end to end: `serve`'s app under a controlled clock, on Telegram against the spec-checking
fake Bot API and on WhatsApp against the fake Twilio.

A specialist whose Telegram chat is in the config, having booked nothing, asks /today and sees a customer's
visit, marked once the customer pressed Confirm on its reminder, and pages to the next day with its button;
a customer who types the same words gets the customer conversation, never anyone's bookings; a specialist on
WhatsApp is known by the number WhatsApp delivers from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.config import Settings, TwilioSettings
from conversations.texts import text
from storage.business import Business, Contact
from storage.outbox import Outbox
from tests.e2e.test_reminders import (
    PUBLIC,
    STAFF,
    Clock,
    Running,
    _book,
    _business,
    _reminded,
    _serve,
    telegram,  # noqa: F401  (the fixture)
)
from tests.e2e.test_telegram_booking import Customer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.sample import NOW, at
from tests.waiting import until

OTHER = 4242  # another customer's Telegram chat
BORIS_WHATSAPP = "+380671112233"


class Chat(Customer):
    """Someone else than the test's customer writing to the bot on Telegram: staff, or another customer."""

    def __init__(self, customer: Customer, chat: int) -> None:
        super().__init__(customer.tg, customer.deliver, customer.box)
        self.chat = chat

    async def say(self, said: str) -> None:
        await self._send(self.tg.message_update(self.chat, said, language_code="en"))

    async def tap(self, label: str) -> None:
        mine = [message for message in self.tg.sent if message["chat"]["id"] == self.chat]
        for message in reversed(mine):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label):
                        data, message_id = button["callback_data"], message["message_id"]
                        await self._send(self.tg.callback_update(self.chat, data, message_id))
                        return
        raise AssertionError(f"no button {label!r}")

    def texts(self) -> list[str]:
        return [m["text"] for m in self.tg.sent if m["chat"]["id"] == self.chat and "text" in m]

    def last_text(self) -> str:
        return self.texts()[-1]


def _staff(key: str, **values: Any) -> str:
    return text("uk", key, **values)  # the sample business's staff language


async def test_a_specialist_on_telegram_sees_who_confirmed_they_are_coming_in_their_agenda(
    telegram: tuple[FakeTelegram, Running, Customer],  # noqa: F811
) -> None:
    tg, running, customer = telegram
    anna = Chat(customer, STAFF)
    await _book(customer, "Thu 26 Nov", "11:00", first=True)
    [booking] = await running.service.store.bookings()

    # The morning of the visit: the 2-hour reminder, not yet answered.
    await _reminded(tg, running, at(25, 11), 1)
    await _reminded(tg, running, at(26, 9), 2)
    await anna.say("/today")
    agenda = anna.last_text()
    assert agenda.startswith(_staff("agenda_heading_own", day=_staff("today"), count=1))
    assert "11:00–12:00 Стрижка\n" in agenda
    assert _staff("agenda_who", customer="Olha", phone="+380501234567", code=booking.code) in agenda
    assert "✅" not in agenda and _staff("agenda_coming") not in agenda

    await customer.tap("Confirm")
    assert "Thank you! See you today at 11:00." in customer.last_text()
    await anna.say("/today")
    agenda = anna.last_text()
    assert "✅ 11:00–12:00 Стрижка\n" in agenda
    assert _staff("agenda_coming") in agenda.split("\n\n")[1]  # in the visit's own entry

    # The next day, by its button: nothing there.
    await anna.tap("пт, 27 листопада ▶")
    assert anna.last_text().startswith(_staff("agenda_heading_own", day="пт, 27 листопада", count=0))
    edited = tg.calls_to("editMessageText")[-1]  # the agenda's message turns to the next day in place
    assert str(edited["chat_id"]) == str(STAFF) and edited["text"] == anna.last_text()
    assert tg.violations == []


async def test_a_customer_typing_today_never_sees_the_staff_agenda(
    telegram: tuple[FakeTelegram, Running, Customer],  # noqa: F811
) -> None:
    tg, running, customer = telegram
    await _book(customer, "Thu 26 Nov", "11:00", first=True)
    [booking] = await running.service.store.bookings()
    other = Chat(customer, OTHER)
    await running.at(at(26, 9))
    for said in ("/today", "today", "/agenda", "/tomorrow", "сьогодні", "розклад"):
        await other.say(said)
        assert "📅" not in other.last_text()
    seen = "\n".join(other.texts())
    assert booking.code not in seen and "Olha" not in seen and "+380501234567" not in seen
    assert text("en", "ask_service") in seen  # the customer conversation: which service, for today
    assert tg.violations == []


# ---------------------------------------------------------------- WhatsApp


def _boris_on_whatsapp() -> Business:
    business = _business()
    boris = replace(business.staff[1], contacts=(Contact("whatsapp", BORIS_WHATSAPP),))
    return replace(business, staff=(business.staff[0], boris))


@pytest.fixture
async def whatsapp(tmp_path: Any) -> AsyncIterator[tuple[FakeTwilio, Running]]:
    async with FakeTwilio() as twilio:
        settings = Settings(
            business=_boris_on_whatsapp(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number="whatsapp:+14155238886",
                public_url=PUBLIC,
                api_base=twilio.base_url,
            ),
        )
        async for running in _serve(settings, Clock(NOW)):
            yield twilio, running


async def _write(twilio: FakeTwilio, running: Running, number: str, n: int, body: str) -> list[str]:
    seen = len(twilio.messages)
    form = twilio.inbound_form(number, body, message_sid=f"SM{n:032d}", profile_name="Boris")
    status, _ = await twilio.deliver(
        f"{running.url}/webhooks/twilio", form, public_url=f"{PUBLIC}/webhooks/twilio"
    )
    assert status == 200
    box = Outbox(running.service.db)

    async def replied() -> bool:
        return len(twilio.messages) > seen and await box.pending() == 0

    await until(replied, f"a reply to {body}")
    return [m.body or "" for m in twilio.messages[seen:]]


async def test_a_specialist_on_whatsapp_is_known_by_the_number_whatsapp_delivers_from(
    whatsapp: tuple[FakeTwilio, Running],
) -> None:
    twilio, running = whatsapp
    store = running.service.store
    customer = await store.add_customer(now=NOW, name="Petro", phone="+380661234567", language="uk")
    held = await store.hold(
        service="haircut", start=at(24, 16), now=NOW, customer_id=customer, specialist="boris"
    )
    assert held.booking is not None and (await store.confirm(held.booking.id, now=NOW)).ok

    bodies = await _write(twilio, running, BORIS_WHATSAPP, 1, "завтра")
    agenda = "\n".join(bodies)
    assert agenda.startswith(_staff("agenda_heading_own", day="вт, 24 листопада", count=1))
    assert _staff("agenda_who", customer="Petro", phone="+380661234567", code=held.booking.code) in agenda
    assert bodies[-1].endswith(f"1. ◀ {_staff('today')}\n2. ср, 25 листопада ▶")
    bodies = await _write(twilio, running, BORIS_WHATSAPP, 2, "1")  # the day before: today
    assert bodies[0].startswith(_staff("agenda_heading_own", day=_staff("today"), count=0))

    # The same word from another number is a customer's, about booking for tomorrow.
    bodies = await _write(twilio, running, "+380939999999", 3, "завтра")
    assert not any("📅" in body or held.booking.code in body for body in bodies)
    assert twilio.violations == []
