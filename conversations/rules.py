"""The business's rules for customers' own changes: how many bookings, when and how often a move or a
cancellation is allowed, and whether a cancellation gets the prepayment back. Pure functions; each refusal
is a text key the flow explains to the customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from storage.booking import Booking
from storage.business import Business

# Bookings that came through these cannot be changed by the customer themselves.
LOCKED_ORIGINS = ("package", "coupon", "approval")


def booking_limit_reached(business: Business, live: Sequence[Booking]) -> bool:
    return len(live) >= business.rules.max_active_bookings


def move_refusal(business: Business, booking: Booking, now: datetime) -> str | None:
    service = business.service(booking.service)
    if service.requires_approval or booking.origin in LOCKED_ORIGINS:
        return "move_locked"
    if booking.moves >= business.max_moves_for(service):
        return "move_limit"
    if booking.start - now < timedelta(minutes=business.move_notice_for(service)):
        return "move_too_late"
    return None


def cancel_refusal(business: Business, booking: Booking, now: datetime) -> str | None:
    service = business.service(booking.service)
    if booking.origin in LOCKED_ORIGINS:
        return "cancel_locked"
    if booking.status == "confirmed" and booking.start - now < timedelta(
        minutes=business.cancel_notice_for(service)
    ):
        return "cancel_too_late"
    return None


def refund_due(business: Business, booking: Booking, now: datetime) -> bool:
    """Something of the prepayment comes back (all of it when cancelled early enough)."""
    return refund_amount(business, booking, now) > 0


def refund_amount(business: Business, booking: Booking, now: datetime) -> Decimal:
    """What of the prepayment comes back on a cancellation now: all of it early enough (the service's
    refund window), else the late share the business gives back (`late_refund_percent`, whole units)."""
    service = business.service(booking.service)
    if booking.paid <= 0:
        return Decimal(0)
    if booking.start - now >= timedelta(hours=business.refund_hours_for(service)):
        return booking.paid
    share = booking.paid * business.late_refund_for(service) / 100
    return share.quantize(Decimal(1), rounding=ROUND_HALF_UP)
