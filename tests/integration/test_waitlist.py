"""The waitlist against the real store (SQLite file and PostgreSQL), through the runner and the scheduler.

Customers join through their conversations where Tuesday is full; a change that frees a time (a
cancellation, an expired hold, a move) writes a job in its own transaction, and the job offers the time to
everyone waiting, each through their own conversation; never the same time twice. "Book it" is the ordinary
atomic hold: when ten press at once (in one process, or from two on PostgreSQL) exactly one gets it, nine are
told it has gone and stay on the list, and staff are told once. Entries end when their day passes.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.channels.base import Inbound
from bot.jobs import Scheduler
from bot.runner import Runner
from conversations.events import Choice, Command, Event, Text
from storage.db import Database
from storage.jobs import Jobs
from storage.models import jobs as jobs_table
from storage.models import waitlist as waitlist_table
from storage.outbox import Outbox
from storage.waiting import ANYONE, BOOKED, PASSED
from storage.waitlist import OFFER
from tests.integration.waitlist_worker import STAFF_CHAT, TUESDAY, press, runner
from tests.sample import NOW, Clock, at
from tests.talk import receive

BLOCKER = ("telegram", "900")  # the chat of the booking that fills Tuesday


async def _messages(database: Database, chat: str) -> list[dict[str, Any]]:
    return [json.loads(r["params"]) for r in await Outbox(database).all() if r["chat_id"] == chat]


class Salon:
    """The runner, the scheduler and a clock over one database: Tuesday filled by one manicure."""

    def __init__(self, database: Database) -> None:
        self.db, self.clock = database, Clock(NOW)
        self.runner: Runner = runner(database, self.clock, "p1")
        self.scheduler = Scheduler(Jobs(database), self.runner, self.clock, "p1")
        self.sent = 0

    async def fill_tuesday(self, *, confirm: bool = True) -> int:
        held = await self.runner.store.hold(
            service="manicure", start=at(24, 11), now=self.clock.now, specialist="anna", chat=BLOCKER
        )
        assert held.booking is not None
        if confirm:
            assert (await self.runner.store.confirm(held.booking.id, now=self.clock.now)).ok
        return held.booking.id

    async def say(self, chat: str, event: Event) -> list[dict[str, Any]]:
        self.sent += 1
        inbound = Inbound("telegram", chat, event, dedup_id=f"{chat}-{self.sent}", language="en")
        return [m.params for m in await receive(self.runner, inbound)]

    async def tap(self, chat: str, label: str) -> list[dict[str, Any]]:
        messages = await _messages(self.db, chat)
        return await self.say(chat, Choice(_option(messages, label)))

    async def join(self, chat: str, name: str, phone: str, when: str = "Any time that day") -> None:
        """A new customer asks for a manicure on full Tuesday and joins its waitlist."""
        await self.say(chat, Command("start", "en"))
        await self.say(chat, Text("manicure tomorrow"))
        await self.tap(chat, "Join the waitlist for Tue 24 Nov")
        await self.say(chat, Text(name))
        await self.say(chat, Text(phone))
        said = await self.tap(chat, when)
        assert "You're on the waitlist: Manicure, Anna, Tue 24 Nov" in _text(said)

    async def run_jobs(self) -> int:
        ran = 0
        while claimed := await self.scheduler.run_due():
            ran += claimed
        return ran

    async def entries(self) -> list[Any]:
        query = select(waitlist_table).order_by(waitlist_table.c.id)
        return await self.db.query(lambda conn: conn.execute(query).all())


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message["text"] for message in messages)


def _option(messages: list[dict[str, Any]], label: str) -> str:
    for message in reversed(messages):
        for ident, shown in zip(message.get("options", []), message.get("labels", []), strict=True):
            if shown.startswith(label):
                return str(ident)
    raise AssertionError(f"no option {label!r} in {[m.get('labels') for m in messages]}")


# ---------------------------------------------------------------- joining, and a freed time offered


async def test_a_cancellation_offers_the_freed_time_and_book_it_books_it(database: Database) -> None:
    salon = Salon(database)
    blocker = await salon.fill_tuesday()
    await salon.join("501", "Olha", "+380501234567")
    [entry] = await salon.entries()
    assert (entry.service, entry.specialist, entry.day, entry.ended_at) == ("manicure", "anna", TUESDAY, None)
    assert await salon.run_jobs() == 1  # the join looked at once: nothing free
    before = len(await _messages(database, "501"))

    salon.clock.now = NOW + timedelta(minutes=5)
    assert (await salon.runner.store.cancel(blocker, now=salon.clock.now)).ok
    assert await salon.run_jobs() == 1
    offer = (await _messages(database, "501"))[before:]
    assert "a time has just become free — Manicure, Anna, Tue 24 Nov at 11:00" in _text(offer)
    assert offer[-1]["labels"][0] == "Book it"

    said = await salon.tap("501", "Book it")
    assert "Booked! Manicure with Anna, Tue 24 Nov at 11:00" in _text(said)
    [booking] = await salon.runner.store.bookings(live_at=salon.clock.now)
    assert booking.start == at(24, 11) and booking.chat_id == "501" and booking.status == "confirmed"
    [entry] = await salon.entries()
    assert entry.ended_why == BOOKED
    # In the staff's language (the sample business's, Ukrainian): one notice, not "a new booking" besides.
    [staff] = [m["text"] for m in await _messages(database, STAFF_CHAT)]
    assert staff.startswith("З черги очікування: Olha (+380501234567) зайняв(ла) звільнений час: Манікюр")


async def test_an_expired_hold_and_a_move_offer_the_time_they_free(database: Database) -> None:
    salon = Salon(database)
    hold = await salon.fill_tuesday(confirm=False)  # an unpaid hold that runs out
    await salon.join("502", "Olha", "+380501234567")
    await salon.run_jobs()
    salon.clock.now = NOW + timedelta(minutes=16)
    assert await salon.run_jobs() == 2  # the hold's expiry, then the offer of what it freed
    assert (await salon.runner.store.booking(hold)).status == "expired"  # type: ignore[union-attr]
    assert "Tue 24 Nov at 11:00" in _text((await _messages(database, "502"))[-2:])

    # Taken again, then moved to Wednesday: the old time is offered, but not to who was offered it already.
    again = await salon.fill_tuesday()
    await salon.join("503", "Petro", "+380501234568")
    await salon.run_jobs()
    told = {chat: len(await _messages(database, chat)) for chat in ("502", "503")}
    moved = await salon.runner.store.move(again, start=at(25, 11), now=salon.clock.now)
    assert moved.ok
    assert await salon.run_jobs() == 1
    assert len(await _messages(database, "502")) == told["502"]  # 11:00 was offered to them before
    assert "Tue 24 Nov at 11:00" in _text((await _messages(database, "503"))[-2:])
    assert await salon.runner.waitlist.offers(1) == [at(24, 11)]


async def test_an_offer_job_run_again_after_a_crash_tells_nobody_twice(database: Database) -> None:
    salon = Salon(database)
    blocker = await salon.fill_tuesday()
    await salon.join("508", "Olha", "+380501234567")
    await salon.join("509", "Petro", "+380501234568")
    await salon.run_jobs()
    assert (await salon.runner.store.cancel(blocker, now=salon.clock.now)).ok
    assert await salon.run_jobs() == 1
    told = await Outbox(database).all()
    # The process died after the customers were told and before the cancellation's job was marked done.
    j = jobs_table.c
    again = update(jobs_table).where(j.kind == OFFER, j.booking_id == blocker)
    await database.transaction(lambda conn: conn.execute(again.values(status="pending", lease_owner=None)))
    assert await salon.run_jobs() == 1
    assert await Outbox(database).all() == told
    assert await salon.runner.waitlist.offers(1) == await salon.runner.waitlist.offers(2) == [at(24, 11)]


async def test_an_offer_finds_a_customer_in_the_middle_of_another_booking(database: Database) -> None:
    salon = Salon(database)
    blocker = await salon.fill_tuesday()
    await salon.join("510", "Olha", "+380501234567")
    await salon.run_jobs()
    await salon.tap("510", "Book a visit")
    await salon.tap("510", "Haircut")
    said = await salon.tap("510", "Wed 25 Nov")
    times = said[-1]["labels"]
    assert (await salon.runner.store.cancel(blocker, now=salon.clock.now)).ok
    await salon.run_jobs()
    offered = await _messages(database, "510")
    assert "Manicure, Anna, Tue 24 Nov at 11:00" in _text(offered[-2:])
    assert offered[-1]["labels"] == ["Book it", *times]  # the times of Wednesday still on screen
    said = await salon.tap("510", "10:00")
    assert "Haircut" in _text(said) and "Wed 25 Nov at 10:00" in _text(said)  # the summary: their place kept


async def test_a_freed_time_taken_again_before_the_job_runs_is_offered_to_nobody(database: Database) -> None:
    salon = Salon(database)
    blocker = await salon.fill_tuesday()
    await salon.join("504", "Olha", "+380501234567")
    await salon.run_jobs()
    before = len(await _messages(database, "504"))
    assert (await salon.runner.store.cancel(blocker, now=salon.clock.now)).ok
    await salon.fill_tuesday()  # someone booked it directly meanwhile
    assert await salon.run_jobs() == 1
    assert len(await _messages(database, "504")) == before


async def test_a_customer_sees_their_entries_and_leaves_one(database: Database) -> None:
    salon = Salon(database)
    await salon.fill_tuesday()
    await salon.join("505", "Olha", "+380501234567", when="Afternoon")
    said = await salon.say("505", Command("my"))
    assert "On the waitlist:\n• Manicure, Anna, Tue 24 Nov, 12:00–17:00" in _text(said)
    said = await salon.tap("505", "Leave the waitlist: Manicure Tue 24 Nov")
    assert "You left the waitlist" in _text(said)
    [entry] = await salon.entries()
    assert entry.ended_why == "left"


async def test_entries_end_when_their_day_passes(database: Database) -> None:
    salon = Salon(database)
    await salon.fill_tuesday()
    await salon.join("506", "Olha", "+380501234567")
    await salon.run_jobs()
    salon.clock.now = at(25, 0, 1)  # Wednesday, just after midnight
    # The entry's end, and the two reminders of Tuesday's booking, skipped now that its visit has begun.
    assert await salon.run_jobs() == 3
    [entry] = await salon.entries()
    assert entry.ended_why == PASSED
    said = await salon.say("506", Command("my"))
    assert "On the waitlist" not in _text(said)


async def test_joining_again_changes_the_times_waited_for(database: Database) -> None:
    salon = Salon(database)
    await salon.fill_tuesday()
    await salon.join("507", "Olha", "+380501234567", when="Morning")
    await salon.tap("507", "Book a visit")  # on to the same question again
    await salon.say("507", Text("manicure tomorrow"))
    await salon.tap("507", "Join the waitlist")
    await salon.tap("507", "Evening")
    [entry] = await salon.entries()
    assert (entry.earliest, entry.latest, entry.specialist != ANYONE) == (17 * 60, None, True)


# ---------------------------------------------------------------- the race for a freed time


CUSTOMERS = [(f"6{n:02d}", f"Customer {n}", f"+3805012345{n:02d}") for n in range(10)]


async def _ten_offered(salon: Salon) -> list[tuple[str, str, str]]:
    """Ten customers wait for full Tuesday, its one time is freed and offered to all: their presses."""
    blocker = await salon.fill_tuesday()
    for chat, name, phone in CUSTOMERS:
        await salon.join(chat, name, phone)
    await salon.run_jobs()
    assert (await salon.runner.store.cancel(blocker, now=salon.clock.now)).ok
    assert await salon.run_jobs() == 1
    presses = []
    for chat, _, _ in CUSTOMERS:
        offered = await _messages(salon.db, chat)
        assert "Tue 24 Nov at 11:00" in _text(offered[-2:]) and offered[-1]["labels"][0] == "Book it"
        presses.append((chat, offered[-1]["options"][0], f"{chat}-press"))
    return presses


async def _one_won(salon: Salon, told: list[str]) -> None:
    won = [text for text in told if "Booked!" in text]
    gone = [text for text in told if "that time has already gone. You stay on the waitlist" in text]
    assert (len(won), len(gone)) == (1, 9), told
    live = await salon.runner.store.bookings(live_at=salon.clock.now)
    assert len(live) == 1 and live[0].start == at(24, 11)
    entries = await salon.entries()
    assert [e.ended_why for e in entries].count(BOOKED) == 1
    assert [e.ended_why for e in entries].count(None) == 9  # the others stay on the list
    [staff] = [m["text"] for m in await _messages(salon.db, STAFF_CHAT)]
    assert staff.startswith("З черги очікування")


async def test_ten_press_book_it_at_once_and_exactly_one_gets_it(database: Database) -> None:
    salon = Salon(database)
    presses = await _ten_offered(salon)
    pressed = [Inbound("telegram", chat, Choice(option_), dedup_id=key) for chat, option_, key in presses]
    turns = await asyncio.gather(*(salon.runner.enter(inbound) for inbound in pressed))
    await _one_won(salon, ["\n".join(reply.text for reply in turn.replies) for turn in turns])


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_ten_press_book_it_at_once_from_two_processes(database: Database) -> None:
    salon = Salon(database)
    presses = await _ten_offered(salon)
    halves = [presses[0::2], presses[1::2]]
    context = multiprocessing.get_context("spawn")
    at_wall = time.time() + 8  # both processes started and connected by then
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        runs = [
            pool.submit(press, database.url, salon.clock.now, f"proc{i}", half, at_wall)
            for i, half in enumerate(halves)
        ]
        told = await asyncio.gather(*(asyncio.wrap_future(run) for run in runs))
    await _one_won(salon, [text for half in told for text in half])
