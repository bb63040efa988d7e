"""The business as data: services, specialists, schedules, booking rules, prepayments and reminders.

Plain frozen dataclasses built once from config.yaml (see bot/config.py) and shared, read-only, by the
availability computation, the store and the conversation. Wall-clock times are minutes since local midnight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Literal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True, order=True)
class TimeRange:
    """A wall-clock range within one local day, in minutes since midnight; `end` may be 1440."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 1440:
            raise ValueError(f"bad time range {self.start}-{self.end}")

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True)
class DayOverride:
    """A dated exception: `hours` replaces the usual opening hours that day; empty hours means closed."""

    day: date
    hours: tuple[TimeRange, ...] = ()
    note: str = ""

    @property
    def closed(self) -> bool:
        return not self.hours


@dataclass(frozen=True)
class Schedule:
    """When one specialist works.

    `weekly` maps a weekday (0 = Monday) to working ranges; a weekday missing from it is a day off.
    `breaks` maps a weekday to ranges taken out of that day (lunch). `overrides` replace a date's hours
    (a shortened day, an extra working Saturday, or a closure); breaks still apply inside them.
    `time_off` holds inclusive date ranges off work (a vacation).
    """

    weekly: Mapping[int, tuple[TimeRange, ...]] = field(default_factory=dict)
    breaks: Mapping[int, tuple[TimeRange, ...]] = field(default_factory=dict)
    overrides: Mapping[date, DayOverride] = field(default_factory=dict)
    time_off: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class Contact:
    """Where a member of staff gets chat messages: ("telegram", chat id) or ("whatsapp", "+E164")."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class StaffChat:
    """A chat that is a configured staff contact, as the platform proves it (the chat's own id, a WhatsApp
    sender's number): an admin's sees every specialist's bookings, a specialist's only their own."""

    admin: bool
    specialists: tuple[str, ...] = ()

    def sees(self, specialist_id: str) -> bool:
        return self.admin or specialist_id in self.specialists


def _same_contact(contact: Contact, channel: str, chat_id: str) -> bool:
    if contact.channel != channel:
        return False
    if channel == "telegram" and contact.chat_id.lstrip("-").isdecimal() and chat_id.lstrip("-").isdecimal():
        return int(contact.chat_id) == int(chat_id)  # "0111" in a config is chat 111
    return contact.chat_id == chat_id


@dataclass(frozen=True)
class Specialist:
    id: str
    name: str
    schedule: Schedule
    title: str = ""
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class Room:
    id: str
    name: str


@dataclass(frozen=True)
class ClassSession:
    """One weekly occurrence of a group class: weekday (0 = Monday), start in minutes, who teaches it."""

    weekday: int
    start: int
    specialist: str


@dataclass(frozen=True)
class PrepaymentRule:
    """How much a booking asks to be paid ahead: a fixed `amount`, a `percent` of the price, or so much
    `per_hour` of the service's length; `value` is in the business currency (or percent)."""

    kind: Literal["amount", "percent", "per_hour"] = "amount"
    value: Decimal = Decimal(0)

    def amount_for(self, price: Decimal, duration: int) -> Decimal:
        """The sum asked for `price` and `duration` minutes: in whole units, never above the price."""
        if self.kind == "amount":
            return min(self.value, price)
        share = price * self.value / 100 if self.kind == "percent" else self.value * duration / 60
        return min(share.quantize(Decimal(1), ROUND_HALF_UP), price)


@dataclass(frozen=True)
class PrepaymentPeriod:
    """Dates (both included) when `rule` applies to `services` (empty: to every service), whatever their own
    rule says: the busy weeks before New Year, say."""

    start: date
    end: date
    rule: PrepaymentRule
    services: tuple[str, ...] = ()

    def covers(self, day: date, service_id: str) -> bool:
        return self.start <= day <= self.end and (not self.services or service_id in self.services)


@dataclass(frozen=True)
class PrepaymentPolicy:
    """Business-wide prepayment: the rule for services without their own, who is never asked to prepay
    (club members by phone; regulars with `exempt_min_visits` past visits that were not no-shows, 0: nobody),
    and the periods when a rule applies regardless. Exemptions hold in those periods too."""

    default: PrepaymentRule = PrepaymentRule()
    exempt_phones: frozenset[str] = frozenset()  # E.164
    exempt_min_visits: int = 0
    periods: tuple[PrepaymentPeriod, ...] = ()


@dataclass(frozen=True)
class QuietHours:
    """Local hours when no reminder is sent, in minutes since midnight; `start` > `end` wraps midnight."""

    start: int
    end: int

    def covers(self, minute: int) -> bool:
        if self.start <= self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True)
class ReminderPolicy:
    """When customers are reminded of a booking: `offsets` are minutes before its start, largest first."""

    offsets: tuple[int, ...] = (24 * 60, 2 * 60)
    quiet_hours: QuietHours | None = QuietHours(21 * 60, 9 * 60)


