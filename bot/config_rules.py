"""The schema of config.yaml's booking rules: `booking:` for the whole business, and the same keys in a
service for itself. Each key says its unit; the rules are kept in minutes (storage.business.BookingRules).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import model_validator

from bot.config_section import Mistakes, Section
from bot.config_values import whole
from storage.business import BookingRules

Minutes = Annotated[int | None, whole("minutes", 0)]
StepMinutes = Annotated[int | None, whole("minutes", 1)]
Hours = Annotated[int | None, whole("hours", 0)]
DaysAhead = Annotated[int | None, whole("days", 1)]
Moves = Annotated[int | None, whole("moves", 0)]
Bookings = Annotated[int | None, whole("bookings", 1)]
Percent = Annotated[int | None, whole("percent", 0)]


class ServiceRules(Section):
    """The booking rules a service may set for itself, with the same keys as under `booking:`. Each key says
    its unit; a notice period may be given in minutes or in hours, not both."""

    # config key → (the BookingRules field it sets, minutes in its unit)
    FIELDS: ClassVar[dict[str, tuple[str, int]]] = {
        "slot_step_minutes": ("slot_step", 1),
        "min_notice_minutes": ("min_notice", 1),
        "min_notice_hours": ("min_notice", 60),
        "max_advance_days": ("max_advance_days", 1),
        "min_notice_move_minutes": ("min_notice_move", 1),
        "min_notice_move_hours": ("min_notice_move", 60),
        "min_notice_cancel_minutes": ("min_notice_cancel", 1),
        "min_notice_cancel_hours": ("min_notice_cancel", 60),
        "max_moves": ("max_moves", 1),
        "refund_cancel_hours": ("refund_cancel_hours", 1),
        "late_refund_percent": ("late_refund_percent", 1),
    }

    slot_step_minutes: StepMinutes = None
    min_notice_minutes: Minutes = None
    min_notice_hours: Hours = None
    max_advance_days: DaysAhead = None
    min_notice_move_minutes: Minutes = None
    min_notice_move_hours: Hours = None
    min_notice_cancel_minutes: Minutes = None
    min_notice_cancel_hours: Hours = None
    max_moves: Moves = None
    refund_cancel_hours: Hours = None
    late_refund_percent: Percent = None

    @model_validator(mode="after")
    def _one_unit_each(self) -> ServiceRules:
        first: dict[str, str] = {}
        mistakes = Mistakes()
        if self.late_refund_percent is not None and self.late_refund_percent > 100:
            mistakes.add(("late_refund_percent",), f"{self.late_refund_percent} is more than 100 percent")
        for key, (name, _) in self.FIELDS.items():
            if getattr(self, key) is not None and name in first:
                mistakes.add((key,), f"{first[name]} already sets this; keep one of the two")
            elif getattr(self, key) is not None:
                first[name] = key
        mistakes.check()
        return self

    def rule_values(self) -> dict[str, int]:
        """The rules given, as BookingRules fields in their units."""
        given = {key: getattr(self, key) for key in self.FIELDS}
        return {self.FIELDS[key][0]: n * self.FIELDS[key][1] for key, n in given.items() if n is not None}


class BookingSection(ServiceRules):
    FIELDS: ClassVar[dict[str, tuple[str, int]]] = {
        **ServiceRules.FIELDS,
        **{key: (key, 1) for key in ("hold_minutes", "payment_hold_minutes", "max_active_bookings")},
    }

    hold_minutes: StepMinutes = None
    payment_hold_minutes: StepMinutes = None
    max_active_bookings: Bookings = None

    def rules(self) -> BookingRules:
        return BookingRules(**self.rule_values())
