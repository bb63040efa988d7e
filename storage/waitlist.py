"""The waitlist in the store: entries (who waits for which day), the freed times offered to them, and the jobs
that offer them.

A change that frees a time (a cancellation, an expired hold, a move's old time) calls `freed` in its own
transaction: if anyone waits on that day, a `waitlist_offer` job is due at once, so the offer happens exactly
when the change commits (bot/jobs.py carries it out: the free times that overlap the one freed, to everyone
waiting). Joining writes one too, for the joining entry alone and its whole day (a time may have freed up
between the customer seeing the day full and joining), and a `waitlist_end` job for when the day is over.
Reads ignore entries whose day has passed, whether or not that job has run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage import applied, jobs
from storage.booking import Booking
from storage.db import Database
from storage.models import waitlist, waitlist_offers
from storage.waiting import LEFT, Entry, Wish

w, o = waitlist.c, waitlist_offers.c
# Offer the free times overlapping a freed one (payload: start, end; a join's: near, entry, and its day).
OFFER = "waitlist_offer"
END = "waitlist_end"  # an entry's day is over (payload: entry)
_INSERT_OFFER = {
    "sqlite": sqlite.insert(waitlist_offers).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(waitlist_offers).on_conflict_do_nothing(),
}


@dataclass(frozen=True)
class Offered:
    """A freed time offered to one entry by one job run."""

    id: int
    entry: Entry
    start: datetime


def freed(conn: Connection, booking: Booking, now: datetime) -> None:
    """`booking`'s time was freed in this transaction (cancelled, expired, moved away)."""
    freed_time(conn, booking.start, booking.end, now, booking_id=booking.id)


def freed_time(
    conn: Connection, start: datetime, end: datetime, now: datetime, *, booking_id: int | None = None
) -> None:
    """Time from `start` to `end` was freed in this transaction (by a booking, or staff unblocking it): if
    anyone waits on its day, a job offers them the free times overlapping it, due as soon as this commits.
    (Its UTC dates give or take one cover the local day in any zone.)"""
    if end <= now:
        return
    first, last = start.date() - timedelta(days=1), end.date() + timedelta(days=1)
    query = select(w.id).where(w.ended_at.is_(None), w.day >= first, w.day <= last).limit(1)
    if conn.execute(query).first() is not None:
        about = {} if booking_id is None else {"booking_id": booking_id}
        _schedule_offer(conn, start, end, now, **about)


def _schedule_offer(conn: Connection, start: datetime, end: datetime, now: datetime, **about: int) -> None:
    """A job, due now, offering free times that overlap [start, end): nearest to `near` if given, else to
    `start`; to one `entry` only, if given; `booking_id` names what freed them."""
    freed = {"start": int(start.timestamp()), "end": int(end.timestamp())}
    booking_id = about.pop("booking_id", None)
    jobs.schedule(conn, OFFER, now, now, booking_id=booking_id, payload={**freed, **about})


class Waitlist:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def join(
        self,
        wish: Wish,
        *,
        chat: tuple[str, str],
        customer_id: int | None,
        day: tuple[datetime, datetime],
        near: datetime,
        now: datetime,
        key: str | None = None,
    ) -> Entry:
        """Put the conversation `chat` on the list for `wish` (joining again for the same day, service and
        specialist changes the times waited for). `day`: when the wished day begins and ends; a job looks at
        once for a time that day nearest to `near` (one may have freed up since the customer saw the day
        full), and another ends the entry when the day does. `key`: the effect's idempotency key."""
        joining = _Joining(wish, chat, customer_id, day, near, now, key)
        return await self.db.transaction(lambda conn: _join(conn, joining))

    async def leave(
        self, entry_id: int, *, chat: tuple[str, str], customer_id: int | None, now: datetime
    ) -> Entry | None:
        """Take an entry of this chat's or customer's off the list; None if it is not theirs."""
        return await self.db.transaction(lambda conn: _leave(conn, entry_id, chat, customer_id, now))

    async def end(self, entry_id: int, why: str, *, now: datetime) -> None:
        """End an entry (still open) for `why`: booked from it, or its day passed."""
        ending = update(waitlist).where(w.id == entry_id, w.ended_at.is_(None))
        await self.db.transaction(lambda conn: conn.execute(ending.values(ended_at=now, ended_why=why)))

    async def entry(self, entry_id: int) -> Entry | None:
        row = await self.db.query(lambda conn: conn.execute(select(waitlist).where(w.id == entry_id)).first())
        return _entry(row) if row is not None else None

    async def waiting(self, customer_id: int, *, today: date) -> list[Entry]:
        """The customer's open entries, by day: what they see in their bookings."""
        query = select(waitlist).where(w.customer_id == customer_id, w.ended_at.is_(None), w.day >= today)
        query = query.order_by(w.day, w.id)
        return await self.db.query(lambda conn: [_entry(row) for row in conn.execute(query)])

    async def waiting_on(self, days: Sequence[date], *, today: date) -> list[Entry]:
        """Everyone still waiting on these days, first come first."""
        query = select(waitlist).where(w.ended_at.is_(None), w.day.in_(sorted(set(days))), w.day >= today)
        query = query.order_by(w.id)
        return await self.db.query(lambda conn: [_entry(row) for row in conn.execute(query)])

    async def offer(
        self, found: Sequence[tuple[Entry, datetime]], *, job: str, now: datetime
    ) -> list[Offered]:
        """Record each (entry, start) found by the job run `job`, unless that chat was offered that time for
        that service before; the offers this run made, still open, to tell (again, after a crash: the
        runner drops a repeat). An entry this run offered a time to already is given no other."""
        return await self.db.transaction(lambda conn: _offer(conn, found, job, now))

    async def offers(self, entry_id: int) -> list[datetime]:
        """The times offered to an entry so far (for operators and tests)."""
        query = select(o.start_ts).where(o.entry_id == entry_id).order_by(o.start_ts)
        starts = await self.db.query(lambda conn: list(conn.execute(query).scalars()))
        return [datetime.fromtimestamp(start, UTC) for start in starts]


