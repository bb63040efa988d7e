"""Payment attempts in the store: start one, record what LiqPay reports, decide a refund, read them back.

Plain functions of a connection, run inside the caller's transaction (`Database.transaction`), so that
recording a payment and confirming its booking commit together or not at all. Whatever changes an attempt
locks its booking first and the attempt second (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
excludes other writers), the order the booking transactions lock in, so a callback never deadlocks with a
cancellation. The booking's `paid` is kept equal to what its attempts keep (`Attempt.kept`).

LiqPay may report one order more than once and in any order: `record` goes by the table `_TRANSITIONS`
from (state, verdict); whatever is not in it changes nothing, so a repeat never pays twice, a late
in-between status never undoes a payment, and no refund is ever counted beyond what was paid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage.attempt import (
    ALREADY_PAID,
    FAILED,
    OPEN,
    PAID,
    REFUNDED,
    Attempt,
    Change,
    Recorded,
    Report,
    Verdict,
    order_id,
)
from storage.booking import NOT_FOUND
from storage.models import bookings, payments
from storage.transactions import Refused, locked

p = payments.c
ZERO = Decimal(0)
Values = dict[str, Any]
Step = tuple[Change, Values]  # what a report changes, and the columns it sets


def start(
    conn: Connection, booking_id: int, amount: Decimal, currency: str, pay_by: datetime, now: datetime
) -> Attempt:
    """A new attempt for a live booking, numbered after its earlier ones; refused (`Refused`) when the
    booking is no longer live or one of its attempts already keeps money: nobody is asked to pay twice."""
    if amount <= 0:
        raise ValueError(f"a payment attempt needs a positive amount, not {amount}")
    booking = locked(conn, booking_id)
    if not booking.is_live(now):
        raise Refused(booking.state(now))
    earlier = attempts(conn, booking_id)
    if any(attempt.kept > 0 for attempt in earlier):
        raise Refused(ALREADY_PAID)
    order = order_id(booking.code, len(earlier) + 1)
    row = {"order_id": order, "booking_id": booking_id, "attempt": len(earlier) + 1, "amount": amount}
    row |= {"currency": currency, "state": OPEN, "pay_by": pay_by, "created_at": now, "updated_at": now}
    conn.execute(insert(payments).values(row))
    return _read(conn, order)


def record(conn: Connection, report: Report, now: datetime) -> Recorded:
    """Record what LiqPay said of an order, and keep the booking's `paid` in step; the document is kept
    (once) whatever it changes. The caller acts on `Recorded.change` in the same transaction."""
    booking_id = conn.execute(select(p.booking_id).where(p.order_id == report.order_id)).scalar()
    if booking_id is None:
        return Recorded(Change.UNKNOWN_ORDER)
    locked(conn, booking_id)
    attempt = _read(conn, report.order_id, lock=True)
    handler = _TRANSITIONS.get((attempt.state, report.verdict), _nothing)
    others = [a for a in attempts(conn, booking_id) if a.id != attempt.id]
    change, values = handler(attempt, report, now, any(a.kept > 0 for a in others))
    values |= _audit(conn, report, now)
    if values:
        conn.execute(update(payments).where(p.id == attempt.id).values(updated_at=now, **values))
    return Recorded(change, _read(conn, report.order_id), _keep_booking_paid(conn, booking_id))


def want_refund(conn: Connection, order: str, total: Decimal, now: datetime) -> Attempt:
    """Decide that `total` of what an attempt brought is to go back (never less than decided before, never
    more than was paid). Idempotent: deciding the same again changes nothing. The refund itself is a job."""
    booking_id = conn.execute(select(p.booking_id).where(p.order_id == order)).scalar()
    if booking_id is None:
        raise Refused(NOT_FOUND)
    locked(conn, booking_id)
    attempt = _read(conn, order, lock=True)
    wanted = min(attempt.paid, max(attempt.refund_wanted, total))
    if wanted != attempt.refund_wanted:
        conn.execute(update(payments).where(p.id == attempt.id).values(refund_wanted=wanted, updated_at=now))
        _keep_booking_paid(conn, booking_id)
    return _read(conn, order)


def find(conn: Connection, order: str) -> Attempt | None:
    row = conn.execute(select(payments).where(p.order_id == order)).first()
    return None if row is None else as_attempt(row)


def attempts(conn: Connection, booking_id: int) -> list[Attempt]:
    """Every attempt of a booking, first to last."""
    query = select(payments).where(p.booking_id == booking_id).order_by(p.attempt)
    return [as_attempt(row) for row in conn.execute(query)]


def unsettled(conn: Connection, booking_id: int) -> list[Attempt]:
    """Attempts still open: no money yet, and LiqPay may still take some (a failure on LiqPay's page can be
    followed by a success under the same order), so a status check asks about each."""
    return [attempt for attempt in attempts(conn, booking_id) if attempt.state in (OPEN, FAILED)]


def as_attempt(row: Any) -> Attempt:
    m = row._mapping
    fields = {name: m[name] for name in Attempt.__dataclass_fields__}
    money = {name: Decimal(m[name]) for name in ("amount", "paid", "refund_wanted", "refunded")}
    return Attempt(**{**fields, **money})


# ---------------------------------------------------------------- what a report does, by (state, verdict)

Handler = Callable[[Attempt, Report, datetime, bool], Step]


def _pay(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    amount = attempt.amount if report.amount is None else report.amount
    mismatch = amount != attempt.amount or (report.currency or attempt.currency) != attempt.currency
    values = {"state": PAID, "status": report.status, "paid": amount, "paid_at": report.at or now}
    values["payment_id"] = report.payment_id
    if mismatch or paid_elsewhere:
        values["refund_wanted"] = amount  # kept for nothing: all of it goes back
    return (Change.MISMATCH if mismatch else Change.PAID_TWICE if paid_elsewhere else Change.PAID), values


def _refund(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    reported = attempt.paid if report.refunded is None else report.refunded
    total = min(attempt.paid, max(attempt.refunded, reported))
    if total == attempt.refunded:
        return _nothing(attempt, report, now, paid_elsewhere)
    state = REFUNDED if total >= attempt.paid else PAID
    values = {"state": state, "status": report.status, "refunded": total, "refunded_at": report.at or now}
    return Change.REFUNDED, values


def _paid_back(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    """A reversal heard before the payment it reverses: both at once. Money still kept after it is a
    payment all the same (its booking is confirmed, or it goes back), never kept for a hold that expires."""
    paying, paid = _pay(attempt, report, now, paid_elsewhere)
    change, refunded = _refund(_with(attempt, paid), report, now, paid_elsewhere)
    values = {**paid, **refunded}
    kept = values["paid"] - values.get("refunded", attempt.refunded)
    return (paying if kept > 0 else change), values


def _fail(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    return Change.FAILED, {"state": FAILED, "status": report.status}


def _note(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    """An in-between status (or another word for a failure already heard): noted, nothing more."""
    if report.status == attempt.status:
        return Change.NOTHING, {}
    return (Change.PENDING if attempt.state == OPEN else Change.NOTHING), {"status": report.status}


def _nothing(attempt: Attempt, report: Report, now: datetime, paid_elsewhere: bool) -> Step:
    return Change.NOTHING, {}


_TRANSITIONS: dict[tuple[str, Verdict], Handler] = {
    (OPEN, Verdict.PAID): _pay,
    (FAILED, Verdict.PAID): _pay,  # `try_again`, or a second go on LiqPay's page, can still succeed
    (OPEN, Verdict.FAILED): _fail,
    (FAILED, Verdict.FAILED): _note,
    (OPEN, Verdict.PENDING): _note,
    (FAILED, Verdict.PENDING): _note,
    (OPEN, Verdict.REFUNDED): _paid_back,
    (FAILED, Verdict.REFUNDED): _paid_back,
    (PAID, Verdict.REFUNDED): _refund,
    (REFUNDED, Verdict.REFUNDED): _refund,  # nothing, unless LiqPay says more has gone back
}


# ---------------------------------------------------------------- shared pieces


def _read(conn: Connection, order: str, *, lock: bool = False) -> Attempt:
    query = select(payments).where(p.order_id == order)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return as_attempt(conn.execute(query).one())


def _with(attempt: Attempt, values: Values) -> Attempt:
    return Attempt(**{**attempt.__dict__, **values})


def _audit(conn: Connection, report: Report, now: datetime) -> Values:
    """The document as received, one JSON line each, unless this very text was kept already."""
    kept = conn.execute(select(p.received).where(p.order_id == report.order_id)).scalar_one()
    if any(json.loads(line)["raw"] == report.raw for line in kept.splitlines()):
        return {}
    line = json.dumps({"at": now.isoformat(), "via": report.via, "status": report.status, "raw": report.raw})
    return {"received": f"{kept}{line}\n"}


def _keep_booking_paid(conn: Connection, booking_id: int) -> Decimal:
    total = sum((a.kept for a in attempts(conn, booking_id)), ZERO)
    changed = bookings.c.paid != total
    conn.execute(update(bookings).where(bookings.c.id == booking_id, changed).values(paid=total))
    return total


def received(conn: Connection, order: str) -> list[dict[str, str]]:
    """The documents LiqPay sent about an order, as kept for audit: `at`, `via`, `status`, `raw`."""
    kept = conn.execute(select(p.received).where(p.order_id == order)).scalar() or ""
    return [json.loads(line) for line in kept.splitlines()]
