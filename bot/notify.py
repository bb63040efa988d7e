"""Staff notifications: a chat message to the specialist and the admins for every new hold, booking,
cancellation, move, hold that ran out unpaid, and customer who confirmed they are coming (naming them), in
the staff's language (`notifications.language`), through the outbox like every other message."""

from __future__ import annotations

from collections.abc import Iterable
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
    for result in results:
        key = _key(result, confirmed)
        if key is None:
            continue
        booking: Booking | None = result.booking  # type: ignore[union-attr]
        if booking is None:
            continue
        body = _text(business, key, booking, session)
        for contact in _recipients(business, booking.specialist):
            yield _message(contact, body)


def _key(result: ev.Event, confirmed: set[int]) -> str | None:
    # A hold confirmed in the same step (no prepayment) is one new booking, not a hold and then a booking.
    if isinstance(result, ev.Held):
        return None if result.booking.id in confirmed else "staff_held"
    if isinstance(result, ev.Confirmed):
        return "staff_confirmed"
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


def _recipients(business: Business, specialist_id: str) -> list[Contact]:
    found = [s.contacts for s in business.staff if s.id == specialist_id]
    contacts = [*(found[0] if found else ()), *business.admins]
    return list(dict.fromkeys(contacts))  # an admin who is also the specialist is told once


def _text(business: Business, key: str, booking: Booking, session: Session) -> str:
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
        paid=f"{booking.paid:f}".removesuffix(".00") + f" {business.currency}",
        code=booking.code,
    )


def _message(contact: Contact, body: str) -> Queued:
    if contact.channel == "telegram":
        return ("telegram", contact.chat_id, "sendMessage", {"chat_id": int(contact.chat_id), "text": body})
    return (
        "whatsapp",
        contact.chat_id,
        "message",
        business_initiated(body, "staff_notification", {"1": body}),
    )
