"""Payment attempts as the prepayments report shows them (`slotbot report prepayments`): each with its
booking, customer, service and time, its money in and out, and the totals; and the past visits under a
phone, which `slotbot prepayment` counts toward a regular's exemption.

Reads only, as plain functions of a connection (`Database.query`); formatting (CSV, the business's decimal
separator) is the report command's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select

from storage.models import bookings, customers, payments

p, b, c = payments.c, bookings.c, customers.c


@dataclass(frozen=True)
class Line:
    order_id: str
    booking_code: str
    customer: str
    phone: str | None
    service: str
    specialist: str
    start: datetime
    amount: Decimal
    currency: str
    state: str
    status: str | None
    paid: Decimal
    paid_at: datetime | None
    refunded: Decimal
    refunded_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Totals:
    """Per currency: asked, paid, refunded, and kept (paid less refunded)."""

    currency: str
    asked: Decimal
    paid: Decimal
    refunded: Decimal

    @property
    def kept(self) -> Decimal:
        return self.paid - self.refunded


def lines(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    states: Sequence[str] = (),
) -> list[Line]:
    """Attempts started in [since, until) (either end open), in any of `states` (none: all), oldest first."""
    query = (
        select(p.order_id, b.code, c.name, c.phone, b.service, b.specialist, b.start, p.amount, p.currency)
        .add_columns(p.state, p.status, p.paid, p.paid_at, p.refunded, p.refunded_at, p.created_at)
        .select_from(payments.join(bookings, b.id == p.booking_id))
        .outerjoin(customers, c.id == b.customer_id)
        .order_by(p.created_at, p.id)
    )
    if since is not None:
        query = query.where(p.created_at >= since)
    if until is not None:
        query = query.where(p.created_at < until)
    if states:
        query = query.where(p.state.in_(states))
    return [_line(row) for row in conn.execute(query)]


def totals(found: Sequence[Line]) -> list[Totals]:
    by_currency: dict[str, Totals] = {}
    for line in found:
        was = by_currency.get(line.currency, Totals(line.currency, Decimal(0), Decimal(0), Decimal(0)))
        by_currency[line.currency] = Totals(
            line.currency, was.asked + line.amount, was.paid + line.paid, was.refunded + line.refunded
        )
    return sorted(by_currency.values(), key=lambda total: total.currency)


def _line(row: object) -> Line:
    values = list(row)  # type: ignore[call-overload]
    values[2] = values[2] or ""  # a booking made by staff may have no customer
    for money in (7, 11, 13):
        values[money] = Decimal(values[money])
    return Line(*values)


@dataclass(frozen=True)
class Visits:
    """Past visits under one phone: of the customers whose phone the platform proved (the number's owner),
    and of customers who only typed it (anyone may type any number)."""

    proven: int
    typed: int


def past_visits(conn: Connection, phone: str, now: datetime) -> Visits:
    """Confirmed bookings under `phone` that ended by `now`. The store marks no no-shows yet, so every one
    counts as a visit; a cancelled or expired booking, or an unpaid hold, is none."""
    query = (
        select(c.phone_proven, func.count())
        .select_from(bookings.join(customers, c.id == b.customer_id))
        .where(c.phone == phone, b.status == "confirmed", b.end <= now)
        .group_by(c.phone_proven)
    )
    counted = {bool(proven): int(count) for proven, count in conn.execute(query)}
    return Visits(counted.get(True, 0), counted.get(False, 0))
