"""The staff agenda through the runner's one entry on the real store (SQLite file and PostgreSQL).

A staff contact's chat, as the platform names it (a Telegram chat id, a WhatsApp sender), asks for a day and
gets that day's bookings from the store, with the customers' names and phones and the mark of one who
confirmed from a reminder, through the outbox like any reply, once per platform event; a customer's chat
asking the same words gets the customer conversation and never anyone's bookings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.channels.base import TELEGRAM, WHATSAPP, Inbound
from bot.channels.whatsapp_twilio import WhatsAppRenderer
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.runner import Runner
from conversations.events import Choice, Event, Text
from storage import identities
from storage.booking import Booking
from storage.business import Business, Contact
from storage.db import Database
from storage.jobs import Jobs
from storage.outbox import Outbox
from storage.store import Store
from tests.sample import NOW, Clock, at, salon
from tests.talk import PlainRenderer

CUSTOMER = "5151"
ANNA = "777"  # Anna's Telegram chat
ADMIN = "900"
BORIS = "+380671112233"  # Boris's WhatsApp


def _business() -> Business:
    business = replace(salon(), staff_language="en")
    anna = replace(business.staff[0], contacts=(Contact(TELEGRAM, ANNA),))
    boris = replace(business.staff[1], contacts=(Contact(WHATSAPP, BORIS),))
    return replace(business, staff=(anna, boris), admins=(Contact(TELEGRAM, ADMIN),))


def _runner(database: Database, clock: Clock) -> Runner:
    business = _business()
    runner = Runner(Store(database, business), clock, "p1", notify=staff_notifier(business))
    runner.renderers[TELEGRAM] = PlainRenderer()
    runner.renderers[WHATSAPP] = WhatsAppRenderer()
    return runner


async def _customer(runner: Runner, name: str, phone: str, chat: str) -> int:
    store, now = runner.store, runner.clock()
    customer = await store.add_customer(now=now, name=name, phone=phone, language="en")
    await store.db.transaction(
        lambda conn: identities.touch(conn, TELEGRAM, chat, now, customer_id=customer, language="en")
    )
    return customer


async def _book(runner: Runner, start: datetime, customer: int, specialist: str, chat: str) -> Booking:
    store, now = runner.store, runner.clock()
    held = await store.hold(
        service="haircut",
        start=start,
        now=now,
        customer_id=customer,
        specialist=specialist,
        chat=(TELEGRAM, chat),
    )
    assert held.booking is not None, held.reason
    confirmed = await store.confirm(held.booking.id, now=now)
    assert confirmed.booking is not None
    return confirmed.booking


_events = iter(range(1, 10_000))


def _telegram(chat: str, event: Event) -> Inbound:
    return Inbound(TELEGRAM, chat, event, dedup_id=str(next(_events)), language="en")


def _texts(outgoing: list[Any]) -> str:
    return "\n".join(str(o.params.get("text") or o.params.get("Body")) for o in outgoing)


async def _day(runner: Runner) -> dict[str, Booking]:
    """Olha at 15:00 with Anna (she confirms from her reminder), Petro at 16:00 with Boris, and Olha again
    tomorrow at 11:00 with Anna; a cancelled one of Petro's today at 17:00."""
    olha = await _customer(runner, "Olha", "+380501234567", CUSTOMER)
    petro = await _customer(runner, "Petro", "+380661234567", "6161")
    cancelled = await _book(runner, at(23, 17), petro, "boris", "6161")
    await runner.store.cancel(cancelled.id, now=runner.clock())
    return {
        "olha": await _book(runner, at(23, 15), olha, "anna", CUSTOMER),
        "petro": await _book(runner, at(23, 16), petro, "boris", "6161"),
        "tomorrow": await _book(runner, at(24, 11), olha, "anna", CUSTOMER),
        "cancelled": cancelled,
    }


