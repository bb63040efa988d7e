"""Platform messages through the runner: redeliveries dropped, replies and staff messages in the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

import pytest

from bot.channels.base import Inbound
from bot.notify import staff_notifier
from bot.runner import ConversationBusy, Runner
from conversations.events import Command, Text
from conversations.session import Session, dumps, loads
from storage.business import Contact
from storage.db import Database
from storage.outbox import Message, Outbox
from storage.sessions import Duplicate, Sessions
from storage.store import Store
from tests.sample import NOW, salon
from tests.talk import receive


def _business():  # type: ignore[no-untyped-def]
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", "777"),))
    return replace(
        business, staff=(anna, *business.staff[1:]), admins=(Contact("whatsapp", "+380441112233"),)
    )


@pytest.fixture
def runner(database: Database) -> Runner:
    business = _business()
    return Runner(Store(database, business), lambda: NOW, notify=staff_notifier(business))


async def test_a_redelivered_update_is_handled_once(runner: Runner, database: Database) -> None:
    first = Inbound("telegram", "42", Command("start", "en"), dedup_id="1001", language="en")
    assert await receive(runner, first)
    assert await receive(runner, first) == []
    rows = await Outbox(database).all()
    assert len(rows) == len({r["id"] for r in rows}) and all(r["chat_id"] == "42" for r in rows)
    again = await receive(runner, replace(first, dedup_id="1002", event=Text("help")))
    assert again


async def test_the_app_language_starts_the_conversation(runner: Runner) -> None:
    sent = await receive(runner, Inbound("telegram", "43", Command("start"), dedup_id="1", language="uk"))
    from conversations.texts import text

    assert [m.params["text"] for m in sent][-1] == text("uk", "menu")


async def test_a_booking_notifies_the_specialist_and_the_admins(runner: Runner, database: Database) -> None:
    chat, update = "44", 100
    inbound = Inbound("telegram", chat, Command("start", "en"), dedup_id=str(update), language="en")
    sent = await receive(runner, inbound)
    session_texts: list[str] = []
    # Drive the booking with typed numbers: book, haircut, Anna, first day, first time, name, phone, confirm.
    for step, said in enumerate(["1", "1", "2", "1", "1", "Olha", "+380501234567", "1"], start=1):
        sent = await receive(runner, replace(inbound, event=Text(said), dedup_id=str(update + step)))
        session_texts += [m.params["text"] for m in sent]
    assert any("Booked!" in t for t in session_texts)
    rows = await Outbox(database).all()
    staff = [r for r in rows if r["chat_id"] in ("777", "+380441112233")]
    assert {(r["channel"], r["chat_id"]) for r in staff} == {
        ("telegram", "777"),
        ("whatsapp", "+380441112233"),
    }
    body = json.loads(staff[0]["params"]).get("text") or json.loads(staff[0]["params"])["Body"]
    assert "Olha" in body and "+380501234567" in body and "Стрижка" in body  # the business's language: uk


async def test_the_same_person_on_whatsapp_is_known_by_phone(runner: Runner, database: Database) -> None:
    store = runner.store
    # Known from an earlier chat where the platform proved the number (WhatsApp, a shared own contact).
    customer = await store.add_customer(
        now=NOW, name="Olha", phone="+380501234567", language="uk", proven=True
    )
    inbound = Inbound(
        "whatsapp", "+380501234567", Text("привіт"), dedup_id="SM1", phone="+380501234567", name="Olha P"
    )
    await receive(runner, inbound)
    known = await store.customer_for_chat("whatsapp", "+380501234567")
    assert known is not None and known.id == customer


class Handoff:
    """A sender that takes what a turn queued, as the outbox sender of `serve` does."""

    owner = "p1"

    def __init__(self, accepting: bool = True) -> None:
        self.accepting = accepting
        self.submitted: list[Message] = []
        self.woken = 0

    def submit(self, messages: Iterable[Message]) -> None:
        self.submitted += messages

    def wake(self) -> None:
        self.woken += 1


async def test_a_turn_hands_its_messages_to_the_sender_already_claimed(database: Database) -> None:
    handoff = Handoff()
    runner = Runner(Store(database, _business()), lambda: NOW, "p1", handoff=handoff)
    inbound = Inbound("telegram", "45", Command("start", "en"), dedup_id="1", language="en")
    sent = await receive(runner, inbound)
    assert [m.params for m in handoff.submitted] == [m.params for m in sent] and handoff.woken == 0
    rows = await Outbox(database).all()
    assert {(r["id"], r["lease_owner"]) for r in rows} == {(m.id, "p1") for m in handoff.submitted}
    # The chat has messages still pending: the next turn's wait behind them in the store, unclaimed.
    second = await receive(runner, replace(inbound, event=Text("help"), dedup_id="2"))
    assert second and len(handoff.submitted) == len(rows) and handoff.woken == 1
    waiting = (await Outbox(database).all())[len(rows) :]
    assert [r["lease_owner"] for r in waiting] == [None] * len(second)


async def test_a_busy_sender_leaves_a_turns_messages_in_the_store(database: Database) -> None:
    handoff = Handoff(accepting=False)
    runner = Runner(Store(database, _business()), lambda: NOW, "p1", handoff=handoff)
    inbound = Inbound("telegram", "46", Command("start", "en"), dedup_id="1", language="en")
    await receive(runner, inbound)
    assert handoff.submitted == [] and handoff.woken == 1
    assert {r["lease_owner"] for r in await Outbox(database).all()} == {None}


# ---- two processes on one conversation -------------------------------------------------------------------

BOOKING = ["1", "1", "2", "1", "1", "Olha", "+380501234567", "1"]  # book, haircut, Anna, day, time, name...


async def _say(runner: Runner, chat: str, said: str, update: int) -> list[str]:
    inbound = Inbound("telegram", chat, Text(said), dedup_id=str(update), language="en")
    return [m.params["text"] for m in await receive(runner, inbound)]


async def test_two_processes_take_turns_on_one_conversation(database: Database) -> None:
    # A round-robin load balancer: every message goes to the other process. Each one's own copy of the
    # session is out of date every time, and neither may step from it.
    business = _business()
    one, two = (Runner(Store(database, business), lambda: NOW, owner) for owner in ("p1", "p2"))
    start = Inbound("telegram", "47", Command("start", "en"), dedup_id="200", language="en")
    await receive(one, start)
    said: list[str] = []
    for step, text in enumerate(BOOKING, start=1):
        said += await _say((two, one)[step % 2], "47", text, 200 + step)
    assert any("Booked!" in t for t in said)
    booked = await one.store.bookings(customer_id=1, since=NOW)
    assert [b.status for b in booked] == ["confirmed"]


async def test_a_turn_waits_while_another_process_holds_the_conversation(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = Runner(Store(database, _business()), lambda: NOW, "p1")
    await _say(runner, "48", "hi", 1)
    sessions = Sessions(database)
    started = await sessions.read("telegram:48")
    assert started is not None
    other = await sessions.lease_if("telegram:48", started.version, owner="p2", now=NOW)
    assert other is not None
    monkeypatch.setattr("bot.runner.LEASE_WAIT_S", 0.2)
    with pytest.raises(ConversationBusy):
        await _say(runner, "48", "book", 2)
    # The other process finishes its step: the turn goes on from what it saved.
    await Sessions(database).save(other, dumps(Session(state="name", lang="en")), now=NOW)
    assert await _say(runner, "48", "Olha", 3)
    stored = await Sessions(database).read("telegram:48")
    assert stored is not None and stored.version == 3 and loads(stored.data or "").name == "Olha"


async def test_a_redelivered_confirm_books_once(runner: Runner, database: Database) -> None:
    update = 300
    await _say(runner, "49", "hi", update)
    for step, said in enumerate(BOOKING[:-1], start=1):
        await _say(runner, "49", said, update + step)
    confirm = update + len(BOOKING)
    assert any("Booked!" in t for t in await _say(runner, "49", "1", confirm))
    fresh = Runner(runner.store, lambda: NOW, "p2")  # the redelivery may reach another process
    assert await _say(fresh, "49", "1", confirm) == []
    assert await _say(runner, "49", "1", confirm) == []
    booked = await runner.store.bookings(customer_id=1, since=NOW)
    assert [b.status for b in booked] == ["confirmed"]


async def test_a_session_is_saved_only_over_the_version_it_was_read_at(database: Database) -> None:
    sessions = Sessions(database)
    first, second = dumps(Session(state="service")), dumps(Session(state="day"))
    assert await sessions.commit("k", None, first, owner="p1", now=NOW) == 1
    assert await sessions.commit("k", None, second, owner="p2", now=NOW) is None  # started by p1 already
    assert await sessions.commit("k", 0, second, owner="p2", now=NOW) is None
    lease = await sessions.lease_if("k", 1, owner="p1", now=NOW)
    assert lease is not None and await sessions.lease_if("k", 1, owner="p2", now=NOW) is None
    assert await sessions.commit("k", 1, second, owner="p2", now=NOW) is None  # leased by p1

    def redelivered(conn: object) -> None:
        raise Duplicate("k")

    with pytest.raises(Duplicate):
        await sessions.save(lease, second, now=NOW, also=redelivered)
    stored = await sessions.read("k")
    assert stored is not None and (stored.version, stored.data) == (1, first)
    assert await sessions.save(lease, second, now=NOW)
    assert await sessions.commit("k", 2, first, owner="p2", now=NOW) == 3