@dataclass(frozen=True)
class Service:
    """Something a customer can book.

    `name` maps a language code to the name in that language; `names()` gives every spelling customers
    might type. A service with `capacity` > 1 is a group class: it runs only at its `sessions`, and its
    teacher is busy then whether or not anyone has signed up.
    """

    id: str
    name: Mapping[str, str]
    duration: int
    price: Decimal
    staff: tuple[str, ...]
    buffer_before: int = 0
    buffer_after: int = 0
    capacity: int = 1
    room: str | None = None
    sessions: tuple[ClassSession, ...] = ()
    step: int | None = None
    min_notice: int | None = None
    max_advance_days: int | None = None
    prepayment: Decimal = Decimal(0)  # asked by default: `prepayment_rule` applied to price and duration
    prepayment_rule: PrepaymentRule = PrepaymentRule()  # its own rule, or the business default
    reminder_offsets: tuple[int, ...] | None = None  # None: the business's ReminderPolicy.offsets
    aliases: tuple[str, ...] = ()
    # Customer self-service rules; None falls back to the business-wide BookingRules.
    requires_approval: bool = False
    max_moves: int | None = None
    min_notice_move: int | None = None
    min_notice_cancel: int | None = None
    refund_cancel_hours: int | None = None
    late_refund_percent: int | None = None

    @property
    def is_class(self) -> bool:
        return self.capacity > 1

    def title(self, lang: str, fallback: str = "en") -> str:
        return self.name.get(lang) or self.name.get(fallback) or next(iter(self.name.values()))

    def names(self) -> tuple[str, ...]:
        return (*self.name.values(), *self.aliases)


@dataclass(frozen=True)
class BookingRules:
    """Business-wide defaults; a service may override notice and window. Durations are in minutes."""

    slot_step: int = 15
    min_notice: int = 60
    max_advance_days: int = 60
    hold_minutes: int = 15
    payment_hold_minutes: int = 30
    min_notice_move: int = 180
    min_notice_cancel: int = 180
    max_moves: int = 2
    max_active_bookings: int = 3
    refund_cancel_hours: int = 24
    late_refund_percent: int = 0  # of the prepayment, when cancelled inside refund_cancel_hours


@dataclass(frozen=True)
class Business:
    name: str
    timezone: str
    currency: str = "UAH"
    default_language: str = "en"
    languages: tuple[str, ...] = ("en",)
    day_first: bool = True
    rules: BookingRules = field(default_factory=BookingRules)
    staff: tuple[Specialist, ...] = ()
    rooms: tuple[Room, ...] = ()
    services: tuple[Service, ...] = ()
    overrides: Mapping[date, DayOverride] = field(default_factory=dict)
    contact: str = ""  # whom customers should call about what the bot may not change (phone or name)
    address: str = ""  # where the visits are: in reminders and calendar files
    admins: tuple[Contact, ...] = ()  # told about every booking, whoever it is with
    phone_region: str = "UA"  # how a phone number typed without "+country" is read (ISO 3166 code)
    prepayment: PrepaymentPolicy = PrepaymentPolicy()
    reminders: ReminderPolicy = ReminderPolicy()
    staff_language: str = ""  # what staff notifications are written in; empty: the default language
    # The business's own wording: language → catalogue key → template (config.yaml's `texts:`), used in
    # place of conversations/texts' by `text(lang, key, business.texts, ...)`.
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.staff_language:
            object.__setattr__(self, "staff_language", self.default_language)
        frozen = {lang: MappingProxyType(dict(own)) for lang, own in self.texts.items()}
        object.__setattr__(self, "texts", MappingProxyType(frozen))

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def specialist(self, specialist_id: str) -> Specialist:
        for specialist in self.staff:
            if specialist.id == specialist_id:
                return specialist
        raise KeyError(specialist_id)

    def staff_chat(self, channel: str, chat_id: str) -> StaffChat | None:
        """Who of the staff a chat is, by the contacts in config.yaml; None: not a staff contact."""
        admin = any(_same_contact(contact, channel, chat_id) for contact in self.admins)
        mine = tuple(s.id for s in self.staff if any(_same_contact(c, channel, chat_id) for c in s.contacts))
        return StaffChat(admin, mine) if admin or mine else None

    def step_for(self, service: Service) -> int:
        return service.step or self.rules.slot_step

    def notice_for(self, service: Service) -> int:
        return self.rules.min_notice if service.min_notice is None else service.min_notice

    def window_for(self, service: Service) -> int:
        return self.rules.max_advance_days if service.max_advance_days is None else service.max_advance_days

    def max_moves_for(self, service: Service) -> int:
        return self.rules.max_moves if service.max_moves is None else service.max_moves

    def move_notice_for(self, service: Service) -> int:
        return self.rules.min_notice_move if service.min_notice_move is None else service.min_notice_move

    def cancel_notice_for(self, service: Service) -> int:
        return (
            self.rules.min_notice_cancel if service.min_notice_cancel is None else service.min_notice_cancel
        )

    def refund_hours_for(self, service: Service) -> int:
        hours = service.refund_cancel_hours
        return self.rules.refund_cancel_hours if hours is None else hours

    def late_refund_for(self, service: Service) -> int:
        share = service.late_refund_percent
        return self.rules.late_refund_percent if share is None else share

    def reminder_offsets_for(self, service: Service) -> tuple[int, ...]:
        offsets = service.reminder_offsets
        return self.reminders.offsets if offsets is None else offsets

    def classes_taught_by(self, specialist_id: str) -> tuple[tuple[Service, ClassSession], ...]:
        return tuple(
            (service, session)
            for service in self.services
            for session in service.sessions
            if session.specialist == specialist_id
        )
