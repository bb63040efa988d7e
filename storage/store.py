"""Atomic booking operations on the shared availability store: hold, confirm, cancel, expire, move.

Each write is one transaction. The database refuses overlapping claims (see storage/models.py), so a hold that
loses a race fails inside the database and comes back as `Outcome(reason="taken")`; nothing raises past the
store for a refusal. Unpaid holds stop counting at `expires_at` without any cleanup job: every read ignores
them, and a write that needs their time releases them in its own transaction first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.availability import Slot, check_slot, claims_for, class_resource, free_slots, room_resource
from storage.availability import staff_resource as staff_key
from storage.business import Business, Service
from storage.claims_cache import ClaimsCache
from storage.db import Database
from storage.models import bookings, claims, customers, resource_versions

TAKEN = "taken"
OUTSIDE_HOURS = "outside_hours"
TOO_LATE = "too_late"
TOO_FAR = "too_far"
UNKNOWN_SERVICE = "unknown_service"
UNKNOWN_SPECIALIST = "unknown_specialist"
NOT_FOUND = "not_found"
EXPIRED = "expired"
CANCELLED = "cancelled"

# When several specialists refuse a time for different reasons, tell the customer the most useful one.
_REASON_ORDER = (TAKEN, TOO_LATE, TOO_FAR, OUTSIDE_HOURS, UNKNOWN_SPECIALIST)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LIVE = ("held", "confirmed")


_INSERT_BOOKING = insert(bookings)
_INSERT_CLAIMS = insert(claims)


def random_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class Booking:
    id: int
    code: str
    service: str
    specialist: str
    customer_id: int | None
    start: datetime
    end: datetime
    status: str
    expires_at: datetime | None
    moves: int
    price: Decimal
    paid: Decimal
    created_at: datetime
    origin: str = "direct"
    refund: bool | None = None  # recorded on cancellation: is the prepayment to be refunded

    def state(self, now: datetime) -> str:
        """The status as of `now`: a hold past its expiry is expired even before anything marked it so."""
        if self.status == "held" and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.status

    def is_live(self, now: datetime) -> bool:
        return self.state(now) in LIVE


@dataclass(frozen=True)
class Outcome:
    booking: Booking | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


class _Refused(Exception):
    """Raised inside a write transaction to roll it back and report `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _is_claim_conflict(error: IntegrityError) -> bool:
    # A collision of the random booking code is the only other integrity error a hold can meet.
    return "code" not in str(error.orig).lower()


class Store:
    def __init__(self, db: Database, business: Business, *, new_code: Callable[[], str] = random_code) -> None:
        self.db = db
        self.business = business
        self._new_code = new_code
        self._zone = ZoneInfo(business.timezone)
        self._cache = ClaimsCache()
        upsert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        self._bump = (
            upsert(resource_versions)
            .values(resource=bindparam("resource"), version=1)
            .on_conflict_do_update(index_elements=["resource"], set_={"version": resource_versions.c.version + 1})
        )

    # ---------------------------------------------------------------- customers

    async def add_customer(
        self, *, now: datetime, name: str = "", phone: str | None = None, language: str | None = None
    ) -> int:
        async with self.db.writing() as conn:
            values = {"name": name, "phone": phone, "language": language, "created_at": now}
            result = await conn.execute(insert(customers).values(**values))
            return int(result.inserted_primary_key[0])

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
        lo = _ts(datetime.combine(first - timedelta(days=1), datetime.min.time(), self._zone))
        hi = _ts(datetime.combine(first + timedelta(days=days + 1), datetime.min.time(), self._zone))
        async with self.db.reading() as conn:
            busy = await self._cache.busy(conn, _resources(service, staff), lo, hi, _ts(now))
        return free_slots(
            self.business, service, now=now, start_day=first, days=days, specialist=specialist, busy=busy
        )

    async def busy(self, *, now: datetime, first_day: date, days: int) -> dict[str, list[tuple[int, int]]]:
        """Every live claim of the business over `days` local days from `first_day` (a conversation's view)."""
        resources = sorted({key for s in self.business.services for key in _resources(s, s.staff)})
        lo = _ts(datetime.combine(first_day - timedelta(days=1), datetime.min.time(), self._zone))
        hi = _ts(datetime.combine(first_day + timedelta(days=days + 1), datetime.min.time(), self._zone))
        async with self.db.reading() as conn:
            return await self._cache.busy(conn, resources, lo, hi, _ts(now))

    async def customer_by_phone(self, phone: str) -> int | None:
        query = select(customers.c.id).where(customers.c.phone == phone).order_by(customers.c.id).limit(1)
        async with self.db.reading() as conn:
            return (await conn.execute(query)).scalar()

    async def booking(self, booking_id: int) -> Booking | None:
        async with self.db.reading() as conn:
            row = (await conn.execute(select(bookings).where(bookings.c.id == booking_id))).first()
        return _booking(row) if row else None

    async def bookings(
        self, *, customer_id: int | None = None, since: datetime | None = None, live_at: datetime | None = None
    ) -> list[Booking]:
        """Bookings by start time; `since` keeps those ending after it, `live_at` those live at that moment."""
        query = select(bookings).order_by(bookings.c.start, bookings.c.id)
        if customer_id is not None:
            query = query.where(bookings.c.customer_id == customer_id)
        if since is not None:
            query = query.where(bookings.c.end > since)
        async with self.db.reading() as conn:
            rows = (await conn.execute(query)).all()
        found = [_booking(row) for row in rows]
        return [b for b in found if b.is_live(live_at)] if live_at else found

    # ---------------------------------------------------------------- hold

    async def hold(
        self,
        *,
        service: str,
        start: datetime,
        now: datetime,
        customer_id: int | None = None,
        specialist: str | None = None,
        ttl: timedelta | None = None,
    ) -> Outcome:
        """Hold `start` for the customer; with no specialist, the first free one in the service's order."""
        try:
            chosen = self.business.service(service)
        except KeyError:
            return Outcome(reason=UNKNOWN_SERVICE)
        expires = now + (ttl if ttl is not None else timedelta(minutes=self.business.rules.hold_minutes))
        reasons = []
        for staff_id in (specialist,) if specialist else chosen.staff:
            reason = check_slot(self.business, chosen, staff_id, start, now)
            if reason is None:
                outcome = await self._hold_one(chosen, staff_id, start, now, customer_id, expires)
                if outcome.ok:
                    return outcome
                reason = outcome.reason
            reasons.append(reason)
        return Outcome(reason=min(reasons, key=_REASON_ORDER.index))

    async def _hold_one(
        self,
        service: Service,
        staff_id: str,
        start: datetime,
        now: datetime,
        customer_id: int | None,
        expires: datetime,
    ) -> Outcome:
        wanted = claims_for(self.business, service, staff_id, start)
        resources = [resource for resource, _, _ in wanted]
        # The first try assumes no expired hold is in the way (the common case, one statement fewer); on a
        # conflict the next try releases expired holds from the wanted time first. On PostgreSQL two holds
        # may also pick the same free seat of a class; the loser tries the next seat.
        release = False
        for _attempt in range(service.capacity + 3):
            try:
                async with self.db.writing() as conn:
                    await self._touch(conn, resources)
                    if release:
                        await self._release_expired(conn, wanted, _ts(now))
                    values = self._new_booking(service, staff_id, start, now, customer_id, expires)
                    booking_id = await self._insert_booking(conn, values)
                    await self._claim(conn, service, booking_id, wanted, _ts(expires))
                return Outcome(booking=_booking_from(booking_id, values))
            except _Refused as refused:
                if refused.reason != TAKEN or release:
                    return Outcome(reason=refused.reason)
            except IntegrityError as error:
                if release and _is_claim_conflict(error) and not service.is_class:
                    return Outcome(reason=TAKEN)
            release = True
        return Outcome(reason=TAKEN)

    def _new_booking(
        self,
        service: Service,
        staff_id: str,
        start: datetime,
        now: datetime,
        customer_id: int | None,
        expires: datetime,
    ) -> dict[str, Any]:
        return {
            "code": self._new_code(),
            "service": service.id,
            "specialist": staff_id,
            "customer_id": customer_id,
            "start": start,
            "end": start + timedelta(minutes=service.duration),
            "status": "held",
            "expires_at": expires,
            "moves": 0,
            "price": service.price,
            "paid": Decimal(0),
            "origin": "direct",
            "created_at": now,
            "updated_at": now,
        }

    async def _insert_booking(self, conn: AsyncConnection, values: dict[str, Any]) -> int:
        result = await conn.execute(_INSERT_BOOKING, values)
        return int(result.inserted_primary_key[0])

    async def _claim(
        self,
        conn: AsyncConnection,
        service: Service,
        booking_id: int,
        wanted: Iterable[tuple[str, int, int]],
        expires_ts: int | None,
    ) -> None:
        rows = []
        for resource, start_ts, end_ts in wanted:
            seat = await self._free_seat(conn, resource, start_ts, service.capacity) if service.is_class else 0
            rows.append(
                {
                    "booking_id": booking_id,
                    "resource": resource,
                    "seat": seat,
                    "capacity": service.capacity,
                    "start_ts": start_ts,
                    "end_ts": end_ts,
                    "active": True,
                    "expires_ts": expires_ts,
                }
            )
        await conn.execute(_INSERT_CLAIMS, rows)

    async def _free_seat(self, conn: AsyncConnection, resource: str, start_ts: int, capacity: int) -> int:
        query = select(claims.c.seat).where(
            claims.c.active, claims.c.resource == resource, claims.c.start_ts == start_ts
        )
        taken = set((await conn.execute(query)).scalars())
        for seat in range(capacity):
            if seat not in taken:
                return seat
        raise _Refused(TAKEN)

    async def _release_expired(
        self, conn: AsyncConnection, wanted: Sequence[tuple[str, int, int]], now_ts: int
    ) -> None:
        """Let expired holds go from the times about to be claimed, so that the database stops counting them."""
        overlapping = [
            and_(claims.c.resource == resource, claims.c.start_ts < end, claims.c.end_ts > start)
            for resource, start, end in wanted
        ]
        await conn.execute(
            update(claims)
            .where(claims.c.active, claims.c.expires_ts.is_not(None), claims.c.expires_ts <= now_ts)
            .where(or_(*overlapping))
            .values(active=False)
        )

    # ---------------------------------------------------------------- confirm, cancel, expire

    async def confirm(
        self, booking_id: int, *, now: datetime, paid: Decimal | None = None, late_ok: bool = False
    ) -> Outcome:
        """Make a hold a booking. A hold past its expiry is refused ("expired") unless `late_ok`, which
        takes its time back if nobody else has (for a payment that arrived late), else "taken"."""
        try:
            async with self.db.writing() as conn:
                current = await self._locked(conn, booking_id)
                if current.status == "cancelled":
                    raise _Refused(CANCELLED)
                await self._touch(conn, await self._claimed(conn, booking_id))
                if current.state(now) == "expired":
                    if not late_ok:
                        raise _Refused(EXPIRED)
                    await self._retake(conn, current, now)
                changes: dict[str, Any] = {"status": "confirmed", "expires_at": None, "updated_at": now}
                if paid is not None:
                    changes["paid"] = paid
                await conn.execute(update(claims).where(claims.c.booking_id == booking_id).values(expires_ts=None))
                return Outcome(booking=await self._update(conn, booking_id, changes))
        except _Refused as refused:
            return Outcome(booking=await self.booking(booking_id), reason=refused.reason)
        except IntegrityError:
            return Outcome(booking=await self.booking(booking_id), reason=TAKEN)

    async def _retake(self, conn: AsyncConnection, current: Booking, now: datetime) -> None:
        # Fresh claims rather than reviving the old rows: a class seat may have gone while another is free.
        service = self.business.service(current.service)
        wanted = claims_for(self.business, service, current.specialist, current.start)
        await self._release(conn, current.id)
        await self._release_expired(conn, wanted, _ts(now))
        await self._claim(conn, service, current.id, wanted, None)

    async def cancel(self, booking_id: int, *, now: datetime, refund: bool | None = None) -> Outcome:
        """Cancel a live booking and free its time, recording whether its prepayment is to be refunded.
        Cancelling twice is harmless and reports the booking."""
        try:
            async with self.db.writing() as conn:
                current = await self._locked(conn, booking_id)
                if current.status == "cancelled":
                    return Outcome(booking=current)
                if current.state(now) == "expired":
                    raise _Refused(EXPIRED)
                await self._touch(conn, await self._claimed(conn, booking_id))
                await self._release(conn, booking_id)
                changes = {"status": "cancelled", "refund": refund, "updated_at": now}
                return Outcome(booking=await self._update(conn, booking_id, changes))
        except _Refused as refused:
            return Outcome(booking=await self.booking(booking_id), reason=refused.reason)

    async def expire(self, booking_id: int, *, now: datetime) -> Outcome:
        """Mark a hold expired once its time has passed (reads already ignore it; this records it)."""
        try:
            async with self.db.writing() as conn:
                current = await self._locked(conn, booking_id)
                if current.state(now) != "expired":
                    raise _Refused(current.status)
                await self._release(conn, booking_id)
                return Outcome(booking=await self._update(conn, booking_id, {"status": "expired", "updated_at": now}))
        except _Refused as refused:
            return Outcome(booking=await self.booking(booking_id), reason=refused.reason)

    async def expire_due(self, *, now: datetime) -> list[Booking]:
        """Record every hold that has run out; returns them so that their customers can be told."""
        query = select(bookings.c.id).where(bookings.c.status == "held", bookings.c.expires_at <= now)
        async with self.db.reading() as conn:
            due = list((await conn.execute(query)).scalars())
        expired = [await self.expire(booking_id, now=now) for booking_id in due]
        return [outcome.booking for outcome in expired if outcome.ok and outcome.booking]

    # ---------------------------------------------------------------- move

    async def move(
        self, booking_id: int, *, start: datetime, now: datetime, specialist: str | None = None
    ) -> Outcome:
        """Move a live booking to `start` in one transaction: the new time is claimed and the old released
        together, or nothing changes. Status, payment and hold expiry stay as they were."""
        try:
            async with self.db.writing() as conn:
                current = await self._locked(conn, booking_id)
                if not current.is_live(now):
                    raise _Refused(current.state(now))
                service = self.business.service(current.service)
                staff_id = specialist or current.specialist
                reason = check_slot(self.business, service, staff_id, start, now)
                if reason is not None:
                    raise _Refused(reason)
                wanted = claims_for(self.business, service, staff_id, start)
                old = await self._claimed(conn, booking_id)
                await self._touch(conn, [*old, *(resource for resource, _, _ in wanted)])
                await self._release(conn, booking_id)
                await self._release_expired(conn, wanted, _ts(now))
                expires_ts = _ts(current.expires_at) if current.status == "held" and current.expires_at else None
                await self._claim(conn, service, booking_id, wanted, expires_ts)
                changes = {
                    "start": start,
                    "end": start + timedelta(minutes=service.duration),
                    "specialist": staff_id,
                    "moves": current.moves + 1,
                    "updated_at": now,
                }
                return Outcome(booking=await self._update(conn, booking_id, changes))
        except _Refused as refused:
            return Outcome(booking=await self.booking(booking_id), reason=refused.reason)
        except IntegrityError:
            return Outcome(booking=await self.booking(booking_id), reason=TAKEN)

    # ---------------------------------------------------------------- shared pieces

    async def _locked(self, conn: AsyncConnection, booking_id: int) -> Booking:
        # FOR UPDATE matters on PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes other writers.
        query = select(bookings).where(bookings.c.id == booking_id)
        if self.db.dialect == "postgresql":
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        if row is None:
            raise _Refused(NOT_FOUND)
        return _booking(row)

    async def _claimed(self, conn: AsyncConnection, booking_id: int) -> list[str]:
        """The resources a booking holds (or last held): its claim rows, not today's config, are the truth."""
        query = select(claims.c.resource).where(claims.c.booking_id == booking_id).distinct()
        return list((await conn.execute(query)).scalars())

    async def _touch(self, conn: AsyncConnection, resources: Iterable[str]) -> None:
        """Bump the versions of `resources` so every process's claims cache reloads them. Sorted, so that
        on PostgreSQL these row locks are always taken in one order and two writers cannot deadlock.
        On SQLite triggers on `claims` do it (migration 0001): writers there are serialised anyway."""
        if self.db.dialect == "sqlite":
            return
        await conn.execute(self._bump, [{"resource": resource} for resource in sorted(set(resources))])

    async def _release(self, conn: AsyncConnection, booking_id: int) -> None:
        await conn.execute(
            update(claims).where(claims.c.booking_id == booking_id, claims.c.active).values(active=False)
        )

    async def _update(self, conn: AsyncConnection, booking_id: int, changes: dict[str, Any]) -> Booking:
        await conn.execute(update(bookings).where(bookings.c.id == booking_id).values(**changes))
        row = (await conn.execute(select(bookings).where(bookings.c.id == booking_id))).one()
        return _booking(row)

    async def count_live_claims(self, resource: str, *, now: datetime) -> int:
        """How many claims on `resource` count as of `now` (for diagnostics and tests)."""
        query = select(func.count()).where(
            claims.c.active,
            claims.c.resource == resource,
            or_(claims.c.expires_ts.is_(None), claims.c.expires_ts > _ts(now)),
        )
        async with self.db.reading() as conn:
            return int((await conn.execute(query)).scalar_one())


def _resources(service: Service, staff: Sequence[str]) -> list[str]:
    if service.is_class:
        return [class_resource(service.id, staff_id) for staff_id in staff]
    keys = [staff_key(staff_id) for staff_id in staff]
    return [*keys, room_resource(service.room)] if service.room else keys


def _booking(row: Any) -> Booking:
    m = row._mapping
    return Booking(
        id=m["id"],
        code=m["code"],
        service=m["service"],
        specialist=m["specialist"],
        customer_id=m["customer_id"],
        start=m["start"],
        end=m["end"],
        status=m["status"],
        expires_at=m["expires_at"],
        moves=m["moves"],
        price=Decimal(m["price"]),
        paid=Decimal(m["paid"]),
        created_at=m["created_at"],
        origin=m["origin"],
        refund=m["refund"],
    )


def _booking_from(booking_id: int, values: dict[str, Any]) -> Booking:
    fields = {k: values[k] for k in Booking.__dataclass_fields__ if k in values}
    return Booking(id=booking_id, **fields)
