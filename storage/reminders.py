"""When a booking's reminders go out, and whether one that comes late is still worth sending. Pure.

Each offset (minutes before the start: the service's own, else the business's) gives a moment. A moment in
quiet hours moves to a little before they begin (the evening before, for a morning visit): never at night.
A moment already past when the booking is confirmed or moved is no reminder at all (a booking made inside
the offset), and one that is not after the reminder before it (two offsets moved to the same evening) is
that reminder. A reminder whose job runs late (the service was down) still goes out only while it is useful:
before the visit, outside quiet hours, and before the next reminder's moment; otherwise it is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.business import Business, QuietHours, Service

BEFORE_QUIET = timedelta(minutes=15)  # a reminder moved out of quiet hours goes this long before they begin
_EVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Reminder:
    offset: int  # minutes before the start, as configured
    at: datetime  # when it goes out


def plan(business: Business, service: Service, start: datetime, now: datetime) -> list[Reminder]:
    """The reminders of a visit of `service` at `start`, confirmed or moved at `now`, earliest first."""
    zone, quiet = ZoneInfo(business.timezone), business.reminders.quiet_hours
    start = start.astimezone(UTC)  # offsets are real hours, across a change of the clocks too
    planned: list[Reminder] = []
    for offset in sorted(business.reminder_offsets_for(service), reverse=True):
        at = before_quiet(quiet, start - timedelta(minutes=offset), zone)
        if at <= now or at >= start or (planned and at <= planned[-1].at):
            continue
        planned.append(Reminder(offset, at))
    return planned


def before_quiet(quiet: QuietHours | None, moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or, if it falls in quiet hours, BEFORE_QUIET before those quiet hours began."""
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if quiet is None or not quiet.covers(minute):
        return moment
    day = local.date()
    if quiet.start > quiet.end and minute < quiet.end:
        day -= timedelta(days=1)  # after midnight: they began the evening before
    began = datetime.combine(day, time(quiet.start // 60, quiet.start % 60), zone)
    return (began - BEFORE_QUIET).astimezone(UTC)


def skip_reason(business: Business, service: Service, start: datetime, offset: int, now: datetime) -> str:
    """Why the reminder `offset` minutes before `start`, sent at `now`, would no longer help ("" if it
    would): the visit has begun, it is the middle of the night, or the next reminder is due already."""
    if now >= start:
        return "the visit has begun"
    local = now.astimezone(ZoneInfo(business.timezone))
    quiet = business.reminders.quiet_hours
    if quiet is not None and quiet.covers(local.hour * 60 + local.minute):
        return "it is quiet hours"
    later = [r for r in plan(business, service, start, _EVER) if r.offset < offset]
    if later and now >= later[0].at:
        return f"the reminder {later[0].offset} minutes before is due already"
    return ""
