"""Regression test: a service with nothing free in the runner's first snapshot of the calendar (14 days) said
"no free times in the coming days" and went back to the menu, though its booking window went on for weeks
with free days, which no customer could then reach (free_days stopped at the snapshot's end, asking no wider
one). Found by bench/liqpay_callbacks.py: once the first fortnight of colourings and facials was held, every
later customer was turned away while 90 and 60 days were bookable.

Here the manicurist is on leave for three weeks of a 30-day window: the days after her leave are offered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.channels.base import Inbound, Outgoing
from bot.runner import Runner
from conversations.events import Choice, Command
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, salon
from tests.talk import option, receive


async def test_the_days_after_a_fortnight_with_nothing_free_are_offered(database: Database) -> None:
    business = salon()
    back = date(2026, 12, 14)  # a Monday, three weeks from NOW; the window ends 23 December
    anna = business.staff[0]
    leave = ((NOW.date(), back - timedelta(days=1)),)
    on_leave = replace(anna, schedule=replace(anna.schedule, time_off=leave))
    business = replace(business, staff=(on_leave, *business.staff[1:]), languages=("en",))
    runner = Runner(Store(database, business), lambda: NOW)

    async def send(event: Command | Choice, update: str) -> list[Outgoing]:
        return await receive(runner, Inbound("telegram", "42", event, dedup_id=update, language="en"))

    sent = await send(Command("start", "en"), "1")
    sent = await send(Choice(option(sent, "Book a visit")), "2")
    sent = await send(Choice(option(sent, "Manicure")), "3")
    said = " ".join(m.params["text"] for m in sent)
    assert "no free times" not in said, said
    assert option(sent, "Mon 14 Dec")
