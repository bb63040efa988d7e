"""Durable jobs against the real store (SQLite file and PostgreSQL): a hold's expiry, run once, re-checked.

A hold writes its expiry job in the same transaction; the scheduler claims due jobs with a lease and enters
each through the runner's one entry, keyed by the job's id and run: the customer is told in their language
with a button to book again, staff are told, and nothing is told twice, across schedulers and crashes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.channels.base import Inbound
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.runner import Runner
from conversations.events import Choice, Command, Text
from payments.liqpay import LiqPayAccount
from storage.business import Business, Contact
from storage.db import Database
from storage.jobs import HOLD_EXPIRY, MAX_ATTEMPTS, Jobs
from storage.models import jobs as jobs_table
from storage.outbox import Outbox
from storage.store import Store
from tests.sample import NOW, Clock, at, salon
from tests.talk import receive

CHAT = "5150"


def _business() -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", "777"),))
    return replace(business, staff=(anna, *business.staff[1:]))


# Prepayments are taken online (the checkout link is made here; nothing is asked of LiqPay in these tests).
ACCOUNT = LiqPayAccount("sandbox_i000", "secret", sandbox=True, api_base="https://liqpay.example")


def _runner(database: Database, clock: Clock, owner: str = "p1") -> Runner:
    business = _business()
    return Runner(Store(database, business), clock, owner, notify=staff_notifier(business), liqpay=ACCOUNT)


async def _messages(database: Database, chat: str) -> list[dict[str, Any]]:
    return [json.loads(r["params"]) for r in await Outbox(database).all() if r["chat_id"] == chat]


async def _hold_colouring(runner: Runner) -> list[dict[str, Any]]:
    """A new customer holds a colouring, which asks for a prepayment: the hold waits for the payment."""
    sent = await receive(
        runner, Inbound("telegram", CHAT, Command("start", "en"), dedup_id="1", language="en")
    )
    steps: list[str | Text] = [
        "Book a visit",
        "Colouring",
        "Tue 24 Nov",
        "11:00",
        Text("Olha"),
        Text("+380501234567"),
        "Confirm",
    ]
    for number, step in enumerate(steps, start=2):
        if isinstance(step, Text):
            event: Any = step
        else:
            options = [m.params for m in sent if m.params.get("options")][-1]
            labels = options["labels"]
            event = Choice(
                next(i for i, label in zip(options["options"], labels, strict=True) if label.startswith(step))
            )
        sent = await receive(runner, Inbound("telegram", CHAT, event, dedup_id=str(number), language="en"))
    return [m.params for m in sent]


async def test_an_unpaid_hold_runs_out_and_the_customer_and_staff_are_told(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    await _hold_colouring(runner)
    [booking] = await runner.store.bookings()
    assert booking.status == "held" and booking.chat_id == CHAT
    scheduler = Scheduler(Jobs(database), runner, clock, "p1")
    assert await scheduler.run_due() == 0  # not due yet
    clock.now = booking.expires_at + timedelta(seconds=1)
    assert await scheduler.run_due() == 2  # the payment check and the expiry
    [expired] = await runner.store.bookings()
    assert expired.status == "expired"
    *_, said, told = await _messages(database, CHAT)
    assert "ran out" in said["text"] and "Colouring" in said["text"]
    assert told["labels"][0] == "Book again"
    staff = await _messages(database, "777")
    # In the staff's language (the sample business's default, Ukrainian), after the notice of the hold.
    assert len(staff) == 2 and "без оплати" in staff[-1]["text"] and "Olha" in staff[-1]["text"]
    assert await Jobs(database).listed() == []  # done: nothing pending or failed
    assert await scheduler.run_due() == 0

    # "Book again" asks the day for the same service and specialist.
    again = Choice(told["options"][0])
    sent = await receive(runner, Inbound("telegram", CHAT, again, dedup_id="20", language="en"))
    assert "Colouring" in sent[-1].params["text"] and "Tue 24 Nov" in sent[-1].params["labels"]


async def test_a_hold_confirmed_in_time_has_no_expiry_left(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    await _hold_colouring(runner)
    [booking] = await runner.store.bookings()
    assert (await runner.store.confirm(booking.id, now=NOW)).ok
    clock.now = NOW + timedelta(minutes=45)  # past the hold's time; its first reminder is due at 11:00
    before = await Outbox(database).all()
    assert await Scheduler(Jobs(database), runner, clock, "p1").run_due() == 0
    assert await Outbox(database).all() == before


async def test_a_job_run_again_after_a_crash_tells_nobody_twice(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    await _hold_colouring(runner)
    [booking] = await runner.store.bookings()
    clock.now = booking.expires_at + timedelta(seconds=5)
    assert await Scheduler(Jobs(database), runner, clock, "p1").run_due() == 2
    told = await Outbox(database).all()
    # The process died after the customer was told and before the job was marked done.
    reset = update(jobs_table).values(status="pending", lease_owner=None, lease_until=None)
    await database.transaction(lambda conn: conn.execute(reset))
    other = _runner(database, clock, "p2")
    assert await Scheduler(Jobs(database), other, clock, "p2").run_due() == 2
    assert await Outbox(database).all() == told
    assert await Jobs(database).listed() == []


async def test_two_schedulers_run_each_expiry_once(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    store = runner.store
    for day, hour in ((24, 9), (24, 11), (24, 14), (25, 9), (25, 11), (25, 14)):
        held = await store.hold(
            service="haircut", start=at(day, hour), now=NOW, specialist="anna", chat=("telegram", f"c{hour}")
        )
        assert held.ok
    clock.now = NOW + timedelta(minutes=20)
    schedulers = [
        Scheduler(Jobs(database), _runner(database, clock, f"p{i}"), clock, f"p{i}") for i in range(2)
    ]
    claimed = await asyncio.gather(*(s.run_due() for s in schedulers))
    assert sum(claimed) == 6
    assert {b.status for b in await store.bookings()} == {"expired"}
    staff = await _messages(database, "777")
    assert len(staff) == 6 and all("без оплати" in m["text"] for m in staff)  # one notice per hold


async def test_a_failing_job_is_retried_later_then_left_for_an_operator(database: Database) -> None:
    clock = Clock(NOW)
    runner = _runner(database, clock)
    box = Jobs(database)
    held = await runner.store.hold(service="haircut", start=at(24, 11), now=NOW, specialist="anna")
    assert held.booking is not None
    await database.transaction(lambda conn: conn.execute(update(jobs_table).values(kind="no_such_kind")))
    scheduler = Scheduler(box, runner, clock, "p1")
    clock.now = NOW + timedelta(minutes=16)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await scheduler.run_due() == 1
        [job] = await box.listed()
        assert job.attempts == attempt and "no_such_kind" in (job.last_error or "")
        clock.now = datetime.fromtimestamp(job.run_at, clock.now.tzinfo) + timedelta(seconds=1)
    assert job.status == "failed"
    assert await scheduler.run_due() == 0
    # An operator runs it again (after fixing the cause): a new run, due now.
    await database.transaction(lambda conn: conn.execute(update(jobs_table).values(kind=HOLD_EXPIRY)))
    assert await box.rerun(job.id, now=clock.now)
    assert await scheduler.run_due() == 1
    assert await box.listed() == []
    [booking] = await runner.store.bookings()
    assert booking.status == "expired"
