"""When a booking's reminders go out (storage/reminders.py): offsets, a booking made inside one, quiet hours,
per-service offsets, and whether one that comes late still helps. Pure; times in Kyiv."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from storage.business import Business, QuietHours, ReminderPolicy
from storage.reminders import BEFORE_QUIET, Reminder, before_quiet, plan, skip_reason
from tests.sample import KYIV, NOW, at, salon

QUIET = QuietHours(21 * 60, 9 * 60)  # the default


def _business(offsets: tuple[int, ...] = (1440, 120), quiet: QuietHours | None = QUIET) -> Business:
    return replace(salon(), reminders=ReminderPolicy(offsets, quiet))


def _plan(business: Business, start_day: int, hour: int, minute: int = 0, service: str = "haircut") -> list:
    return plan(business, business.service(service), at(start_day, hour, minute), NOW)


def test_the_default_offsets_are_a_day_and_two_hours_before() -> None:
    assert _plan(_business(), 26, 15) == [Reminder(1440, at(25, 15)), Reminder(120, at(26, 13))]


def test_a_booking_made_inside_an_offset_gets_only_the_later_ones() -> None:
    # NOW is Mon 23 Nov 10:00: a visit tomorrow at 9:30 is less than a day away (and 7:30 is quiet).
    assert _plan(_business(), 24, 9, 30) == [Reminder(120, at(23, 21) - BEFORE_QUIET)]
    assert _plan(_business(), 23, 11, 30) == []  # inside both: none at all


def test_a_reminder_in_quiet_hours_goes_out_before_them_never_at_night() -> None:
    # 2 h before a 9:30 visit is 7:30: quiet; it goes the evening before, before 21:00.
    [day, two_hours] = _plan(_business(), 26, 9, 30)
    assert day == Reminder(1440, at(25, 9, 30))
    assert two_hours == Reminder(120, at(25, 21) - BEFORE_QUIET)
    # And 22:00 the day before an evening visit's day reminder is quiet too: the evening before, 20:45.
    late = _business(offsets=(1440,))
    assert [r.at for r in plan(late, late.service("haircut"), at(26, 22), NOW)] == [at(25, 21) - BEFORE_QUIET]


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    business = _business(quiet=QuietHours(13 * 60, 14 * 60))  # a quiet lunch
    assert _plan(business, 26, 15, 30)[-1] == Reminder(120, at(26, 13) - BEFORE_QUIET)


def test_without_quiet_hours_the_moment_stands() -> None:
    assert _plan(_business(quiet=None), 26, 9, 30)[-1] == Reminder(120, at(26, 7, 30))


def test_offsets_moved_to_the_same_evening_are_one_reminder() -> None:
    business = _business(offsets=(180, 120))  # 3 h and 2 h before a 10:00 visit: both at night
    assert _plan(business, 26, 10) == [Reminder(180, at(25, 21) - BEFORE_QUIET)]


def test_a_service_may_have_its_own_offsets_or_none() -> None:
    business = _business()
    own = replace(business.service("colouring"), reminder_offsets=(2880,))
    none = replace(business.service("manicure"), reminder_offsets=())
    business = replace(business, services=(*business.services[:1], none, own, *business.services[3:]))
    assert _plan(business, 27, 15, service="colouring") == [Reminder(2880, at(25, 15))]
    assert _plan(business, 27, 15, service="manicure") == []


def test_a_reminder_moved_before_quiet_hours_that_have_begun_already_is_none() -> None:
    # Booked at 22:00 for 10:30 the next morning: 2 h before is quiet, and the evening before is past.
    business = _business()
    assert plan(business, business.service("haircut"), at(24, 10, 30), at(23, 22)) == []


def test_offsets_are_real_hours_across_a_daylight_saving_change() -> None:
    # Kyiv moves its clocks back at 4:00 on Sun 25 Oct 2026: 24 hours before 10:00 that day is 11:00 local.
    business = _business()
    [day, _] = plan(business, business.service("haircut"), at(25, 10, month=10), at(20, 10, month=10))
    assert day.at.astimezone(KYIV).hour == 11 and day.at == at(24, 11, month=10)
    assert at(25, 10, month=10) - day.at == timedelta(hours=24)


def test_before_quiet_leaves_a_moment_outside_them_alone() -> None:
    quiet = QUIET
    assert before_quiet(quiet, at(26, 20, 59), KYIV) == at(26, 20, 59)
    assert before_quiet(quiet, at(26, 21), KYIV) == at(26, 21) - BEFORE_QUIET
    assert before_quiet(quiet, at(27, 8, 59), KYIV) == at(26, 21) - BEFORE_QUIET
    assert before_quiet(quiet, at(27, 9), KYIV) == at(27, 9)


@pytest.mark.parametrize(
    ("now", "offset", "expected"),
    [
        (at(25, 15, 10), 1440, ""),  # ten minutes late: still useful
        (at(26, 12, 59), 1440, ""),  # late, but before the 2-hour reminder's moment
        (at(26, 13, 0), 1440, "the reminder 120 minutes before is due already"),
        (at(26, 14, 0), 120, ""),
        (at(26, 15, 0), 120, "the visit has begun"),
        (at(25, 22, 0), 1440, "it is quiet hours"),
    ],
)
def test_a_late_reminder_goes_out_only_while_it_still_helps(now, offset: int, expected: str) -> None:  # type: ignore[no-untyped-def]
    business = _business()
    assert skip_reason(business, business.service("haircut"), at(26, 15), offset, now) == expected
