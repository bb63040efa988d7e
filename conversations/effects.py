"""What the conversation asks the outside world to do; the runner carries these out and feeds back events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.attempt import Report
from storage.waiting import Wish


@dataclass(frozen=True)
class SaveCustomer:
    """Who is booking. With a `proven` phone (the platform vouched for it) the chat joins the customer who has
    it already, if any; a typed phone always makes a customer of its own."""

    name: str
    phone: str
    language: str
    proven: bool = False


@dataclass(frozen=True)
class HoldSlot:
    service: str
    specialist: str | None
    start: datetime


@dataclass(frozen=True)
class ConfirmBooking:
    booking_id: int


@dataclass(frozen=True)
class RequestPrepayment:
    """A prepayment link for the held booking (a payment attempt, its checkout); `description` names the
    service and time on the payment page."""

    booking_id: int
    amount: Decimal
    description: str = ""


@dataclass(frozen=True)
class RecordPayment:
    """Record what LiqPay reported, with what it means for the booking (confirmed, or the money back)."""

    report: Report


@dataclass(frozen=True)
class CancelBooking:
    booking_id: int
    refund: bool
    refund_amount: Decimal = Decimal(0)  # of what was prepaid, by the business's cancellation window
    by_staff: bool = False  # staff cancel it: the result (Cancelled) says so, with their reason
    reason: str = ""


@dataclass(frozen=True)
class MoveBooking:
    booking_id: int
    start: datetime
    specialist: str | None


@dataclass(frozen=True)
class ExpireHold:
    """Record an unpaid hold whose time ran out as expired (refused if it was paid or changed meanwhile)."""

    booking_id: int


@dataclass(frozen=True)
class JoinWaitlist:
    wish: Wish


@dataclass(frozen=True)
class LeaveWaitlist:
    entry_id: int


@dataclass(frozen=True)
class TakeOffer:
    """Hold a freed time offered to a waitlist entry, through the ordinary hold: the first to ask gets it."""

    entry_id: int
    start: datetime


@dataclass(frozen=True)
class ConfirmVisit:
    """Record that the customer is coming to the booking (their answer to a reminder)."""

    booking_id: int


Effect = (
    SaveCustomer
    | HoldSlot
    | ConfirmBooking
    | RequestPrepayment
    | RecordPayment
    | CancelBooking
    | MoveBooking
    | ExpireHold
    | JoinWaitlist
    | LeaveWaitlist
    | TakeOffer
    | ConfirmVisit
)
