"""Which times a service can be booked: slots computed from schedules, booking rules and the live claims.

Pure: no I/O and no clock reads; the store and the conversation pass `now` and the claims in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import compress
from math import gcd
from types import MappingProxyType
from zoneinfo import ZoneInfo

from storage.booking import OUTSIDE_HOURS, TOO_FAR, TOO_LATE, UNKNOWN_SPECIALIST
from storage.business import Business, ClassSession, Schedule, Service, Specialist, TimeRange

STAFF = "staff"
ROOM = "room"
CLASS = "class"


# resource key -> live claims on it as (start, end) in UTC epoch seconds, buffers included.
# For a class resource each booked seat is one claim.
Busy = Mapping[str, Sequence[tuple[int, int]]]

Minutes = list[tuple[int, int]]  # ranges of one local day in minutes since midnight, sorted and disjoint
Spans = list[tuple[int, int]]  # [start, end) in epoch seconds (or seconds since midnight), sorted
Runs = list[tuple[int, int]]  # (first, last) start of an unbroken run of slots, one step apart
Row = tuple[int, str, int, tuple[str, ...]]  # a Slot to make: start, specialist, seats left, every free one

_NO_BUSY: Busy = MappingProxyType({})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_DAY_SECONDS = 86400
_FAR = 1 << 62  # later than any real time: the sentinel that ends a sweep
_FAR_SPAN = (_FAR, _FAR)

# Memos of pure functions of immutable inputs, shared by all calls: a day's midnight in a zone, and a
# schedule's usual weekly hours (the business is built once from config and only read). Cleared when full.
_CACHE_LIMIT = 4096
_MIDNIGHTS: dict[tuple[ZoneInfo, date], int] = {}
_USUAL: dict[int, tuple[Schedule, tuple[Spans, ...]]] = {}


def staff_resource(specialist_id: str) -> str:
    return f"{STAFF}:{specialist_id}"


def room_resource(room_id: str) -> str:
    return f"{ROOM}:{room_id}"


def class_resource(service_id: str, specialist_id: str) -> str:
    return f"{CLASS}:{service_id}:{specialist_id}"


@dataclass(frozen=True)
class Slot:
    service: str
    specialist: str  # for "any specialist": the first free one in service.staff order
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    seats_left: int = 1
    specialists: tuple[str, ...] = ()  # everyone free at this start, in service.staff order


# ---------------------------------------------------------------- public API


def claims_for(
    business: Business, service: Service, specialist_id: str, start: datetime
) -> list[tuple[str, int, int]]:
    """What a booking must claim: (resource, blocked start, blocked end), the buffers included."""
    begin = _floor_ts(start)
    blocked_start = begin - service.buffer_before * 60
    blocked_end = begin + (service.duration + service.buffer_after) * 60
    if service.is_class:
        return [(class_resource(service.id, specialist_id), blocked_start, blocked_end)]
    wanted = [(staff_resource(specialist_id), blocked_start, blocked_end)]
    if service.room:
        wanted.append((room_resource(service.room), blocked_start, blocked_end))
    return wanted


def free_slots(
    business: Business,
    service: Service,
    *,
    now: datetime,
    start_day: date,
    days: int,
    specialist: str | None = None,
    busy: Busy = _NO_BUSY,
) -> list[Slot]:
    """Every bookable slot whose local date is in [start_day, start_day + days), by start time.

    A specialist works their weekly hours, or their own override for the date, cut to a business-wide
    shortened day; a closure, time off or a weekday without hours is a day off; breaks are taken out.
    Starts step from the start of each working range; the service must fit inside the range, and its
    blocked time (buffers included) must overlap no claim on the specialist or the service's room, nor a
    class the specialist teaches. A group class offers its sessions instead, with the seats left. Every
    start respects the minimum notice and the booking window.

    With `specialist` None the specialists' slots are merged: one Slot per start, offering the first
    free specialist in the service's order and listing every free one.
    """
    asked = _asked(business, service, now, start_day, days, specialist, busy)
    if asked is None:
        return []
    ask, staff = asked
    if service.is_class:
        return _class_slots(service, [(person.id, _session_starts(ask, person)) for person in staff])
    step = business.step_for(service) * 60
    return _individual_slots(service, step, [(person.id, _individual_runs(ask, person)) for person in staff])


def free_starts(
    business: Business,
    service: Service,
    *,
    now: datetime,
    start_day: date,
    days: int,
    specialist: str | None = None,
    busy: Busy = _NO_BUSY,
) -> list[int]:
    """The start times (epoch seconds) of `free_slots`, without making the Slots: enough to tell whether a
    day has any free time, at a fraction of the cost."""
    asked = _asked(business, service, now, start_day, days, specialist, busy)
    if asked is None:
        return []
    ask, staff = asked
    if service.is_class:
        return sorted({start for person in staff for start in _session_starts(ask, person)})
    step = business.step_for(service) * 60
    runs = [run for person in staff for run in _individual_runs(ask, person)]
    if len(staff) == 1:
        return [start for first, last in runs for start in range(first, last + 1, step)]
    return sorted({start for first, last in runs for start in range(first, last + 1, step)})


def _asked(
    business: Business,
    service: Service,
    now: datetime,
    start_day: date,
    days: int,
    specialist: str | None,
    busy: Busy,
) -> tuple[_Ask, list[Specialist]] | None:
    staff = _staff_in_scope(business, service, specialist)
    if days <= 0 or not staff:
        return None
    clock = _Clock(ZoneInfo(business.timezone))
    lower = max(clock.midnight(start_day), _ceil_ts(now) + business.notice_for(service) * 60)
    upper = min(clock.midnight(start_day + timedelta(days=days)) - 1, _latest(business, service, now))
    ask = _Ask(business, service, clock, busy, start_day, days, lower, upper)
    return (ask, staff) if ask.days else None


def check_slot(
    business: Business, service: Service, specialist_id: str, start: datetime, now: datetime
) -> str | None:
    """Whether `specialist_id` could offer `start` for `service`, ignoring claims: None, or why not.

    Reasons, the first that applies: "unknown_specialist", "outside_hours" (also off the grid, into a
    class the specialist teaches, or not a session of a class), "too_late", "too_far".
    """
    staff = _staff_in_scope(business, service, specialist_id)
    if not staff:
        return UNKNOWN_SPECIALIST
    begin = _floor_ts(start)
    clock = _Clock(ZoneInfo(business.timezone))
    # The very code free_slots runs, narrowed to one instant, so that the two cannot disagree.
    ask = _Ask(business, service, clock, _NO_BUSY, start.astimezone(clock.zone).date(), 1, begin, begin)
    if service.is_class:
        offered = begin in _session_starts(ask, staff[0])
    else:
        offered = bool(_individual_runs(ask, staff[0]))
    if not offered or begin != _ceil_ts(start):  # a fraction of a second is never on the grid
        return OUTSIDE_HOURS
    if begin < _ceil_ts(now) + business.notice_for(service) * 60:
        return TOO_LATE
    if begin > _latest(business, service, now):
        return TOO_FAR
    return None


# ---------------------------------------------------------------- time


def _floor_ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment}: availability needs aware datetimes")
    return (moment - _EPOCH) // _SECOND


def _ceil_ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment}: availability needs aware datetimes")
    return -((_EPOCH - moment) // _SECOND)


def _latest(business: Business, service: Service, now: datetime) -> int:
    return _floor_ts(now) + business.window_for(service) * _DAY_SECONDS


class _Clock:
    """Local wall time to epoch seconds in one zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def midnight(self, day: date) -> int:
        key = (self.zone, day)
        found = _MIDNIGHTS.get(key)
        if found is None:
            if len(_MIDNIGHTS) >= _CACHE_LIMIT:
                _MIDNIGHTS.clear()
            found = _MIDNIGHTS[key] = self.at(day, 0)
        return found

    def at(self, day: date, minute: int) -> int:
        if minute >= 1440:  # 24:00 is the next midnight, whenever that really comes
            return self.at(day + timedelta(days=minute // 1440), minute % 1440)
        # fold=0: a time skipped by spring-forward reads past the jump, a repeated one as its first time.
        return _floor_ts(datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone))


# ---------------------------------------------------------------- working hours


def _minutes(ranges: Iterable[TimeRange]) -> Minutes:
    """Sorted, merged (start, end) pairs, so that config written in any order behaves the same."""
    merged: Minutes = []
    for start, end in sorted((r.start, r.end) for r in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(ours: Minutes, theirs: Minutes) -> Minutes:
    return [(max(a, c), min(b, d)) for a, b in ours for c, d in theirs if max(a, c) < min(b, d)]


def _subtract(ours: Minutes, cuts: Minutes) -> Minutes:
    left = ours
    for c, d in cuts:
        left = [piece for a, b in left for piece in ((a, min(b, c)), (max(a, d), b)) if piece[0] < piece[1]]
    return left


def _on_time_off(schedule: Schedule, day: date) -> bool:
    return any(first <= day <= last for first, last in schedule.time_off)


def _day_hours(business: Business, schedule: Schedule, day: date) -> tuple[Minutes, bool]:
    """A specialist's hours on `day` before breaks, and whether a dated override set them."""
    shared = business.overrides.get(day)
    if (shared is not None and shared.closed) or _on_time_off(schedule, day):
        return [], True
    own = schedule.overrides.get(day)
    hours = _minutes(own.hours if own is not None else schedule.weekly.get(day.weekday(), ()))
    if shared is not None:
        hours = _intersect(hours, _minutes(shared.hours))
    return hours, shared is not None or own is not None


def _working(business: Business, schedule: Schedule, day: date) -> Minutes:
    hours, _ = _day_hours(business, schedule, day)
    return _subtract(hours, _minutes(schedule.breaks.get(day.weekday(), ())))


def _usual(schedule: Schedule) -> tuple[Spans, ...]:
    """The working ranges of each weekday with no dated exception, in seconds since midnight."""
    found = _USUAL.get(id(schedule))
    if found is not None and found[0] is schedule:
        return found[1]
    plans = []
    for weekday in range(7):
        weekly, breaks = schedule.weekly.get(weekday, ()), schedule.breaks.get(weekday, ())
        plans.append([(a * 60, b * 60) for a, b in _subtract(_minutes(weekly), _minutes(breaks))])
    if len(_USUAL) >= _CACHE_LIMIT:
        _USUAL.clear()
    # Keeping the schedule alive in the entry keeps its id from being reused by another object.
    _USUAL[id(schedule)] = (schedule, tuple(plans))
    return tuple(plans)


def _merged(spans: Spans) -> Spans:
    """Spans sorted and merged. A wall time skipped by spring-forward is read past the jump, which can
    make a range that ends inside the skipped hour overlap the next one."""
    merged: Spans = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# ---------------------------------------------------------------- one question


class _Ask:
    """One question: which starts in [lower, upper] are free, with what it needs worked out once.

    `days` keeps only the asked days that can hold such a start. Days with a clock change or a
    business-wide override are `odd`: their hours are worked out one by one, the others per weekday.
    """

    def __init__(
        self,
        business: Business,
        service: Service,
        clock: _Clock,
        busy: Busy,
        first: date,
        count: int,
        lower: int,
        upper: int,
    ) -> None:
        self.business, self.service, self.clock, self.busy = business, service, clock, busy
        self.lower, self.upper = lower, upper
        days = [first + timedelta(days=i) for i in range(count + 1)]
        midnights = [clock.midnight(day) for day in days]
        keep = [i for i in range(count) if midnights[i] <= upper and midnights[i + 1] > lower]
        self.days = [days[i] for i in keep]
        self.midnights = [midnights[i] for i in keep]
        self.weekdays = [day.weekday() for day in self.days]
        self.index = {day: i for i, day in enumerate(self.days)}
        self.odd = {
            i
            for i, day in enumerate(self.days)
            if day in business.overrides or midnights[keep[i] + 1] - self.midnights[i] != _DAY_SECONDS
        }


def _staff_in_scope(business: Business, service: Service, specialist: str | None) -> list[Specialist]:
    wanted = service.staff if specialist is None else (specialist,)
    known = {person.id: person for person in business.staff}
    return [known[sid] for sid in wanted if sid in known and sid in service.staff]


def _windows(ask: _Ask, schedule: Schedule) -> Spans:
    """The specialist's working ranges on the asked days, in epoch seconds, in order."""
    odd = set(ask.odd)
    for day in schedule.overrides:
        if day in ask.index:
            odd.add(ask.index[day])
    for first, last in schedule.time_off:
        odd.update(i for i, day in enumerate(ask.days) if first <= day <= last)
    usual = _usual(schedule)
    plans = [usual[weekday] for weekday in ask.weekdays]
    midnights = ask.midnights
    if odd:
        midnights = list(midnights)
        at = ask.clock.at
        for i in odd:
            day = ask.days[i]
            # Exact times (midnight 0): on a clock change a range lasts as long as it really does.
            plans[i] = _merged([(at(day, a), at(day, b)) for a, b in _working(ask.business, schedule, day)])
            midnights[i] = 0
    return [
        (midnight + a, midnight + b) for midnight, plan in zip(midnights, plans, strict=True) for a, b in plan
    ]


# ---------------------------------------------------------------- group classes


def _session_runs(
    business: Business, service: Service, teacher: Specialist, session: ClassSession, day: date
) -> bool:
    """Whether a weekly session takes place on `day`: whenever its teacher works that day.

    A class keeps its own time, outside the teacher's usual hours if need be; only a dated override with
    hours (a shortened day) cancels a session that does not fit inside them.
    """
    if day.weekday() != session.weekday:
        return False
    hours, dated = _day_hours(business, teacher.schedule, day)
    if not hours:
        return False
    end = session.start + service.duration
    return not dated or any(a <= session.start and end <= b for a, b in hours)


def _session_starts(ask: _Ask, teacher: Specialist) -> dict[int, int]:
    """Start -> seats left, for the sessions `teacher` gives in [lower, upper] that are not yet full."""
    service = ask.service
    before = service.buffer_before * 60
    # A seat's claim starts at the session's blocked start; count them per start.
    taken = Counter(claim[0] for claim in ask.busy.get(class_resource(service.id, teacher.id), ()))
    seats: dict[int, int] = {}
    for session in service.sessions:
        if session.specialist != teacher.id:
            continue
        for day in ask.days:
            if _session_runs(ask.business, service, teacher, session, day):
                start = ask.clock.at(day, session.start)
                left = service.capacity - taken[start - before]
                if ask.lower <= start <= ask.upper and left > 0:
                    seats[start] = left
    return dict(sorted(seats.items()))


def _class_blocks(ask: _Ask, teacher: Specialist) -> Spans:
    """The time of every session `teacher` gives around the asked days, booked or not, with its buffers."""
    taught = ask.business.classes_taught_by(teacher.id)
    if not taught:
        return []
    # A session on the day before or after can reach into the asked days through its buffers.
    around = [ask.days[0] - timedelta(days=1), *ask.days, ask.days[-1] + timedelta(days=1)]
    blocks: Spans = []
    for cls, session in taught:
        for day in around:
            if _session_runs(ask.business, cls, teacher, session, day):
                start = ask.clock.at(day, session.start)
                blocks.append(
                    (start - cls.buffer_before * 60, start + (cls.duration + cls.buffer_after) * 60)
                )
    return blocks


# ---------------------------------------------------------------- individual services


def _individual_runs(ask: _Ask, person: Specialist) -> Runs:
    business, service = ask.business, ask.service
    windows = _windows(ask, person.schedule)
    if not windows:
        return []
    blocks = list(ask.busy.get(staff_resource(person.id), ()))
    if service.room:
        blocks.extend(ask.busy.get(room_resource(service.room), ()))
    blocks.extend(_class_blocks(ask, person))
    blocks.sort()  # the store sends claims sorted, so this is cheap; other callers need not bother
    blocks.append(_FAR_SPAN)
    windows.append(_FAR_SPAN)
    return _sweep(
        windows,
        blocks,
        duration=service.duration * 60,
        step=business.step_for(service) * 60,
        before=service.buffer_before * 60,
        after=service.buffer_after * 60,
        lower=ask.lower,
        upper=ask.upper,
    )


def _sweep(
    windows: Spans,
    blocks: Spans,
    *,
    duration: int,
    step: int,
    before: int,
    after: int,
    lower: int,
    upper: int,
) -> Runs:
    """Runs of starts s in [lower, upper] on a window's grid (its start + k * step) whose service time
    [s, s + duration) lies in that window and whose blocked time [s - before, s + duration + after)
    overlaps no block. Both lists are sorted and end with a far sentinel.

    The blocked time overlaps [b0, b1) exactly when the service time overlaps [b0 - after, b1 + before),
    so it is enough to cut the gaps between those widened blocks against the windows. This is the hot
    loop, run over thousands of claims: a block costs two comparisons unless it ends a gap long enough
    for the service.
    """
    if step <= 0 or duration <= 0:
        raise ValueError(f"slot step and duration must be positive, got {step}s and {duration}s")
    runs: Runs = []
    span = before + after + duration
    w = 0
    lo, hi = windows[0]
    reach = lo - before  # the widened blocks seen so far end at reach + before
    need = reach + span  # a block starting here or later leaves room for the service before it
    for b0, b1 in blocks:
        if b0 >= need:
            gap_start = reach + before
            if gap_start > upper:
                break
            gap_end = b0 - after
            while hi <= gap_start:
                w += 1
                lo, hi = windows[w]
            i, range_start, range_end = w, lo, hi
            while range_start < gap_end:
                first = gap_start if gap_start > range_start else range_start
                if first < lower:
                    first = lower
                last = (gap_end if gap_end < range_end else range_end) - duration
                if last > upper:
                    last = upper
                first += (range_start - first) % step  # onto the range's grid
                if first <= last:
                    runs.append((first, last - (last - first) % step))
                if gap_end <= range_end:  # most gaps end inside the range they start in
                    break
                i += 1
                range_start, range_end = windows[i]
        if b1 > reach:
            reach = b1
            need = b1 + span
    return runs


# ---------------------------------------------------------------- assembling slots


def _individual_slots(service: Service, step: int, found: list[tuple[str, Runs]]) -> list[Slot]:
    """One Slot per start; `found` holds (specialist, runs of free starts) in the service's staff order."""
    if len(found) == 1:
        sid, runs = found[0]
        alone = (sid,)
        rows: Iterable[Row] = (
            (start, sid, 1, alone) for first, last in runs for start in range(first, last + 1, step)
        )
        return _build(service, step, rows)
    runs = [run for _, each in found for run in each]
    # Sweeping run ends pays off when runs are long (a quiet calendar) and share one grid.
    aligned = len({first % step for first, _ in runs}) <= 1
    long_runs = sum(last - first for first, last in runs) >= 5 * step * len(runs)
    return _build(
        service, step, _merge_runs(found, step) if aligned and long_runs else _merge_starts(found, step)
    )


def _merge_runs(found: list[tuple[str, Runs]], step: int) -> Iterable[Row]:
    """Merge runs that lie on one common grid by sweeping their ends, not their starts one by one.

    Each run's first start and the start after its last are events `position << shift | staff position`,
    so one sort of plain ints orders them; between two event positions the set of free specialists, kept
    as a bit mask, does not change.
    """
    shift = max(1, (len(found) - 1).bit_length())
    events: list[int] = []
    for tag, (_, runs) in enumerate(found):
        for first, last in runs:
            events.append(first << shift | tag)
            events.append((last + step) << shift | tag)
    events.sort()
    names = [sid for sid, _ in found]
    low_bits = (1 << shift) - 1
    teams: dict[int, tuple[str, ...]] = {}
    stretches: list[tuple[int, int, tuple[str, ...]]] = []
    free = 0  # bit i set: names[i] is free from `at` on; the key of `teams`
    flags = [0] * len(names)  # the same bits, as compress() takes them
    at = 0
    for event in events:
        position = event >> shift
        if position != at:
            if free:
                team = teams.get(free)
                if team is None:
                    team = teams[free] = tuple(compress(names, flags))
                stretches.append((at, position, team))
            at = position
        tag = event & low_bits
        # Toggle: where one run of a specialist ends and the next begins, the two events cancel out.
        free ^= 1 << tag
        flags[tag] ^= 1
    return ((start, team[0], 1, team) for first, end, team in stretches for start in range(first, end, step))


def _merge_starts(found: list[tuple[str, Runs]], step: int) -> list[Row]:
    """One row per start, listing everyone free then in staff order.

    Starts go into buckets, one per grid point from the earliest start on (the step, or a finer grain
    where ranges begin off each other's grid), so that a run is a plain range of bucket numbers: much
    cheaper than hashing every start, and the buckets come out in order. Starts are whole minutes, so
    there are at most 1440 buckets a day.
    """
    firsts = [first for _, runs in found for first, _ in runs]
    if not firsts:
        return []
    base = min(firsts)
    grain = gcd(step, *[first - base for first in firsts])
    size = (max(last for _, runs in found for _, last in runs) - base) // grain + 1
    buckets: list[list[str] | None] = [None] * size
    for sid, runs in found:
        for first, last in runs:
            for k in range((first - base) // grain, (last - base) // grain + 1, step // grain):
                who = buckets[k]
                if who is None:
                    buckets[k] = [sid]
                else:
                    who.append(sid)
    filled = zip(compress(range(size), buckets), filter(None, buckets), strict=True)
    return [(base + k * grain, who[0], 1, tuple(who)) for k, who in filled]


def _class_slots(service: Service, found: list[tuple[str, dict[int, int]]]) -> list[Slot]:
    """One Slot per session start; `found` holds (teacher, start -> seats left) in staff order."""
    free: dict[int, list[str]] = {}
    for sid, seats in found:
        for start in seats:
            free.setdefault(start, []).append(sid)
    seats_of = dict(found)
    rows = [(start, who[0], seats_of[who[0]][start], tuple(who)) for start, who in sorted(free.items())]
    return _build(service, 0, rows)


def _build(service: Service, step: int, rows: Iterable[Row]) -> list[Slot]:
    """Slots from rows sorted by start.

    Making the objects is most of the cost of a large answer, so this skips the frozen dataclass's
    __init__ (six object.__setattr__ calls) for one __dict__ assignment, and moves each datetime on from
    the one before, which is far cheaper than converting every timestamp.
    """
    service_id, duration = service.id, timedelta(minutes=service.duration)
    step_delta = timedelta(seconds=step)
    new, set_field = object.__new__, object.__setattr__
    slots: list[Slot] = []
    previous, moment = _FAR, _EPOCH
    for start, sid, left, who in rows:
        if start - previous == step:
            moment += step_delta
        else:
            moment = datetime.fromtimestamp(start, UTC)
        previous = start
        slot = new(Slot)
        fields = {
            "service": service_id,
            "specialist": sid,
            "start": moment,
            "end": moment + duration,
            "seats_left": left,
            "specialists": who,
        }
        set_field(slot, "__dict__", fields)
        slots.append(slot)
    return slots
