"""The day and time questions, shared by the two forms that ask them: a new booking and a move.

Each function takes the form it serves: the form says which state a question waits in and what comes after
the time is chosen (`form.next`). Free days and times come from the view; a day outside its snapshot raises
ViewMiss, and the runner runs the step again with a wider one.

A time typed without a day means that time on the day on screen (the day whose times are shown, or of the
time in the summary), else its usual reading: today while still ahead, else tomorrow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from conversations.form import Form
from conversations.replies import Reply
from conversations.session import State
from conversations.turn import Turn
from conversations.understand import TimeWish, nearest_day
from conversations.view import ViewMiss
from storage.availability import Slot, free_starts

DAYS_SHOWN = 7
TIMES_SHOWN = 10  # a page of a day's times; with "later times" and "another day", a dozen options
NEAREST_SHOWN = 6
NEAREST_SAME_DAY = 3  # of the nearest times, at most this many on the day asked while the next days have some
NEAREST_A_DAY = 2  # and at most this many on each next day, so that they reach over several days
_SEARCH_DAYS = 21  # how far ahead "the nearest free times" look
_ASK_DAY = {"booking": "ask_day", "move": "ask_move_day"}  # by form


def service_id(turn: Turn) -> str:
    service = turn.session.draft.service
    assert service is not None
    return service


def window_end(turn: Turn) -> date:
    return turn.today() + timedelta(days=turn.business.window_for(turn.business.service(service_id(turn))))


# ---------------------------------------------------------------- the day


def free_days(turn: Turn, first: date, count: int) -> list[date]:
    """Up to `count` days from `first` with at least one free slot, within the window: those in the snapshot,
    or, when none of its days has any, those a wider snapshot shows (ViewMiss)."""
    draft, found, last = turn.session.draft, list[date](), window_end(turn)
    day = first
    while len(found) < count and day <= last:
        try:
            if turn.view.has_time(service_id(turn), day, draft.specialist, _fits(turn)):
                found.append(day)
        except ViewMiss:
            if not found:  # nothing free in the snapshot yet: a wider one, not "no free times"
                raise
            break
        day += timedelta(days=1)
    return found


def show_day(turn: Turn, form: Form, first: date | None = None) -> State:
    draft = turn.session.draft
    days = free_days(turn, max(first or draft.from_day or turn.today(), turn.today()), DAYS_SHOWN)
    if not days:
        turn.say("no_free_days", service=turn.service_name(service_id(turn)))
        return form.give_up(turn)
    options = [(f"day:{d:%Y%m%d}", turn.day_name(d)) for d in days]
    options.append((f"more:{days[-1] + timedelta(days=1):%Y%m%d}", turn.t("later_days")))
    if form.has("specialist") and len(turn.business.service(service_id(turn)).staff) > 1:
        options.append(("m:specialist", turn.t("choose_specialist")))
    who = turn.specialist_name(draft.specialist)
    question = turn.t(_ASK_DAY[form.name], service=turn.service_name(service_id(turn)), specialist=who)
    turn.ask(question, options)
    return form.state_of("day")


def choose_day(turn: Turn, form: Form, day: date) -> State:
    turn.session = turn.session.with_draft(day=day, start=None)
    return form.next(turn)


# ---------------------------------------------------------------- the time


def show_time(turn: Turn, form: Form, after: int | None = None) -> State:
    """The free times of the day in the draft, a page at a time from `after` (epoch minutes)."""
    draft = turn.session.draft
    if draft.day is None:  # the nearest times to a wish were offered, not a day's
        return offer_again(turn, form)
    if draft.at is not None:  # a time asked for before the service (or the booking) was known
        return wish(turn, form, TimeWish(draft.day, draft.at, draft.earliest, draft.latest))
    slots = _fitting(turn, turn.view.slots(service_id(turn), draft.day, draft.specialist))
    if not slots:
        return _none_that_day(turn, form, draft.day)
    page = [s for s in slots if after is None or minutes(s.start) >= after] or slots
    options = [(f"t:{minutes(s.start)}", _time_label(turn, s)) for s in page[:TIMES_SHOWN]]
    if len(page) > TIMES_SHOWN:
        options.append((f"tl:{minutes(page[TIMES_SHOWN].start)}", turn.t("later_times")))
    elif len(page) < len(slots):
        options.append((f"tl:{minutes(slots[0].start)}", turn.t("earlier_times")))
    options.append(("m:otherday", turn.t("other_day")))
    turn.session = turn.session.with_draft(nearest=False)
    turn.ask(_times_heading(turn, draft.day), options)
    return form.state_of("time")


def _times_heading(turn: Turn, day: date) -> str:
    """ "Free times Thu 3 Dec:", or what the customer asked for when they said it or it narrows the list."""
    what, turn.understood = turn.understood, ""
    draft = turn.session.draft
    if not what and (draft.earliest or draft.latest):
        what = said_back(turn, TimeWish(day=day, earliest=draft.earliest, latest=draft.latest), draft.service)
    return _capital(turn.t("times_for", what=what)) if what else turn.t("ask_time", day=turn.day_name(day))


def _none_that_day(turn: Turn, form: Form, day: date) -> State:
    """No free time on the day asked: why (closed, full, or full within "after 5"), then what there is."""
    draft = turn.session.draft
    closed = closure(turn, day)
    if draft.earliest or draft.latest:
        # The wish stays for the next days: the nearest times that day, and within it on the next days.
        what = said_back(turn, TimeWish(day=day, earliest=draft.earliest, latest=draft.latest))
        turn.tell(closed or _capital(turn.t("range_full", what=what)))
        bound = draft.earliest or draft.latest
        assert bound is not None
        return offer_nearest(turn, form, datetime.combine(day, bound, turn.zone))
    turn.tell(closed or turn.t("no_times_that_day", day=turn.day_name(day)))
    turn.session = turn.session.with_draft(day=None)
    after = show_day(turn, form, day + timedelta(days=1))
    offer_waitlist(turn, form, day)
    return after


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
    """The free times nearest to `wanted`: a few that day, then on the next days within the customer's wish
    ("after 5"), near the same time of day. The day stays on screen: a time typed next is on it."""
    day = turn.local(wanted).date()
    turn.session = turn.session.with_draft(day=day, start=None, nearest=True)
    same_day = _nearest(turn.view.slots(service_id(turn), day, turn.session.draft.specialist), wanted)
    next_days = _on_next_days(turn, day, wanted)
    same_day = same_day[: max(NEAREST_SAME_DAY, NEAREST_SHOWN - len(next_days))]
    nearest = sorted([*same_day, *next_days[: NEAREST_SHOWN - len(same_day)]], key=_start)
    draft = turn.session.draft
    if not nearest:
        turn.say("no_free_days", service=turn.service_name(service_id(turn)))
        after = form.give_up(turn)
    else:
        after = _offer(turn, form, nearest)
    ranged = draft.earliest or draft.latest  # "after 5" full, rather than a time taken
    offer_waitlist(turn, form, day, None if ranged else turn.local(wanted).time())
    return after


def offer_waitlist(turn: Turn, form: Form, day: date, at: time | None = None) -> None:
    """A new booking's day full, or its time taken: "Join the waitlist for Tue 24 Nov" besides what else is
    offered (conversations/waiting.py), with the time taken, if that day has times that could free up
    within the customer's wish."""
    if form.name != "booking":
        return
    draft = turn.session.draft
    who = None if draft.specialist in (None, "*") else draft.specialist
    service = turn.business.service(service_id(turn))
    starts = free_starts(turn.business, service, now=turn.now, start_day=day, days=1, specialist=who)
    if any(map(_fits(turn), starts)):
        wanted = f":{at.hour * 60 + at.minute}" if at is not None else ""
        turn.add_option(f"wl:{day:%Y%m%d}{wanted}", _join_label(turn, day))


