"""The day and time questions, shared by the two forms that ask them: a new booking and a move.

Each function takes the form it serves: the form says which state a question waits in and what comes after
the time is chosen (`form.next`). Free days and times come from the view; a day outside its snapshot raises
ViewMiss, and the runner runs the step again with a wider one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from conversations.form import Form
from conversations.session import State
from conversations.turn import Turn
from conversations.view import ViewMiss
from storage.availability import Slot

DAYS_SHOWN = 7
TIMES_SHOWN = 40  # a full day at a 15-minute step; Telegram allows 100 buttons
NEAREST_SHOWN = 6
_SEARCH_DAYS = 21  # how far ahead "the nearest free times" and "the next days" look
_ASK_DAY = {"booking": "ask_day", "move": "ask_move_day"}  # by form


def service_id(turn: Turn) -> str:
    service = turn.session.draft.service
    assert service is not None
    return service


# ---------------------------------------------------------------- the day


def free_days(turn: Turn, first: date, count: int) -> list[date]:
    """Up to `count` days from `first` with at least one free slot, within the snapshot and the window."""
    draft, found = turn.session.draft, list[date]()
    window_end = turn.today() + timedelta(
        days=turn.business.window_for(turn.business.service(service_id(turn)))
    )
    day = first
    while len(found) < count and day <= window_end:
        try:
            if turn.view.has_time(service_id(turn), day, draft.specialist, _fits(turn)):
                found.append(day)
        except ViewMiss:
            if day == first:
                raise
            break
        day += timedelta(days=1)
    return found


def show_day(turn: Turn, form: Form, first: date | None = None) -> State:
    days = free_days(turn, first or turn.today(), DAYS_SHOWN)
    if not days:
        turn.say("no_free_days", service=turn.service_name(service_id(turn)))
        return form.give_up(turn)
    options = [(f"day:{d:%Y%m%d}", turn.day_name(d)) for d in days]
    options.append((f"more:{days[-1] + timedelta(days=1):%Y%m%d}", turn.t("later_days")))
    if form.has("specialist") and len(turn.business.service(service_id(turn)).staff) > 1:
        options.append(("m:specialist", turn.t("choose_specialist")))
    who = turn.specialist_name(turn.session.draft.specialist)
    turn.ask(
        turn.t(_ASK_DAY[form.name], service=turn.service_name(service_id(turn)), specialist=who), options
    )
    return form.state_of("day")


def choose_day(turn: Turn, form: Form, day: date) -> State:
    turn.session = turn.session.with_draft(day=day, start=None)
    return form.next(turn)


# ---------------------------------------------------------------- the time


def show_time(turn: Turn, form: Form) -> State:
    draft = turn.session.draft
    if draft.day is None:  # the nearest times to a wish were offered, not a day's
        return offer_again(turn, form)
    slots = _fitting(turn, turn.view.slots(service_id(turn), draft.day, draft.specialist))
    if not slots:
        turn.say("no_times_that_day", day=turn.day_name(draft.day))
        turn.session = turn.session.with_draft(earliest=None, latest=None)
        return show_day(turn, form, draft.day + timedelta(days=1))
    options = [(f"t:{_minutes(s.start)}", _time_label(turn, s)) for s in slots[:TIMES_SHOWN]]
    options.append(("m:otherday", turn.t("other_day")))
    turn.ask(turn.t("ask_time", day=turn.day_name(draft.day)), options)
    return form.state_of("time")


def choose_time(turn: Turn, form: Form, minutes: int) -> State:
    start = _at_minutes(turn, minutes)
    slot = slot_at(turn, start)
    if slot is None:
        turn.say("time_gone", when=turn.when(start))
        return offer_nearest(turn, form, start)
    return take_slot(turn, form, slot)


def take_slot(turn: Turn, form: Form, slot: Slot) -> State:
    turn.session = turn.session.with_draft(start=slot.start, slot_specialist=slot.specialist, day=None)
    return form.next(turn)


def slot_at(turn: Turn, start: datetime) -> Slot | None:
    draft = turn.session.draft
    day = turn.local(start).date()
    return next(
        (s for s in turn.view.slots(service_id(turn), day, draft.specialist) if s.start == start), None
    )


def offer_nearest(turn: Turn, form: Form, wanted: datetime) -> State:
    """The free times closest to `wanted`: that day first, then the next days."""
    draft, found = turn.session.draft, []
    day = turn.local(wanted).date()
    for offset in range(_SEARCH_DAYS):
        try:
            found += turn.view.slots(service_id(turn), day + timedelta(days=offset), draft.specialist)
        except ViewMiss:
            break
        if len(found) >= NEAREST_SHOWN * 2:
            break
    if not found:
        turn.say("no_free_days", service=turn.service_name(service_id(turn)))
        return form.give_up(turn)
    nearest = sorted(
        sorted(found, key=lambda s: abs((s.start - wanted).total_seconds()))[:NEAREST_SHOWN], key=_start
    )
    return _offer(turn, form, nearest)


def offer_again(turn: Turn, form: Form) -> State:
    """The times offered last, those still free, asked again (after help, a greeting, words not understood);
    the days, if none is."""
    offered = [option.partition("|")[2] for option in turn.session.offer]
    minutes = [int(action[2:]) for action in offered if action.startswith("t:") and action[2:].isdecimal()]
    slots = [slot for m in minutes if (slot := slot_at(turn, _at_minutes(turn, m))) is not None]
    return _offer(turn, form, slots) if slots else show_day(turn, form)


def _offer(turn: Turn, form: Form, slots: list[Slot]) -> State:
    options = [
        (f"t:{_minutes(s.start)}", f"{turn.day_name(turn.local(s.start).date())} {_time_label(turn, s)}")
        for s in slots
    ]
    options.append(("m:otherday", turn.t("other_day")))
    turn.ask(turn.t("nearest_times"), options)
    return form.state_of("time")


# ---------------------------------------------------------------- a time asked for in words


def wish(
    turn: Turn, form: Form, day: date | None, at: time | None, earliest: time | None, latest: time | None
) -> State:
    """The customer said when: offer that time if free, else the nearest; or the times of the day asked."""
    turn.session = turn.session.with_draft(earliest=earliest, latest=latest, start=None)
    if turn.session.draft.specialist is None:
        turn.session = turn.session.with_draft(specialist="*")
    if at is None:
        turn.session = turn.session.with_draft(day=day or turn.today())
        return show_time(turn, form)
    wanted = _nearest_moment(turn, day, at)
    slot = slot_at(turn, wanted)
    if slot is not None:
        return take_slot(turn, form, slot)
    turn.say("time_taken", when=turn.when(wanted))
    return offer_nearest(turn, form, wanted)


def _nearest_moment(turn: Turn, day: date | None, at: time) -> datetime:
    """A time with no day means the next time the clock shows it: today if still ahead, else tomorrow."""
    local = datetime.combine(day or turn.today(), at, turn.zone)
    if day is None and local <= turn.now:
        local += timedelta(days=1)
    return local


# ---------------------------------------------------------------- within "after 5", "in the morning"


def _fitting(turn: Turn, slots: list[Slot]) -> list[Slot]:
    """The slots within the customer's "after 5" / "in the morning", if they said so."""
    fits = _fits(turn)
    return [s for s in slots if fits(int(s.start.timestamp()))]


def _fits(turn: Turn) -> Callable[[int], bool]:
    """Whether a start (epoch seconds) is within the customer's "after 5" / "in the morning", if said."""
    earliest, latest, zone = turn.session.draft.earliest, turn.session.draft.latest, turn.zone
    if earliest is None and latest is None:
        return lambda _: True

    def fits(start: int) -> bool:
        local = datetime.fromtimestamp(start, zone).time()
        return (earliest is None or local >= earliest) and (latest is None or local <= latest)

    return fits


def _time_label(turn: Turn, slot: Slot) -> str:
    label = f"{turn.local(slot.start):%H:%M}"
    return f"{label} ({slot.seats_left})" if slot.seats_left > 1 else label


def _minutes(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def _at_minutes(turn: Turn, minutes: int) -> datetime:
    """The local moment a time button's minutes since the epoch stand for."""
    return datetime.fromtimestamp(minutes * 60, tz=turn.now.tzinfo).astimezone(turn.zone)


def _start(slot: Slot) -> datetime:
    return slot.start
