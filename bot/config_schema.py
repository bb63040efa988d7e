"""The whole of config.yaml as one pydantic model, and its conversion to storage.business.Business.

Sections are checked by their own models (bot/config_business.py, config_rules.py, config_staff.py,
config_services.py, config_prepayment.py, config_channels.py); what ties them together lives here: ids
used once, at least one specialist and one service, each date listed once. References between sections
(a service's staff, its room) are checked against ids read from the file beforehand (`known_in`), so
that a broken specialist does not hide the services' mistakes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator, model_validator
from pydantic_core import PydanticCustomError

from bot.config_business import (
    BusinessInfo,
    Closure,
    DayOverrideEntry,
    Notifications,
    RemindersSection,
    dated,
)
from bot.config_channels import DatabaseSection, LiqPaySettings, TelegramSettings, TwilioSettings
from bot.config_prepayment import LIQPAY_CURRENCIES, PrepaymentSection
from bot.config_refs import phone_region
from bot.config_rules import BookingSection
from bot.config_section import Known, Mistakes, Section, mistake
from bot.config_services import ServiceEntry
from bot.config_staff import RoomEntry, StaffEntry
from bot.config_texts import Texts
from bot.config_values import identifier, language, languages
from storage.business import Business, DayOverride


def unique(what: str, needed: str = "") -> WrapValidator:
    """Each id used once in the list `what` (checked even when some entry has other mistakes); when `needed`
    names its items, at least one of them."""

    def check(raw: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if needed and raw in (None, [], ()):
            raise mistake(f"at least one {needed} is needed")
        mistakes = Mistakes()
        items = mistakes.take((), handler, raw)
        first: dict[str, int] = {}
        for i, ident in enumerate(_id_of(item) for item in (raw if isinstance(raw, list) else [])):
            if ident in first:
                mistakes.add((i, "id"), f"'{ident}' is already used by {what}[{first[ident]}]")
            elif ident is not None:
                first[ident] = i
        mistakes.check()
        return items

    return WrapValidator(check)


class ConfigFile(Section):
    business: BusinessInfo
    booking: BookingSection
    prepayment: PrepaymentSection
    reminders: RemindersSection
    closures: tuple[Closure, ...] = ()
    overrides: tuple[DayOverrideEntry, ...] = ()
    rooms: Annotated[tuple[RoomEntry, ...], unique("rooms")] = ()
    # Checked when left out too: at least one of each is needed.
    staff: Annotated[tuple[StaffEntry, ...], unique("staff", "specialist")] = Field((), validate_default=True)
    services: Annotated[tuple[ServiceEntry, ...], unique("services", "service")] = Field(
        (), validate_default=True
    )
    notifications: Notifications
    texts: Texts = Field(default_factory=dict)  # the business's own wording of the catalogues' sentences
    database: DatabaseSection
    telegram: TelegramSettings
    twilio: TwilioSettings
    liqpay: LiqPaySettings

    @model_validator(mode="after")
    def _ties(self) -> ConfigFile:
        mistakes = Mistakes()
        mistakes.take((), dated, self._days())
        if self.business.currency not in LIQPAY_CURRENCIES and self._asks_prepayment():
            taken = ", ".join(LIQPAY_CURRENCIES)
            message = f"online prepayments are taken in {taken} only; set every prepayment to 0 or change it"
            mistakes.add(("business", "currency"), message)
        mistakes.check()
        return self

    def _days(self) -> dict[str, tuple[DayOverride, ...]]:
        return {"closures": self.closures, "overrides": tuple(entry.override() for entry in self.overrides)}

    def _asks_prepayment(self) -> bool:
        rules = [self.prepayment.default, *(p.rule for p in self.prepayment.periods)]
        rules += [s.prepayment for s in self.services if s.prepayment is not None]
        return any(rule.value > 0 for rule in rules)

    def to_business(self) -> Business:
        info, default_rule = self.business, self.prepayment.default
        return Business(
            name=info.name,
            timezone=info.timezone,
            currency=info.currency,
            default_language=info.default_language,
            languages=info.offered,
            day_first=info.day_first,
            rules=self.booking.rules(),
            staff=tuple(entry.specialist() for entry in self.staff),
            rooms=tuple(entry.room() for entry in self.rooms),
            services=tuple(entry.service(default_rule) for entry in self.services),
            overrides=dated(self._days()),
            contact=info.contact,
            address=info.address,
            admins=self.notifications.contacts(),
            phone_region=info.phone_region,
            prepayment=self.prepayment.policy(),
            reminders=self.reminders.policy(),
            staff_language=self.notifications.language or info.default_language,
            texts=self.texts,
        )


def known_in(data: Any, folder: Path) -> Known:
    """What the file defines, read leniently before it is checked: the references' targets."""
    top = data if isinstance(data, dict) else {}
    business = top["business"] if isinstance(top.get("business"), dict) else {}
    return Known(
        language=_or(language, business.get("default_language"), "en"),
        languages=_spoken(business, top.get("notifications")),
        region=_or(phone_region, business.get("phone_region"), None),
        staff=_ids(top.get("staff")),
        rooms=_ids(top.get("rooms")),
        services=_ids(top.get("services")),
        folder=folder,
    )


def _spoken(business: dict[str, Any], notifications: Any) -> tuple[str, ...]:
    """The languages customers may choose and staff read; none (any) when the file is unclear about them,
    which is reported where it is."""
    offered = business.get("languages") or business.get("default_language") or "en"
    staff = notifications.get("language") if isinstance(notifications, dict) else None
    listed = [*(offered if isinstance(offered, list) else [offered]), *([staff] if staff else [])]
    try:
        return languages(listed)
    except (PydanticCustomError, ValidationError):
        return ()


def _ids(raw: Any) -> tuple[str, ...]:
    found = [_id_of(item) for item in (raw if isinstance(raw, list) else [])]
    return tuple(dict.fromkeys(ident for ident in found if ident))


def _id_of(item: Any) -> str | None:
    return _or(identifier, item.get("id"), None) if isinstance(item, dict) else None


_T = TypeVar("_T")
_D = TypeVar("_D")


def _or(check: Callable[[Any], _T], raw: Any, default: _D) -> _T | _D:
    try:
        return check(raw)
    except PydanticCustomError:
        return default