def _join_label(turn: Turn, day: date) -> str:
    return turn.t("waitlist_join", day=turn.day_name(day))


def offer_again(turn: Turn, form: Form) -> State:
    """The times offered last, those still free, asked again (after help, a greeting, words not understood);
    the days, if none is."""
    offered = [option.partition("|")[2] for option in turn.session.offer]
    starts = [int(action[2:]) for action in offered if action.startswith("t:") and action[2:].isdecimal()]
    slots = [slot for m in starts if (slot := slot_at(turn, _at_minutes(turn, m))) is not None]
    after = _offer(turn, form, slots) if slots else show_day(turn, form)
    for action in offered:  # the waitlist, if it was offered with them: the same button
        if action.startswith("wl:"):
            turn.add_option(action, _join_label(turn, datetime.strptime(action[3:11], "%Y%m%d").date()))
    return after


def _offer(turn: Turn, form: Form, slots: list[Slot]) -> State:
    options = [
        (f"t:{minutes(s.start)}", f"{turn.day_name(turn.local(s.start).date())} {_time_label(turn, s)}")
        for s in slots
    ]
    options.append(("m:otherday", turn.t("other_day")))
    turn.understood = ""  # what was asked is said just before: "… is not available"
    turn.ask(turn.t("nearest_times"), options)
    return form.state_of("time")


