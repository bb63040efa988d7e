"""A small, fixed business for store and conversation tests (independent of the editable config.yaml)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from storage.business import (
    BookingRules,
    Business,
    ClassSession,
    DayOverride,
    PrepaymentRule,
    Room,
    Schedule,
    Service,
    Specialist,
    TimeRange,
)

KYIV = ZoneInfo("Europe/Kyiv")
# Monday 2026-11-23, 10:00 in Kyiv.
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class Clock:
    """A clock a test moves: fixed at `now` (NOW unless given) until the test sets `.now`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """An aware moment in Kyiv in 2026, for readable tests."""
    return datetime(2026, month, day, hour, minute, tzinfo=KYIV)


def _weekdays(hours: str, days: range = range(6)) -> dict[int, tuple[TimeRange, ...]]:
    start, end = (int(part[:2]) * 60 + int(part[3:]) for part in hours.split("-"))
    return {day: (TimeRange(start, end),) for day in days}


def salon() -> Business:
    lunch = {day: (TimeRange(13 * 60, 14 * 60),) for day in range(6)}
    staff = (
        Specialist("anna", "Anna", Schedule(weekly=_weekdays("09:00-18:00"), breaks=lunch)),
        Specialist("boris", "Boris", Schedule(weekly=_weekdays("10:00-20:00"), breaks=lunch)),
    )
    services = (
        Service(
            "haircut",
            {"en": "Haircut", "uk": "Стрижка"},
            60,
            Decimal(800),
            ("anna", "boris"),
            buffer_after=15,
        ),
        Service(
            "manicure", {"en": "Manicure", "uk": "Манікюр"}, 45, Decimal(600), ("anna",), buffer_before=10
        ),
        Service(
            "colouring",
            {"en": "Colouring", "uk": "Фарбування"},
            120,
            Decimal(2400),
            ("anna",),
            prepayment=Decimal(500),
            prepayment_rule=PrepaymentRule("amount", Decimal(500)),
        ),
        Service(
            "laser", {"en": "Laser", "uk": "Лазер"}, 30, Decimal(1500), ("anna", "boris"), room="laser-room"
        ),
        Service(
            "yoga",
            {"en": "Yoga class", "uk": "Йога"},
            60,
            Decimal(300),
            ("boris",),
            capacity=6,
            sessions=(ClassSession(1, 19 * 60, "boris"),),
        ),
    )
    return Business(
        name="Test salon",
        timezone="Europe/Kyiv",
        currency="UAH",
        default_language="uk",
        languages=("uk", "en", "pl", "fr", "el", "ru"),
        rules=BookingRules(slot_step=15, min_notice=60, max_advance_days=30, hold_minutes=15),
        staff=staff,
        rooms=(Room("laser-room", "Laser room"),),
        services=services,
        overrides={date(2026, 12, 25): DayOverride(date(2026, 12, 25), (), "Christmas")},
        contact="+380 44 000 00 00",
    )
