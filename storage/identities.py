"""Who is writing: the customer behind a chat on each channel, inbound deduplication, and the 24-hour window.

A customer is known by channel and chat id (Telegram chat, WhatsApp number); the same person on both channels
is linked through their phone number, as one row in `customers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import identities, inbound

i = identities.c


@dataclass(frozen=True)
class Identity:
    channel: str
    chat_id: str
    customer_id: int | None
    last_inbound_at: datetime | None


def seen(conn: Connection, channel: str, external_id: str) -> bool:
    """Whether this platform message id was handled already."""
    query = select(inbound.c.external_id).where(
        inbound.c.channel == channel, inbound.c.external_id == external_id
    )
    return conn.execute(query).first() is not None


def remember(conn: Connection, channel: str, external_id: str, now: datetime) -> None:
    conn.execute(insert(inbound).values(channel=channel, external_id=external_id, received_at=now))


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
    done = conn.execute(
        update(identities).where(i.channel == channel, i.chat_id == chat_id).values(**changes)
    )
    if done.rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(identities).values(channel=channel, chat_id=chat_id, **changes))
        except IntegrityError:  # created meanwhile by another process: update it instead
            conn.execute(
                update(identities).where(i.channel == channel, i.chat_id == chat_id).values(**changes)
            )
