"""A payment attempt as a plain record: the states it goes through, what a report from LiqPay means for
its money, and what recording one changed.

Pure (no SQLAlchemy), like storage/booking.py: payments/ builds `Report`s from LiqPay's callbacks and
answers, storage/payments.py records them, and the conversation may read `Attempt`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from storage.booking import Booking

# An attempt's state. `open`: asked, nothing final heard; `paid`: the money is in (some of it may have
# gone back); `failed`: LiqPay said it failed (the customer may still pay on the same page: see `record`);
# `refunded`: everything that was paid has gone back.
OPEN, PAID, FAILED, REFUNDED = "open", "paid", "failed", "refunded"
STATES = (OPEN, PAID, FAILED, REFUNDED)

# Why the store will not start an attempt (besides storage/booking.py's reasons).
ALREADY_PAID = "already_paid"


class Verdict(StrEnum):
    """What one LiqPay status means for the money (payments/statuses.py decides it for every status)."""

    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    PENDING = "pending"  # not final: verification, waiting, processing
    IGNORED = "ignored"  # not about a one-off payment, or not real money (sandbox outside test mode)


class Change(StrEnum):
    """What recording a report did to an attempt, for the caller to act on in the same transaction."""

    PAID = "paid"  # the money is in: confirm the booking
    PAID_TWICE = "paid_twice"  # another attempt of this booking was paid already: this one is to go back
    MISMATCH = "mismatch"  # paid, but not the amount or currency asked: to go back
    FAILED = "failed"  # tell the customer, offer another attempt while the hold lives
    REFUNDED = "refunded"  # more of the money has gone back
    PENDING = "pending"  # a new in-between status, noted
    NOTHING = "nothing"  # a repeat, or a status that came too late to matter
    UNKNOWN_ORDER = "unknown_order"  # no attempt has this order id
    # What the store made of a PAID with its booking (storage/paying.py):
    TOO_LATE = "too_late"  # paid after the hold ran out and its time was taken meanwhile: to go back
    FOR_NOTHING = "for_nothing"  # paid for a booking that was cancelled meanwhile: to go back


@dataclass(frozen=True)
class Paying:
    """A report recorded with its booking: what it came to, the booking and the attempt as they now are."""

    change: Change
    booking: Booking | None = None
    attempt: Attempt | None = None


@dataclass(frozen=True)
class Report:
    """What LiqPay said of one order, from a callback, a status answer or a refund answer."""

    order_id: str
    status: str  # LiqPay's own word
    verdict: Verdict
    amount: Decimal | None = None
    currency: str | None = None
    payment_id: int | None = None
    refunded: Decimal | None = None  # how much of it has gone back, in all, as far as this report says
    at: datetime | None = None  # when LiqPay says it happened (end_date), if it says
    raw: str = ""  # the JSON text exactly as received, kept for audit
    via: str = "callback"  # "callback", "status" or "refund"


@dataclass(frozen=True)
class Attempt:
    """One order sent to LiqPay for a booking; money is Decimal in `currency`."""

    id: int
    order_id: str
    booking_id: int
    attempt: int
    amount: Decimal
    currency: str
    state: str
    status: str | None  # the last LiqPay status recorded
    payment_id: int | None
    paid: Decimal
    paid_at: datetime | None
    refund_wanted: Decimal  # what is to go back in all (a cancellation, a second payment, a mismatch)
    refunded: Decimal  # what LiqPay has given back
    refunded_at: datetime | None
    pay_by: datetime | None  # the checkout's expired_date
    created_at: datetime

    @property
    def refund_due(self) -> Decimal:
        """What is still to go back through LiqPay's refund."""
        return max(self.refund_wanted - self.refunded, Decimal(0))

    @property
    def kept(self) -> Decimal:
        """What counts toward the booking: paid, less what has gone or is to go back."""
        return self.paid - max(self.refund_wanted, self.refunded)


@dataclass(frozen=True)
class Recorded:
    """The result of recording a report: what changed, and the attempt as it now is (None: unknown order)."""

    change: Change
    attempt: Attempt | None = None
    booking_paid: Decimal = Decimal(0)  # the booking's `paid` after it: what all its attempts keep


def order_id(booking_code: str, attempt: int) -> str:
    """LiqPay's order id for a booking's `attempt`-th payment: `<booking code>-<attempt>`, e.g. `K7QX2M9A-2`.

    Unique per attempt (LiqPay refuses a second payment under one order id), readable by staff in LiqPay's
    dashboard, far below LiqPay's 255 characters (codes are at most 16)."""
    return f"{booking_code}-{attempt}"
