"""The read-only view of the store a conversation step sees: free slots and the customer's bookings.

Built by the runner from a snapshot of live claims over a range of days, so that `step` can ask for slots
synchronously. Asking for a day outside the snapshot raises `ViewMiss`; the runner then loads a wider
snapshot and runs the (pure) step again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from storage.availability import Busy, Slot, free_slots, free_starts
from storage.booking import Booking
from storage.business import Business


class ViewMiss(Exception):
    def __init__(self, day: date) -> None:
        super().__init__(f"no snapshot for {day}")
        self.day = day


class BookingsMiss(Exception):
    """The step asked for the customer's bookings, which the view does not hold yet: load them, run again."""


@dataclass
class View:
    business: Business
    now: datetime
    first_day: date
    last_day: date
    busy: Busy = field(default_factory=dict)
    bookings: tuple[Booking, ...] | None = ()  # the customer's, newest state; None: not loaded yet
    _cache: dict[tuple[str, date, str | None], list[Slot]] = field(default_factory=dict, repr=False)
    _starts: dict[tuple[str, date, str | None], list[int]] = field(default_factory=dict, repr=False)

    def slots(self, service: str, day: date, specialist: str | None = None) -> list[Slot]:
        """Free slots of `service` on local `day`; specialist None or "*" means anyone."""
        if not self.first_day <= day <= self.last_day:
            raise ViewMiss(day)
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
            raise ViewMiss(day)
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

    def live_bookings(self) -> list[Booking]:
        return [b for b in self._bookings() if b.is_live(self.now) and b.end > self.now]

    def booking(self, booking_id: int | None) -> Booking | None:
        return next((b for b in self._bookings() if b.id == booking_id), None)

    def _bookings(self) -> tuple[Booking, ...]:
        if self.bookings is None:
            raise BookingsMiss
        return self.bookings
