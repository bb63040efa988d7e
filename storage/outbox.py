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

from sqlalchemy import Connection, func, insert, or_, select, update

from storage.db import Database
from storage.models import outbox

o = outbox.c
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Message:
    id: int
    channel: str
    chat_id: str
    method: str
    params: dict[str, Any]
    attempts: int


def enqueue(conn: Connection, messages: Iterable[tuple[str, str, str, dict[str, Any]]], now: datetime) -> int:
    """Add (channel, chat_id, method, params) messages to the outbox inside the caller's transaction."""
    rows = [
        {
            "channel": channel,
            "chat_id": chat_id,
            "method": method,
            "params": json.dumps(params, ensure_ascii=False),
            "status": "pending",
            "attempts": 0,
            "not_before": int(now.timestamp()),
            "created_at": now,
        }
        for channel, chat_id, method, params in messages
    ]
    if rows:
        conn.execute(insert(outbox), rows)
    return len(rows)


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, messages: Sequence[tuple[str, str, str, dict[str, Any]]], *, now: datetime) -> int:
        return await self.db.transaction(lambda conn: enqueue(conn, messages, now))

    async def claim(self, *, owner: str, now: datetime, limit: int = 50, lease: int = 60) -> list[Message]:
        """Take up to `limit` due messages, oldest first, for `lease` seconds."""
        return await self.db.transaction(lambda conn: _claim(conn, owner, int(now.timestamp()), limit, lease))

    async def sent(self, message: Message, *, now: datetime) -> None:
        changes = {"status": "sent", "sent_at": now, "attempts": message.attempts + 1, "lease_owner": None}
        await self._finish(message, changes)

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
    free = or_(o.lease_until.is_(None), o.lease_until <= now_ts)
    query = (
        select(o.id, o.channel, o.chat_id, o.method, o.params, o.attempts)
        .where(o.status == "pending", o.not_before <= now_ts, free)
        .order_by(o.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = conn.execute(query).all()
    if rows:
        conn.execute(
            update(outbox)
            .where(o.id.in_([row.id for row in rows]))
            .values(lease_owner=owner, lease_until=now_ts + lease)
        )
    return [Message(r.id, r.channel, r.chat_id, r.method, json.loads(r.params), r.attempts) for r in rows]
