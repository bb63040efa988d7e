"""Conversation sessions in the shared store: versioned rows with a short lease, so that one process at a
time advances a conversation and a restart continues where the last step left it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import conversations


@dataclass(frozen=True)
class Lease:
    key: str
    owner: str
    version: int
    data: str | None


class Sessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, key: str, *, owner: str, now: datetime, seconds: int = 30) -> Lease | None:
        """Take the conversation for `seconds`; None while another owner holds an unexpired lease."""
        now_ts, until = int(now.timestamp()), int(now.timestamp()) + seconds
        free = or_(
            conversations.c.lease_until.is_(None),
            conversations.c.lease_until <= now_ts,
            conversations.c.lease_owner == owner,
        )
        try:
            async with self.db.writing() as conn:
                taken = await conn.execute(
                    update(conversations)
                    .where(conversations.c.key == key, free)
                    .values(lease_owner=owner, lease_until=until)
                )
                if taken.rowcount == 0:
                    exists = await conn.execute(select(conversations.c.key).where(conversations.c.key == key))
                    if exists.first() is not None:
                        return None
                    await conn.execute(
                        insert(conversations).values(
                            key=key, version=0, data=None, lease_owner=owner, lease_until=until, updated_at=now
                        )
                    )
                    return Lease(key, owner, 0, None)
                row = (
                    await conn.execute(
                        select(conversations.c.version, conversations.c.data).where(conversations.c.key == key)
                    )
                ).one()
                return Lease(key, owner, row.version, row.data)
        except IntegrityError:  # another process created the row first
            return None

    async def save(self, lease: Lease, data: str, *, now: datetime) -> bool:
        """Store the new session and release the lease; False if the lease was lost meanwhile."""
        async with self.db.writing() as conn:
            done = await conn.execute(
                update(conversations)
                .where(
                    and_(
                        conversations.c.key == lease.key,
                        conversations.c.version == lease.version,
                        conversations.c.lease_owner == lease.owner,
                    )
                )
                .values(data=data, version=lease.version + 1, lease_owner=None, lease_until=None, updated_at=now)
            )
            return done.rowcount == 1

    async def release(self, lease: Lease) -> None:
        async with self.db.writing() as conn:
            await conn.execute(
                update(conversations)
                .where(conversations.c.key == lease.key, conversations.c.lease_owner == lease.owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def load(self, key: str) -> str | None:
        async with self.db.reading() as conn:
            return (await conn.execute(select(conversations.c.data).where(conversations.c.key == key))).scalar()
