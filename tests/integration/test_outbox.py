"""The outbox on both backends: nothing lost, nothing sent twice, order kept per chat, limits honoured."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.dialects import sqlite

from bot import outbox as dispatch
from bot.channels.base import Delivery, Outgoing
from bot.outbox import Dispatcher
from storage.db import Database
from storage.models import outbox
from storage.outbox import LEASE_S, Message, Outbox, claimable, enqueue
from tests.sample import NOW, Clock
from tests.waiting import finished, until


class FakeSender:
    """Records what it sends; answers from a script of Deliveries (ok when the script runs out)."""

    channel = "telegram"

    def __init__(self, *script: Delivery) -> None:
        self.script = list(script)
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Delivery:
        result = self.script.pop(0) if self.script else Delivery(ok=True)
        if result.ok:
            self.sent.append(message)
        return result


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "PER_CHAT_INTERVAL_S", {})


def _msg(chat: str, text: str) -> tuple[str, str, str, dict[str, str]]:
    return ("telegram", chat, "sendMessage", {"chat_id": chat, "text": text})


async def test_queued_messages_are_sent_once_in_order(database: Database) -> None:
    box, sender, clock = Outbox(database), FakeSender(), Clock()
    await box.add([_msg("1", "a"), _msg("2", "x"), _msg("1", "b")], now=NOW)
    dispatcher = Dispatcher(box, {"telegram": sender}, clock, "p1")
    assert await dispatcher.drain_once() == 3
    assert await dispatcher.drain_once() == 0
    texts = [(m.chat_id, m.params["text"]) for m in sender.sent]
    assert sorted(texts) == [("1", "a"), ("1", "b"), ("2", "x")]
    assert [t for c, t in texts if c == "1"] == ["a", "b"]
    assert await box.pending() == 0


async def test_retry_after_holds_the_chat_back_and_keeps_order(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    sender = FakeSender(Delivery(ok=False, retry_after=30))
    await box.add([_msg("1", "a"), _msg("1", "b"), _msg("2", "x")], now=NOW)
    dispatcher = Dispatcher(box, {"telegram": sender}, clock, "p1")
    await dispatcher.drain_once()
    assert [m.params["text"] for m in sender.sent] == ["x"]  # "a" must wait, and "b" behind it
    clock.now = NOW + timedelta(seconds=10)
    assert await dispatcher.drain_once() == 0
    clock.now = NOW + timedelta(seconds=31)
    await dispatcher.drain_once()
    assert [m.params["text"] for m in sender.sent] == ["x", "a", "b"]
    [first] = [row for row in await box.all() if row["params"].endswith('"a"}')]
    assert (first["status"], first["attempts"]) == ("sent", 2)


async def test_a_permanent_failure_is_recorded_and_the_chat_goes_on(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    sender = FakeSender(Delivery(ok=False, error="400 chat not found"))
    await box.add([_msg("1", "a"), _msg("1", "b")], now=NOW)
    await Dispatcher(box, {"telegram": sender}, clock, "p1").drain_once()
    rows = await box.all()
    assert [(r["status"], r["error"]) for r in rows] == [("failed", "400 chat not found"), ("sent", None)]


async def test_a_sender_that_died_loses_nothing(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    await box.add([_msg("1", "a")], now=NOW)
    claimed = await box.claim(owner="dead", now=NOW)
    assert len(claimed) == 1
    sender = FakeSender()
    survivor = Dispatcher(box, {"telegram": sender}, clock, "p2")
    assert await survivor.drain_once() == 0  # still leased by the dead process
    clock.now = NOW + timedelta(seconds=LEASE_S + 1)
    assert await survivor.drain_once() == 1
    assert [m.params["text"] for m in sender.sent] == ["a"]


async def test_a_dead_processes_messages_go_out_within_seconds_in_order(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    # A turn of the process that then died wrote its messages already claimed; one more queued behind them.
    await database.transaction(
        lambda conn: enqueue(conn, [_msg("1", "a"), _msg("1", "b"), _msg("1", "c")], NOW, lease_to="dead")
    )
    await box.add([_msg("1", "d")], now=NOW + timedelta(seconds=1))
    sender = FakeSender()
    survivor = Dispatcher(box, {"telegram": sender}, clock, "p2")
    assert await survivor.drain_once() == 0
    clock.now = NOW + timedelta(seconds=15)
    while await survivor.drain_once():
        pass
    assert [m.params["text"] for m in sender.sent] == ["a", "b", "c", "d"]


async def test_two_senders_never_send_one_message_twice(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    await box.add([_msg(str(i % 7), f"m{i}") for i in range(60)], now=NOW)
    one, two = FakeSender(), FakeSender()
    first = Dispatcher(box, {"telegram": one}, clock, "p1")
    second = Dispatcher(box, {"telegram": two}, clock, "p2")
    for _ in range(3):
        await asyncio.gather(first.drain_once(), second.drain_once())
    texts = [m.params["text"] for m in one.sent + two.sent]
    assert sorted(texts) == sorted(f"m{i}" for i in range(60))


async def test_a_message_for_an_unconfigured_channel_fails_clearly(database: Database) -> None:
    box = Outbox(database)
    await box.add([("whatsapp", "+380501234567", "message", {"Body": "hi"})], now=NOW)
    await Dispatcher(box, {}, Clock(), "p1").drain_once()
    [row] = await box.all()
    assert row["status"] == "failed" and "no whatsapp channel" in row["error"]


async def test_the_rate_limit_spreads_a_burst_over_seconds() -> None:
    now = [0.0]
    sends: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limit = dispatch.RateLimit(per_second=5, clock=lambda: now[0], sleep=sleep)
    for _ in range(11):
        await limit.wait()
        sends.append(now[0])
    # No one-second window ever holds more than five sends, so eleven need two waits of a second.
    assert all(sum(1 for s in sends if t <= s < t + 1.0) <= 5 for t in sends)
    assert sends[-1] >= 2.0


async def test_a_turn_claims_its_messages_unless_its_chat_has_some_waiting(database: Database) -> None:
    box = Outbox(database)
    first = await enqueue_in(database, [_msg("1", "a"), _msg("2", "x")])
    assert [(m.chat_id, m.params["text"]) for m in first] == [("1", "a"), ("2", "x")]
    # Chat 1 still has "a" pending: "b" queues behind it, while chat 3 is free.
    second = await enqueue_in(database, [_msg("1", "b"), _msg("3", "y")])
    assert [(m.chat_id, m.params["text"]) for m in second] == [("3", "y")]
    rows = {row["params"]: row for row in await box.all()}
    assert rows['{"chat_id": "1", "text": "b"}']["lease_owner"] is None
    assert rows['{"chat_id": "3", "text": "y"}']["lease_owner"] == "p1"
    # Nobody else may take what p1 holds, nor "b" while "a" is in p1's hands.
    assert await box.claim(owner="p2", now=NOW) == []


async def enqueue_in(
    database: Database, messages: list[tuple[str, str, str, dict[str, Any]]]
) -> list[Message]:
    """What a turn does: queue messages, claiming for sender p1 those of chats with nothing waiting."""
    return await database.transaction(lambda conn: enqueue(conn, messages, NOW, lease_to="p1"))


def paced_sender(
    database: Database, monkeypatch: pytest.MonkeyPatch, *, seconds: float
) -> tuple[Outbox, FakeSender, Dispatcher]:
    """Sender p1 with Telegram's per-chat pacing set to `seconds`."""
    monkeypatch.setattr(dispatch, "PER_CHAT_INTERVAL_S", {"telegram": seconds})
    box, sender = Outbox(database), FakeSender()
    return box, sender, Dispatcher(box, {"telegram": sender}, Clock(), "p1")


