"""Times of day, weekdays, weekly hours and reminder offsets as config.yaml writes them, as pydantic types.

"09:30" is 570 minutes since local midnight; `mon-fri: "09:00-18:00"` is a week of TimeRanges; "2h" before
a booking is 120 minutes. Every mistake says how to write the value instead.
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any

from pydantic import PlainValidator

from bot.config_section import Mistakes, blank, mistake, shown
from bot.config_values import each
from storage.business import WEEKDAYS, QuietHours, TimeRange

Week = dict[int, tuple[TimeRange, ...]]

_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    "saturday": 5,
    "sunday": 6,
}
_OFF = ("off", "closed", "day off", "-")


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock(raw: Any, *, end: bool = False) -> int:
    """'09:30' → 570 minutes since midnight; '24:00' only as the end of a range."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw) if isinstance(raw, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and (hours < 24 or (end and (hours, minutes) == (24, 0))):
            return hours * 60 + minutes
    raise mistake(f'{shown(raw)} is not a time of day; use HH:MM on the 24-hour clock, e.g. "09:30"')


def _ends(raw: Any, example: str) -> tuple[int, int]:
    """The two times of "09:00-18:00"; both are checked before either is reported."""
    parts = re.split(r"\s*[-–—]\s*", raw.strip()) if isinstance(raw, str) else []
    if len(parts) != 2:
        raise mistake(f'{shown(raw)} is not a time range; write it as "{example}"')
    mistakes = Mistakes()
    start = mistakes.take((), clock, parts[0])
    end = mistakes.take((), lambda part: clock(part, end=True), parts[1])
    mistakes.check()
    assert start is not None and end is not None  # check() raised otherwise
    return start, end


def time_range(raw: Any) -> TimeRange:
    start, end = _ends(raw, "09:00-18:00")
    if end <= start:
        raise mistake(f"end {hhmm(end)} is {'before' if end < start else 'the same as'} start {hhmm(start)}")
    return TimeRange(start, end)


def ranges(raw: Any) -> tuple[TimeRange, ...]:
    """ "09:00-18:00", a list of such ranges, or off/closed/false/empty for none."""
    if blank(raw) or raw is False or raw == [] or (isinstance(raw, str) and raw.strip().lower() in _OFF):
        return ()
    found = sorted(each(time_range, raw))
    for first, second in itertools.pairwise(found):
        if second.start < first.end:
            raise mistake(f"ranges {first} and {second} overlap")
    return tuple(found)


def weekdays(raw: Any) -> list[int]:
    """'mon' → [0]; 'mon-fri' → [0, 1, 2, 3, 4]."""
    parts = [part.strip() for part in raw.lower().split("-")] if isinstance(raw, str) else []
    ends = [_WEEKDAY_NAMES[part] for part in parts if part in _WEEKDAY_NAMES]
    if not 1 <= len(ends) == len(parts) <= 2:
        raise mistake(f"{shown(raw)} is not a weekday; use {', '.join(WEEKDAYS)} or a span such as mon-fri")
    if ends[0] > ends[-1]:
        raise mistake(f"{shown(raw)} runs backwards; write the days in order, e.g. mon-fri")
    return list(range(ends[0], ends[-1] + 1))


def days(raw: Any) -> tuple[int, ...]:
    """[tue, thu], 'sat-sun' or 'sun' → weekday numbers (0 = Monday), in order, without repeats."""
    return tuple(sorted({d for span in each(weekdays, raw) for d in span}))


def weekly(raw: Any) -> Week:
    """{mon-fri: "09:00-18:00", sat: ["10:00-13:00", "14:00-16:00"], sun: off} → weekday → ranges."""
    if not isinstance(raw, dict):
        raise mistake(f'must map weekdays to hours, e.g. mon-fri: "09:00-18:00"; got {shown(raw)}')
    week: Week = {}
    given: dict[int, str] = {}
    mistakes = Mistakes()
    for key, value in raw.items():
        where = (str(key),)
        span, hours = mistakes.take(where, weekdays, key) or [], mistakes.take(where, ranges, value)
        for d in span:
            if d in given:
                mistakes.add(where, f"{WEEKDAYS[d]} is already given under '{given[d]}'")
            given.setdefault(d, str(key))
            if hours:
                week[d] = hours
    mistakes.check()
    return dict(sorted(week.items()))


def breaks(raw: Any) -> Week | tuple[TimeRange, ...]:
    """`"13:00-14:00"` (every working day) or per weekday like the hours."""
    return weekly(raw) if isinstance(raw, dict) else ranges(raw)


_OFFSET = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def offset(raw: Any) -> int:
    """How long before a booking: "24h", "2h", "30m", "1d" or "1h30m" → minutes."""
    match = _OFFSET.fullmatch(raw.strip().lower()) if isinstance(raw, str) else None
    counts = [int(n or 0) for n in match.groups()] if match else [0, 0, 0]
    minutes = counts[0] * 1440 + counts[1] * 60 + counts[2]
    if not minutes:
        raise mistake(f'{shown(raw)} is not a time before the booking; write it like "24h", "2h" or "30m"')
    return minutes


def written(minutes: int) -> str:
    """An offset as config.yaml writes it: 1440 → "24h", 90 → "1h30m"."""
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "")


def offsets(raw: Any) -> tuple[int, ...]:
    """A list of offsets, largest first; an empty list or `off`: no reminders."""
    if raw is False or (isinstance(raw, str) and raw.strip().lower() in _OFF):
        return ()
    found = each(offset, raw)
    twice = sorted({m for m in found if found.count(m) > 1}, reverse=True)
    if twice:
        raise mistake(f"lists {', '.join(map(written, twice))} twice")
    return tuple(sorted(found, reverse=True))


def quiet_hours(raw: Any) -> QuietHours | None:
    """ "21:00-09:00" (may wrap midnight), or off for none."""
    if raw is False or (isinstance(raw, str) and raw.strip().lower() in _OFF):
        return None
    start, end = _ends(raw, "21:00-09:00")
    if start == end % 1440:
        raise mistake(f"start and end are both {hhmm(start)}; write off for no quiet hours")
    return QuietHours(start, end % 1440)


Clock = Annotated[int, PlainValidator(clock)]
Ranges = Annotated[tuple[TimeRange, ...], PlainValidator(ranges)]
Days = Annotated[tuple[int, ...], PlainValidator(days)]
Weekly = Annotated[Week, PlainValidator(weekly)]
Breaks = Annotated[Week | tuple[TimeRange, ...], PlainValidator(breaks)]
Offsets = Annotated[tuple[int, ...], PlainValidator(offsets)]
Quiet = Annotated[QuietHours | None, PlainValidator(quiet_hours)]
