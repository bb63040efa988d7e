"""Conversation sessions in the shared store: versioned rows with a short lease, so that one process at a
time advances a conversation and a restart continues where the last step left it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import conversations

c = conversations.c


@dataclass(frozen=True)
class Lease:
    key: str
    owner: str
    version: int
    data: str | None
    duplicate: bool = False  # the inbound message was handled already; nothing was taken


class Sessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(
        self,
        key: str,
        *,
        owner: str,
        now: datetime,
        seconds: int = 30,
        seen: Callable[[Connection], bool] | None = None,
    ) -> Lease | None:
        """Take the conversation for `seconds`; None while another owner holds an unexpired lease. With
        `seen`, a message it reports as handled already comes back as a `duplicate` lease, not taken."""

        def work(conn: Connection) -> Lease | None:
            if seen is not None and seen(conn):
                return Lease(key, owner, -1, None, duplicate=True)
            return _acquire(conn, key, owner, now, seconds)

        try:
            return await self.db.transaction(work)
        except IntegrityError:  # another process created the row first
            return None

    async def save(
        self, lease: Lease, data: str, *, now: datetime, also: Callable[[Connection], None] | None = None
    ) -> bool:
        """Store the new session and release the lease, and run `also` (the outbox, the inbound record) in the
        same transaction; False, with nothing written, if the lease was lost meanwhile."""
        ours = (c.key == lease.key) & (c.version == lease.version) & (c.lease_owner == lease.owner)
        changes = {"data": data, "version": lease.version + 1, "lease_owner": None, "lease_until": None}
        statement = update(conversations).where(ours).values(**changes, updated_at=now)

        def work(conn: Connection) -> bool:
            if conn.execute(statement).rowcount != 1:
                return False
            if also is not None:
                also(conn)
            return True

        return await self.db.transaction(work)

    async def release(self, lease: Lease) -> None:
        ours = (c.key == lease.key) & (c.lease_owner == lease.owner)
        statement = update(conversations).where(ours).values(lease_owner=None, lease_until=None)
        await self.db.transaction(lambda conn: conn.execute(statement))


def _acquire(conn: Connection, key: str, owner: str, now: datetime, seconds: int) -> Lease | None:
    now_ts = int(now.timestamp())
    free = or_(c.lease_until.is_(None), c.lease_until <= now_ts, c.lease_owner == owner)
    taken = conn.execute(
        update(conversations)
        .where(c.key == key, free)
        .values(lease_owner=owner, lease_until=now_ts + seconds)
    )
    if taken.rowcount == 1:
        row = conn.execute(select(c.version, c.data).where(c.key == key)).one()
        return Lease(key, owner, row.version, row.data)
    if conn.execute(select(c.key).where(c.key == key)).first() is not None:
        return None
    values = {
        "key": key,
        "version": 0,
        "lease_owner": owner,
        "lease_until": now_ts + seconds,
        "updated_at": now,
    }
    conn.execute(insert(conversations).values(**values))
    return Lease(key, owner, 0, None)