async def test_a_chat_behind_another_senders_message_waits_for_it(database: Database) -> None:
    box, clock = Outbox(database), Clock()
    await box.add([_msg("1", "a"), _msg("1", "b"), _msg("2", "x")], now=NOW)
    [a] = await box.claim(owner="p1", now=NOW, limit=1)
    sender = FakeSender()
    other = Dispatcher(box, {"telegram": sender}, clock, "p2")
    assert await other.drain_once() == 1  # "x" only: "b" waits behind "a"
    await box.sent(a, now=NOW)
    assert await other.drain_once() == 1
    assert [m.params["text"] for m in sender.sent] == ["x", "b"]


async def test_a_paced_chat_holds_up_no_other_chat(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, sender, dispatcher = paced_sender(database, monkeypatch, seconds=0.3)
    held = await enqueue_in(database, [_msg("1", "a1"), _msg("1", "a2"), _msg("1", "a3")])
    other = await enqueue_in(database, [_msg("2", "b1")])
    # In hand together: chat 1 sends a1 and waits out its pacing while b1 goes, however loaded the machine
    # (b1 handed over a moment later would race chat 1's pacing).
    dispatcher.submit(held)
    dispatcher.submit(other)
    await dispatcher.settle()
    texts = [m.params["text"] for m in sender.sent]
    assert texts.index("b1") < texts.index("a2")  # chat 2 did not wait for chat 1's pacing
    assert [t for t in texts if t.startswith("a")] == ["a1", "a2", "a3"]
    assert {row["status"] for row in await box.all()} == {"sent"}


async def test_edits_and_button_answers_are_not_paced(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sender, dispatcher = paced_sender(database, monkeypatch, seconds=60.0)
    answer = ("telegram", "1", "answerCallbackQuery", {"callback_query_id": "q"})
    edit = ("telegram", "1", "editMessageText", {"chat_id": "1", "message_id": 5, "text": "t"})
    dispatcher.submit(await enqueue_in(database, [_msg("1", "a"), answer, edit]))
    # Paced, a second sendMessage would wait a minute: half of that is a deadline no healthy run comes near.
    await finished(dispatcher.settle(), "the edit and the answer to go out unpaced", deadline=30)
    assert [m.method for m in sender.sent] == ["sendMessage", "answerCallbackQuery", "editMessageText"]


async def test_closing_gives_back_what_was_not_sent(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, sender, dispatcher = paced_sender(database, monkeypatch, seconds=60.0)
    dispatcher.submit(await enqueue_in(database, [_msg("1", "a"), _msg("1", "b")]))
    await until(lambda: bool(sender.sent), '"a" to go out')
    await dispatcher.close()  # "b" is waiting out the chat's pacing
    rows = await box.all()
    assert [(r["status"], r["lease_owner"]) for r in rows] == [("sent", None), ("pending", None)]
    successor = FakeSender()
    assert await Dispatcher(box, {"telegram": successor}, Clock(), "p2").drain_once() == 1
    assert [m.params["text"] for m in successor.sent] == ["b"]


async def test_leases_are_renewed_while_messages_wait_in_hand(database: Database) -> None:
    box = Outbox(database)
    [held] = await enqueue_in(database, [_msg("1", "a")])
    later = NOW + timedelta(seconds=LEASE_S - 1)
    assert await box.renew([held.id], owner="p1", now=later) == 1
    assert await box.renew([held.id], owner="p2", now=later) == 0  # not p2's to renew
    assert await box.claim(owner="p2", now=NOW + timedelta(seconds=LEASE_S + 1)) == []


async def test_taking_messages_to_send_reads_only_the_pending_rows(database: Database) -> None:
    """With every message ever sent kept, finding the next ones must not read them all (on SQLite it did:
    a scan of the whole table in the one writer's transaction for each claim, slower with every message)."""
    if database.dialect != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL's planner chooses by its statistics")
    box = Outbox(database)
    await box.add([_msg(str(n % 40), f"m{n}") for n in range(400)], now=NOW)
    await database.transaction(lambda conn: conn.execute(outbox.update().values(status="sent")))
    await box.add([_msg("7", "waiting")], now=NOW)
    query = claimable(int(NOW.timestamp()), 50).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )

    def plan(conn: Connection) -> list[str]:
        return [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")]

    steps = await database.query(plan)
    assert [s for s in steps if s.startswith(("SCAN", "SEARCH")) and "INDEX ix_outbox_pending" not in s] == []
    [taken] = await box.claim(owner="p1", now=NOW, limit=50)
    assert taken.params["text"] == "waiting"
