"""Issue 11 through the real runner and store: what only shows there (the runner loads no calendar until a
step asks for a day, so a lost race once ended in "no free times in the coming days", every time)."""

from __future__ import annotations

import pytest

from bot.runner import Runner
from conversations.events import Choice, Command, Text
from conversations.replies import Reply
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, at, salon
from tests.talk import say


@pytest.fixture
def store(database: Database) -> Store:
    return Store(database, salon())


def _option(replies: list[Reply], label: str) -> str:
    return next(o.id for r in reversed(replies) for o in r.options if o.label.startswith(label))


async def test_a_lost_race_offers_the_nearest_times_through_the_runner(store: Store) -> None:
    runner = Runner(store, lambda: NOW)
    key = "whatsapp:+380501234567"
    await say(runner, key, Command("start", language="en"))
    await say(runner, key, Text("haircut with Anna tomorrow at 11"))
    await say(runner, key, Text("Olha"))
    replies = await say(runner, key, Text("+380 50 123 4567"))
    assert "Tue 24 Nov at 11:00" in replies[-1].text
    assert (await store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)).ok
    replies = await say(runner, key, Choice(_option(replies, "Confirm")))
    texts = "\n".join(r.text for r in replies)
    assert "just taken" in texts and "no free times" not in texts, texts
    labels = [o.label for o in replies[-1].options]
    assert "Tue 24 Nov 09:45" in labels and any(label.startswith("Wed 25 Nov") for label in labels), labels
    replies = await say(runner, key, Text("16:00"))  # a time typed now is on the day on screen
    assert "Tue 24 Nov at 16:00" in replies[-1].text, replies[-1].text
