"""The waitlist's test business, and "Book it" pressed in a separate OS process (the two-process race)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from bot.channels.base import Inbound, Renderer
from bot.notify import staff_notifier
from bot.runner import Runner
from conversations.events import Choice
from storage.business import Business, Contact, DayOverride, TimeRange
from storage.db import Database, open_database
from storage.store import Store
from tests.sample import salon
from tests.talk import PlainRenderer

TUESDAY = date(2026, 11, 24)
STAFF_CHAT = "777"


def business() -> Business:
    """The sample salon whose Tuesday is 11:00-12:00 for everyone, so one manicure fills Anna's day; Anna
    reads her notices on Telegram."""
    salon_ = salon()
    anna = replace(salon_.staff[0], contacts=(Contact("telegram", STAFF_CHAT),))
    short = DayOverride(TUESDAY, (TimeRange(11 * 60, 12 * 60),))
    return replace(salon_, staff=(anna, *salon_.staff[1:]), overrides={**salon_.overrides, TUESDAY: short})


def runner(db: Database, clock: Callable[[], datetime], owner: str) -> Runner:
    """A process's runner: Telegram rendered plainly, staff told."""
    made = business()
    renderers: dict[str, Renderer] = {"telegram": PlainRenderer()}
    return Runner(Store(db, made), clock, owner, renderers=renderers, notify=staff_notifier(made))


async def _press(
    url: str, now: datetime, owner: str, presses: list[tuple[str, str, str]], at_wall: float
) -> list[str]:
    db = open_database(url)
    try:
        bot = runner(db, lambda: now, owner)
        await bot.store.bookings(customer_id=0)  # connected before the moment to press
        await asyncio.sleep(max(at_wall - time.time(), 0))  # both processes press at once
        pressed = [Inbound("telegram", chat, Choice(option), dedup_id=key) for chat, option, key in presses]
        turns = await asyncio.gather(*(bot.enter(inbound) for inbound in pressed))
    finally:
        await db.dispose()
    return ["\n".join(reply.text for reply in turn.replies) for turn in turns]


def press(
    url: str, now: datetime, owner: str, presses: list[tuple[str, str, str]], at_wall: float
) -> list[str]:
    """Each (chat, option, key) pressed at once in this process at `at_wall` (time.time()); what each
    customer was told."""
    return asyncio.run(_press(url, now, owner, presses, at_wall))
