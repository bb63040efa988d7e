"""The schema of config.yaml's `services`: what customers book, for how long, from whom, and group classes'
weekly sessions. A service may also set its own booking rules, prepayment and reminder times."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainValidator, model_validator

from bot.config_prepayment import Prepayment
from bot.config_refs import Names, Room, Specialists
from bot.config_rules import ServiceRules
from bot.config_section import Loc, Mistakes, Section, mistake
from bot.config_times import Clock, Days, Offsets, hhmm
from bot.config_values import Flag, Identifier, Money, Text, Texts, whole, whole_number
from storage.business import ClassSession, PrepaymentRule, Service

Buffer = Annotated[int, whole("minutes", 0)]


def _duration(raw: Any) -> int:
    minutes = whole_number("minutes", 1)(raw)
    if minutes > 24 * 60:
        raise mistake(f"{minutes} minutes is longer than a day")
    return minutes


class SessionEntry(Section):
    """`{days: [tue, thu], time: "19:00", specialist: maria}`: one ClassSession a weekday."""

    days: Days
    time: Clock
    specialist: Text | None = None  # may be left out when the class has one teacher


class ServiceEntry(ServiceRules):
    id: Identifier
    name: Names
    aliases: Texts = ()
    duration: Annotated[int, PlainValidator(_duration)]
    price: Money
    prepayment: Prepayment | None = None  # None: the business's default rule
    buffer_before: Buffer = 0
    buffer_after: Buffer = 0
    staff: Specialists
    capacity: Annotated[int, whole("places", 1)] = 1
    room: Room | None = None
    sessions: tuple[SessionEntry, ...] = ()
    requires_approval: Flag = False
    reminders: Offsets | None = None  # None: the business's reminders.offsets

    @model_validator(mode="after")
    def _fits(self) -> ServiceEntry:
        mistakes = Mistakes()
        rule = self.prepayment
        if rule is not None and rule.kind == "amount" and rule.value > self.price:
            mistakes.add(("prepayment",), f"{rule.value} is more than the price {self.price}")
        self._check_sessions(mistakes)
        mistakes.check()
        return self

    def _check_sessions(self, mistakes: Mistakes) -> None:
        if self.capacity > 1 and not self.sessions:
            example = '- {days: [tue, thu], time: "19:00"}'
            needed = f"a group class (capacity {self.capacity}) needs sessions, e.g. {example}"
            mistakes.add(("sessions",), needed)
        if self.capacity == 1 and self.sessions:
            mistakes.add(
                ("sessions",), "only group classes have sessions: set capacity above 1 or remove them"
            )
        for i, session in enumerate(self.sessions):
            self._check_session(session, mistakes, ("sessions", i))

    def _check_session(self, session: SessionEntry, mistakes: Mistakes, at: Loc) -> None:
        if session.time + self.duration > 24 * 60:
            late = f"a {self.duration}-minute class at {hhmm(session.time)} would end after midnight"
            mistakes.add((*at, "time"), late)
        teacher, staff = session.specialist, ", ".join(self.staff)
        if teacher is None and len(self.staff) > 1:
            mistakes.add((*at, "specialist"), f"is missing: who teaches it ({staff})?")
        elif teacher is not None and teacher not in self.staff:
            mistakes.add((*at, "specialist"), f"'{teacher}' does not teach this class (its staff: {staff})")

    def service(self, default: PrepaymentRule) -> Service:
        """The service; without a prepayment rule of its own, it asks what the business's `default` gives."""
        rule = self.prepayment or default
        rules = self.rule_values()
        return Service(
            *(self.id, self.name, self.duration, self.price, self.staff),
            buffer_before=self.buffer_before,
            buffer_after=self.buffer_after,
            capacity=self.capacity,
            room=self.room,
            sessions=tuple(self._class_sessions()),
            prepayment=rule.amount_for(self.price, self.duration),
            prepayment_rule=rule,
            reminder_offsets=self.reminders,
            aliases=self.aliases,
            requires_approval=self.requires_approval,
            step=rules.get("slot_step"),
            min_notice=rules.get("min_notice"),
            max_advance_days=rules.get("max_advance_days"),
            max_moves=rules.get("max_moves"),
            min_notice_move=rules.get("min_notice_move"),
            min_notice_cancel=rules.get("min_notice_cancel"),
            refund_cancel_hours=rules.get("refund_cancel_hours"),
            late_refund_percent=rules.get("late_refund_percent"),
        )

    def _class_sessions(self) -> list[ClassSession]:
        return [
            ClassSession(d, session.time, session.specialist or self.staff[0])
            for session in self.sessions
            for d in session.days
        ]
