"""Who is writing: the customer behind a chat on each channel, inbound deduplication, and the 24-hour window.

A customer is known by channel and chat id (Telegram chat, WhatsApp number); the same person on both channels
is linked through their phone number, as one row in `customers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from storage.models import identities, inbound
from storage.prepared import Prepared

i = identities.c


@dataclass(frozen=True)
class Identity:
    channel: str
    chat_id: str
    customer_id: int | None
    last_inbound_at: datetime | None


_SEEN = Prepared(
    select(inbound.c.external_id).where(
        inbound.c.channel == bindparam("b_channel"), inbound.c.external_id == bindparam("b_id")
    )
)
# Recording a message id doubles as the check for a redelivery: the row is there already or it is not.
_REMEMBER = {
    "sqlite": Prepared(sqlite.insert(inbound).on_conflict_do_nothing()),
    "postgresql": Prepared(postgresql.insert(inbound).on_conflict_do_nothing()),
}
_TOUCHED = update(identities).where(i.channel == bindparam("b_channel"), i.chat_id == bindparam("b_chat"))
_TOUCH_VALUES = _TOUCHED.values(
    last_inbound_at=bindparam("b_at", type_=i.last_inbound_at.type), language=bindparam("b_lang")
)
_TOUCH = Prepared(_TOUCH_VALUES)
_TOUCH_KNOWN = Prepared(_TOUCH_VALUES.values(customer_id=bindparam("b_who")))


def seen(conn: Connection, channel: str, external_id: str) -> bool:
    """Whether this platform message id was handled already."""
    return _SEEN.run(conn, {"b_channel": channel, "b_id": external_id}).fetchone() is not None


def remember(conn: Connection, channel: str, external_id: str, now: datetime) -> bool:
    """Record this platform message id as handled; False if it was recorded already."""
    values = {"channel": channel, "external_id": external_id, "received_at": now}
    return _REMEMBER[conn.dialect.name].run(conn, values).rowcount == 1


def identity(conn: Connection, channel: str, chat_id: str) -> Identity | None:
    row = conn.execute(select(identities).where(i.channel == channel, i.chat_id == chat_id)).first()
    if row is None:
        return None
    return Identity(row.channel, row.chat_id, row.customer_id, row.last_inbound_at)


def touch(
    conn: Connection,
    channel: str,
    chat_id: str,
    now: datetime,
    *,
    customer_id: int | None,
    language: str | None,
) -> None:
    """Record an inbound message from the chat (and who it is, once known)."""
    changes: dict[str, object] = {"last_inbound_at": now, "language": language}
    if customer_id is not None:
        changes["customer_id"] = customer_id
    statement = _TOUCH_KNOWN if customer_id is not None else _TOUCH
    values = {"b_channel": channel, "b_chat": chat_id, "b_at": now, "b_lang": language, "b_who": customer_id}
    done = statement.run(conn, values)
    if done.rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(identities).values(channel=channel, chat_id=chat_id, **changes))
        except IntegrityError:  # created meanwhile by another process: update it instead
            conn.execute(
                update(identities).where(i.channel == channel, i.chat_id == chat_id).values(**changes)
            )
