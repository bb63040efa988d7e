"""Reminders against the real store (SQLite file and PostgreSQL) under a controlled clock.

A confirmation writes a booking's reminders as jobs in its own transaction, a move rewrites them for the new
time and a cancellation drops them; the scheduler enters each through the runner's one entry, once per
booking, time and offset, across schedulers and crashes. One that falls due while the service is down goes out
late only while it still helps. The customer's answers act on the booking, and staff hear who confirmed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.channels.base import WHATSAPP, Inbound
from bot.channels.whatsapp_twilio import WhatsAppRenderer
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.runner import Runner
from bot.window import WhatsAppWindow
from conversations.events import Choice, Event, Text
from storage import identities
from storage import jobs as jobs_module
from storage.booking import Booking
from storage.business import Business, Contact
from storage.db import Database
from storage.jobs import REMINDER, Jobs
from storage.models import jobs as jobs_table
from storage.outbox import Message, Outbox
from storage.reminders import BEFORE_QUIET
from storage.store import Store
from tests.integration.test_exact_after_crash import Died, Mortal
from tests.sample import NOW, Clock, at, salon
from tests.talk import PlainRenderer

CHAT = "5151"
STAFF = "777"
ADDRESS = "Kyiv, 12 Velyka Vasylkivska St."
REMINDER_SID = "HX" + "ab" * 16


def _business() -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(Contact("telegram", STAFF),))
    return replace(business, staff=(anna, *business.staff[1:]), address=ADDRESS)


def _runner(database: Database, clock: Clock, owner: str = "p1", store: Store | None = None) -> Runner:
    business = _business()
    store = store or Store(database, business)
    runner = Runner(store, clock, owner, notify=staff_notifier(business))
    runner.renderers["telegram"] = PlainRenderer()
    runner.renderers[WHATSAPP] = WhatsAppRenderer({"reminder": REMINDER_SID})
    return runner


def _scheduler(runner: Runner) -> Scheduler:
    return Scheduler(Jobs(runner.store.db), runner, runner.clock, runner.owner)


async def _customer(runner: Runner, channel: str = "telegram", chat: str = CHAT) -> int:
    """A customer known in the chat, as after their first booking there."""
    now = runner.clock()
    store = runner.store
    customer = await store.add_customer(now=now, name="Olha", phone="+380501234567", language="en")
    await store.db.transaction(
        lambda conn: identities.touch(conn, channel, chat, now, customer_id=customer, language="en")
    )
    return customer


async def _book(
    runner: Runner, start: datetime, customer: int, *, service: str = "haircut", chat: str = CHAT, **kw: Any
) -> Booking:
    """A booking made from the chat and confirmed at the clock's now."""
    store, now = runner.store, runner.clock()
    channel = kw.pop("channel", "telegram")
    held = await store.hold(
        service=service, start=start, now=now, customer_id=customer, specialist="anna", chat=(channel, chat)
    )
    assert held.booking is not None, held.reason
    confirmed = await store.confirm(held.booking.id, now=now, **kw)
    assert confirmed.booking is not None
    return confirmed.booking


async def _due(database: Database) -> list[tuple[datetime, int]]:
    """The pending reminders: when each is due, and its offset."""
    rows = await database.query(
        lambda conn: conn.execute(
            jobs_table.select().where(jobs_table.c.kind == REMINDER, jobs_table.c.status == "pending")
        ).all()
    )
    return sorted((datetime.fromtimestamp(r.run_at, UTC), json.loads(r.payload)["offset"]) for r in rows)


async def _said(database: Database, chat: str = CHAT) -> list[dict[str, Any]]:
    return [json.loads(r["params"]) for r in await Outbox(database).all() if r["chat_id"] == chat]


async def _reminders(database: Database, chat: str = CHAT) -> list[str]:
    return [m["text"] for m in await _said(database, chat) if m.get("text", "").startswith("⏰")]


async def _at(runner: Runner, moment: datetime) -> int:
    runner.clock.now = moment  # type: ignore[attr-defined]
    return await _scheduler(runner).run_due()


def _say(runner: Runner, event: Event, n: int, chat: str = CHAT) -> Inbound:
    return Inbound("telegram", chat, event, dedup_id=str(n), language="en")


# ---------------------------------------------------------------- when they go out


