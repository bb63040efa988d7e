"""Slot computation (storage/availability.py): exact slot times for schedules, claims and booking rules."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.availability import (
    Busy,
    Slot,
    check_slot,
    claims_for,
    class_resource,
    free_slots,
    free_starts,
    room_resource,
    staff_resource,
)
from storage.business import (
    BookingRules,
    Business,
    ClassSession,
    DayOverride,
    Room,
    Schedule,
    Service,
    Specialist,
    TimeRange,
)

KYIV = "Europe/Kyiv"
KOLKATA = "Asia/Kolkata"
MON = date(2026, 6, 1)  # a Monday in Kyiv summer time (UTC+3)
TUE, WED, SAT, SUN = MON + timedelta(1), MON + timedelta(2), MON + timedelta(5), MON + timedelta(6)
SPRING = date(2026, 3, 29)  # Kyiv: 03:00 -> 04:00
AUTUMN = date(2026, 10, 25)  # Kyiv: 04:00 -> 03:00
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # long before every tested day: notice and window stay out of the way
EVERY_DAY = range(7)
WEEKDAYS = range(5)


# ---------------------------------------------------------------- building businesses


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def ranges(text: str) -> tuple[TimeRange, ...]:
    """TimeRanges from text such as "09:00-12:00,13:00-14:00"; an empty text gives none."""
    return tuple(
        TimeRange(minutes(part.split("-")[0]), minutes(part.split("-")[1]))
        for part in text.split(",")
        if part
    )


def person(
    sid: str,
    hours: str = "09:00-12:00",
    days: Iterable[int] = WEEKDAYS,
    *,
    breaks: str = "",
    overrides: Mapping[date, str] | None = None,
    time_off: tuple[tuple[date, date], ...] = (),
) -> Specialist:
    days = tuple(days)
    schedule = Schedule(
        weekly={day: ranges(hours) for day in days},
        breaks={day: ranges(breaks) for day in EVERY_DAY} if breaks else {},
        overrides={day: DayOverride(day, ranges(text)) for day, text in (overrides or {}).items()},
        time_off=time_off,
    )
    return Specialist(sid, sid.title(), schedule)


def service(
    sid: str = "cut", duration: int = 60, staff: tuple[str, ...] = ("anna",), **extra: Any
) -> Service:
    return Service(sid, {"en": sid}, duration, Decimal(100), staff, **extra)


def business(
    *people: Specialist,
    services: tuple[Service, ...] = (),
    tz: str = KYIV,
    step: int = 60,
    notice: int = 0,
    window: int = 365,
    overrides: Mapping[date, str] | None = None,
) -> Business:
    return Business(
        name="Test",
        timezone=tz,
        rules=BookingRules(slot_step=step, min_notice=notice, max_advance_days=window),
        staff=people or (person("anna"),),
        rooms=(Room("laser", "Laser room"),),
        services=services or (service(),),
        overrides={day: DayOverride(day, ranges(text)) for day, text in (overrides or {}).items()},
    )


def at(day: date, clock: str, tz: str = KYIV) -> datetime:
    return datetime(day.year, day.month, day.day, *map(int, clock.split(":")), tzinfo=ZoneInfo(tz))


def span(day: date, text: str, tz: str = KYIV) -> tuple[int, int]:
    """A claim in epoch seconds from local wall times: "10:00-11:00"."""
    start, end = text.split("-")
    return int(at(day, start, tz).timestamp()), int(at(day, end, tz).timestamp())


def render(slots: list[Slot], tz: str, fmt: str, every: bool, seats: bool) -> list[str]:
    shown = []
    for slot in slots:
        text = slot.start.astimezone(ZoneInfo(tz)).strftime(fmt)
        if every:
            text += " " + "+".join(slot.specialists)
        if seats:
            text += f" seats={slot.seats_left}"
        shown.append(text)
    return shown


def assert_well_formed(slots: list[Slot], chosen: Service) -> None:
    starts = [slot.start for slot in slots]
    assert starts == sorted(set(starts)), "sorted, one slot per start"
    for slot in slots:
        assert slot.start.utcoffset() == timedelta(0) and slot.end.utcoffset() == timedelta(0)
        assert slot.end - slot.start == timedelta(minutes=chosen.duration)
        assert slot.service == chosen.id
        assert slot.specialists and slot.specialist == slot.specialists[0]
        assert list(slot.specialists) == [sid for sid in chosen.staff if sid in slot.specialists]


# ---------------------------------------------------------------- the table


def case(
    name: str,
    biz: Business,
    expected: list[str],
    *,
    service_id: str = "cut",
    day: date = MON,
    days: int = 1,
    specialist: str | None = "anna",
    busy: Busy | None = None,
    now: datetime = NOW,
    fmt: str = "%H:%M",
    shown_in: str | None = None,
) -> object:
    """One row: the query, and the slots expected as local times (with the team when asking for anyone,
    with the seats left for a class)."""
    query = (service_id, day, days, specialist, busy or {}, now)
    return pytest.param(biz, query, (shown_in or biz.timezone, fmt), expected, id=name)


def claimed(resource: str, *spans: tuple[int, int]) -> dict[str, list[tuple[int, int]]]:
    return {resource: list(spans)}


YOGA = service(
    "yoga",
    60,
    ("boris",),
    capacity=5,
    buffer_after=15,
    sessions=(ClassSession(1, minutes("10:00"), "boris"),),
)
YOGA_DAY = TUE  # YOGA runs on Tuesdays at 10:00, taught by boris
TWICE_A_WEEK = service(
    "yoga",
    60,
    ("boris", "anna"),
    capacity=5,
    sessions=(ClassSession(1, minutes("19:00"), "boris"), ClassSession(3, minutes("18:00"), "anna")),
)
LASER = service("laser", 60, ("anna", "boris"), room="laser")
EITHER = service(staff=("anna", "boris"))
PAIR = (person("anna", "09:00-12:00"), person("boris", "10:00-13:00"))
AROUND_THE_CLOCK = person("anna", "00:00-24:00", EVERY_DAY)
ANNA_AND_BORIS = (person("anna"), person("boris"))  # the same hours; boris teaches YOGA
CUT_AND_YOGA = (service("cut", 30, ("boris",)), YOGA)
SEATS = class_resource("yoga", "boris")
ANNA, BORIS = staff_resource("anna"), staff_resource("boris")
# The first 03:00 of the autumn change (EEST) is 00:00 UTC; the second (EET) is 01:00 UTC.
FIRST_THREE_OCLOCK = (
    int(datetime(2026, 10, 25, 0, tzinfo=UTC).timestamp()),
    int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp()),
)

CASES = [
    # ---- working hours and the grid
    case("plain-day", business(), ["09:00", "10:00", "11:00"]),
    case(
        "default-step-15",
        business(step=15),
        ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"],
    ),
    case(
        "step-override",
        business(person("anna", "09:00-10:30"), step=15, services=(service(duration=30, step=20),)),
        ["09:00", "09:20", "09:40", "10:00"],
    ),
    case("slot-exactly-fits-range-end", business(person("anna", "09:00-10:00")), ["09:00"]),
    case("service-longer-than-range", business(person("anna", "09:00-09:45")), []),
    case(
        "8-minute-service-on-15-minute-grid",
        business(person("anna", "09:00-09:40"), step=15, services=(service(duration=8),)),
        ["09:00", "09:15", "09:30"],
    ),
    case(
        "8-minute-service-on-8-minute-grid",
        business(person("anna", "09:00-09:40"), services=(service(duration=8, step=8),)),
        ["09:00", "09:08", "09:16", "09:24", "09:32"],
    ),
    case(
        "two-ranges-in-a-day",
        business(person("anna", "09:00-10:00,15:00-17:00")),
        ["09:00", "15:00", "16:00"],
    ),
    case(
        "ranges-given-out-of-order",
        business(person("anna", "15:00-17:00,09:00-10:00")),
        ["09:00", "15:00", "16:00"],
    ),
    case(
        "break-splits-the-day",
        business(person("anna", "09:00-14:00", breaks="11:00-12:00"), step=30),
        ["09:00", "09:30", "10:00", "12:00", "12:30", "13:00"],
    ),
    case(
        "grid-restarts-after-a-break",
        business(person("anna", "09:00-13:00", breaks="10:00-10:45"), services=(service(duration=30),)),
        ["09:00", "10:45", "11:45"],
    ),
    case("day-off", business(), [], day=SAT),
    case(
        "several-days-skip-the-weekend",
        business(person("anna", "09:00-11:00")),
        ["Fri 09:00", "Fri 10:00", "Mon 09:00", "Mon 10:00"],
        day=MON - timedelta(3),
        days=4,
        fmt="%a %H:%M",
    ),
    case("zero-days", business(), [], days=0),
    # ---- dated exceptions
    case("closure", business(overrides={MON: ""}), []),
    case(
        "closure-only-that-day",
        business(overrides={MON: ""}),
        ["Tue 09:00", "Tue 10:00", "Tue 11:00"],
        days=2,
        fmt="%a %H:%M",
    ),
    case("shortened-day", business(overrides={MON: "09:00-11:00"}), ["09:00", "10:00"]),
    case(
        "shortened-day-cuts-each-own-hours",
        business(*PAIR, services=(EITHER,), overrides={MON: "09:00-11:30"}),
        ["09:00 anna", "10:00 anna+boris"],
        specialist=None,
    ),
    case(
        "extra-working-saturday",
        business(person("anna", overrides={SAT: "10:00-12:00"})),
        ["10:00", "11:00"],
        day=SAT,
    ),
    case(
        "own-override-replaces-weekly-hours",
        business(person("anna", overrides={MON: "14:00-16:00"})),
        ["14:00", "15:00"],
    ),
    case("own-override-closes-the-day", business(person("anna", overrides={MON: ""})), []),
    case(
        "own-override-inside-shortened-day",
        business(person("anna", overrides={MON: "10:00-13:00"}), overrides={MON: "09:00-11:00"}),
        ["10:00"],
    ),
    case(
        "breaks-apply-on-override-days",
        business(person("anna", breaks="12:00-13:00", overrides={SAT: "10:00-14:00"})),
        ["10:00", "11:00", "13:00"],
        day=SAT,
    ),
    case("time-off", business(person("anna", time_off=((MON - timedelta(2), MON),))), []),
    case(
        "time-off-end-is-inclusive",
        business(person("anna", time_off=((MON - timedelta(2), MON),))),
        ["Tue 09:00", "Tue 10:00", "Tue 11:00"],
        days=2,
        fmt="%a %H:%M",
    ),
    # ---- claims and buffers
    case(
        "busy-touching-is-not-overlapping",
        business(),
        ["09:00", "11:00"],
        busy=claimed(ANNA, span(MON, "10:00-11:00")),
    ),
    case(
        "busy-one-second-over",
        business(),
        ["09:00"],
        busy=claimed(ANNA, (span(MON, "10:00-11:00")[0], span(MON, "10:00-11:00")[1] + 1)),
    ),
    case(
        "busy-from-one-second-early",
        business(),
        ["09:00"],
        busy=claimed(ANNA, (span(MON, "11:00-12:00")[0] - 1, span(MON, "11:00-12:00")[1])),
    ),
    case(
        "buffers-both-sides-of-a-booking",
        business(step=15, services=(service(duration=30, buffer_before=15, buffer_after=15),)),
        ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"],
        busy=claimed(ANNA, span(MON, "10:00-10:30")),
    ),
    case(
        "buffer-may-run-past-closing",
        business(services=(service(buffer_after=30),)),
        ["09:00", "10:00", "11:00"],
    ),
    case(
        "unsorted-overlapping-claims",
        business(person("anna", "09:00-17:00")),
        ["09:00", "12:00", "16:00"],
        busy=claimed(
            ANNA,
            span(MON, "13:00-16:00"),
            span(MON, "10:00-11:30"),
            span(MON, "10:30-12:00"),
            span(MON, "13:30-14:00"),
        ),
    ),
    case(
        "claim-from-the-day-before-reaches-in",
        business(person("anna", "00:00-03:00")),
        ["02:00"],
        busy=claimed(ANNA, (span(MON - timedelta(1), "23:00-23:59")[0], span(MON, "02:00-02:00")[0])),
    ),
    case(
        "other-resources-do-not-count",
        business(),
        ["09:00", "10:00", "11:00"],
        busy={BORIS: [span(MON, "09:00-12:00")], room_resource("laser"): [span(MON, "09:00-12:00")]},
    ),
    case(
        "room-shared-by-two-specialists",
        business(*PAIR, services=(LASER,)),
        ["09:00 anna", "11:00 anna+boris", "12:00 boris"],
        service_id="laser",
        specialist=None,
        busy={ANNA: [span(MON, "10:00-11:00")], room_resource("laser"): [span(MON, "10:00-11:00")]},
    ),
    case(
        "room-free-for-a-service-without-it",
        business(*PAIR, services=(EITHER, LASER)),
        ["09:00 anna", "10:00 boris", "11:00 anna+boris", "12:00 boris"],
        specialist=None,
        busy={ANNA: [span(MON, "10:00-11:00")], room_resource("laser"): [span(MON, "10:00-11:00")]},
    ),
    # ---- notice and window
    case("notice-exactly-met", business(notice=60), ["09:00", "10:00", "11:00"], now=at(MON, "08:00")),
    case("notice-one-minute-short", business(notice=60), ["10:00", "11:00"], now=at(MON, "08:01")),
    case(
        "notice-pushes-first-slot-to-next-day",
        business(notice=60),
        ["Tue 09:00", "Tue 10:00", "Tue 11:00"],
        days=2,
        now=at(MON, "11:30"),
        fmt="%a %H:%M",
    ),
    case(
        "window-ends-mid-day",
        business(window=1),
        ["Mon 10:00", "Mon 11:00", "Tue 09:00", "Tue 10:00"],
        days=3,
        now=at(MON, "10:00"),
        fmt="%a %H:%M",
    ),
    case("past-days-offer-nothing", business(), [], now=at(TUE, "00:00")),
    # ---- time zones and clock changes
    case("kolkata-half-hour-zone", business(tz=KOLKATA), ["09:00", "10:00", "11:00"]),
    case("kolkata-in-utc", business(tz=KOLKATA), ["03:30", "04:30", "05:30"], shown_in="UTC"),
    case(
        "spring-forward-whole-day-is-23-hours",
        business(AROUND_THE_CLOCK, step=120),
        [
            *["00:00+0200", "02:00+0200", "05:00+0300", "07:00+0300", "09:00+0300", "11:00+0300"],
            *["13:00+0300", "15:00+0300", "17:00+0300", "19:00+0300", "21:00+0300", "23:00+0300"],
        ],
        day=SPRING,
        fmt="%H:%M%z",
    ),
    case(
        "spring-forward-range-across-the-jump",
        business(person("anna", "01:00-06:00", EVERY_DAY)),
        ["01:00+0200", "02:00+0200", "04:00+0300", "05:00+0300"],
        day=SPRING,
        fmt="%H:%M%z",
    ),
    case(
        "spring-forward-day-away-from-the-jump",
        business(person("anna", "09:00-12:00", EVERY_DAY)),
        ["Sat 09:00+0200", "Sun 09:00+0300", "Mon 09:00+0300"],
        day=SPRING - timedelta(1),
        days=3,
        fmt="%a %H:%M%z",
        busy=claimed(ANNA, *(span(SPRING + timedelta(d), "10:00-12:00") for d in (-1, 0, 1))),
    ),
    case(
        "fall-back-whole-day-is-25-hours",
        business(AROUND_THE_CLOCK, step=180),
        [
            *["00:00+0300", "03:00+0300", "05:00+0200", "08:00+0200", "11:00+0200"],
            *["14:00+0200", "17:00+0200", "20:00+0200", "23:00+0200"],
        ],
        day=AUTUMN,
        fmt="%H:%M%z",
    ),
    case(
        "fall-back-repeats-an-hour",
        business(person("anna", "02:00-05:00", EVERY_DAY)),
        ["02:00+0300", "03:00+0300", "03:00+0200", "04:00+0200"],
        day=AUTUMN,
        fmt="%H:%M%z",
    ),
    case(
        "fall-back-first-three-oclock-busy",
        business(person("anna", "02:00-05:00", EVERY_DAY)),
        ["02:00+0300", "03:00+0200", "04:00+0200"],
        day=AUTUMN,
        fmt="%H:%M%z",
        busy=claimed(ANNA, FIRST_THREE_OCLOCK),
    ),
    # ---- any specialist
    case(
        "any-specialist-merged-without-duplicates",
        business(*PAIR, services=(EITHER,)),
        ["09:00 anna", "10:00 anna+boris", "11:00 anna+boris", "12:00 boris"],
        specialist=None,
    ),
    case(
        "any-specialist-in-staff-order",
        business(*PAIR, services=(service(staff=("boris", "anna")),)),
        ["09:00 anna", "10:00 boris+anna", "11:00 boris+anna", "12:00 boris"],
        specialist=None,
    ),
    case(
        "any-specialist-one-busy",
        business(*PAIR, services=(EITHER,)),
        ["09:00 anna", "10:00 boris", "11:00 anna+boris", "12:00 boris"],
        specialist=None,
        busy=claimed(ANNA, span(MON, "10:00-11:00")),
    ),
    case(
        "any-specialist-on-different-grids",
        business(person("anna", "09:00-11:00"), person("boris", "09:30-11:30"), services=(EITHER,)),
        ["09:00 anna", "09:30 boris", "10:00 anna", "10:30 boris"],
        specialist=None,
    ),
    case(
        "any-specialist-long-runs",
        business(
            person("anna", "09:00-11:00"),
            person("boris", "10:00-12:00"),
            step=15,
            services=(service(duration=15, staff=("anna", "boris")),),
        ),
        [
            *["09:00 anna", "09:15 anna", "09:30 anna", "09:45 anna"],
            *["10:00 anna+boris", "10:15 anna+boris", "10:30 anna+boris", "10:45 anna+boris"],
            *["11:00 boris", "11:15 boris", "11:30 boris", "11:45 boris"],
        ],
        specialist=None,
    ),
    case("any-specialist-nobody-works", business(*PAIR, services=(EITHER,)), [], specialist=None, day=SUN),
    case("specialist-not-offering-the-service", business(*PAIR), [], specialist="boris"),
    case(
        "specialist-not-in-the-business",
        business(services=(service(staff=("anna", "ghost")),)),
        [],
        specialist="ghost",
    ),
    # ---- group classes
    case(
        "class-seats-left",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA),
        ["10:00 boris seats=3"],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
        busy=claimed(SEATS, *[span(YOGA_DAY, "10:00-11:15")] * 2),
    ),
    case(
        "class-full-is-hidden",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
        busy=claimed(SEATS, *[span(YOGA_DAY, "10:00-11:15")] * 5),
    ),
    case(
        "class-other-weeks-seats-do-not-count",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA),
        ["10:00 boris seats=5"],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
        busy=claimed(SEATS, *[span(YOGA_DAY - timedelta(7), "10:00-11:15")] * 5),
    ),
    case(
        "class-only-on-session-days",
        business(person("anna", days=EVERY_DAY), person("boris", days=EVERY_DAY), services=(TWICE_A_WEEK,)),
        ["Tue 19:00 boris seats=5", "Thu 18:00 anna seats=5"],
        service_id="yoga",
        specialist=None,
        days=7,
        fmt="%a %H:%M",
    ),
    case(
        "class-of-one-teacher",
        business(person("anna", days=EVERY_DAY), person("boris", days=EVERY_DAY), services=(TWICE_A_WEEK,)),
        ["Thu 18:00 seats=5"],
        service_id="yoga",
        days=7,
        fmt="%a %H:%M",
    ),
    case(
        "class-cancelled-by-teacher-time-off",
        business(person("anna"), person("boris", time_off=((YOGA_DAY, YOGA_DAY),)), services=CUT_AND_YOGA),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-cancelled-by-closure",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, overrides={YOGA_DAY: ""}),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-cancelled-by-a-day-too-short",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, overrides={YOGA_DAY: "09:00-10:30"}),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-kept-on-a-short-day-it-fits",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, overrides={YOGA_DAY: "09:00-11:00"}),
        ["10:00 boris seats=5"],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-outside-teachers-usual-hours",
        business(person("anna"), person("boris", "12:00-15:00"), services=CUT_AND_YOGA),
        ["10:00 boris seats=5"],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-blocks-its-teachers-time",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, step=30),
        ["09:00", "09:30", "11:30"],
        specialist="boris",
        day=YOGA_DAY,
    ),
    case(
        "class-blocks-nothing-on-other-days",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, step=30),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        specialist="boris",
        day=WED,
    ),
    case(
        "cancelled-class-blocks-nothing",
        business(*ANNA_AND_BORIS, services=CUT_AND_YOGA, step=30, overrides={YOGA_DAY: "09:00-10:30"}),
        ["09:00", "09:30", "10:00"],
        specialist="boris",
        day=YOGA_DAY,
    ),
]


@pytest.mark.parametrize(("biz", "query", "display", "expected"), CASES)
def test_free_slots(
    biz: Business,
    query: tuple[str, date, int, str | None, Busy, datetime],
    display: tuple[str, str],
    expected: list[str],
) -> None:
    service_id, day, days, specialist, busy, now = query
    chosen = biz.service(service_id)
    slots = free_slots(biz, chosen, now=now, start_day=day, days=days, specialist=specialist, busy=busy)
    assert render(slots, *display, every=specialist is None, seats=chosen.is_class) == expected
    assert_well_formed(slots, chosen)


# ---------------------------------------------------------------- check_slot

# anna: weekdays 09:00-13:00 with lunch 11:00-12:00, off on THU; boris: weekdays 09:00-12:00, teaches YOGA
# on Tuesdays at 10:00. Closed on WED. 30-minute grid, an hour's notice, a 30-day window.
THU = MON + timedelta(3)
CHECKED = business(
    person("anna", "09:00-13:00", breaks="11:00-12:00", time_off=((THU, THU),)),
    person("boris"),
    services=(service("cut", 60, ("anna", "boris", "ghost")), service("nails", 30, ("anna",)), YOGA),
    step=30,
    notice=60,
    window=30,
    overrides={WED: ""},
)
BEFORE = at(MON, "07:00")  # an hour's notice: everything from 08:00 on may be booked
MONTH_AHEAD = at(MON - timedelta(30), "09:00")  # MON 09:00 is the very end of its 30-day window


@pytest.mark.parametrize(
    ("service_id", "specialist", "start", "now", "reason"),
    [
        pytest.param("cut", "anna", at(MON, "09:00"), BEFORE, None, id="ok"),
        pytest.param("cut", "anna", at(MON, "09:30"), BEFORE, None, id="ok-on-the-half-hour-grid"),
        pytest.param("cut", "anna", at(MON, "10:00"), BEFORE, None, id="ok-ending-at-the-break"),
        pytest.param("cut", "anna", at(MON, "12:00"), BEFORE, None, id="ok-exactly-fits-the-end"),
        pytest.param("cut", "boris", at(YOGA_DAY, "09:00"), BEFORE, None, id="ok-ending-as-the-class-starts"),
        pytest.param(
            "cut", "nobody", at(MON, "09:00"), BEFORE, "unknown_specialist", id="unknown-specialist"
        ),
        pytest.param("nails", "boris", at(MON, "09:00"), BEFORE, "unknown_specialist", id="not-offering-it"),
        pytest.param(
            "cut", "ghost", at(MON, "09:00"), BEFORE, "unknown_specialist", id="not-in-the-business"
        ),
        pytest.param(
            "yoga", "anna", at(YOGA_DAY, "10:00"), BEFORE, "unknown_specialist", id="not-teaching-it"
        ),
        pytest.param("cut", "anna", at(MON, "08:30"), BEFORE, "outside_hours", id="before-opening"),
        pytest.param("cut", "anna", at(MON, "09:10"), BEFORE, "outside_hours", id="off-the-grid"),
        pytest.param(
            "cut",
            "anna",
            at(MON, "09:00") + timedelta(seconds=1),
            BEFORE,
            "outside_hours",
            id="off-by-a-second",
        ),
        pytest.param(
            "cut",
            "anna",
            at(MON, "09:00") + timedelta(microseconds=1),
            BEFORE,
            "outside_hours",
            id="off-by-a-tick",
        ),
        pytest.param("cut", "anna", at(MON, "10:30"), BEFORE, "outside_hours", id="runs-into-the-break"),
        pytest.param("cut", "anna", at(MON, "11:00"), BEFORE, "outside_hours", id="on-the-break"),
        pytest.param("cut", "anna", at(MON, "12:30"), BEFORE, "outside_hours", id="runs-past-closing"),
        pytest.param("cut", "anna", at(SAT, "10:00"), BEFORE, "outside_hours", id="day-off"),
        pytest.param("cut", "anna", at(WED, "10:00"), BEFORE, "outside_hours", id="closure"),
        pytest.param("cut", "anna", at(THU, "10:00"), BEFORE, "outside_hours", id="time-off"),
        pytest.param("cut", "boris", at(THU, "10:00"), BEFORE, None, id="someone-elses-time-off"),
        pytest.param("cut", "boris", at(YOGA_DAY, "10:00"), BEFORE, "outside_hours", id="during-own-class"),
        pytest.param("cut", "boris", at(YOGA_DAY, "09:30"), BEFORE, "outside_hours", id="into-own-class"),
        pytest.param("cut", "boris", at(YOGA_DAY, "11:00"), BEFORE, "outside_hours", id="class-buffer"),
        pytest.param("cut", "anna", at(YOGA_DAY, "10:00"), BEFORE, None, id="class-of-someone-else"),
        pytest.param("yoga", "boris", at(YOGA_DAY, "10:00"), BEFORE, None, id="class-session"),
        pytest.param(
            "yoga", "boris", at(YOGA_DAY, "10:30"), BEFORE, "outside_hours", id="not-a-session-time"
        ),
        pytest.param("yoga", "boris", at(MON, "10:00"), BEFORE, "outside_hours", id="not-a-session-day"),
        pytest.param(
            "yoga", "boris", at(YOGA_DAY + timedelta(7), "10:00"), BEFORE, None, id="next-weeks-session"
        ),
        pytest.param(
            "cut", "anna", at(MON, "09:00"), at(MON, "08:01"), "too_late", id="notice-one-minute-short"
        ),
        pytest.param("cut", "anna", at(MON, "09:00"), at(MON, "08:00"), None, id="notice-exactly-met"),
        pytest.param("cut", "anna", at(MON, "09:00"), at(MON, "10:00"), "too_late", id="in-the-past"),
        pytest.param(
            "yoga", "boris", at(YOGA_DAY, "10:00"), at(YOGA_DAY, "09:30"), "too_late", id="class-too-late"
        ),
        pytest.param("cut", "anna", at(MON, "09:00"), MONTH_AHEAD, None, id="window-end-inclusive"),
        pytest.param("cut", "anna", at(MON, "09:30"), MONTH_AHEAD, "too_far", id="window-passed"),
        pytest.param(
            "cut", "anna", at(WED, "09:00"), MONTH_AHEAD, "outside_hours", id="closed-beats-too-far"
        ),
    ],
)
def test_check_slot(
    service_id: str, specialist: str, start: datetime, now: datetime, reason: str | None
) -> None:
    assert check_slot(CHECKED, CHECKED.service(service_id), specialist, start, now) == reason


@pytest.mark.parametrize(
    ("biz", "start", "reason"),
    [
        pytest.param(business(AROUND_THE_CLOCK), at(AUTUMN, "03:00"), None, id="fall-back-first-three"),
        pytest.param(
            business(AROUND_THE_CLOCK),
            at(AUTUMN, "03:00").replace(fold=1),
            None,
            id="fall-back-second-three",
        ),
        pytest.param(
            business(AROUND_THE_CLOCK),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "outside_hours",
            id="fall-back-off-grid",
        ),
        pytest.param(
            business(AROUND_THE_CLOCK), at(SPRING, "04:00"), None, id="spring-forward-after-the-jump"
        ),
        pytest.param(
            business(AROUND_THE_CLOCK),
            datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
            "outside_hours",
            id="spring-forward-off-grid",
        ),
        pytest.param(business(tz=KOLKATA), at(MON, "09:00", KOLKATA), None, id="kolkata"),
        pytest.param(
            business(tz=KOLKATA), datetime(2026, 6, 1, 3, 30, tzinfo=UTC), None, id="kolkata-in-utc"
        ),
        pytest.param(
            business(tz=KOLKATA),
            datetime(2026, 6, 1, 3, 0, tzinfo=UTC),
            "outside_hours",
            id="kolkata-whole-hour-utc",
        ),
    ],
)
def test_check_slot_across_zones_and_clock_changes(
    biz: Business, start: datetime, reason: str | None
) -> None:
    assert check_slot(biz, biz.service("cut"), "anna", start, NOW) == reason


def test_check_slot_agrees_with_free_slots() -> None:
    """Every 5 minutes of three 3-day stretches with a break, a class and both clock changes: check_slot
    accepts exactly the starts that free_slots offers when nothing is booked."""
    people = (
        person("anna", "00:00-24:00", EVERY_DAY, breaks="12:00-13:00"),
        person("boris", "08:00-20:00", EVERY_DAY),
    )
    biz = business(*people, step=15, services=(service("cut", 45, ("anna", "boris"), buffer_before=10), YOGA))
    for first in (SPRING - timedelta(1), AUTUMN - timedelta(1), MON):
        for sid in ("anna", "boris"):
            cut = biz.service("cut")
            offered = {
                slot.start for slot in free_slots(biz, cut, now=NOW, start_day=first, days=3, specialist=sid)
            }
            # Step in UTC: wall-clock arithmetic on zoned datetimes would wander into the skipped hour.
            moment, end = (
                at(first, "00:00").astimezone(UTC),
                at(first + timedelta(3), "00:00").astimezone(UTC),
            )
            accepted = set()
            while moment < end:
                if check_slot(biz, cut, sid, moment, NOW) is None:
                    accepted.add(moment)
                moment += timedelta(minutes=5)
            assert accepted == offered
            assert len(offered) > 100


def test_naive_datetimes_are_refused() -> None:
    biz = business()
    with pytest.raises(ValueError, match="naive"):
        free_slots(biz, biz.service("cut"), now=datetime(2026, 1, 1), start_day=MON, days=1)
    with pytest.raises(ValueError, match="naive"):
        check_slot(biz, biz.service("cut"), "anna", datetime(2026, 6, 1, 9), NOW)


# ---------------------------------------------------------------- claims_for


def test_claims_for_an_individual_service_covers_its_buffers() -> None:
    biz = business(services=(service(duration=45, buffer_before=10, buffer_after=15),))
    start = at(MON, "10:00")
    ts = int(start.timestamp())
    assert claims_for(biz, biz.service("cut"), "anna", start) == [("staff:anna", ts - 600, ts + 3600)]


def test_claims_for_a_service_with_a_room_claims_the_room_too() -> None:
    biz = business(*PAIR, services=(LASER,))
    start = at(MON, "10:00")
    ts = int(start.timestamp())
    assert claims_for(biz, LASER, "boris", start) == [
        ("staff:boris", ts, ts + 3600),
        ("room:laser", ts, ts + 3600),
    ]


def test_claims_for_a_class_claims_one_seat_only() -> None:
    biz = business(*ANNA_AND_BORIS, services=CUT_AND_YOGA)
    start = at(YOGA_DAY, "10:00")
    ts = int(start.timestamp())
    assert claims_for(biz, YOGA, "boris", start) == [("class:yoga:boris", ts, ts + 75 * 60)]


def test_a_claimed_slot_is_no_longer_offered_and_its_neighbours_respect_the_buffers() -> None:
    chosen = service(duration=30, buffer_before=10, buffer_after=20)
    biz = business(step=10, services=(chosen,))
    busy: dict[str, list[tuple[int, int]]] = {}
    for resource, lo, hi in claims_for(biz, chosen, "anna", at(MON, "10:00")):
        busy.setdefault(resource, []).append((lo, hi))
    shown = render(
        free_slots(biz, chosen, now=NOW, start_day=MON, days=1, busy=busy), KYIV, "%H:%M", False, False
    )
    # Booked: 09:50-10:50 blocked. A slot before it must end, its 20-minute buffer included, by 09:50: only
    # 09:00. One after it may start once its own 10 minutes before begin at 10:50: 11:00 on, up to 11:30.
    assert shown == ["09:00", "11:00", "11:10", "11:20", "11:30"]


def test_resource_keys() -> None:
    assert (staff_resource("anna"), room_resource("laser"), class_resource("yoga", "boris")) == (
        "staff:anna",
        "room:laser",
        "class:yoga:boris",
    )


# ---------------------------------------------------------------- against brute force


def brute_force(
    biz: Business, chosen: Service, day: date, days: int, busy: Busy, now: datetime
) -> list[tuple[datetime, tuple[str, ...]]]:
    """The rules for plain days without dated exceptions, minute by minute and candidate by candidate."""
    zone, step = ZoneInfo(biz.timezone), biz.step_for(chosen)
    earliest = now + timedelta(minutes=biz.notice_for(chosen))
    latest = now + timedelta(days=biz.window_for(chosen))
    free: dict[datetime, list[str]] = {}
    for sid in chosen.staff:
        schedule = biz.specialist(sid).schedule
        claims = [*busy.get(staff_resource(sid), ()), *busy.get(room_resource(chosen.room or "-"), ())]
        for offset in range(days):
            today = day + timedelta(days=offset)
            works = [False] * 1441  # one spare minute that never works ends the last range
            for part in schedule.weekly.get(today.weekday(), ()):
                works[part.start : part.end] = [True] * (part.end - part.start)
            for part in schedule.breaks.get(today.weekday(), ()):
                works[part.start : part.end] = [False] * (part.end - part.start)
            minute = 0
            while minute < 1440:
                if not works[minute]:
                    minute += 1
                    continue
                begin = minute
                while works[minute]:
                    minute += 1
                for first in range(begin, minute - chosen.duration + 1, step):
                    start = datetime(today.year, today.month, today.day, tzinfo=zone) + timedelta(
                        minutes=first
                    )
                    ts = int(start.timestamp())
                    lo, hi = ts - chosen.buffer_before * 60, ts + (chosen.duration + chosen.buffer_after) * 60
                    if earliest <= start <= latest and not any(c0 < hi and lo < c1 for c0, c1 in claims):
                        free.setdefault(start.astimezone(UTC), []).append(sid)
    return sorted((start, tuple(who)) for start, who in free.items())


def wall(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def random_calendar(seed: int) -> tuple[Business, Busy, datetime]:
    rng = random.Random(seed)
    tz = rng.choice([KYIV, KYIV, KOLKATA])

    def some_hours() -> str:
        first = rng.randrange(7 * 60, 11 * 60, 5)
        last = rng.randrange(16 * 60, 23 * 60, 5)
        if rng.random() < 0.5:
            return f"{wall(first)}-{wall(last)}"
        middle = rng.randrange(first + 5, last, 5)
        again = rng.randrange(middle, last, 5)
        return f"{wall(first)}-{wall(middle)},{wall(again)}-{wall(last)}"

    people = tuple(
        person(
            sid, some_hours(), rng.sample(range(7), rng.randint(3, 7)), breaks=rng.choice(["", "13:00-13:45"])
        )
        for sid in ("anna", "boris", "vera")
    )
    chosen = service(
        duration=rng.choice([8, 15, 30, 45, 60, 90]),
        staff=tuple(rng.sample(["anna", "boris", "vera"], rng.choice([1, 2, 3, 3]))),
        step=rng.choice([None, 5, 10, 20, 30, 60]),
        buffer_before=rng.choice([0, 0, 5, 15]),
        buffer_after=rng.choice([0, 0, 10, 15]),
        room=rng.choice([None, "laser"]),
    )
    biz = business(
        *people,
        tz=tz,
        step=15,
        services=(chosen,),
        notice=rng.choice([0, 30, 120]),
        window=rng.choice([2, 30]),
    )
    busy: dict[str, list[tuple[int, int]]] = {}
    for resource in (*map(staff_resource, ("anna", "boris", "vera")), room_resource("laser")):
        for _ in range(rng.randrange(25)):
            start = at(MON + timedelta(days=rng.randrange(-1, 6)), "00:00", tz) + timedelta(
                minutes=rng.randrange(5 * 60, 23 * 60, 5)
            )
            ts = int(start.timestamp())
            busy.setdefault(resource, []).append((ts, ts + 60 * rng.randrange(5, 180, 5)))
    now = at(MON, "00:00", tz) + timedelta(minutes=rng.randrange(-600, 900, 7))
    return biz, busy, now


@pytest.mark.parametrize("seed", range(40), ids=lambda seed: f"seed-{seed}")
def test_free_starts_are_the_starts_of_free_slots(seed: int) -> None:
    biz, busy, now = random_calendar(seed)
    assert_starts_agree(biz, now, busy, MON, 7)


def assert_starts_agree(biz: Business, now: datetime, busy: Busy, first: date, days: int) -> None:
    """free_starts gives the starts of free_slots, day by day, for every service and specialist."""
    for service in biz.services:
        for who in (None, *service.staff):
            for offset in range(days):
                day = first + timedelta(days=offset)
                slots = free_slots(biz, service, now=now, start_day=day, days=1, specialist=who, busy=busy)
                found = free_starts(biz, service, now=now, start_day=day, days=1, specialist=who, busy=busy)
                assert found == [int(slot.start.timestamp()) for slot in slots]


@pytest.mark.parametrize("seed", range(40), ids=lambda seed: f"seed-{seed}")
def test_free_slots_match_brute_force_on_random_calendars(seed: int) -> None:
    biz, busy, now = random_calendar(seed)
    chosen = biz.services[0]
    expected = brute_force(biz, chosen, MON, 5, busy, now)
    slots = free_slots(biz, chosen, now=now, start_day=MON, days=5, busy=busy)
    assert [(slot.start, slot.specialists) for slot in slots] == expected
    assert_well_formed(slots, chosen)
    for sid in chosen.staff:
        alone = free_slots(biz, chosen, now=now, start_day=MON, days=5, specialist=sid, busy=busy)
        assert [slot.start for slot in alone] == [start for start, who in expected if sid in who]


def test_free_starts_match_free_slots_for_every_service_of_the_sample_salon() -> None:
    from tests.sample import NOW, salon

    biz = salon()
    # Some of everything taken: each specialist's first free slot, and a seat in each class session.
    busy: dict[str, list[tuple[int, int]]] = {}
    for service in biz.services:
        for slot in free_slots(biz, service, now=NOW, start_day=NOW.date(), days=3)[:2]:
            for resource, start, end in claims_for(biz, service, slot.specialist, slot.start):
                busy.setdefault(resource, []).append((start, end))
    busy = {resource: sorted(spans) for resource, spans in busy.items()}
    assert {resource.split(":")[0] for resource in busy} == {"staff", "room", "class"}
    assert any(service.is_class for service in biz.services)
    assert_starts_agree(biz, NOW, busy, NOW.date(), 10)
