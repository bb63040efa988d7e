"""Effects already carried out, by idempotency key: what makes a redelivered event exact after a crash.

The runner gives each effect of a turn a key (the event's source key and the effect's place in the turn). The
store writes the key in the same transaction as the effect, and looks it up first: an event delivered again
after a crash between the effect and the save of its turn finds the hold, confirmation or move it already
made, and the conversation carries on from there instead of doing it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select

from storage.models import effects
from storage.prepared import Prepared

e = effects.c
_FIND = Prepared(select(e.booking_id, e.customer_id, e.outcome).where(e.key == bindparam("b_key")))
_RECORD = Prepared(insert(effects))


@dataclass(frozen=True)
class Applied:
    booking_id: int | None
    customer_id: int | None
    outcome: str | None = None


def find(conn: Connection, key: str | None) -> Applied | None:
    """What the effect with this key did, if it was carried out already."""
    if key is None:
        return None
    row = _FIND.run(conn, {"b_key": key}).fetchone()
    return None if row is None else Applied(row[0], row[1], row[2])


def record(
    conn: Connection,
    key: str | None,
    now: datetime,
    *,
    booking_id: int | None = None,
    customer_id: int | None = None,
    outcome: str | None = None,
) -> None:
    if key is not None:
        row = {"key": key, "booking_id": booking_id, "customer_id": customer_id}
        _RECORD.run(conn, {**row, "outcome": outcome, "created_at": now})
