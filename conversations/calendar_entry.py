"""A booking as the calendar entry that goes with its confirmation, move or cancellation, worded for the
customer. Pure: the conversation attaches it to the reply that tells the news, and the web app words the file
it serves for a link the same way (bot/web.py), so both come from here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from conversations.replies import CalendarEntry
from conversations.texts import text
from conversations.turn import Turn
from storage.booking import Booking
from storage.business import Business


def calendar_entry(booking: Booking, business: Business, lang: str, now: datetime) -> CalendarEntry:
    def t(key: str, **values: str) -> str:
        return text(lang, key, business.texts, **values)

    service, who = _service(business, booking, lang), _who(business, booking)
    contact = ", ".join(filter(None, (business.name, business.contact)))
    return CalendarEntry(
        booking_id=booking.id,
        code=booking.code,
        revision=booking.revision,
        start=booking.start,
        end=booking.end,
        cancelled=booking.status == "cancelled",
        summary=t("calendar_summary", service=service, specialist=who, business=business.name),
        description="\n".join((t("calendar_description", code=booking.code), contact)),
        location=business.address or business.name,
        business=business.name,
        language=lang,
        stamp=now,
    )


def attach_calendar(turn: Turn, booking: Booking) -> None:
    """The reply just said (the booking confirmed, moved or cancelled) carries the booking's calendar file."""
    said = turn.replies[-1]
    entry = calendar_entry(booking, turn.business, turn.lang, turn.now)
    turn.replies[-1] = replace(said, calendar=entry)


def _service(business: Business, booking: Booking, lang: str) -> str:
    # A link is served until the visit: the service may have left config.yaml meanwhile.
    try:
        return business.service(booking.service).title(lang, business.default_language)
    except KeyError:
        return booking.service


def _who(business: Business, booking: Booking) -> str:
    try:
        return business.specialist(booking.specialist).name
    except KeyError:
        return booking.specialist
