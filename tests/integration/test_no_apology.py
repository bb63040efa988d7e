"""Issue 11 through the real runner and store: odd input gets the polite answer, never the runner's apology
(`flow.recover`, its last resort after a bug) and never an exception out of `Runner.enter` (a 5xx)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from bot.runner import Runner
from conversations.events import Choice, Command, Text
from conversations.replies import Reply
from conversations.texts import text
from storage.business import Business
from storage.db import Database
from storage.store import Store
from tests.sample import KYIV, NOW, salon
from tests.talk import say

APOLOGY = text("en", "something_went_wrong")


def _option(replies: list[Reply], label: str) -> str:
    return next(o.id for r in reversed(replies) for o in r.options if o.label.startswith(label))


def _polite(replies: list[Reply]) -> list[Reply]:
    assert replies and not any(APOLOGY in r.text for r in replies), [r.text for r in replies]
    return replies


async def _to_the_days(runner: Runner, key: str) -> list[Reply]:
    replies = await say(runner, key, Command("start", language="en"))
    for label in ("Book a visit", "Haircut", "Anna"):
        replies = await say(runner, key, Choice(_option(replies, label)))
    return replies


@pytest.mark.parametrize("odd", ["²", "①", "⑦", "hi", "help", "x" * 5000])
async def test_odd_text_at_the_days_is_answered_politely(database: Database, odd: str) -> None:
    runner = Runner(Store(database, salon()), lambda: NOW)
    await _to_the_days(runner, "console:a")
    _polite(await say(runner, "console:a", Text(odd)))


@pytest.mark.parametrize("action", ["svc:nope", "day:abc", "t:0", "day:20200101", "more:20991231"])
async def test_unknown_button_data_is_answered_politely(database: Database, action: str) -> None:
    runner = Runner(Store(database, salon()), lambda: NOW)
    replies = await _to_the_days(runner, "console:b")
    seq = replies[-1].options[0].id.partition("|")[0]
    replies = _polite(await say(runner, "console:b", Choice(f"{seq}|{action}")))
    assert replies[0].text == text("en", "stale_button")


async def test_a_day_button_pressed_after_the_day_has_passed_is_answered_politely(database: Database) -> None:
    clock = [NOW]
    runner = Runner(Store(database, salon()), lambda: clock[0])
    replies = await _to_the_days(runner, "console:c")
    tomorrow = _option(replies, "Tue 24 Nov")
    clock[0] = datetime.combine(NOW.date() + timedelta(days=3), time(9), KYIV)
    replies = _polite(await say(runner, "console:c", Choice(tomorrow)))
    assert replies[0].text == text("en", "stale_button")


def _long_window(business: Business) -> Business:
    """The haircut books 60 days ahead while the business's rules say 30 (config.yaml's colouring: 90/60)."""
    haircut = replace(business.services[0], max_advance_days=60)
    return replace(business, services=(haircut, *business.services[1:]))


async def test_a_service_booked_further_ahead_than_the_rules_shows_its_later_days(database: Database) -> None:
    runner = Runner(Store(database, _long_window(salon())), lambda: NOW)
    replies = await _to_the_days(runner, "console:d")
    for _ in range(6):  # a week a press: past the rules' 30 days, within the haircut's 60
        replies = _polite(await say(runner, "console:d", Choice(_option(replies, "Later dates"))))
    assert any(o.label.endswith("Jan") for r in replies for o in r.options), [r.text for r in replies]