def _on_next_days(turn: Turn, day: date, wanted: datetime) -> list[Slot]:
    """Up to NEAREST_A_DAY times on each day after `day` within the wish, nearest to `wanted`'s hour."""
    found: list[Slot] = []
    specialist, last = turn.session.draft.specialist, window_end(turn)
    for offset in range(1, _SEARCH_DAYS):
        other = day + timedelta(days=offset)
        if other > last or len(found) >= NEAREST_SHOWN:
            break
        try:
            slots = _fitting(turn, turn.view.slots(service_id(turn), other, specialist))
        except ViewMiss:
            break  # the end of what is loaded: enough to offer
        same_hour = datetime.combine(other, turn.local(wanted).time(), turn.zone)
        found += _nearest(slots, same_hour)[:NEAREST_A_DAY]
    return found


def _nearest(slots: list[Slot], wanted: datetime) -> list[Slot]:
    return sorted(slots, key=lambda s: abs((s.start - wanted).total_seconds()))


def closure(turn: Turn, day: date) -> str:
    """ "We are closed Fri 25 Dec for Christmas." when the business is closed that day; else nothing."""
    override = turn.business.overrides.get(day)
    if override is None or not override.closed:
        return ""
    if override.note:
        return _capital(turn.t("closed_day_note", day=turn.day_name(day), note=override.note))
    return _capital(turn.t("closed_day", day=turn.day_name(day)))


# ---------------------------------------------------------------- a time asked for in words


def shown_day(turn: Turn) -> date | None:
    """The day on screen: whose times are offered, or of the time in the summary."""
    draft = turn.session.draft
    if draft.day is not None:
        return draft.day
    return turn.local(draft.start).date() if draft.start is not None else None


def wished_day(turn: Turn, when: TimeWish) -> date | None:
    """The day a wish means: its own; for a time alone, the day on screen, else its usual day."""
    if when.day is not None or not (when.at or when.earliest or when.latest):
        return when.day
    return shown_day(turn) or nearest_day(when, turn.local(turn.now))


