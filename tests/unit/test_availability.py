"""Slot computation (storage/availability.py): exact slot times for schedules, claims and booking rules."""

from __future__ import annotations

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
    """ "09:00-12:00,13:00-14:00" -> TimeRanges; "" -> ()."""
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
TEACHER = (person("anna"), person("boris"))
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
        ["00:00+0200", "02:00+0200", "05:00+0300", "07:00+0300", "09:00+0300", "11:00+0300"]
        + ["13:00+0300", "15:00+0300", "17:00+0300", "19:00+0300", "21:00+0300", "23:00+0300"],
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
        ["00:00+0300", "03:00+0300", "05:00+0200", "08:00+0200", "11:00+0200"]
        + ["14:00+0200", "17:00+0200", "20:00+0200", "23:00+0200"],
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
        ["09:00 anna", "09:15 anna", "09:30 anna", "09:45 anna"]
        + ["10:00 anna+boris", "10:15 anna+boris", "10:30 anna+boris", "10:45 anna+boris"]
        + ["11:00 boris", "11:15 boris", "11:30 boris", "11:45 boris"],
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
        business(*TEACHER, services=CUT_AND_YOGA),
        ["10:00 boris seats=3"],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
        busy=claimed(SEATS, *[span(YOGA_DAY, "10:00-11:15")] * 2),
    ),
    case(
        "class-full-is-hidden",
        business(*TEACHER, services=CUT_AND_YOGA),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
        busy=claimed(SEATS, *[span(YOGA_DAY, "10:00-11:15")] * 5),
    ),
    case(
        "class-other-weeks-seats-do-not-count",
        business(*TEACHER, services=CUT_AND_YOGA),
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
        business(*TEACHER, services=CUT_AND_YOGA, overrides={YOGA_DAY: ""}),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-cancelled-by-a-day-too-short",
        business(*TEACHER, services=CUT_AND_YOGA, overrides={YOGA_DAY: "09:00-10:30"}),
        [],
        service_id="yoga",
        specialist=None,
        day=YOGA_DAY,
    ),
    case(
        "class-kept-on-a-short-day-it-fits",
        business(*TEACHER, services=CUT_AND_YOGA, overrides={YOGA_DAY: "09:00-11:00"}),
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
        business(*TEACHER, services=CUT_AND_YOGA, step=30),
        ["09:00", "09:30", "11:30"],
        specialist="boris",
        day=YOGA_DAY,
    ),
    case(
        "class-blocks-nothing-on-other-days",
        business(*TEACHER, services=CUT_AND_YOGA, step=30),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        specialist="boris",
        day=WED,
    ),
    case(
        "cancelled-class-blocks-nothing",
        business(*TEACHER, services=CUT_AND_YOGA, step=30, overrides={YOGA_DAY: "09:00-10:30"}),
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
