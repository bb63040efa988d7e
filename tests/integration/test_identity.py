"""Identity is proven by the platform, never by what someone types (issue 11's release blockers), through the
runner against the real store (SQLite file and PostgreSQL).

- A stranger who types a customer's phone number at the phone question gets a booking of their own, and
  none of the customer's: "my bookings" does not list them, and they cannot move or cancel them.
- A WhatsApp booking is saved with its customer: the name typed is kept, "my bookings" lists it right after
  "Booked!", and the limit of active bookings holds.
- A Telegram user who shares their own contact (Telegram's proof) is joined to the customer who has that
  number on WhatsApp; someone else's shared contact joins nobody.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.channels.base import Inbound, Outgoing
from bot.runner import Runner
from conversations.events import Choice, Command, ContactShared, Event, Text
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, salon
from tests.talk import option, receive

VICTIM = "+380501234567"


class Chat:
    """One chat with the bot: each message has its platform id, as Telegram and Twilio give them."""

    def __init__(self, runner: Runner, channel: str, chat_id: str, *, phone: str | None = None) -> None:
        self.runner, self.channel, self.chat_id, self.phone = runner, channel, chat_id, phone
        self.sent: list[Outgoing] = []
        self.number = 0

    async def send(self, event: Event) -> list[str]:
        self.number += 1
        inbound = Inbound(
            self.channel,
            self.chat_id,
            event,
            dedup_id=f"{self.chat_id}-{self.number}",
            language="en",
            phone=self.phone,
        )
        self.sent = await receive(self.runner, inbound) or self.sent
        return [m.params["text"] for m in self.sent]

    async def tap(self, label: str) -> list[str]:
        return await self.send(Choice(option(self.sent, label)))

    async def book(self, day: str, time: str, *, name: str = "Olha", phone: str | None = None) -> list[str]:
        await self.send(Command("start", "en"))
        for label in ("Book a visit", "Haircut", "Anna", day, time):
            if label != "Anna" or "Anna" in self.sent[-1].params["labels"]:  # a returning customer: anyone
                await self.tap(label)
        if "Confirm" not in self.sent[-1].params["labels"]:  # a new customer
            await self.send(Text(name))
        if phone is not None and "Confirm" not in self.sent[-1].params["labels"]:
            await self.send(Text(phone))
        return await self.tap("Confirm")


@pytest.fixture
def runner(database: Database) -> Runner:
    business = salon()
    return Runner(Store(database, replace(business, languages=("en", *business.languages))), lambda: NOW)


async def test_a_stranger_typing_a_customers_phone_gets_none_of_their_bookings(runner: Runner) -> None:
    customer = Chat(runner, "whatsapp", VICTIM, phone=VICTIM)
    assert any("Booked!" in t for t in await customer.book("Tue 24 Nov", "11:00", name="Olha"))
    stranger = Chat(runner, "telegram", "666")
    assert any(
        "Booked!" in t for t in await stranger.book("Wed 25 Nov", "10:00", name="Mallory", phone=VICTIM)
    )

    bookings = await runner.store.bookings()
    assert len(bookings) == 2 and bookings[0].customer_id != bookings[1].customer_id
    listed = "\n".join(await stranger.send(Text("my bookings")))
    assert "Wed 25 Nov" in listed and "Tue 24 Nov" not in listed
    await stranger.send(Text("cancel"))  # their only booking is theirs to cancel, never the customer's
    assert any("Wed 25 Nov" in t for t in [m.params["text"] for m in stranger.sent])
    victims = await runner.store.bookings(customer_id=bookings[0].customer_id)
    assert [b.status for b in victims] == ["confirmed"]
    assert await runner.store.customer_for_chat(
        "telegram", "666", None
    ) != await runner.store.customer_for_chat("whatsapp", VICTIM, VICTIM)


async def test_a_whatsapp_booking_is_saved_with_its_customer(runner: Runner) -> None:
    chat = Chat(runner, "whatsapp", VICTIM, phone=VICTIM)
    assert any("Booked!" in t for t in await chat.book("Tue 24 Nov", "11:00", name="Olha Petrenko"))
    [booking] = await runner.store.bookings()
    assert booking.customer_id is not None
    known = await runner.store.customer_for_chat("whatsapp", VICTIM, VICTIM)
    assert known is not None and (known.id, known.name, known.phone) == (
        booking.customer_id,
        "Olha Petrenko",
        VICTIM,
    )
    assert any("Tue 24 Nov" in t for t in await chat.send(Text("my bookings")))


async def test_the_limit_of_active_bookings_holds_on_whatsapp(runner: Runner) -> None:
    chat = Chat(runner, "whatsapp", VICTIM, phone=VICTIM)
    for day in ("Tue 24 Nov", "Wed 25 Nov", "Thu 26 Nov"):
        assert any("Booked!" in t for t in await chat.book(day, "11:00"))
    await chat.send(Command("start", "en"))
    said = await chat.tap("Book a visit")
    assert any("3" in t and "bookings" in t.lower() for t in said), said
    assert len(await runner.store.bookings()) == 3


async def test_a_shared_own_contact_joins_the_customer_of_that_number(runner: Runner) -> None:
    customer = Chat(runner, "whatsapp", VICTIM, phone=VICTIM)
    await customer.book("Tue 24 Nov", "11:00")
    forwarded = Chat(runner, "telegram", "667")
    await forwarded.send(Command("start", "en"))
    await forwarded.send(ContactShared(VICTIM, own=False))  # someone else's contact: joins nobody
    assert not any("Tue 24 Nov" in t for t in await forwarded.send(Text("my bookings")))
    own = Chat(runner, "telegram", "668")
    await own.send(Command("start", "en"))
    await own.send(ContactShared(VICTIM, own=True))  # Telegram's proof that the number is theirs
    assert any("Tue 24 Nov" in t for t in await own.send(Text("my bookings")))


async def test_a_typed_phone_is_never_found_by_a_platform_that_proves_it(runner: Runner) -> None:
    typed = Chat(runner, "telegram", "669")
    await typed.book("Tue 24 Nov", "11:00", name="Mallory", phone=VICTIM)
    owner = Chat(runner, "whatsapp", VICTIM, phone=VICTIM)
    await owner.send(Command("start", "en"))
    assert not any("Tue 24 Nov" in t for t in await owner.send(Text("my bookings")))
