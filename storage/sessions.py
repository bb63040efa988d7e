"""Conversation sessions in the shared store: versioned rows with a short lease, so that one process at a
time advances a conversation and a restart continues where the last step left it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, or_, select, update
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
        values = {
            "b_key": lease.key,
            "b_version": lease.version,
            "b_owner": lease.owner,
            "b_data": data,
            "b_next": lease.version + 1,
            "b_now": now,
        }

        def work(conn: Connection) -> bool:
            if conn.execute(_SAVE, values).rowcount != 1:
                return False
            if also is not None:
                also(conn)
            return True

        return await self.db.transaction(work)

    async def release(self, lease: Lease) -> None:
        ours = (c.key == lease.key) & (c.lease_owner == lease.owner)
        statement = update(conversations).where(ours).values(lease_owner=None, lease_until=None)
        await self.db.transaction(lambda conn: conn.execute(statement))


# The hot statements are built once: building and keying a statement costs more than running it.
_TAKE = (
    update(conversations)
    .where(
        c.key == bindparam("b_key"),
        or_(
            c.lease_until.is_(None),
            c.lease_until <= bindparam("b_now_ts"),
            c.lease_owner == bindparam("b_owner"),
        ),
    )
    .values(lease_owner=bindparam("b_owner"), lease_until=bindparam("b_until"))
    .returning(c.version, c.data)
)
_EXISTS = select(c.key).where(c.key == bindparam("b_key"))
_SAVE = (
    update(conversations)
    .where(
        c.key == bindparam("b_key"),
        c.version == bindparam("b_version"),
        c.lease_owner == bindparam("b_owner"),
    )
    .values(
        data=bindparam("b_data"),
        version=bindparam("b_next"),
        lease_owner=None,
        lease_until=None,
        updated_at=bindparam("b_now", type_=c.updated_at.type),
    )
)


def _acquire(conn: Connection, key: str, owner: str, now: datetime, seconds: int) -> Lease | None:
    now_ts = int(now.timestamp())
    values = {"b_key": key, "b_now_ts": now_ts, "b_owner": owner, "b_until": now_ts + seconds}
    row = conn.execute(_TAKE, values).first()
    if row is not None:
        return Lease(key, owner, row.version, row.data)
    if conn.execute(_EXISTS, {"b_key": key}).first() is not None:
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