async def test_a_day_and_two_hours_before_and_never_earlier(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    assert await _due(database) == [(at(25, 11), 1440), (at(26, 9), 120)]
    assert await _at(runner, at(25, 10, 59)) == 0
    assert await _at(runner, at(25, 11)) == 1
    [said] = await _reminders(database)
    assert "Haircut with Anna, Thu 26 Nov at 11:00" in said and ADDRESS in said and booking.code in said
    assert (await _said(database))[-1]["labels"] == ["Confirm", "Reschedule", "Cancel"]
    assert await _at(runner, at(25, 12)) == 0
    assert await _at(runner, at(26, 9)) == 1
    assert len(await _reminders(database)) == 2
    assert await _due(database) == [] and await Jobs(database).listed() == []


async def test_a_booking_made_inside_an_offset_gets_only_the_later_reminder(database: Database) -> None:
    runner = _runner(database, Clock(NOW))  # Mon 23 Nov 10:00
    await _book(runner, at(23, 15), await _customer(runner))
    assert await _due(database) == [(at(23, 13), 120)]


async def test_a_reminder_in_quiet_hours_goes_out_the_evening_before(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    await _book(runner, at(25, 9, 30), await _customer(runner))
    assert await _due(database) == [(at(24, 9, 30), 1440), (at(24, 21) - BEFORE_QUIET, 120)]
    assert await _at(runner, at(24, 9, 30)) == 1
    assert await _at(runner, at(24, 20, 44)) == 0
    assert await _at(runner, at(24, 21) - BEFORE_QUIET) == 1
    reminded = await _reminders(database)
    assert len(reminded) == 2 and "Wed 25 Nov at 09:30" in reminded[-1]


async def test_a_service_with_its_own_offsets(database: Database) -> None:
    business = _business()
    colouring = replace(business.service("colouring"), reminder_offsets=(2880,))
    business = replace(
        business, services=tuple(colouring if s.id == "colouring" else s for s in business.services)
    )
    runner = _runner(database, Clock(NOW), store=Store(database, business))
    await _book(runner, at(27, 11), await _customer(runner), service="colouring")
    assert await _due(database) == [(at(25, 11), 2880)]


async def test_a_moved_booking_is_reminded_of_its_new_time_never_the_old(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    moved = await runner.store.move(booking.id, start=at(27, 15), now=NOW)
    assert moved.ok
    assert await _due(database) == [(at(26, 15), 1440), (at(27, 13), 120)]
    assert await _at(runner, at(25, 11)) == 0 and await _at(runner, at(26, 9)) == 0  # the old times
    assert await _at(runner, at(26, 15)) == 1
    assert await _at(runner, at(27, 13)) == 1
    day_before, on_the_day = await _reminders(database)
    assert "Fri 27 Nov at 15:00" in day_before and "today at 15:00" in on_the_day


async def test_a_cancelled_booking_is_never_reminded(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    assert (await runner.store.cancel(booking.id, now=NOW)).ok
    assert await _due(database) == []
    for moment in (at(25, 11), at(26, 9)):
        assert await _at(runner, moment) == 0
    assert await _reminders(database) == []


async def test_a_job_claimed_before_a_move_says_nothing_of_the_old_time(database: Database) -> None:
    """A process claimed the day-before reminder and died; the booking was moved meanwhile (a running job is
    not dropped). When its lease runs out the job runs again, finds the booking moved, and says nothing."""
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    [claimed] = await Jobs(database).claim(owner="dead", now=at(25, 11))
    assert (await runner.store.move(booking.id, start=at(26, 15), now=at(25, 11))).ok
    assert await _at(runner, at(25, 11, 2)) == 1  # the dead process's lease ran out
    assert await _reminders(database) == []
    assert claimed.payload["offset"] == 1440
    assert await _due(database) == [(at(25, 15), 1440), (at(26, 13), 120)]  # the new time's


# ---------------------------------------------------------------- while the service was down


async def test_one_due_while_down_goes_out_late_while_still_useful(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    await _book(runner, at(26, 15), await _customer(runner))
    assert await _at(runner, at(26, 10)) == 1  # 19 hours late, before the 2-hour reminder's 13:00
    assert len(await _reminders(database)) == 1


async def test_one_overtaken_by_the_next_is_skipped_and_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 15), await _customer(runner))
    with caplog.at_level(logging.WARNING, "slotbot.jobs"):
        assert await _at(runner, at(26, 13, 30)) == 2  # down since before the day reminder
    assert len(await _reminders(database)) == 1  # the 2-hour one
    [skipped] = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert booking.code in skipped.getMessage() and "120 minutes before is due" in skipped.getMessage()
    assert await Jobs(database).listed() == []


async def test_one_that_would_go_out_in_quiet_hours_or_after_the_visit_began_is_skipped(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    runner = _runner(database, Clock(NOW))
    await _book(runner, at(26, 15), await _customer(runner))
    with caplog.at_level(logging.WARNING, "slotbot.jobs"):
        assert await _at(runner, at(25, 22)) == 1  # the day reminder, late into the night
        assert await _at(runner, at(26, 15, 5)) == 1  # the 2-hour one, after the visit began
    assert await _reminders(database) == []
    reasons = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(reasons) == 2 and "quiet hours" in reasons[0] and "visit has begun" in reasons[1]


# ---------------------------------------------------------------- exactly once


async def test_two_schedulers_send_each_reminder_once(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    customer = await _customer(runner)
    friday = []
    for i, hour in enumerate((9, 11, 14, 16)):
        for day in (27, 28):
            booked = await _book(runner, at(day, hour), customer, chat=f"c{i}-{day}")
            friday += [booked.code] if day == 27 else []
    # The day reminders of Friday's four visits are all due (late, still before their 2-hour ones).
    clock = Clock(at(26, 17))
    schedulers = [_scheduler(_runner(database, clock, f"p{i}")) for i in range(2)]
    claimed = 1
    while claimed:
        claimed = sum(await asyncio.gather(*(s.run_due() for s in schedulers)))
    texts = [t for r in await Outbox(database).all() if (t := json.loads(r["params"]).get("text", ""))]
    reminded = [t for t in texts if t.startswith("⏰")]
    assert sorted(code for code in friday for t in reminded if code in t) == sorted(friday)  # each once
    assert len(await _due(database)) == 12  # the rest, still to come


async def test_a_reminder_run_again_after_a_crash_or_written_twice_goes_out_once(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    # The same offset written twice (as if confirmed twice): one reminder still.
    await database.transaction(
        lambda conn: jobs_module.schedule(
            conn,
            REMINDER,
            at(25, 11),
            NOW,
            booking_id=booking.id,
            payload={"offset": 1440, "start": int(booking.start.timestamp()), "revision": booking.revision},
        )
    )
    assert await _at(runner, at(25, 11)) == 2
    assert len(await _reminders(database)) == 1
    # The process died after the reminder was queued and before its job was marked done.
    reset = update(jobs_table).where(jobs_table.c.kind == REMINDER).values(status="pending", lease_owner=None)
    await database.transaction(lambda conn: conn.execute(reset))
    other = _runner(database, runner.clock, "p2")  # type: ignore[arg-type]
    assert await _at(other, at(25, 11, 1)) == 2
    assert len(await _reminders(database)) == 1


# ---------------------------------------------------------------- the answers


async def test_yes_is_recorded_and_staff_hear_who_confirmed_once(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 11), await _customer(runner))
    await _at(runner, at(25, 11))
    await runner.enter(_say(runner, Text("так"), 1))
    confirmed = await runner.store.booking(booking.id)
    assert confirmed is not None and confirmed.customer_confirmed_at == at(25, 11)
    assert "Thank you! See you Thu 26 Nov at 11:00." in [m["text"] for m in await _said(database)]
    staff = [m["text"] for m in await _said(database, STAFF)]
    assert "Olha" in staff[-1] and "+380501234567" in staff[-1] and "Підтвердив" in staff[-1]
    # The 2-hour reminder's Confirm: thanked again, recorded and told once.
    await _at(runner, at(26, 9))
    confirm = (await _said(database))[-1]["options"][0]
    await runner.enter(_say(runner, Choice(confirm), 2))
    assert "confirmed already" in (await _said(database))[-2]["text"]
    assert len([m for m in await _said(database, STAFF) if "Підтвердив" in m["text"]]) == 1
    again = await runner.store.booking(booking.id)
    assert again is not None and again.customer_confirmed_at == at(25, 11)


async def test_cancel_from_a_reminder_cancels_and_the_next_reminder_never_comes(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    booking = await _book(runner, at(26, 15), await _customer(runner))
    await _at(runner, at(25, 15))
    await runner.enter(_say(runner, Text("cancel"), 1))
    await runner.enter(_say(runner, Text("yes"), 2))
    cancelled = await runner.store.booking(booking.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    assert await _at(runner, at(26, 13)) == 0 and len(await _reminders(database)) == 1


async def test_a_time_in_words_moves_the_booking_and_its_reminders(database: Database) -> None:
    runner = _runner(database, Clock(NOW))
    customer = await _customer(runner)
    await _book(runner, at(25, 11), customer)  # another booking of theirs
    booking = await _book(runner, at(26, 11), customer)
    await _at(runner, at(25, 11, 30))
    await runner.enter(_say(runner, Text("can we do Friday at 3 instead?"), 1))
    await runner.enter(_say(runner, Text("yes"), 2))
    moved = await runner.store.booking(booking.id)
    assert moved is not None and moved.start == at(27, 15) and moved.moves == 1
    assert await _due(database) == [(at(26, 15), 1440), (at(27, 13), 120)]


async def test_a_confirmation_redelivered_after_a_crash_thanks_and_tells_staff_once(
    database: Database,
) -> None:
    business = _business()

    class DyingStore(Store):
        async def confirm_visit(self, booking_id: int, **kwargs: Any) -> tuple[Booking | None, bool]:
            await super().confirm_visit(booking_id, **kwargs)
            self.db.dead = True  # type: ignore[attr-defined]
            raise Died("killed right after the confirmation committed")

    clock = Clock(NOW)
    runner = _runner(database, clock)
    booking = await _book(runner, at(26, 11), await _customer(runner))
    await _at(runner, at(25, 11))
    dying = _runner(database, clock, "p2", store=DyingStore(Mortal(database), business))  # type: ignore[arg-type]
    with pytest.raises(Died):
        await dying.enter(_say(dying, Text("yes"), 1))
    clock.now = at(25, 11, 1)  # past the dead process's lease on the conversation
    await _runner(database, clock, "p3").enter(_say(runner, Text("yes"), 1))  # delivered again
    said = [m["text"] for m in await _said(database)]
    assert "Thank you! See you Thu 26 Nov at 11:00." in said and not any("already" in t for t in said)
    assert len([m for m in await _said(database, STAFF) if "Підтвердив" in m["text"]]) == 1
    confirmed = await runner.store.booking(booking.id)
    assert confirmed is not None and confirmed.customer_confirmed_at == at(25, 11)


# ---------------------------------------------------------------- WhatsApp outside its 24 hours


async def test_on_whatsapp_outside_the_window_the_template_goes_and_its_button_answers(
    database: Database,
) -> None:
    number = "+380501234567"
    runner = _runner(database, Clock(NOW))
    customer = await _customer(runner, WHATSAPP, number)
    booking = await _book(runner, at(26, 11), customer, channel=WHATSAPP, chat=number)
    await _at(runner, at(25, 11))  # the customer last wrote more than a day ago
    [row] = [r for r in await Outbox(database).all() if r["chat_id"] == number]
    queued = Message(row["id"], WHATSAPP, number, "message", json.loads(row["params"]), 0)
    ready = await WhatsAppWindow(database, {"reminder": REMINDER_SID}, runner.clock).prepare(queued)
    assert ready.params["ContentSid"] == REMINDER_SID and "Body" not in ready.params
    variables = json.loads(ready.params["ContentVariables"])
    assert [variables[str(n)] for n in range(1, 8)] == [
        "Haircut",
        "Anna",
        "Thu 26 Nov at 11:00",
        ADDRESS,
        "0 UAH",
        "800 UAH",
        booking.code,
    ]
    confirm, move, cancel = variables["8"], variables["9"], variables["10"]
    assert "rok:" in confirm and "rmove:" in move and "rcancel:" in cancel
    # A template approved in several languages goes in the one the customer speaks (English here).
    several = {"reminder:uk": "HX" + "1" * 32, "reminder:en": REMINDER_SID}
    assert (await WhatsAppWindow(database, several, runner.clock).prepare(queued)).params == ready.params
    # The tapped quick reply comes back as its id (ButtonPayload), like any other button.
    await runner.enter(Inbound(WHATSAPP, number, Choice(confirm), dedup_id="SM1", phone=number))
    confirmed = await runner.store.booking(booking.id)
    assert confirmed is not None and confirmed.customer_confirmed_at is not None


async def test_the_scheduler_looks_again_when_the_next_job_falls_due(database: Database) -> None:
    before = at(25, 10, 59) + timedelta(seconds=59)
    runner = _runner(database, Clock(before))
    scheduler = _scheduler(runner)
    assert await scheduler.until_next() == 1.0  # nothing pending: the usual look a second later
    await _book(runner, at(26, 11), await _customer(runner))
    runner.clock.now = before + timedelta(milliseconds=700)  # type: ignore[attr-defined]
    assert await scheduler.until_next() == pytest.approx(0.3)  # the day reminder, due at 11:00
    # One due already but held by another process is no reason to look again at once.
    await Jobs(database).claim(owner="other", now=at(25, 11))
    runner.clock.now = at(25, 11) + timedelta(milliseconds=500)  # type: ignore[attr-defined]
    assert await scheduler.until_next() == 1.0