def wish(turn: Turn, form: Form, when: TimeWish) -> State:
    """The customer said when: offer that time if free, else the nearest; or the times of the day asked."""
    day = wished_day(turn, when)
    turn.session = turn.session.with_draft(
        earliest=when.earliest, latest=when.latest, from_day=when.from_day, start=None, at=None
    )
    if turn.session.draft.specialist is None:
        turn.session = turn.session.with_draft(specialist="*")
    if day is None and when.from_day is not None:  # "next week at 3": which day first, then the time
        turn.session = turn.session.with_draft(day=None, at=when.at)
        return show_day(turn, form, when.from_day)
    if day is not None and day > window_end(turn):
        turn.say("hold_too_far")
        turn.session = turn.session.with_draft(day=None, earliest=None, latest=None)
        return show_day(turn, form)
    if when.at is None:
        turn.session = turn.session.with_draft(day=day or turn.today())
        return show_time(turn, form)
    wanted = datetime.combine(day or turn.today(), when.at, turn.zone)
    slot = slot_at(turn, wanted)
    if slot is not None:
        return take_slot(turn, form, slot)
    turn.tell(closure(turn, wanted.date()) or turn.t("time_taken", when=turn.when(wanted)))
    return offer_nearest(turn, form, wanted)


def keep_wish(turn: Turn, when: TimeWish, day: date | None = None) -> None:
    """Keep what the customer said about when until it can be looked up (the service or the booking is not
    known yet): the day (a time alone on its usual day), the time, "after 5", "next week"."""
    day = when.day or day or (nearest_day(when, turn.local(turn.now)) if when.from_day is None else None)
    turn.session = turn.session.with_draft(
        day=day, at=when.at, earliest=when.earliest, latest=when.latest, from_day=when.from_day, start=None
    )


def said_back(turn: Turn, when: TimeWish, service: str | None = None, specialist: str | None = None) -> str:
    """What the customer asked for, in a few words: "Women's haircut, Thu 3 Dec, after 17:00"."""
    parts = [turn.service_name(service)] if service else []
    if specialist not in (None, "*"):
        parts.append(turn.specialist_name(specialist))
    if when.day is not None and when.at is not None:
        parts.append(turn.when(datetime.combine(when.day, when.at, turn.zone)))
    elif when.day is not None:
        parts.append(turn.day_name(when.day))
    elif when.at is not None:
        parts.append(f"{when.at:%H:%M}")
    elif when.from_day is not None:
        parts.append(turn.t("from_day", day=turn.day_name(when.from_day)))
    if when.earliest and when.latest:
        parts.append(f"{when.earliest:%H:%M}–{when.latest:%H:%M}")
    elif when.earliest or when.latest:
        key, bound = ("after_time", when.earliest) if when.earliest else ("before_time", when.latest)
        parts.append(turn.t(key, time=f"{bound:%H:%M}"))
    return ", ".join(parts)


def draft_wish(turn: Turn) -> TimeWish:
    """What the draft keeps of when the customer wants it."""
    d = turn.session.draft
    return TimeWish(day=d.day, at=d.at, earliest=d.earliest, latest=d.latest, from_day=d.from_day)


def say_understood(turn: Turn, at: int, after: State) -> None:
    """Put "Got it: …" before the question at `at`, unless that question said it already (the day's times,
    "… is not available", the summary)."""
    if turn.understood and after not in (State.CONFIRM, State.MOVE_CONFIRM):
        turn.replies.insert(at, Reply(turn.t("understood", what=turn.understood)))
    turn.understood = ""


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


def _capital(sentence: str) -> str:
    """ "Today, after 17:00 — …": a sentence that begins with a day's name ("today", "сьогодні")."""
    return sentence[:1].upper() + sentence[1:]


def _time_label(turn: Turn, slot: Slot) -> str:
    label = f"{turn.local(slot.start):%H:%M}"
    return f"{label} ({slot.seats_left})" if slot.seats_left > 1 else label


def minutes(moment: datetime) -> int:
    """A moment as a button carries it: epoch minutes."""
    return int(moment.timestamp()) // 60


def _at_minutes(turn: Turn, minutes: int) -> datetime:
    """The local moment a time button's minutes since the epoch stand for."""
    return datetime.fromtimestamp(minutes * 60, tz=turn.now.tzinfo).astimezone(turn.zone)


def _start(slot: Slot) -> datetime:
    return slot.start
