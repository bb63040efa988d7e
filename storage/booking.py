"""The booking as a plain record, and the reasons the store gives for refusing a change.

Pure: no SQLAlchemy, no I/O. `conversations/`, `payments/` and `storage/` all speak of bookings in these
terms, and importing this module costs nothing (tests/unit/test_purity.py keeps it that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Why the store refused a hold, confirmation, move or cancellation.
TAKEN = "taken"
NOT_FOUND = "not_found"
EXPIRED = "expired"
CANCELLED = "cancelled"
OUTSIDE_HOURS = "outside_hours"
TOO_LATE = "too_late"
TOO_FAR = "too_far"
UNKNOWN_SERVICE = "unknown_service"
UNKNOWN_SPECIALIST = "unknown_specialist"

LIVE = ("held", "confirmed")


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
    channel: str | None = None  # the chat the booking was made from, where the customer hears about it
    chat_id: str | None = None
    revision: int = 0  # raised on every move and cancellation (an iCalendar SEQUENCE)
    customer_confirmed_at: datetime | None = None  # the customer said they are coming

    def state(self, now: datetime) -> str:
        """The status as of `now`: a hold past its expiry is expired even before anything marked it so."""
        if self.status == "held" and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.status

    def is_live(self, now: datetime) -> bool:
        return self.state(now) in LIVE


@dataclass(frozen=True)
class Outcome:
    """What the store did with a change: the booking as it now is, or the reason it refused."""

    booking: Booking | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None
