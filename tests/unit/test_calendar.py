"""The calendar file (bot/calendar.py): what it says, that it stays one event across moves and a
cancellation, exact times on the nights the clocks change, and links to it nobody can forge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import CalendarLinks, Ticket, ics, uid
from conversations.calendar_entry import calendar_entry
from conversations.replies import CalendarEntry
from tests import testdata
from tests.ics import BROKEN, READABLE, checked, problems, utc
from tests.sample import NOW, at, salon
from tests.unit.chatter import booking

KYIV, NEW_YORK = ZoneInfo("Europe/Kyiv"), ZoneInfo("America/New_York")


def entry(start: datetime | None = None, minutes: int = 60, **changes: object) -> CalendarEntry:
    start = start or at(24, 11)
    made = CalendarEntry(
        booking_id=7,
        code="ABCD2345",
        revision=0,
        start=start,
        end=start + timedelta(minutes=minutes),
        cancelled=False,
        summary="Haircut with Anna, Test salon",
        description="Booking code: ABCD2345\nTest salon, +380 44 000 00 00",
        location="Kyiv, 12 Velyka Vasylkivska St.",
        business="Test salon",
        language="en",
        stamp=NOW,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


# ---- the checks every test applies, against the RFC 5545 cases ----------------------------------------


@pytest.mark.parametrize("name", READABLE)
def test_the_checks_read_the_valid_rfc_examples(name: str) -> None:
    assert problems(testdata.path(f"ics/{name}").read_bytes()) == []


@pytest.mark.parametrize("name", BROKEN)
def test_the_checks_catch_the_broken_calendars(name: str) -> None:
    assert problems(testdata.path(f"ics/{name}").read_bytes()) != []


def test_the_checks_catch_an_event_that_ends_before_it_starts() -> None:
    swapped = ics(entry()).replace(b"DTEND:20261124T100000Z", b"DTEND:20261124T080000Z")
    assert swapped != ics(entry())
    assert problems(swapped) == [
        "VEVENT ends (2026-11-24 08:00:00+00:00) before it starts (2026-11-24 09:00:00+00:00)"
    ]


# ---- what the file says -----------------------------------------------------------------------------------


def test_a_confirmation_is_one_event_with_a_reminder() -> None:
    event = checked(ics(entry()))
    assert (utc(event, "DTSTART"), utc(event, "DTEND")) == (at(24, 11), at(24, 12))
    assert (event["STATUS"], event.decoded("SEQUENCE")) == ("CONFIRMED", 0)
    assert event["SUMMARY"] == "Haircut with Anna, Test salon"
    assert event["LOCATION"] == "Kyiv, 12 Velyka Vasylkivska St."
    assert event["DESCRIPTION"] == "Booking code: ABCD2345\nTest salon, +380 44 000 00 00"
    assert utc(event, "DTSTAMP") == NOW
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=-2)
    assert alarm["DESCRIPTION"] == "Haircut with Anna, Test salon"


def test_a_cancellation_is_the_same_event_cancelled_without_a_reminder() -> None:
    confirmed, cancelled = checked(ics(entry())), checked(ics(entry(revision=1, cancelled=True)))
    assert cancelled["UID"] == confirmed["UID"]
    assert (cancelled["STATUS"], cancelled.decoded("SEQUENCE")) == ("CANCELLED", 1)
    assert cancelled.walk("VALARM") == []


def test_moves_keep_the_uid_and_raise_the_sequence() -> None:
    files = [
        checked(ics(entry(at(24, 11)))),
        checked(ics(entry(at(25, 15), revision=1))),
        checked(ics(entry(at(26, 10), revision=2))),
    ]
    assert {str(event["UID"]) for event in files} == {uid(entry())}
    assert [event.decoded("SEQUENCE") for event in files] == [0, 1, 2]
    assert [utc(event, "DTSTART") for event in files] == [at(24, 11), at(25, 15), at(26, 10)]


def test_the_uid_is_the_bookings_and_the_businesss() -> None:
    assert uid(entry()) == uid(entry(at(30, 9), revision=3, summary="other words", language="uk"))
    assert uid(entry()) != uid(entry(code="ZZZZ2345"))
    assert uid(entry()) != uid(entry(business="Another salon"))


def test_words_in_any_script_and_ical_special_characters_read_back_as_written() -> None:
    summary = "Стрижка, Анна — Салон «Лаванда»; " * 4  # folded across lines, commas and semicolons escaped
    event = checked(ics(entry(summary=summary, location="Київ; вул. Велика Васильківська, 12")))
    assert (event["SUMMARY"], event["LOCATION"]) == (summary, "Київ; вул. Велика Васильківська, 12")
    assert all(len(line) <= 75 for line in ics(entry(summary=summary)).split(b"\r\n"))  # octets


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        ics(entry(start=datetime(2026, 11, 24, 11)))


# ---- the nights the clocks change ----------------------------------------------------------------------
# A booking's times are aware moments (UTC in the store); the file must name the same moments, and a
# calendar must show the visit at the local time the customer booked, for as long as it really lasts.

DST_VISITS = [
    # zone, local start (fold: which of a repeated hour), minutes, the UTC start, the real length
    pytest.param(
        KYIV, datetime(2026, 3, 29, 2, 30), 0, 120, datetime(2026, 3, 29, 0, 30), 120, id="kyiv-spring"
    ),
    pytest.param(
        KYIV, datetime(2026, 10, 25, 3, 30), 0, 60, datetime(2026, 10, 25, 0, 30), 60, id="kyiv-autumn-1st"
    ),
    pytest.param(
        KYIV, datetime(2026, 10, 25, 3, 30), 1, 60, datetime(2026, 10, 25, 1, 30), 60, id="kyiv-autumn-2nd"
    ),
    pytest.param(
        NEW_YORK, datetime(2026, 3, 8, 1, 30), 0, 90, datetime(2026, 3, 8, 6, 30), 90, id="ny-spring"
    ),
    pytest.param(
        NEW_YORK, datetime(2026, 11, 1, 1, 30), 0, 45, datetime(2026, 11, 1, 5, 30), 45, id="ny-autumn-1st"
    ),
    pytest.param(
        NEW_YORK, datetime(2026, 11, 1, 1, 30), 1, 45, datetime(2026, 11, 1, 6, 30), 45, id="ny-autumn-2nd"
    ),
]


@pytest.mark.parametrize(("zone", "local", "fold", "minutes", "utc_start", "length"), DST_VISITS)
def test_visits_on_the_nights_the_clocks_change_are_exact(
    zone: ZoneInfo, local: datetime, fold: int, minutes: int, utc_start: datetime, length: int
) -> None:
    start = local.replace(tzinfo=zone, fold=fold).astimezone(UTC)  # as the store keeps it
    assert start == utc_start.replace(tzinfo=UTC)
    event = checked(ics(entry(start, minutes)))
    begins, ends = utc(event, "DTSTART"), utc(event, "DTEND")
    assert (begins, ends - begins) == (start, timedelta(minutes=length))
    shown = begins.astimezone(zone)
    assert (shown.replace(tzinfo=None), shown.utcoffset()) == (
        local,
        local.replace(tzinfo=zone, fold=fold).utcoffset(),
    )
    [alarm] = event.walk("VALARM")
    assert begins + alarm.decoded("TRIGGER") == start - timedelta(hours=2)


def test_a_visit_across_the_autumn_change_lasts_as_long_as_it_does() -> None:
    # 02:30 to 04:30 on the Kyiv clock the night it goes back: three hours, which the file keeps.
    start = datetime(2026, 10, 25, 2, 30, tzinfo=KYIV)
    event = checked(ics(entry(start.astimezone(UTC), 180)))
    assert utc(event, "DTEND").astimezone(KYIV).replace(tzinfo=None) == datetime(2026, 10, 25, 4, 30)


# ---- the entry, from a booking ---------------------------------------------------------------------------


def test_the_entry_words_the_booking_for_the_customer() -> None:
    business = replace(salon(), address="Kyiv, 1 Khreshchatyk St.")
    made = replace(booking(business, "haircut", "boris", at(24, 11)), revision=2, status="cancelled")
    english, ukrainian = calendar_entry(made, business, "en", NOW), calendar_entry(made, business, "uk", NOW)
    assert (english.booking_id, english.code, english.revision, english.cancelled) == (1, "ABCD2345", 2, True)
    assert (english.start, english.end, english.stamp) == (at(24, 11), at(24, 12), NOW)
    assert english.summary == "Haircut with Boris, Test salon"
    assert english.description == "Booking code: ABCD2345\nTest salon, +380 44 000 00 00"
    assert english.location == "Kyiv, 1 Khreshchatyk St." and english.filename == "booking-ABCD2345.ics"
    assert ukrainian.summary == "Стрижка, Boris — Test salon" and ukrainian.language == "uk"
    assert ukrainian.description.startswith("Код запису: ABCD2345")


def test_the_entry_in_the_businesss_own_words_and_without_an_address() -> None:
    business = replace(salon(), texts={"en": {"calendar_summary": "{business}: {service}"}}, contact="")
    made = booking(business, "haircut", "anna", at(24, 11))
    worded = calendar_entry(made, business, "en", NOW)
    assert (worded.summary, worded.location) == ("Test salon: Haircut", "Test salon")
    assert worded.description == "Booking code: ABCD2345\nTest salon"


def test_a_service_gone_from_the_config_still_has_a_file() -> None:
    made = replace(booking(salon(), "haircut", "anna", at(24, 11)), service="retired", specialist="left")
    assert calendar_entry(made, salon(), "en", NOW).summary == "retired with left, Test salon"


# ---- links ------------------------------------------------------------------------------------------------

LINKS = CalendarLinks("a-secret-every-process-shares", "https://bot.example.com/")


def test_a_link_names_the_booking_its_revision_and_language() -> None:
    url = LINKS.url(entry(revision=3, language="uk"))
    assert url.startswith("https://bot.example.com/calendar/7-3-uk-") and url.endswith(".ics")
    token = url.removeprefix("https://bot.example.com/calendar/").removesuffix(".ics")
    assert LINKS.read(token) == Ticket(7, 3, "uk")


def test_a_link_in_an_odd_language_is_worded_in_english() -> None:
    assert "/calendar/7-0-en-" in LINKS.url(entry(language="pt-br"))


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token.replace("7-", "8-", 1),  # another booking
        lambda token: token.replace("-0-", "-1-", 1),  # another revision
        lambda token: token.replace("-en-", "-uk-", 1),  # another language
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),  # a guessed signature
        lambda token: token[:-2],  # cut short
        lambda token: token + "0",
        lambda token: token.upper(),
        lambda token: "",
        lambda token: "7-0-en-" + "0" * 32,
    ],
)
def test_a_token_changed_in_any_way_is_refused(change: object) -> None:
    token = LINKS.token(Ticket(7, 0, "en"))
    assert LINKS.read(token) == Ticket(7, 0, "en")
    assert callable(change)
    assert LINKS.read(change(token)) is None


def test_a_token_under_another_secret_is_refused() -> None:
    other = CalendarLinks("another-secret-of-another-bot", "https://bot.example.com")
    assert other.read(LINKS.token(Ticket(7, 0, "en"))) is None


def test_links_need_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        CalendarLinks("", "https://bot.example.com")
