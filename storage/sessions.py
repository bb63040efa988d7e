"""Conversation sessions in the shared store: versioned rows, so that a restart continues where the last step
left it and two processes never both advance one conversation.

A step that only talks (most of them) is saved with a compare-and-set on the version it read (`commit`): no
lease, one transaction. A step that changes bookings first takes a short lease on that same version
(`lease_if`), so that nobody else saves the conversation while its effects run; `save` then ends the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import conversations
from storage.prepared import Prepared

c = conversations.c
# How long a turn with effects holds its conversation. Effects take milliseconds; the lease only has to
# outlive them, and it is what a redelivery after a crash waits out (the runner waits up to LEASE_WAIT_S).
LEASE_S = 10


@dataclass(frozen=True)
class Stored:
    """A conversation as read: its version (0 for a row created by a lease and never saved), its data, and
    who holds a lease on it until when (epoch seconds)."""

    version: int
    data: str | None
    lease_owner: str | None
    lease_until: int | None

    def leased_by_other(self, owner: str, now: datetime) -> bool:
        return (
            self.lease_owner is not None
            and self.lease_owner != owner
            and (self.lease_until or 0) > int(now.timestamp())
        )


class Duplicate(Exception):
    """The inbound message was handled already: nothing of this step is written."""


class _Moved(Exception):
    """Rolls back a commit that found the conversation changed."""


@dataclass(frozen=True)
class Lease:
    key: str
    owner: str
    version: int  # the version it was taken at; the save makes the next


class Sessions:
    def __init__(self, db: Database) -> None:
        self.db = db

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
            if _SAVE.run(conn, values).rowcount != 1:
                return False
            if also is not None:
                also(conn)
            return True

        return await self.db.transaction(work)

    async def read(self, key: str) -> Stored | None:
        """The conversation as stored, without taking anything; None if it never started."""
        row = await self.db.query(lambda conn: conn.execute(_READ, {"b_key": key}).first())
        return None if row is None else Stored(row.version, row.data, row.lease_owner, row.lease_until)

    async def lease_if(
        self,
        key: str,
        version: int | None,
        *,
        owner: str,
        now: datetime,
        seconds: int = LEASE_S,
        seen: Callable[[Connection], bool] | None = None,
    ) -> Lease | None:
        """Take the conversation for `seconds` if it is still at `version` (None: not stored yet) and nobody
        else holds it; None otherwise. Raises `Duplicate` if `seen` reports the inbound message as handled."""
        now_ts = int(now.timestamp())

        def work(conn: Connection) -> Lease | None:
            if seen is not None and seen(conn):
                raise Duplicate(key)
            if version is None:
                _CREATE.run(conn, _new_row(key, 0, None, now, owner, now_ts + seconds))
                return Lease(key, owner, 0)
            values = {
                "b_key": key,
                "b_version": version,
                "b_owner": owner,
                "b_now_ts": now_ts,
                "b_until": now_ts + seconds,
            }
            taken = _LEASE_IF.run(conn, values).rowcount == 1
            return Lease(key, owner, version) if taken else None

        try:
            return await self.db.transaction(work)
        except IntegrityError:  # another process created the row first
            return None

    async def commit(
        self,
        key: str,
        version: int | None,
        data: str,
        *,
        owner: str,
        now: datetime,
        also: Callable[[Connection], None] | None = None,
    ) -> int | None:
        """Save the session over `version` (None: a new conversation) if nobody changed or leased it since,
        and run `also` in the same transaction (it may raise `Duplicate` to write nothing). The new version,
        or None, with nothing written, if the conversation moved on meanwhile."""
        now_ts = int(now.timestamp())

        def work(conn: Connection) -> int | None:
            if version is None:
                try:
                    _CREATE.run(conn, _new_row(key, 1, data, now, None, None))
                except IntegrityError:  # another process started this conversation first
                    raise _Moved from None
            else:
                values = {
                    "b_key": key,
                    "b_version": version,
                    "b_owner": owner,
                    "b_now_ts": now_ts,
                    "b_data": data,
                    "b_next": version + 1,
                    "b_now": now,
                }
                if _COMMIT.run(conn, values).rowcount != 1:
                    return None
            if also is not None:
                also(conn)
            return 1 if version is None else version + 1

        try:
            return await self.db.transaction(work)
        except _Moved:
            return None

    async def release(self, lease: Lease) -> None:
        ours = (c.key == lease.key) & (c.lease_owner == lease.owner)
        statement = update(conversations).where(ours).values(lease_owner=None, lease_until=None)
        await self.db.transaction(lambda conn: conn.execute(statement))


# The hot statements are built once: building and keying a statement costs more than running it.
_FREE_OR_OURS = or_(
    c.lease_owner.is_(None), c.lease_until <= bindparam("b_now_ts"), c.lease_owner == bindparam("b_owner")
)
_AT_VERSION = (c.key == bindparam("b_key")) & (c.version == bindparam("b_version")) & _FREE_OR_OURS
_READ = select(c.version, c.data, c.lease_owner, c.lease_until).where(c.key == bindparam("b_key"))
_LEASE_IF = Prepared(
    update(conversations)
    .where(_AT_VERSION)
    .values(lease_owner=bindparam("b_owner"), lease_until=bindparam("b_until"))
)
# A saved step: the new data at the next version, no lease.
_SAVED = {
    "data": bindparam("b_data"),
    "version": bindparam("b_next"),
    "lease_owner": None,
    "lease_until": None,
    "updated_at": bindparam("b_now", type_=c.updated_at.type),
}
_COMMIT = Prepared(update(conversations).where(_AT_VERSION).values(_SAVED))
_CREATE = Prepared(insert(conversations))
_SAVE = Prepared(
    update(conversations)
    .where(
        c.key == bindparam("b_key"),
        c.version == bindparam("b_version"),
        c.lease_owner == bindparam("b_owner"),
    )
    .values(_SAVED)
)


def _new_row(
    key: str, version: int, data: str | None, now: datetime, owner: str | None, until: int | None
) -> dict[str, object]:
    return {
        "key": key,
        "version": version,
        "data": data,
        "lease_owner": owner,
        "lease_until": until,
        "updated_at": now,
    }
