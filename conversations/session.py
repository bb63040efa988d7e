"""One customer's conversation state: where they are, what they have chosen so far, who they are.

Stored as JSON in the shared store between messages, so a restart or a second process continues it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Where a conversation is. The values are stored in sessions' JSON: rename a member, never a value."""

    START = "start"  # the menu
    # a new booking: the questions of conversations/booking.py's form, in its order
    SERVICE = "service"
    SPECIALIST = "specialist"
    DAY = "day"
    TIME = "time"
    NAME = "name"
    PHONE = "phone"
    CONFIRM = "confirm"
    # waiting for the store or the customer's payment
    HOLDING = "holding"
    CONFIRMING = "confirming"
    AWAITING_PAYMENT = "awaiting_payment"
    # the customer's own bookings
    BOOKINGS = "bookings"
    BOOKING = "booking"
    CANCEL_CONFIRM = "cancel_confirm"
    CANCELLING = "cancelling"
    # moving a booking: the questions of conversations/move.py's form
    MOVE_DAY = "move_day"
    MOVE_TIME = "move_time"
    MOVE_CONFIRM = "move_confirm"
    MOVING = "moving"
    LANGUAGE = "language"
    # joining the waitlist for a full day: the questions of conversations/waiting.py's form
    WAITLIST_NAME = "waitlist_name"
    WAITLIST_PHONE = "waitlist_phone"
    WAITLIST_WHEN = "waitlist_when"


@dataclass(frozen=True)
class Draft:
    """The booking being put together, or the booking being moved or cancelled (`booking_id`)."""

    service: str | None = None
    specialist: str | None = None  # None: not asked yet; "*": anyone
    day: date | None = None
    start: datetime | None = None  # UTC
    slot_specialist: str | None = None  # who the chosen time is with
    booking_id: int | None = None
    earliest: time | None = None  # from free text such as "after 5"
    latest: time | None = None
    at: time | None = None  # a time asked for before it could be looked up (the service not chosen yet)
    from_day: date | None = None  # "next week": the days offered start here
    nearest: bool = False  # the times on screen are the nearest to a wish, not a day's page
    pay_url: str = ""  # the checkout link of the prepayment awaited (booking_id)


@dataclass(frozen=True)
class Session:
    state: State = State.START
    lang: str = "en"
    name: str = ""
    phone: str = ""
    customer_id: int | None = None
    draft: Draft = field(default_factory=Draft)
    offer: tuple[str, ...] = ()  # option ids on the last message: a typed number picks one of them
    # Option ids of the question on screen when something was said beside it (a reminder): still answered
    # by their buttons, not by typed numbers, until the next question.
    earlier: tuple[str, ...] = ()
    seq: int = 0  # bumped whenever new options go out; buttons carry it so that stale ones are noticed
    # Who chose `lang`: "" the business's default (or the runner's guess), "app" the platform's language,
    # "text" what the customer writes, "customer" asked for by button or by name. What they write changes
    # it only while nobody else chose it.
    lang_by: str = ""
    # The platform vouches that `phone` is the customer's own: WhatsApp's sender, or the contact a Telegram
    # user shared of themselves. A typed number is contact data for a booking, never proof of who someone is.
    phone_proven: bool = False
    # The booking a reminder was just said about ("<id>.<revision>", conversations/reminder.py): "yes",
    # "cancel", "reschedule" or a time written next answer it. Cleared by the next question asked.
    reminded: str = ""

    def __post_init__(self) -> None:
        # A plain string ("day") is accepted where a State is meant, and kept as the State it names.
        object.__setattr__(self, "state", State(self.state))

    def go(self, state: State, **changes: Any) -> Session:
        return replace(self, state=state, **changes)

    def with_draft(self, **changes: Any) -> Session:
        return replace(self, draft=replace(self.draft, **changes))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def dumps(session: Session) -> str:
    return json.dumps(_encode(asdict(session)), ensure_ascii=False, separators=(",", ":"))


def loads(data: str) -> Session:
    raw = json.loads(data)
    d = raw.get("draft", {})
    draft = Draft(
        service=d.get("service"),
        specialist=d.get("specialist"),
        day=date.fromisoformat(d["day"]) if d.get("day") else None,
        start=datetime.fromisoformat(d["start"]) if d.get("start") else None,
        slot_specialist=d.get("slot_specialist"),
        booking_id=d.get("booking_id"),
        earliest=time.fromisoformat(d["earliest"]) if d.get("earliest") else None,
        latest=time.fromisoformat(d["latest"]) if d.get("latest") else None,
        at=time.fromisoformat(d["at"]) if d.get("at") else None,
        from_day=date.fromisoformat(d["from_day"]) if d.get("from_day") else None,
        nearest=bool(d.get("nearest", False)),
        pay_url=str(d.get("pay_url") or ""),
    )
    fields = {
        k: raw[k]
        for k in ("lang", "name", "phone", "customer_id", "seq", "lang_by", "phone_proven", "reminded")
        if k in raw
    }
    state = raw.get("state", State.START)
    if state not in {s.value for s in State}:
        # Stored by a version that had a state this one does not: begin again from the menu.
        state, draft = State.START, Draft()
    offer, earlier = tuple(raw.get("offer", ())), tuple(raw.get("earlier", ()))
    return Session(state=State(state), draft=draft, offer=offer, earlier=earlier, **fields)