# ---------------------------------------------------------------- the transactions


@dataclass(frozen=True)
class _Joining:
    wish: Wish
    chat: tuple[str, str]
    customer_id: int | None
    day: tuple[datetime, datetime]
    near: datetime
    now: datetime
    key: str | None


def _join(conn: Connection, joining: _Joining) -> Entry:
    wish, now = joining.wish, joining.now
    done = applied.find(conn, joining.key)
    if done is not None and done.outcome is not None:
        return _entry(conn.execute(select(waitlist).where(w.id == int(done.outcome))).one())
    channel, chat_id = joining.chat
    same = (
        w.channel == channel,
        w.chat_id == chat_id,
        w.service == wish.service,
        w.specialist == wish.specialist,
    )
    times = {"earliest": _minutes(wish.earliest), "latest": _minutes(wish.latest)}
    found = conn.execute(select(w.id).where(*same, w.day == wish.day, w.ended_at.is_(None))).scalar()
    if found is None:
        values: dict[str, Any] = {"channel": channel, "chat_id": chat_id, "service": wish.service}
        values |= {"specialist": wish.specialist, "day": wish.day, "customer_id": joining.customer_id}
        values |= {"created_at": now, **times}
        found = int(conn.execute(insert(waitlist).values(**values).returning(w.id)).scalar_one())
        jobs.schedule(conn, END, joining.day[1], now, payload={"entry": found})
    else:
        conn.execute(update(waitlist).where(w.id == found).values(customer_id=joining.customer_id, **times))
    _schedule_offer(conn, *joining.day, now, near=int(joining.near.timestamp()), entry=found)
    applied.record(conn, joining.key, now, customer_id=joining.customer_id, outcome=str(found))
    return _entry(conn.execute(select(waitlist).where(w.id == found)).one())


def _leave(
    conn: Connection, entry_id: int, chat: tuple[str, str], customer_id: int | None, now: datetime
) -> Entry | None:
    row = conn.execute(select(waitlist).where(w.id == entry_id)).first()
    if row is None:
        return None
    entry = _entry(row)
    if (entry.channel, entry.chat_id) != chat and (customer_id is None or entry.customer_id != customer_id):
        return None
    if entry.ended_at is None:
        conn.execute(update(waitlist).where(w.id == entry_id).values(ended_at=now, ended_why=LEFT))
    return entry


def _offer(
    conn: Connection, found: Sequence[tuple[Entry, datetime]], job: str, now: datetime
) -> list[Offered]:
    ours = select(o.id, o.entry_id, o.start_ts).where(o.job == job).order_by(o.id)
    offered_already = {row.entry_id for row in conn.execute(ours)}
    rows = [
        {
            "entry_id": entry.id,
            "channel": entry.channel,
            "chat_id": entry.chat_id,
            "service": entry.service,
            "start_ts": int(start.timestamp()),
            "job": job,
            "offered_at": now,
        }
        for entry, start in found
        if entry.id not in offered_already
    ]
    if rows:
        conn.execute(_INSERT_OFFER[conn.dialect.name], rows)
    made = conn.execute(ours).all()
    entries = {e.id: e for e in _entries(conn, [row.entry_id for row in made])}
    return [
        Offered(row.id, entries[row.entry_id], datetime.fromtimestamp(row.start_ts, UTC))
        for row in made
        if row.entry_id in entries
    ]


def _entries(conn: Connection, ids: Sequence[int]) -> list[Entry]:
    query = select(waitlist).where(w.id.in_(sorted(set(ids))), w.ended_at.is_(None))
    return [_entry(row) for row in conn.execute(query)] if ids else []


def _entry(row: Any) -> Entry:
    m = row._mapping
    return Entry(
        id=m["id"],
        channel=m["channel"],
        chat_id=m["chat_id"],
        customer_id=m["customer_id"],
        service=m["service"],
        specialist=m["specialist"],
        day=m["day"],
        earliest=_time(m["earliest"]),
        latest=_time(m["latest"]),
        created_at=m["created_at"],
        ended_at=m["ended_at"],
        ended_why=m["ended_why"],
    )


def _minutes(moment: time | None) -> int | None:
    return None if moment is None else moment.hour * 60 + moment.minute


def _time(minutes: int | None) -> time | None:
    return None if minutes is None else time(minutes // 60, minutes % 60)
