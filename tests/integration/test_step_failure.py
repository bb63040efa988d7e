"""A bug in the conversation (a handler that leads where its row does not allow, or one that fails) reaches a
customer as an apology and the menu, logged as an error, never as a 5xx that the platform delivers again and
again; and the same message delivered again is then only a repeat."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.channels.base import Inbound
from bot.runner import Runner
from conversations import flow
from conversations.events import Command, Text
from conversations.session import State
from conversations.texts import text
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, salon
from tests.talk import receive


@pytest.fixture
def runner(database: Database) -> Runner:
    return Runner(Store(database, salon()), lambda: NOW)


@pytest.mark.parametrize("bug", ["illegal transition", "handler raises"])
async def test_a_bug_in_a_step_is_an_apology_and_the_menu(
    runner: Runner, bug: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await receive(runner, Inbound("telegram", "7", Command("start", "uk"), dedup_id="1", language="uk"))
    key = (flow.ANY, "intent:help")
    row = flow.TABLE[key]

    def broken(turn: object, arg: object) -> State:
        if bug == "handler raises":
            raise ZeroDivisionError("a bug")
        return State.MOVING  # nowhere its row allows

    monkeypatch.setitem(flow.TABLE, key, replace(row, handler=broken))
    help_ = Inbound("telegram", "7", Text("help"), dedup_id="2")
    with caplog.at_level(logging.ERROR, logger="slotbot.runner"):
        sent = await receive(runner, help_)
    said = [m.params["text"] for m in sent]
    assert said[0] == text("uk", "something_went_wrong")
    assert said[-1] == text("uk", "menu")
    assert "conversation step failed" in caplog.text
    stored = await runner.sessions.read("telegram:7")
    assert stored is not None and '"state":"start"' in (stored.data or "")
    assert await receive(runner, help_) == []  # delivered again: a repeat, answered once
