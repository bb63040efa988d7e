"""The read-only view of the store a conversation step sees: free slots and the customer's bookings, and for a
staff chat (`staff`, which the runner knows from the platform's chat and the business's contacts) a day's
bookings for the agenda.

Built by the runner from a snapshot of live claims over a range of days, so that `step` can ask for slots
synchronously. Asking for a bookable day outside the snapshot raises `ViewMiss`; the runner then loads a wider
snapshot and runs the (pure) step again. A day that is not bookable (before today, or past the longest
booking window) has no free time, and needs no snapshot: a step asking about it, whatever a customer typed
or pressed, gets an answer instead of an error the runner could not resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.availability import Busy, Slot, free_slots, free_starts
from storage.booking import Booking
from storage.business import Business, StaffChat
from storage.waiting import Entry


class ViewMiss(Exception):
    def __init__(self, day: date) -> None:
        super().__init__(f"no snapshot for {day}")
        self.day = day


def window_days(business: Business) -> int:
    """How many days after today the business takes bookings for, in its longest booking window."""
    return max([business.rules.max_advance_days, *map(business.window_for, business.services)])


class BookingsMiss(Exception):
    """The step asked for the customer's bookings, which the view does not hold yet: load them, run again."""


class AgendaMiss(Exception):
    """The step asked for a day's bookings (a staff agenda), which the view does not hold: load, run again."""

    def __init__(self, day: date) -> None:
        super().__init__(f"no agenda for {day}")
        self.day = day


@dataclass(frozen=True)
class Visitor:
    """Who made a booking, as staff need to reach them: the name and phone the customer gave."""

    name: str
    phone: str


@dataclass(frozen=True)
class DayBookings:
    """Every booking of the business that starts on one local day, in any status, and who made them."""

    day: date
    bookings: tuple[Booking, ...]
    visitors: Mapping[int, Visitor]


@dataclass
class View:
    business: Business
    now: datetime
    first_day: date
    last_day: date
    busy: Busy = field(default_factory=dict)
    bookings: tuple[Booking, ...] | None = ()  # the customer's, newest state; None: not loaded yet
    visits: int = 0  # the customer's past visits (loaded with the bookings): regulars may skip prepayment
    tags: tuple[str, ...] = ()  # what staff said of the customer (`no-prepay`), loaded with the bookings
    waitlist: tuple[Entry, ...] = ()  # the customer's waitlist entries (loaded with the bookings)
    staff: StaffChat | None = None  # the chat is a staff contact (proven by the platform): it has an agenda
    agenda: DayBookings | None = None  # the day a staff chat asked about; None: not loaded
    _cache: dict[tuple[str, date, str | None], list[Slot]] = field(default_factory=dict, repr=False)
    _starts: dict[tuple[str, date, str | None], list[int]] = field(default_factory=dict, repr=False)

    def slots(self, service: str, day: date, specialist: str | None = None) -> list[Slot]:
        """Free slots of `service` on local `day`; specialist None or "*" means anyone."""
        if not self.first_day <= day <= self.last_day:
            self._miss(day)
            return []
        who = None if specialist in (None, "*") else specialist
        key = (service, day, who)
        if key not in self._cache:
            chosen = self.business.service(service)
            self._cache[key] = free_slots(
                self.business, chosen, now=self.now, start_day=day, days=1, specialist=who, busy=self.busy
            )
        return self._cache[key]

    def has_time(self, service: str, day: date, specialist: str | None, fits: Callable[[int], bool]) -> bool:
        """Whether `service` has a free start on local `day` that `fits` (epoch seconds -> bool): the same
        answer as looking through `slots`, without making them."""
        if not self.first_day <= day <= self.last_day:
            self._miss(day)
            return False
        who = None if specialist in (None, "*") else specialist
        key = (service, day, who)
        if key in self._cache:
            return any(fits(int(slot.start.timestamp())) for slot in self._cache[key])
        starts = self._starts.get(key)
        if starts is None:
            chosen = self.business.service(service)
            starts = self._starts[key] = free_starts(
                self.business, chosen, now=self.now, start_day=day, days=1, specialist=who, busy=self.busy
            )
        return any(fits(start) for start in starts)

    def _miss(self, day: date) -> None:
        """Raise ViewMiss for a bookable day outside the snapshot; a day before today or past the longest
        booking window has nothing free, which the caller says without a snapshot."""
        today = self.now.astimezone(ZoneInfo(self.business.timezone)).date()
        if today <= day <= today + timedelta(days=window_days(self.business)):
            raise ViewMiss(day)

    def past_visits(self) -> int:
        self._bookings()  # loaded together
        return self.visits

    def customer_tags(self) -> tuple[str, ...]:
        self._bookings()  # loaded together
        return self.tags

    def live_bookings(self) -> list[Booking]:
        return [b for b in self._bookings() if b.is_live(self.now) and b.end > self.now]

    def waiting(self) -> list[Entry]:
        """The customer's waitlist entries still open: not ended, their day not over."""
        self._bookings()  # loaded together
        today = self.now.astimezone(ZoneInfo(self.business.timezone)).date()
        return [entry for entry in self.waitlist if entry.is_open(today)]

    def booking(self, booking_id: int | None) -> Booking | None:
        return next((b for b in self._bookings() if b.id == booking_id), None)

    def day_bookings(self, day: date) -> DayBookings:
        """Every booking starting on local `day`, for a staff chat's agenda (AgendaMiss: not loaded yet)."""
        if self.agenda is None or self.agenda.day != day:
            raise AgendaMiss(day)
        return self.agenda

    def _bookings(self) -> tuple[Booking, ...]:
        if self.bookings is None:
            raise BookingsMiss
        return self.bookings
