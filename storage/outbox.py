"""The outbox: messages waiting to be sent, as rows, claimed by one sender at a time with a short lease.

Rows are written in the same transaction as the conversation step that produced them. A sender claims due
rows, delivers them, and marks each sent, failed, or due again later (the platform asked us to wait). A row
whose sender died is claimed again once its lease runs out, so a message is delayed, never lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, insert, or_, select, update

from storage import leases
from storage.db import Database
from storage.models import outbox
from storage.prepared import Prepared

o = outbox.c
MAX_ATTEMPTS = 12
# A sender holds the messages it claimed this long, renewing it every third of it while they wait in its
# hands: short, so that another process (or the restarted one) sends a dead sender's messages within seconds.
LEASE_S = 10


@dataclass(frozen=True)
class Message:
    id: int
    channel: str
    chat_id: str
    method: str
    params: dict[str, Any]
    attempts: int


def enqueue(
    conn: Connection,
    messages: Iterable[tuple[str, str, str, dict[str, Any]]],
    now: datetime,
    *,
    lease_to: str | None = None,
    lease: int = LEASE_S,
) -> list[Message]:
    """Add (channel, chat_id, method, params) messages to the outbox inside the caller's transaction.

    With `lease_to`, the messages of every chat with nothing else pending are written already claimed by
    that sender and returned, so that it can send them at once without claiming them; a chat that has
    messages waiting (a retry, another process's delivery) gets its new ones queued behind them."""
    now_ts = int(now.timestamp())
    by_chat: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for channel, chat_id, method, params in messages:
        by_chat.setdefault((channel, chat_id), []).append((method, params))
    claimed: list[Message] = []
    for (channel, chat_id), items in by_chat.items():
        take = lease_to is not None and not _waiting(conn, channel, chat_id)
        rows = [
            {
                "channel": channel,
                "chat_id": chat_id,
                "method": method,
                "params": json.dumps(params, ensure_ascii=False),
                "status": "pending",
                "attempts": 0,
                "not_before": now_ts,
                "created_at": now,
                "lease_owner": lease_to if take else None,
                "lease_until": now_ts + lease if take else None,
            }
            for method, params in items
        ]
        if not take:
            _INSERT.run_many(conn, rows)
            continue
        for row, (method, params) in zip(rows, items, strict=True):
            id = _INSERT_CLAIMED.run(conn, row).fetchall()[0][0]
            claimed.append(Message(id, channel, chat_id, method, params, 0))
    return claimed


_WAITING = Prepared(
    select(o.id)
    .where(o.channel == bindparam("b_channel"), o.chat_id == bindparam("b_chat"), o.status == "pending")
    .limit(1)
)
_INSERT = Prepared(insert(outbox))
_INSERT_CLAIMED = Prepared(insert(outbox).returning(o.id))
_SENT = Prepared(
    update(outbox)
    .where(o.id == bindparam("b_id"))
    .values(
        status="sent",
        sent_at=bindparam("b_now", type_=o.sent_at.type),
        attempts=o.attempts + 1,
        lease_owner=None,
        lease_until=None,
    )
)


def _waiting(conn: Connection, channel: str, chat_id: str) -> bool:
    return _WAITING.run(conn, {"b_channel": channel, "b_chat": chat_id}).fetchone() is not None


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, messages: Sequence[tuple[str, str, str, dict[str, Any]]], *, now: datetime) -> None:
        await self.db.transaction(lambda conn: enqueue(conn, messages, now))

    async def claim(
        self, *, owner: str, now: datetime, limit: int = 50, lease: int = LEASE_S
    ) -> list[Message]:
        """Take up to `limit` due messages, oldest first, for `lease` seconds; a message waits while an
        earlier one of its chat is still pending with someone else or not yet due."""
        return await self.db.transaction(lambda conn: _claim(conn, owner, int(now.timestamp()), limit, lease))

    async def sent(self, message: Message, *, now: datetime) -> None:
        await self.sent_many([message.id], now=now)

    async def sent_many(self, ids: Sequence[int], *, now: datetime) -> None:
        """Mark delivered messages sent, all in one transaction."""
        rows = [{"b_id": id, "b_now": now} for id in ids]
        await self.db.transaction(lambda conn: _SENT.run_many(conn, rows))

    async def renew(self, ids: Sequence[int], *, owner: str, now: datetime, lease: int = LEASE_S) -> int:
        """Extend our lease on messages we still mean to send (waiting behind a chat's pacing)."""
        statement = (
            update(outbox)
            .where(o.id.in_(ids), o.lease_owner == owner, o.status == "pending")
            .values(lease_until=int(now.timestamp()) + lease)
        )
        return int(await self.db.transaction(lambda conn: conn.execute(statement).rowcount))

    async def release(self, ids: Sequence[int], *, owner: str) -> None:
        """Give back messages we will not send after all (shutting down), for any sender to take."""
        statement = (
            update(outbox)
            .where(o.id.in_(ids), o.lease_owner == owner, o.status == "pending")
            .values(lease_owner=None, lease_until=None)
        )
        await self.db.transaction(lambda conn: conn.execute(statement))

    async def failed(self, message: Message, error: str, *, now: datetime) -> None:
        changes = {
            "status": "failed",
            "error": error[:500],
            "attempts": message.attempts + 1,
            "lease_owner": None,
        }
        await self._finish(message, changes)

    async def later(self, message: Message, *, seconds: float, now: datetime, error: str = "") -> None:
        """Try again in `seconds`, and hold back the chat's later messages too, so that order is kept."""
        if message.attempts + 1 >= MAX_ATTEMPTS:
            await self.failed(message, f"gave up after {MAX_ATTEMPTS} attempts: {error}", now=now)
            return
        due = int(now.timestamp() + seconds)

        def work(conn: Connection) -> None:
            conn.execute(
                update(outbox)
                .where(o.id == message.id)
                .values(attempts=message.attempts + 1, not_before=due, lease_owner=None, lease_until=None)
            )
            conn.execute(
                update(outbox)
                .where(o.channel == message.channel, o.chat_id == message.chat_id)
                .where(o.status == "pending", o.id > message.id, o.not_before < due)
                .values(not_before=due, lease_owner=None, lease_until=None)
            )

        await self.db.transaction(work)

    async def _finish(self, message: Message, changes: dict[str, Any]) -> None:
        statement = update(outbox).where(o.id == message.id).values(lease_until=None, **changes)
        await self.db.transaction(lambda conn: conn.execute(statement))

    async def pending(self) -> int:
        async with self.db.reading() as conn:
            return int((await conn.execute(select(func.count()).where(o.status == "pending"))).scalar_one())

    async def all(self) -> list[dict[str, Any]]:
        async with self.db.reading() as conn:
            rows = (await conn.execute(select(outbox).order_by(o.id))).all()
        return [dict(row._mapping) for row in rows]


def _claim(conn: Connection, owner: str, now_ts: int, limit: int, lease: int) -> list[Message]:
    rows = leases.take(conn, outbox, claimable(now_ts, limit), owner, now_ts + lease)
    return [Message(r.id, r.channel, r.chat_id, r.method, json.loads(r.params), r.attempts) for r in rows]


def claimable(now_ts: int, limit: int) -> Select[tuple[int, str, str, str, str, int]]:
    """The next messages to send, oldest first: due, not leased, and no earlier one of their chat waiting
    (deferred or in another sender's hands), so that a chat's order is kept. Reads the pending rows' indexes
    only, however many sent rows pile up."""
    free = or_(o.lease_until.is_(None), o.lease_until <= now_ts)
    earlier = outbox.alias("earlier")
    e = earlier.c
    blocked = (
        select(e.id)
        .where(e.channel == o.channel, e.chat_id == o.chat_id, e.status == "pending", e.id < o.id)
        .where(or_(e.not_before > now_ts, e.lease_until > now_ts))
        .exists()
    )
    return (
        select(o.id, o.channel, o.chat_id, o.method, o.params, o.attempts)
        .where(o.status == "pending", o.not_before <= now_ts, free, ~blocked)
        .order_by(o.id)
        .limit(limit)
    )
