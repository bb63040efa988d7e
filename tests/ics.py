"""Reading the calendar files Slotbot makes the way a calendar app would: with icalendar, by rules checked
against the RFC 5545 cases of the external test material (ics/*.ics: collective/icalendar's tests @851cb47,
BSD-2-Clause; tests/unit/test_calendar.py shows the rules read the valid ones and catch the broken ones).

Every test that gets hold of a file (the maker's, a Telegram upload, the web route's answer) reads it with
`checked`, which fails on anything a calendar could trip on and gives back the one event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Component, Event
from icalendar.error import BrokenCalendarProperty

# In ../shared/testdata/ics: calendars icalendar reads as valid, and ones it reads as broken.
READABLE = (
    "icalendar_america_new_york.ics",
    "icalendar_issue_722_timezone_transition_ambiguity.ics",
    "icalendar_rfc_5545_RDATE_example.ics",
    "icalendar_rfc_5545_absolute_alarm_example.ics",
    "icalendar_rfc_5545_end.ics",
)
BROKEN = (
    "icalendar_broken_dtstart.ics",  # DTSTART:INVALID-DATE
    "icalendar_invalid_duration.ics",  # DURATION:P999999999999999999W
    "icalendar_issue_1081_invalid_start_and_end.ics",  # DTSTART and DTEND both unreadable
)


def problems(data: bytes) -> list[str]:
    """What a calendar would trip on in `data`: a component it cannot read, a property icalendar marks
    broken (a date that is not one, a duration no calendar can hold), an event that ends before it starts."""
    try:
        components = Component.from_ical(data, multiple=True)
    except ValueError as error:
        return [f"unreadable: {error}"]
    found: list[str] = []
    for component in components:
        for part in component.walk():
            found += [f"{part.name}.{name}: {why}" for name, why in part.errors]
        for event in component.walk("VEVENT"):
            found += _times(event)
    return found


def _times(event: Event) -> list[str]:
    if "DTSTART" not in event:
        return []  # a part of a recurrence set (the RDATE examples): no time of its own to check
    try:
        start, end = event.start, event.end
    except (BrokenCalendarProperty, ValueError, OverflowError) as error:
        return [f"VEVENT times: {error}"]
    return [f"VEVENT ends ({end}) before it starts ({start})"] if end < start else []


def checked(data: bytes | str) -> Event:
    """The one event of a file Slotbot made, after every check a calendar app would make of it, and more:
    no problems, METHOD:PUBLISH, UTC times, DTEND after DTSTART and no DURATION, a reminder before the visit
    if any, and a file that reads back to the same bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    assert problems(raw) == [], problems(raw)
    calendar = Calendar.from_ical(raw)
    assert calendar.to_ical() == raw, "the file does not round-trip"
    assert (calendar["VERSION"], calendar["METHOD"], calendar["CALSCALE"]) == ("2.0", "PUBLISH", "GREGORIAN")
    assert calendar["PRODID"]
    [event] = calendar.walk("VEVENT")
    assert [c.name for c in calendar.subcomponents] == ["VEVENT"]  # UTC times need no VTIMEZONE
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY"):
        assert required in event, f"no {required}"
    assert "DURATION" not in event
    start, end, stamp = (event.decoded(name) for name in ("DTSTART", "DTEND", "DTSTAMP"))
    for moment in (start, end, stamp):
        assert isinstance(moment, datetime) and moment.utcoffset() == timedelta(0), moment
    assert start < end, f"DTSTART {start} is not before DTEND {end}"
    assert event["STATUS"] in ("CONFIRMED", "CANCELLED") and event.decoded("SEQUENCE") >= 0
    for alarm in event.walk("VALARM"):
        trigger = alarm.decoded("TRIGGER")
        assert isinstance(trigger, timedelta) and trigger < timedelta(0), trigger
        assert alarm["ACTION"] == "DISPLAY" and alarm["DESCRIPTION"]  # RFC 5545 3.6.6: DISPLAY needs one
    return event


def utc(event: Event, name: str) -> datetime:
    moment = event.decoded(name)
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC)