async def _confirm_from_reminder(runner: Runner, clock: Clock) -> None:
    """The 2-hour reminder of today's 15:00 goes out (with tomorrow's 24-hour one), and Olha presses its
    Confirm."""
    clock.now = at(23, 13)
    assert await Scheduler(Jobs(runner.store.db), runner, clock, runner.owner).run_due() == 2
    sent = [json.loads(r["params"]) for r in await Outbox(runner.store.db).all() if r["chat_id"] == CUSTOMER]
    [reminder] = [m for m in sent if "today at 15:00" in m["text"]]
    confirm = reminder["options"][reminder["labels"].index("Confirm")]
    await runner.enter(_telegram(CUSTOMER, Choice(confirm)))
    [olha] = [b for b in await runner.store.bookings() if b.start == at(23, 15)]
    assert olha.customer_confirmed_at == at(23, 13)


async def test_a_specialist_s_chat_sees_their_day_and_who_confirmed(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    made = await _day(runner)
    await _confirm_from_reminder(runner, clock)

    turned = await runner.enter(_telegram(ANNA, Text("/today")))
    text = _texts(turned.outgoing)
    assert text.startswith("📅 Your bookings, today: 1")
    assert f"✅ 15:00–16:00 Haircut\nOlha, +380501234567, code {made['olha'].code}\n" in text
    assert "confirmed · coming: the customer confirmed · to pay 800 UAH" in text
    assert made["petro"].code not in text and "Petro" not in text  # Boris's
    labels = turned.outgoing[-1].params["labels"]
    assert labels == ["◀ Sun 22 Nov", "Tue 24 Nov ▶"]

    # Through the outbox, like any reply: to Anna's own chat.
    queued = [json.loads(r["params"]) for r in await Outbox(database).all() if r["chat_id"] == ANNA]
    assert queued[-1]["text"] == turned.outgoing[-1].params["text"]

    tomorrow = await runner.enter(_telegram(ANNA, Choice(turned.outgoing[-1].params["options"][1])))
    assert made["tomorrow"].code in _texts(tomorrow.outgoing) and made["olha"].code not in _texts(
        tomorrow.outgoing
    )


async def test_an_admin_sees_everyone_and_a_whatsapp_specialist_is_known_by_the_sender(
    database: Database,
) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    made = await _day(runner)
    text = _texts((await runner.enter(_telegram(ADMIN, Text("today")))).outgoing)
    assert text.startswith("📅 Bookings, today: 2")
    assert text.index(made["olha"].code) < text.index(made["petro"].code)
    assert "15:00–16:00 Haircut · Anna" in text and "16:00–17:00 Haircut · Boris" in text
    assert text.endswith("Cancelled or expired, not listed: 1")

    boris = Inbound(WHATSAPP, BORIS, Text("/agenda"), dedup_id="SM" + "1" * 32, phone=BORIS)
    said = (await runner.enter(boris)).outgoing
    body = _texts(said)
    assert body.startswith("📅 Your bookings, today: 1")
    assert f"Petro, +380661234567, code {made['petro'].code}" in body and made["olha"].code not in body
    assert said[-1].params["Body"].endswith("1. ◀ Sun 22 Nov\n2. Tue 24 Nov ▶")
    tomorrow = (await runner.enter(replace(boris, event=Text("2"), dedup_id="SM" + "2" * 32))).outgoing
    assert _texts(tomorrow).startswith("📅 Your bookings, Tue 24 Nov: 0\nNothing is booked on this day.")


async def test_a_repeated_platform_event_is_answered_once(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    await _day(runner)
    asked = _telegram(ADMIN, Text("/today"))
    assert (await runner.enter(asked)).outgoing
    assert (await runner.enter(asked)).outgoing == []
    assert sum(1 for r in await Outbox(database).all() if r["chat_id"] == ADMIN) == 1


async def test_a_customer_typing_the_staff_words_never_sees_the_agenda(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    made = await _day(runner)
    for said in ("/today", "/tomorrow", "/agenda", "today", "agenda"):
        text = _texts((await runner.enter(_telegram(CUSTOMER, Text(said)))).outgoing)
        assert "📅" not in text and made["petro"].code not in text and "Petro" not in text, said
    # Nor from a chat with a staff member's number typed in (only the platform's chat id counts).
    stranger = Inbound(TELEGRAM, "31337", Text("/today"), dedup_id="x1", name=ANNA, phone=BORIS)
    assert "📅" not in _texts((await runner.enter(stranger)).outgoing)
