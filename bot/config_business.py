"""The schema of config.yaml's business-wide sections: `business`, dates, reminders and notifications.

Each model converts itself to the pure types of storage/business.py, which the rest of Slotbot reads.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, PlainValidator, model_validator

from bot.config_refs import Phone, PhoneRegion
from bot.config_section import Mistakes, Section
from bot.config_times import Offsets, Quiet, Ranges
from bot.config_values import (
    Currency,
    Day,
    Flag,
    Language,
    Languages,
    TelegramChat,
    Text,
    TimeZone,
    day,
)
from storage.business import Contact, DayOverride, QuietHours, ReminderPolicy


class BusinessInfo(Section):
    name: Text
    timezone: TimeZone
    currency: Currency = "UAH"
    default_language: Language = "en"
    languages: Languages | None = None  # None: the default language only
    day_first: Flag = True
    contact: Text = ""  # whom customers should call about what the bot may not change (phone or name)
    address: Text = ""  # where the visit is: in reminders and calendar files
    phone_region: PhoneRegion = Field(
        description="the country whose phone numbers may be written without +code, e.g. UA, PL, FR or GR"
    )

    @model_validator(mode="after")
    def _default_is_offered(self) -> BusinessInfo:
        if self.languages is not None and self.default_language not in self.languages:
            mistakes = Mistakes()
            message = f"'{self.default_language}' is not among languages: {list(self.languages)}"
            mistakes.add(("default_language",), message)
            mistakes.check()
        return self

    @property
    def offered(self) -> tuple[str, ...]:
        return self.languages or (self.default_language,)


# ---- dated exceptions --------------------------------------------------------------------------------------


class DayOverrideEntry(Section):
    """`{date: 2026-12-31, hours: "10:00-15:00", note: ...}`; `hours: off` closes the day."""

    day: Day = Field(alias="date")
    hours: Ranges
    note: Text = ""

    def override(self) -> DayOverride:
        return DayOverride(self.day, self.hours, self.note)


class ClosureEntry(Section):
    day: Day = Field(alias="date")
    note: Text = ""


def _closure(raw: Any) -> DayOverride:
    """`- 2026-12-25` or `- {date: 2026-12-25, note: Christmas}`: closed all day."""
    if not isinstance(raw, dict):
        return DayOverride(day(raw))
    entry = ClosureEntry.model_validate(raw)
    return DayOverride(entry.day, (), entry.note)


class TimeOffSpan(Section):
    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    note: Text = ""

    @model_validator(mode="after")
    def _in_order(self) -> TimeOffSpan:
        mistakes = Mistakes()
        if self.end < self.start:
            mistakes.add(("to",), f"{self.end} is before the start {self.start}")
        mistakes.check()
        return self


def _time_off(raw: Any) -> tuple[date, date]:
    """`- 2027-02-14` or `- {from: 2027-01-05, to: 2027-01-12}`, both ends included."""
    if not isinstance(raw, dict):
        when = day(raw)
        return when, when
    span = TimeOffSpan.model_validate(raw)
    return span.start, span.end


Closure = Annotated[DayOverride, PlainValidator(_closure)]
TimeOff = Annotated[tuple[date, date], PlainValidator(_time_off)]


def dated(entries: dict[str, tuple[DayOverride, ...]]) -> dict[date, DayOverride]:
    """The days of several lists ({"closures": …, "overrides": …}) by date, each date listed once."""
    days: dict[date, DayOverride] = {}
    where: dict[date, str] = {}
    mistakes = Mistakes()
    for key, items in entries.items():
        for i, item in enumerate(items):
            if item.day in days:
                mistakes.add((key, i), f"{item.day} is already listed at {where[item.day]}")
            days.setdefault(item.day, item)
            where.setdefault(item.day, f"{key}[{i}]")
    mistakes.check()
    return dict(sorted(days.items()))


class RemindersSection(Section):
    offsets: Offsets = ReminderPolicy().offsets  # before the booking, e.g. ["24h", "2h"]; [] for none
    quiet_hours: Quiet = QuietHours(21 * 60, 9 * 60)  # local hours without reminders; may wrap midnight

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(self.offsets, self.quiet_hours)


# ---- who is told about bookings ----------------------------------------------------------------------------


class Reachable(Section):
    """Where a person gets chat messages about bookings: a Telegram chat and/or a WhatsApp number."""

    telegram_chat_id: TelegramChat | None = None
    whatsapp: Phone | None = None

    def contacts(self) -> tuple[Contact, ...]:
        chat = (Contact("telegram", self.telegram_chat_id),) if self.telegram_chat_id else ()
        return chat + ((Contact("whatsapp", self.whatsapp),) if self.whatsapp else ())


class Admin(Reachable):
    name: Text = ""


class Notifications(Section):
    admins: tuple[Admin, ...] = ()  # told about every booking, whoever it is with
    language: Language | None = None  # what staff messages are written in; None: the default language

    def contacts(self) -> tuple[Contact, ...]:
        return tuple(contact for admin in self.admins for contact in admin.contacts())
