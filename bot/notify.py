"""Staff notifications: a chat message to the specialist and the admins for every new hold, booking,
cancellation, move, hold that ran out unpaid, freed time taken from the waitlist, and customer who confirmed
they are coming (naming them), in the staff's language (`notifications.language`), through the outbox like
every other message."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.window import business_initiated
from conversations import events as ev
from conversations.session import Session
from conversations.texts import catalogue, text
from storage.booking import Booking
from storage.business import Business, Contact

Queued = tuple[str, str, str, dict[str, Any]]


def staff_notifier(business: Business) -> Any:
    """A `Notifier` for bot/runner.py bound to `business`."""

    def notify(results: list[ev.Event], session: Session) -> list[Queued]:
        return list(staff_messages(business, results, session))

    return notify


def staff_messages(business: Business, results: list[ev.Event], session: Session) -> Iterable[Queued]:
    confirmed = {r.booking.id for r in results if isinstance(r, ev.Confirmed)}
    waitlisted = {r.booking.id for r in results if isinstance(r, ev.OfferTaken)}
    for result in results:
        key = _key(result, confirmed, waitlisted)
        if key is None:
            continue
        booking: Booking | None = result.booking  # type: ignore[union-attr]
        if booking is None:
            continue
        body = _text(business, key, booking, session, _amount(result, booking))
        for contact in _recipients(business, booking.specialist):
            yield _message(contact, body, business.staff_language)


def _key(result: ev.Event, confirmed: set[int], waitlisted: set[int]) -> str | None:
    # A hold confirmed in the same step (no prepayment) is one new booking, not a hold and then a booking;
    # a freed time taken from the waitlist is one message that says so, confirmed at once or not.
    if isinstance(result, ev.Held):
        return None if result.booking.id in confirmed else "staff_held"
    if isinstance(result, ev.OfferTaken):
        return "staff_waitlist_taken"
    if isinstance(result, ev.Confirmed):
        return None if result.booking.id in waitlisted else "staff_confirmed"
    if isinstance(result, ev.Cancelled):
        return "staff_cancelled"
    if isinstance(result, ev.Moved):
        return "staff_moved"
    if isinstance(result, ev.Expired):
        return "staff_expired"
    if isinstance(result, ev.VisitConfirmed):  # a repeated "yes" tells nobody again
        return "staff_visit_confirmed" if result.first else None
    return _money_key(result)


def _money_key(result: ev.Event) -> str | None:
    """The paid-hold notice (the message the product exists for), and money going back."""
    if isinstance(result, ev.Paid):
        return "staff_paid"
    if isinstance(result, ev.PaidTooLate | ev.PaymentReturned):
        return "staff_paid_back"
    if isinstance(result, ev.Refunded):
        return "staff_refunded"
    return None


def _amount(result: ev.Event, booking: Booking) -> Decimal:
    """The money a notice names: what goes back for a payment that was not wanted (the booking keeps none
    of it), else what the booking keeps."""
    return result.amount if isinstance(result, ev.PaidTooLate | ev.PaymentReturned) else booking.paid


def _recipients(business: Business, specialist_id: str) -> list[Contact]:
    found = [s.contacts for s in business.staff if s.id == specialist_id]
    contacts = [*(found[0] if found else ()), *business.admins]
    return list(dict.fromkeys(contacts))  # an admin who is also the specialist is told once


def _text(business: Business, key: str, booking: Booking, session: Session, paid: Decimal) -> str:
    lang = business.staff_language
    local = booking.start.astimezone(ZoneInfo(business.timezone))
    words = catalogue(lang)
    day = words.DATE_FORMAT.format(
        weekday=words.WEEKDAYS[local.weekday()], day=local.day, month=words.MONTHS[local.month - 1]
    )
    service = business.service(booking.service).title(lang, business.default_language)
    specialist = next((s.name for s in business.staff if s.id == booking.specialist), booking.specialist)
    return text(
        lang,
        key,
        business.texts,
        customer=session.name or "—",
        phone=session.phone or "—",
        service=service,
        specialist=specialist,
        when=text(lang, "at_time", business.texts, day=day, time=f"{local:%H:%M}"),
        paid=f"{paid:f}".removesuffix(".00") + f" {business.currency}",
        code=booking.code,
    )


def _message(contact: Contact, body: str, language: str) -> Queued:
    if contact.channel == "telegram":
        return ("telegram", contact.chat_id, "sendMessage", {"chat_id": int(contact.chat_id), "text": body})
    return (
        "whatsapp",
        contact.chat_id,
        "message",
        business_initiated(body, "staff_notification", {"1": body}, language),
    )
