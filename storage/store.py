"""Atomic booking operations on the shared availability store: hold, confirm, cancel, expire, move.

Each write is one transaction (storage/transactions.py). The database refuses overlapping claims (see
storage/models.py), so a hold that loses a race fails inside the database and comes back as
`Outcome(reason="taken")`; nothing raises past the store for a refusal. Unpaid holds stop counting at
`expires_at` without any cleanup job: every read ignores them, and a write that needs their time releases them
in its own transaction first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage import applied, paying, payments
from storage import transactions as tx
from storage.attempt import Attempt, Paying, Report
from storage.availability import Slot, check_slot, class_resource, free_slots, room_resource
from storage.availability import staff_resource as staff_key
from storage.booking import (
    OUTSIDE_HOURS,
    TAKEN,
    TOO_FAR,
    TOO_LATE,
    UNKNOWN_SERVICE,
    UNKNOWN_SPECIALIST,
    Booking,
    Outcome,
)
from storage.business import Business, Service
from storage.claims_cache import ClaimsCache
from storage.db import Database
from storage.models import bookings, claims, customers, identities
from storage.transactions import Refused

__all__ = ["Booking", "Outcome", "Store"]

RECHECK_S = 1.0  # one writing process: how late another process's booking may show in slots on offer
# When several specialists refuse a time for different reasons, tell the customer the most useful one.
_REASON_ORDER = (TAKEN, TOO_LATE, TOO_FAR, OUTSIDE_HOURS, UNKNOWN_SPECIALIST)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
T = TypeVar("T")


def random_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    phone: str | None
    language: str | None


def _is_claim_conflict(error: IntegrityError) -> bool:
    # A collision of the random booking code is the only other integrity error a hold can meet.
    return "code" not in str(error.orig).lower()


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


class Store:
    def __init__(
        self, db: Database, business: Business, *, new_code: Callable[[], str] = random_code
    ) -> None:
        self.db = db
        self.business = business
        self._new_code = new_code
        self._zone = ZoneInfo(business.timezone)
        # One process writing (SQLite): versions are read again only after its own writes, or a second later.
        self._cache = ClaimsCache(recheck_after=RECHECK_S if db.one_process else 0.0)
        # Every resource a conversation's view covers: all of the business's, fixed with the business.
        self._resources = sorted({key for s in business.services for key in _resources(s, s.staff)})

    # ---------------------------------------------------------------- customers

    async def add_customer(
        self,
        *,
        now: datetime,
        name: str = "",
        phone: str | None = None,
        language: str | None = None,
        proven: bool = False,
        key: str | None = None,
    ) -> int:
        """A new customer; `proven` when the platform vouched for the phone. With an idempotency `key`, the
        one this key made already if it did."""
        values = {
            "name": name,
            "phone": phone,
            "language": language,
            "phone_proven": proven,
            "created_at": now,
        }

        def work(conn: Connection) -> int:
            done = applied.find(conn, key)
            if done is not None and done.customer_id is not None:
                return done.customer_id
            customer_id = tx.new_id(conn.execute(insert(customers).values(**values)))
            applied.record(conn, key, now, customer_id=customer_id)
            return customer_id

        return await self.db.transaction(work)

    async def customer_for_chat(
        self, channel: str, chat_id: str, phone: str | None = None
    ) -> Customer | None:
        """Who writes from this chat: the customer it is linked to, else the customer whose phone the platform
        proved to be `phone` (a WhatsApp sender is that number's owner)."""
        linked = select(identities.c.customer_id).where(
            identities.c.channel == channel, identities.c.chat_id == chat_id
        )

        def find(conn: Connection) -> Customer | None:
            customer_id = conn.execute(linked).scalar()
            if customer_id is None and phone:
                customer_id = conn.execute(_PROVEN.params(phone=phone)).scalar()
            if customer_id is None:
                return None
            row = conn.execute(select(customers).where(customers.c.id == customer_id)).one()
            return Customer(row.id, row.name, row.phone, row.language)

        return await self.db.query(find)

    async def customers(self, ids: Sequence[int]) -> dict[int, Customer]:
        """The customers with these ids (who booked, for the operator)."""
        query = select(customers).where(customers.c.id.in_(sorted(set(ids))))
        rows = await self.db.query(lambda conn: conn.execute(query).all())
        return {row.id: Customer(row.id, row.name, row.phone, row.language) for row in rows}

    async def customer_by_phone(self, phone: str) -> int | None:
        """The customer whose phone the platform proved to be `phone`; a typed number never finds anyone."""
        return await self.db.query(lambda conn: conn.execute(_PROVEN.params(phone=phone)).scalar())

    # ---------------------------------------------------------------- reads

    async def slots(
        self,
        service_id: str,
        *,
        now: datetime,
        start_day: date | None = None,
        days: int = 1,
        specialist: str | None = None,
    ) -> list[Slot]:
        """Free slots of a service, as of `now`, on `days` local days from `start_day` (default: today)."""
        service = self.business.service(service_id)
        first = start_day or now.astimezone(self._zone).date()
        staff = (specialist,) if specialist else service.staff
        lo, hi = self._window(first, days)
        busy = await self._cache.busy(self.db, _resources(service, staff), lo, hi, _ts(now))
        return free_slots(
            self.business, service, now=now, start_day=first, days=days, specialist=specialist, busy=busy
        )

    async def busy(self, *, now: datetime, first_day: date, days: int) -> dict[str, list[tuple[int, int]]]:
        """Every live claim of the business over `days` local days from `first_day`: a conversation's view."""
        lo, hi = self._window(first_day, days)
        return await self._cache.busy(self.db, self._resources, lo, hi, _ts(now))

    def _window(self, first: date, days: int) -> tuple[int, int]:
        lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), self._zone)
        hi = datetime.combine(first + timedelta(days=days + 1), datetime.min.time(), self._zone)
        return _ts(lo), _ts(hi)

    async def booking(self, booking_id: int) -> Booking | None:
        query = select(bookings).where(bookings.c.id == booking_id)
        row = await self.db.query(lambda conn: conn.execute(query).first())
        return tx.as_booking(row) if row else None

    async def booking_by_code(self, code: str) -> Booking | None:
        """The booking with this code, however it is typed (codes are stored in capitals)."""
        query = select(bookings).where(bookings.c.code == code.strip().upper())
        row = await self.db.query(lambda conn: conn.execute(query).first())
        return tx.as_booking(row) if row else None

    async def bookings(
        self,
        *,
        customer_id: int | None = None,
        since: datetime | None = None,
        live_at: datetime | None = None,
        starting: tuple[datetime, datetime] | None = None,
    ) -> list[Booking]:
        """Bookings by start time; `since` keeps those ending after it, `live_at` those live then,
        `starting` those starting from its first moment and before its second (a day's, for an agenda)."""
        query = select(bookings).order_by(bookings.c.start, bookings.c.id)
        if customer_id is not None:
            query = query.where(bookings.c.customer_id == customer_id)
        if since is not None:
            query = query.where(bookings.c.end > since)
        if starting is not None:
            query = query.where(bookings.c.start >= starting[0], bookings.c.start < starting[1])
        found = await self.db.query(lambda conn: [tx.as_booking(row) for row in conn.execute(query)])
        return [b for b in found if b.is_live(live_at)] if live_at else found

    async def history(self, customer_id: int, *, now: datetime) -> tuple[int, tuple[str, ...]]:
        """The customer's past visits (confirmed bookings that ended by `now`; no no-shows are recorded yet)
        and the tags staff put on them."""
        b = bookings.c
        visited = (b.customer_id == customer_id) & (b.status == "confirmed") & (b.end <= now)
        count = select(func.count()).where(visited)
        tags = select(customers.c.tags).where(customers.c.id == customer_id)

        def read(conn: Connection) -> tuple[int, tuple[str, ...]]:
            return int(conn.execute(count).scalar_one()), tuple((conn.execute(tags).scalar() or "").split())

        return await self.db.query(read)

    async def tag(self, customer_ids: Sequence[int], tag: str, *, on: bool = True) -> None:
        """Put `tag` on these customers (or take it off)."""

        def work(conn: Connection) -> None:
            for row in conn.execute(
                select(customers.c.id, customers.c.tags).where(customers.c.id.in_(customer_ids))
            ):
                have = [t for t in row.tags.split() if t != tag] + ([tag] if on else [])
                conn.execute(update(customers).where(customers.c.id == row.id).values(tags=" ".join(have)))

        await self.db.transaction(work)

    async def customers_with(
        self, *, phone: str | None = None, booking_code: str | None = None, proven: bool = False
    ) -> list[int]:
        """The customers with this phone (only those whose phone the platform proved, with `proven`; else also
        those who typed it: staff know whom they mean), or of this booking."""
        if booking_code is not None:
            query = select(bookings.c.customer_id).where(bookings.c.code == booking_code.upper())
        else:
            query = select(customers.c.id).where(customers.c.phone == phone)
            query = query.where(customers.c.phone_proven) if proven else query
        return await self.db.query(lambda conn: [i for i in conn.execute(query).scalars() if i is not None])

    async def count_live_claims(self, resource: str, *, now: datetime) -> int:
        """How many claims on `resource` count as of `now` (for diagnostics and tests)."""
        query = select(func.count()).where(
            claims.c.active,
            claims.c.resource == resource,
            or_(claims.c.expires_ts.is_(None), claims.c.expires_ts > _ts(now)),
        )
        async with self.db.reading() as conn:
            return int((await conn.execute(query)).scalar_one())

    # ---------------------------------------------------------------- writes

    async def hold(
        self,
        *,
        service: str,
        start: datetime,
        now: datetime,
        customer_id: int | None = None,
        specialist: str | None = None,
        ttl: timedelta | None = None,
        key: str | None = None,
        chat: tuple[str, str] | None = None,
    ) -> Outcome:
        """Hold `start` for the customer; with no specialist, the first free one in the service's order.
        `chat` is where the booking was made from (channel, chat id); `key` the effect's idempotency key:
        the hold this key made already, if it made one, is the outcome."""
        try:
            chosen = self.business.service(service)
        except KeyError:
            return Outcome(reason=UNKNOWN_SERVICE)
        expires = now + (ttl if ttl is not None else timedelta(minutes=self.business.rules.hold_minutes))
        reasons = []
        for staff_id in (specialist,) if specialist else chosen.staff:
            reason = check_slot(self.business, chosen, staff_id, start, now)
            if reason is None:
                held = _Holding(chosen, staff_id, start, now, customer_id, expires, key, chat)
                outcome = await self._hold_one(held)
                if outcome.ok:
                    return outcome
                reason = outcome.reason
            reasons.append(reason)
        if key is not None:
            # A redelivered message finds the hold it made before its process died, whatever the time says
            # now: its start may have slipped inside the minimum notice while the platform waited.
            made = await self.db.query(partial(tx.made_by, key=key))
            if made is not None:
                return Outcome(booking=made)
        return Outcome(reason=min(reasons, key=_REASON_ORDER.index))

    async def _hold_one(self, held: _Holding) -> Outcome:
        # The first try assumes no expired hold is in the way (the common case, one statement fewer); on a
        # conflict the next try releases expired holds from the wanted time first. On PostgreSQL two holds
        # may also pick the same free seat of a class; the loser tries the next seat.
        free_expired = False
        service = held.service
        for _attempt in range(service.capacity + 3):
            values = self._new_booking(held)

            def work(conn: Connection, v: dict[str, Any] = values, f: bool = free_expired) -> Booking:
                return tx.once(
                    conn,
                    held.key,
                    held.now,
                    lambda: tx.hold(
                        conn, self.business, service, held.staff_id, held.start, v, free_expired=f
                    ),
                )

            try:
                return Outcome(booking=await self.db.transaction(work))
            except Refused as refused:
                if refused.reason != TAKEN or free_expired:
                    return Outcome(reason=refused.reason)
            except IntegrityError as error:
                if free_expired and _is_claim_conflict(error) and not service.is_class:
                    return Outcome(reason=TAKEN)
            finally:
                self._cache.changed()  # ours, or a sign that someone else's write is not in the cache yet
            free_expired = True
        return Outcome(reason=TAKEN)

    def _new_booking(self, held: _Holding) -> dict[str, Any]:
        service = held.service
        channel, chat_id = held.chat or (None, None)
        return {
            "code": self._new_code(),
            "service": service.id,
            "specialist": held.staff_id,
            "customer_id": held.customer_id,
            "start": held.start,
            "end": held.start + timedelta(minutes=service.duration),
            "status": "held",
            "expires_at": held.expires,
            "moves": 0,
            "price": service.price,
            "paid": Decimal(0),
            "origin": "direct",
            "channel": channel,
            "chat_id": chat_id,
            "created_at": held.now,
            "updated_at": held.now,
        }

    async def confirm(
        self,
        booking_id: int,
        *,
        now: datetime,
        paid: Decimal | None = None,
        late_ok: bool = False,
        key: str | None = None,
    ) -> Outcome:
        """Make a hold a booking. A hold past its expiry is refused ("expired") unless `late_ok`, which
        takes its time back if nobody else has (for a payment that arrived late), else "taken"."""
        return await self._change(
            booking_id, now, key, lambda conn: tx.confirm(conn, self.business, booking_id, now, paid, late_ok)
        )

    async def cancel(
        self,
        booking_id: int,
        *,
        now: datetime,
        refund: bool | None = None,
        refund_amount: Decimal = Decimal(0),
        key: str | None = None,
    ) -> Outcome:
        """Cancel a live booking and free its time, recording whether its prepayment is to be refunded; with
        `refund_amount`, that much of what its payments keep goes back (refund jobs, in the same
        transaction). Cancelling twice is harmless and reports the booking: the second refunds nothing more
        (under another key, say a customer's cancel and staff's one after it)."""

        def work(conn: Connection) -> Booking:
            first = tx.locked(conn, booking_id).status != "cancelled"
            cancelled = tx.cancel(conn, booking_id, now, refund)
            if first and refund_amount > 0 and paying.refund(conn, booking_id, refund_amount, now) > 0:
                return tx.current(conn, booking_id)
            return cancelled

        return await self._change(booking_id, now, key, work)

    async def confirm_visit(
        self, booking_id: int, *, now: datetime, key: str | None = None
    ) -> tuple[Booking | None, bool]:
        """The customer says they are coming (answering a reminder): the booking as it now is, and whether
        this was the confirmation that recorded it (a repeat, or a booking no longer to come, changes
        nothing)."""
        try:
            return await self.db.transaction(lambda conn: tx.confirm_visit(conn, booking_id, now, key))
        except Refused:
            return None, False

    # ---------------------------------------------------------------- money

    async def start_payment(
        self, booking_id: int, *, amount: Decimal, pay_by: datetime, now: datetime, key: str | None = None
    ) -> Attempt | str:
        """The payment attempt to send the customer to (an open one still payable, else a new one), or why
        there is none (the booking is no longer live, or already paid)."""
        currency = self.business.currency
        try:
            return await self.db.transaction(
                lambda conn: paying.start(conn, booking_id, amount, currency, pay_by, now, key)
            )
        except tx.Refused as refused:
            return refused.reason

    async def record_payment(self, report: Report, *, now: datetime, key: str | None = None) -> Paying:
        """What LiqPay reported, recorded with what it means for the booking (see storage/paying.py)."""
        try:
            return await self.db.transaction(
                lambda conn: paying.record(conn, self.business, report, now, key)
            )
        finally:
            self._cache.changed()

    async def payment(self, order_id: str) -> Attempt | None:
        return await self.db.query(lambda conn: payments.find(conn, order_id))

    async def open_payments(self, booking_id: int) -> list[Attempt]:
        """The booking's attempts LiqPay may still take money under (a status check asks about each)."""
        return await self.db.query(lambda conn: payments.unsettled(conn, booking_id))

    async def expire(self, booking_id: int, *, now: datetime, key: str | None = None) -> Outcome:
        """Mark a hold expired once its time has passed (reads already ignore it; this records it)."""
        return await self._change(booking_id, now, key, lambda conn: tx.expire(conn, booking_id, now))

    async def move(
        self,
        booking_id: int,
        *,
        start: datetime,
        now: datetime,
        specialist: str | None = None,
        key: str | None = None,
    ) -> Outcome:
        """Move a live booking to `start` in one transaction: the new time is claimed and the old released
        together, or nothing changes. Status, payment and hold expiry stay as they were."""
        return await self._change(
            booking_id,
            now,
            key,
            lambda conn: tx.move(conn, self.business, booking_id, start, now, specialist),
        )

    async def _change(
        self, booking_id: int, now: datetime, key: str | None, work: Callable[[Connection], Booking]
    ) -> Outcome:
        try:
            return Outcome(
                booking=await self.db.transaction(lambda conn: tx.once(conn, key, now, lambda: work(conn)))
            )
        except Refused as refused:
            return Outcome(booking=await self.booking(booking_id), reason=refused.reason)
        except IntegrityError:
            return Outcome(booking=await self.booking(booking_id), reason=TAKEN)
        finally:
            self._cache.changed()


_PROVEN = (
    select(customers.c.id)
    .where(customers.c.phone == bindparam("phone"), customers.c.phone_proven)
    .order_by(customers.c.id)
    .limit(1)
)


@dataclass(frozen=True)
class _Holding:
    """One hold being attempted: the service, with whom, when, for whom, until when, and its keys."""

    service: Service
    staff_id: str
    start: datetime
    now: datetime
    customer_id: int | None
    expires: datetime
    key: str | None
    chat: tuple[str, str] | None


def _resources(service: Service, staff: Sequence[str]) -> list[str]:
    if service.is_class:
        return [class_resource(service.id, staff_id) for staff_id in staff]
    keys = [staff_key(staff_id) for staff_id in staff]
    return [*keys, room_resource(service.room)] if service.room else keys
