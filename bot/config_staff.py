"""The schema of config.yaml's `staff` and `rooms`: who does the work, when, and where group classes run."""

from __future__ import annotations

from pydantic import model_validator

from bot.config_business import DayOverrideEntry, Reachable, TimeOff, dated
from bot.config_section import Mistakes, Section
from bot.config_times import Breaks, Days, Week, Weekly
from bot.config_values import Identifier, Text
from storage.business import Room, Schedule, Specialist


class StaffEntry(Reachable):
    id: Identifier
    name: Text
    title: Text = ""
    hours: Weekly  # a weekday not listed is a day off
    breaks: Breaks = ()  # every working day, or per weekday like the hours
    days_off: Days = ()  # taken out of the hours
    time_off: tuple[TimeOff, ...] = ()
    overrides: tuple[DayOverrideEntry, ...] = ()

    @model_validator(mode="after")
    def _works_some_day(self) -> StaffEntry:
        mistakes = Mistakes()
        if not self.week():
            mistakes.add(("hours",), "no working days left: every day is off")
        mistakes.take((), dated, {"overrides": tuple(entry.override() for entry in self.overrides)})
        mistakes.check()
        return self

    def week(self) -> Week:
        return {d: hours for d, hours in self.hours.items() if d not in self.days_off}

    def specialist(self) -> Specialist:
        week = self.week()
        lunch = self.breaks
        schedule = Schedule(
            weekly=week,
            breaks=lunch if isinstance(lunch, dict) else {d: lunch for d in week if lunch},
            overrides=dated({"overrides": tuple(entry.override() for entry in self.overrides)}),
            time_off=self.time_off,
        )
        return Specialist(self.id, self.name, schedule, self.title, self.contacts())


class RoomEntry(Section):
    id: Identifier
    name: Text = ""  # empty: the id

    def room(self) -> Room:
        return Room(self.id, self.name or self.id)
