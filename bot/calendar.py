"""The calendar file sent with a confirmation, move or cancellation (RFC 5545), and the links to it that
nobody can guess. Pure: no clock, no I/O; what it says comes from conversations/calendar_entry.py.

One UID per booking (its code and the business), its SEQUENCE the booking's revision (raised by every move
and cancellation) and METHOD:PUBLISH: a calendar that has the visit updates it in place, and a cancellation
(STATUS:CANCELLED) takes it out. Times are UTC: a local time with a TZID cannot name the second 03:30 of the
night the clocks go back (RFC 5545 3.3.5 takes the first), a UTC time is exact on every day.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from conversations.replies import CalendarEntry

PRODID = "-//Slotbot//Booking calendar//EN"
MIME = "text/calendar"
REMINDER_BEFORE = timedelta(hours=2)


def ics(entry: CalendarEntry) -> bytes:
    """The iCalendar file for `entry`: one event, with a reminder before it unless it is cancelled."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(entry))
    return calendar.to_ical()


def _event(entry: CalendarEntry) -> Event:
    event = Event()
    event.add("uid", uid(entry))
    event.add("dtstamp", _utc(entry.stamp))
    event.add("sequence", entry.revision)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("dtstart", _utc(entry.start))
    event.add("dtend", _utc(entry.end))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    event.add("description", entry.description)
    if not entry.cancelled:
        event.add_component(_reminder(entry))
    return event


def _reminder(entry: CalendarEntry) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", entry.summary)
    alarm.add("trigger", -REMINDER_BEFORE)  # before DTSTART: a duration, exact whatever the zone does
    return alarm


def uid(entry: CalendarEntry) -> str:
    """The booking's UID, the same across its moves and its cancellation: the code is unique in one store,
    the business's name tells two businesses' stores apart."""
    business = hashlib.sha256(entry.business.encode("utf-8")).hexdigest()[:16]
    return f"booking-{entry.code}-{business}@slotbot"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone: bookings are kept in UTC")
    return moment.astimezone(UTC)


# ---- links ------------------------------------------------------------------------------------------------

ROUTE = "/calendar/{token:[0-9a-z-]+}.ics"
_TOKEN = re.compile(r"(\d{1,18})-(\d{1,9})-([a-z]{2})-([0-9a-f]{32})")


@dataclass(frozen=True)
class Ticket:
    """What a link's token names: a booking as of a revision, worded in a language."""

    booking_id: int
    revision: int
    language: str


class CalendarLinks:
    """`<public url>/calendar/<token>.ics`, where the token is the booking's id, revision and the customer's
    language with an HMAC of them under a secret every process shares (config.yaml's twilio.link_secret):
    nobody can make one for another booking. Each change has a URL of its own, so that nothing cached
    between (Twilio fetches the media) serves an older file; the route serves the booking as it is now."""

    def __init__(self, secret: str, public_url: str) -> None:
        if not secret:
            raise ValueError("calendar links need a secret")
        # A key of its own: the configured secret may sign other things later without the two mixing.
        self._key = hmac.new(secret.encode("utf-8"), b"slotbot calendar links", hashlib.sha256).digest()
        self.base = public_url.rstrip("/")

    def url(self, entry: CalendarEntry) -> str:
        language = entry.language if re.fullmatch(r"[a-z]{2}", entry.language) else "en"
        return f"{self.base}/calendar/{self.token(Ticket(entry.booking_id, entry.revision, language))}.ics"

    def token(self, ticket: Ticket) -> str:
        return f"{ticket.booking_id}-{ticket.revision}-{ticket.language}-{self._mac(ticket)}"

    def read(self, token: str) -> Ticket | None:
        """The ticket a token names, or None for one this secret did not sign."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        ticket = Ticket(int(match[1]), int(match[2]), match[3])
        return ticket if hmac.compare_digest(self._mac(ticket), match[4]) else None

    def _mac(self, ticket: Ticket) -> str:
        signed = f"{ticket.booking_id}:{ticket.revision}:{ticket.language}".encode()
        return hmac.new(self._key, signed, hashlib.sha256).hexdigest()[:32]
