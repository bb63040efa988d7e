"""A waitlist entry as a plain record: who waits (a conversation, and the customer behind it), for what (a
service, with a specialist or anyone), on which local day and within which times of it.

Pure, like storage/booking.py: the conversation speaks of entries in these terms without loading the database
toolkit (tests/unit/test_purity.py keeps it that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

ANYONE = "*"  # an entry's specialist when whoever is free will do

# Why an entry ended.
LEFT = "left"  # the customer took themselves off the list
BOOKED = "booked"  # the customer held a freed time from it
PASSED = "passed"  # its day is over


@dataclass(frozen=True)
class Wish:
    """What a customer joins the list for: a service with a specialist (or ANYONE) on a local day, within
    the times they said (None: open ends; the business's hours bound them)."""

    service: str
    specialist: str
    day: date
    earliest: time | None = None
    latest: time | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    channel: str  # the conversation the customer waits in, where offers go
    chat_id: str
    customer_id: int | None
    service: str
    specialist: str  # a specialist's id, or ANYONE
    day: date  # the business's local date
    earliest: time | None  # a start no earlier than this ("after 5", the afternoon), local
    latest: time | None  # a start no later than this
    created_at: datetime
    ended_at: datetime | None = None
    ended_why: str | None = None

    @property
    def who(self) -> str | None:
        """The specialist to look for free times with; None for anyone."""
        return None if self.specialist == ANYONE else self.specialist

    def fits(self, local: time) -> bool:
        """Whether a start at `local` (the business's wall clock) is within the times waited for."""
        after, before = self.earliest, self.latest
        return (after is None or local >= after) and (before is None or local <= before)

    def is_open(self, today: date) -> bool:
        """Still waiting: not ended, and its day not over (an entry ends when its day passes, whether or not
        the job that records it has run)."""
        return self.ended_at is None and self.day >= today
