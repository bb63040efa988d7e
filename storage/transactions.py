"""The bodies of the store's write transactions, as plain synchronous SQLAlchemy Core.

Each function runs inside one transaction (see `Database.transaction`). A refusal is raised as `Refused`,
which rolls the transaction back; the database's own refusal of an overlapping claim arrives as
`IntegrityError`. storage/store.py turns both into an `Outcome`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, CursorResult, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage import applied, jobs, reminders, waitlist
from storage.availability import check_slot, claims_for
from storage.booking import CANCELLED, EXPIRED, NOT_FOUND, TAKEN, Booking
from storage.business import Business, Service
from storage.models import bookings, claims, resource_versions
from storage.prepared import Prepared

_INSERT_BOOKING = Prepared(insert(bookings).returning(bookings.c.id))
_INSERT_CLAIMS = Prepared(insert(claims))
# An expired hold's claims on a resource, overlapping a time about to be claimed.
_RELEASE_EXPIRED = Prepared(
    update(claims)
    .where(claims.c.active, claims.c.expires_ts.is_not(None), claims.c.expires_ts <= bindparam("b_now"))
    .where(
        claims.c.resource == bindparam("b_resource"),
        claims.c.start_ts < bindparam("b_end"),
        claims.c.end_ts > bindparam("b_start"),
    )
    .values(active=False)
)
_RELEASE = Prepared(
    update(claims).where(claims.c.booking_id == bindparam("b_booking"), claims.c.active).values(active=False)
)
_CLAIMED = Prepared(select(claims.c.resource).where(claims.c.booking_id == bindparam("b_booking")).distinct())
_CONFIRM_CLAIMS = Prepared(
    update(claims).where(claims.c.booking_id == bindparam("b_booking")).values(expires_ts=None)
)
# A resource's version, one higher (or 1, its first time): the same UPSERT, spelt by each dialect's insert.
_BUMP = {
    name: Prepared(
        dialect.insert(resource_versions)
        .values(resource=bindparam("resource"), version=1)
        .on_conflict_do_update(index_elements=["resource"], set_={"version": resource_versions.c.version + 1})
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def once(conn: Connection, key: str | None, now: datetime, work: Callable[[], Booking]) -> Booking:
    """`work`, unless the effect with this idempotency key was carried out already: then the booking as it
    is now, untouched. The key is recorded with the booking in this same transaction."""
    made = made_by(conn, key)
    if made is not None:
        return made
    booking = work()
    applied.record(conn, key, now, booking_id=booking.id)
    return booking


def made_by(conn: Connection, key: str | None) -> Booking | None:
    """The booking the effect with this idempotency key made or changed, if it was carried out already."""
    done = applied.find(conn, key)
    return current(conn, done.booking_id) if done is not None and done.booking_id is not None else None


def current(conn: Connection, booking_id: int) -> Booking:
    return as_booking(conn.execute(select(bookings).where(bookings.c.id == booking_id)).one())


def as_booking(row: Any) -> Booking:
    m = row._mapping
    fields = {name: m[name] for name in Booking.__dataclass_fields__}
    return Booking(**{**fields, "price": Decimal(m["price"]), "paid": Decimal(m["paid"])})


# ---------------------------------------------------------------- hold


def hold(
    conn: Connection,
    business: Business,
    service: Service,
    staff_id: str,
    start: datetime,
    values: dict[str, Any],
    *,
    free_expired: bool,
) -> Booking:
    """Insert a held booking and its claims; `free_expired` first lets expired holds leave the wanted time."""
    wanted = claims_for(business, service, staff_id, start)
    touch(conn, [resource for resource, _, _ in wanted])
    if free_expired:
        release_expired(conn, wanted, ts(values["created_at"]))
    booking_id = int(_INSERT_BOOKING.run(conn, values).fetchall()[0][0])
    claim(conn, service, booking_id, wanted, ts(values["expires_at"]))
    jobs.schedule(conn, jobs.HOLD_EXPIRY, values["expires_at"], values["created_at"], booking_id=booking_id)
    return Booking(id=booking_id, **{k: values[k] for k in Booking.__dataclass_fields__ if k in values})


def claim(
    conn: Connection,
    service: Service,
    booking_id: int,
    wanted: Iterable[tuple[str, int, int]],
    expires: int | None,
) -> None:
    rows = [
        {
            "booking_id": booking_id,
            "resource": resource,
            "seat": free_seat(conn, resource, start, service.capacity) if service.is_class else 0,
            "capacity": service.capacity,
            "start_ts": start,
            "end_ts": end,
            "active": True,
            "expires_ts": expires,
        }
        for resource, start, end in wanted
    ]
    _INSERT_CLAIMS.run_many(conn, rows)


def free_seat(conn: Connection, resource: str, start_ts: int, capacity: int) -> int:
    query = select(claims.c.seat).where(
        claims.c.active, claims.c.resource == resource, claims.c.start_ts == start_ts
    )
    taken = set(conn.execute(query).scalars())
    for seat in range(capacity):
        if seat not in taken:
            return seat
    raise Refused(TAKEN)


def release_expired(conn: Connection, wanted: Sequence[tuple[str, int, int]], now_ts: int) -> None:
    """Let expired holds go from the times about to be claimed, so that the database stops counting them."""
    rows = [
        {"b_now": now_ts, "b_resource": resource, "b_start": start, "b_end": end}
        for resource, start, end in wanted
    ]
    _RELEASE_EXPIRED.run_many(conn, rows)


# ---------------------------------------------------------------- confirm, cancel, expire, move


def confirm(
    conn: Connection, business: Business, booking_id: int, now: datetime, paid: Decimal | None, late_ok: bool
) -> Booking:
    current = locked(conn, booking_id)
    if current.status == "cancelled":
        raise Refused(CANCELLED)
    late = current.state(now) == "expired"
    if late and not late_ok:
        raise Refused(EXPIRED)
    service = business.service(current.service) if late else None
    # Fresh claims rather than reviving the old rows: a class seat may have gone while another is free.
    wanted = claims_for(business, service, current.specialist, current.start) if service else []
    touch(conn, [*claimed(conn, booking_id), *(resource for resource, _, _ in wanted)])
    if service is not None:
        release(conn, booking_id)
        release_expired(conn, wanted, ts(now))
        claim(conn, service, booking_id, wanted, None)
    changes: dict[str, Any] = {"status": "confirmed", "expires_at": None, "updated_at": now}
    if paid is not None:
        changes["paid"] = paid
    _CONFIRM_CLAIMS.run(conn, {"b_booking": booking_id})
    jobs.drop(conn, booking_id, jobs.HOLD_EXPIRY)
    jobs.drop(conn, booking_id, jobs.PAYMENT_CHECK)
    return remind(conn, business, change(conn, booking_id, changes), now)


def cancel(conn: Connection, booking_id: int, now: datetime, refund: bool | None) -> Booking:
    current = locked(conn, booking_id)
    if current.status == "cancelled":
        return current
    if current.state(now) == "expired":
        raise Refused(EXPIRED)
    touch(conn, claimed(conn, booking_id))
    release(conn, booking_id)
    waitlist.freed(conn, current, now)
    jobs.drop(conn, booking_id, jobs.HOLD_EXPIRY)
    jobs.drop(conn, booking_id, jobs.PAYMENT_CHECK)
    jobs.drop(conn, booking_id, jobs.REMINDER)
    changes = {"status": "cancelled", "refund": refund, "revision": current.revision + 1, "updated_at": now}
    return change(conn, booking_id, changes)


def expire(conn: Connection, booking_id: int, now: datetime) -> Booking:
    current = locked(conn, booking_id)
    if current.state(now) != "expired":
        raise Refused(current.status)
    touch(conn, claimed(conn, booking_id))  # readers ignore an expired hold already; caches may drop it
    release(conn, booking_id)
    waitlist.freed(conn, current, now)
    return change(conn, booking_id, {"status": "expired", "updated_at": now})


def move(
    conn: Connection,
    business: Business,
    booking_id: int,
    start: datetime,
    now: datetime,
    specialist: str | None,
) -> Booking:
    current = locked(conn, booking_id)
    if not current.is_live(now):
        raise Refused(current.state(now))
    service = business.service(current.service)
    staff_id = specialist or current.specialist
    reason = check_slot(business, service, staff_id, start, now)
    if reason is not None:
        raise Refused(reason)
    wanted = claims_for(business, service, staff_id, start)
    touch(conn, [*claimed(conn, booking_id), *(resource for resource, _, _ in wanted)])
    release(conn, booking_id)
    release_expired(conn, wanted, ts(now))
    expires = ts(current.expires_at) if current.status == "held" and current.expires_at else None
    claim(conn, service, booking_id, wanted, expires)
    waitlist.freed(conn, current, now)  # the old time
    changes = {
        "start": start,
        "end": start + timedelta(minutes=service.duration),
        "specialist": staff_id,
        "moves": current.moves + 1,
        "revision": current.revision + 1,
        "updated_at": now,
    }
    return remind(conn, business, change(conn, booking_id, changes), now)


# ---------------------------------------------------------------- reminders, and the customer's answer

VISIT_CONFIRMED = "visit_confirmed"  # an effect's outcome: this confirmation is the one that recorded it


def remind(conn: Connection, business: Business, booking: Booking, now: datetime) -> Booking:
    """Write the booking's reminders anew for its time (storage/reminders.py), in the transaction that
    confirms or moves it: the ones still pending for an earlier time are dropped. Only a confirmed booking
    made from a chat is reminded; a service no longer offered has no reminders."""
    jobs.drop(conn, booking.id, jobs.REMINDER)
    if booking.status != "confirmed" or booking.channel is None:
        return booking
    try:
        service = business.service(booking.service)
    except KeyError:
        return booking
    written = {"start": ts(booking.start), "revision": booking.revision}
    for reminder in reminders.plan(business, service, booking.start, now):
        payload = {"offset": reminder.offset, **written}
        jobs.schedule(conn, jobs.REMINDER, reminder.at, now, booking_id=booking.id, payload=payload)
    return booking


def confirm_visit(conn: Connection, booking_id: int, now: datetime, key: str | None) -> tuple[Booking, bool]:
    """The customer says they are coming: recorded the first time, on a confirmed booking still to come.
    Also whether this is the confirmation that recorded it (so staff are told once), which a redelivered
    event finds under its idempotency key."""
    done = applied.find(conn, key)
    if done is not None and done.booking_id is not None:
        return current(conn, done.booking_id), done.outcome == VISIT_CONFIRMED
    booking = locked(conn, booking_id)
    first = booking.status == "confirmed" and booking.customer_confirmed_at is None and booking.start > now
    if first:
        booking = change(conn, booking_id, {"customer_confirmed_at": now, "updated_at": now})
    applied.record(conn, key, now, booking_id=booking_id, outcome=VISIT_CONFIRMED if first else "again")
    return booking, first


# ---------------------------------------------------------------- shared pieces


def locked(conn: Connection, booking_id: int) -> Booking:
    # FOR UPDATE matters on PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes other writers.
    query = select(bookings).where(bookings.c.id == booking_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise Refused(NOT_FOUND)
    return as_booking(row)


def claimed(conn: Connection, booking_id: int) -> list[str]:
    """The resources a booking holds (or last held): its claim rows, not today's config, are the truth."""
    return [row[0] for row in _CLAIMED.run(conn, {"b_booking": booking_id}).fetchall()]


def touch(conn: Connection, resources: Iterable[str]) -> None:
    """Bump the versions of `resources` so every process's claims cache reloads them: every transaction
    that changes a claim's `active` or `expires_ts` calls this once, on both backends, before it changes
    any. Sorted, so that on PostgreSQL these row locks are always taken in one order and two writers cannot
    deadlock."""
    rows = [{"resource": resource} for resource in sorted(set(resources))]
    _BUMP[conn.dialect.name].run_many(conn, rows)


def release(conn: Connection, booking_id: int) -> None:
    _RELEASE.run(conn, {"b_booking": booking_id})


def change(conn: Connection, booking_id: int, changes: dict[str, Any]) -> Booking:
    conn.execute(update(bookings).where(bookings.c.id == booking_id).values(**changes))
    return current(conn, booking_id)
