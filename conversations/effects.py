"""What the conversation asks the outside world to do; the runner carries these out and feeds back events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


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
    """Carried out by the payments work: sends the customer a prepayment link for the held booking."""

    booking_id: int
    amount: Decimal


@dataclass(frozen=True)
class CancelBooking:
    booking_id: int
    refund: bool


@dataclass(frozen=True)
class MoveBooking:
    booking_id: int
    start: datetime
    specialist: str | None


@dataclass(frozen=True)
class ExpireHold:
    """Record an unpaid hold whose time ran out as expired (refused if it was paid or changed meanwhile)."""

    booking_id: int


Effect = (
    SaveCustomer | HoldSlot | ConfirmBooking | RequestPrepayment | CancelBooking | MoveBooking | ExpireHold
)
