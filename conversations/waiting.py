"""Joining the waitlist for a day that is full (or whose time was taken), as a form: name → phone → which
times of that day; and an entry in words. The offer of a freed time, "Book it" and leaving the list are in
conversations/waitlist.py; the booking and bookings screens reach for this part, so it imports neither.

"Join the waitlist for Tue 24 Nov" is offered by the day and time questions (conversations/days.py); its
button carries the day and, when a time was taken, that time; the service, the specialist (or anyone) and an
"after 5" the customer said come from the draft. A known customer is asked only the last question, whose
buttons carry the times waited for (minutes since local midnight, either end open): the time taken, the
"after 5" said, any time, or a part of the day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from conversations import booking, days
from conversations.booking import BOOKING
from conversations.effects import JoinWaitlist, SaveCustomer
from conversations.form import Field, Form, never
from conversations.lexicon import PERIOD_BOUNDS
from conversations.menu import restart
from conversations.session import Draft, State
from conversations.turn import Turn
from conversations.understand import TimeWish, Understanding
from storage.waiting import ANYONE, Entry, Wish

# ---------------------------------------------------------------- joining


def join(turn: Turn, arg: str) -> State:
    """ "Join the waitlist for Tue 24 Nov" (`arg`: 20261124, or 20261124:900 for a time taken at 15:00)."""
    day_text, _, at_text = arg.partition(":")
    day, at = _day(day_text), _at(at_text)
    draft = turn.session.draft
    if day is None or day < turn.today() or draft.service is None:
        turn.say("stale_button")
        return restart(turn)
    specialist = draft.specialist if draft.specialist not in (None, "*") else ANYONE
    turn.session = turn.session.with_draft(
        day=day, at=at, start=None, specialist=specialist, from_day=None, nearest=False
    )
    return WAITLIST.next(turn)


def show_when(turn: Turn) -> State:
    """Which times of the day would do: the waitlist's last question, whose answer joins it."""
    draft = turn.session.draft
    assert draft.service is not None and draft.day is not None
    what = days.said_back(turn, TimeWish(day=draft.day), draft.service, draft.specialist)
    options = [*_times(turn), ("m:abandon", turn.t("abandon"))]
    turn.ask(turn.t("waitlist_when", what=what), options)
    return State.WAITLIST_WHEN


def _times(turn: Turn) -> list[tuple[str, str]]:
    """The times to wait for, each once: the time taken, the "after 5" said, any time, the parts of a day."""
    draft, found = turn.session.draft, dict[str, str]()
    if draft.at is not None:
        found[_action(draft.at, draft.at)] = turn.t("waitlist_at", time=f"{draft.at:%H:%M}")
    if draft.earliest or draft.latest:
        said = days.said_back(turn, TimeWish(earliest=draft.earliest, latest=draft.latest))
        found[_action(draft.earliest, draft.latest)] = said[:1].upper() + said[1:]
    found.setdefault(_action(None, None), turn.t("waitlist_any_time"))
    for period, (earliest, latest) in PERIOD_BOUNDS.items():
        bounds = days.said_back(turn, TimeWish(earliest=earliest, latest=latest))
        found.setdefault(_action(earliest, latest), f"{turn.t(f'waitlist_{period}')} ({bounds})")
    return list(found.items())


def choose_when(turn: Turn, arg: str) -> State:
    """The times chosen: on the list (the store answers WaitlistJoined, which says so and shows the menu)."""
    earliest_text, _, latest_text = arg.partition("-")
    return _join(turn, _at(earliest_text), _at(latest_text))


def said_when(turn: Turn, said: Understanding) -> State:
    """Words at the last question: "after 5", "in the morning" or "at 3" are the times to wait for; anything
    else (a service, another day) begins a booking from them."""
    when = said.when
    if when is None or said.service or said.specialist or when.day is not None or when.from_day is not None:
        return booking.from_words(turn, said)
    earliest, latest = (when.at, when.at) if when.at is not None else (when.earliest, when.latest)
    return _join(turn, earliest, latest)


def _join(turn: Turn, earliest: time | None, latest: time | None) -> State:
    session, draft = turn.session, turn.session.draft
    assert draft.service is not None and draft.day is not None
    if draft.day < turn.today():  # the question was asked yesterday
        turn.say("stale_button")
        return restart(turn)
    if session.customer_id is None:  # the phone came from the platform (WhatsApp): nobody saved them yet
        turn.do(SaveCustomer(session.name, session.phone, turn.lang, proven=session.phone_proven))
    wish = Wish(draft.service, draft.specialist or ANYONE, draft.day, earliest, latest)
    turn.do(JoinWaitlist(wish))
    turn.session = replace(session, draft=Draft())
    return State.START


def back(turn: Turn, _: Any = None) -> State:
    """ "back" while joining: the booking's day question again."""
    turn.session = turn.session.with_draft(day=None, start=None, at=None, earliest=None, latest=None)
    return BOOKING.next(turn)


WAITLIST: Form = Form(
    "waitlist",
    (
        Field("name", State.WAITLIST_NAME, lambda s: s.name, lambda t: booking.show_name(t, WAITLIST)),
        Field("phone", State.WAITLIST_PHONE, lambda s: s.phone, lambda t: booking.show_phone(t, WAITLIST)),
        Field("when", State.WAITLIST_WHEN, never, show_when),
    ),
)


# ---------------------------------------------------------------- an entry in words


def described(turn: Turn, entry: Entry) -> str:
    """ "Haircut, Anna, Tue 24 Nov, after 17:00"; "Haircut, Tue 24 Nov at 15:00" for one time."""
    if entry.earliest is not None and entry.earliest == entry.latest:
        wished = TimeWish(day=entry.day, at=entry.earliest)
    else:
        wished = TimeWish(day=entry.day, earliest=entry.earliest, latest=entry.latest)
    return days.said_back(turn, wished, entry.service, entry.specialist)


def listed(turn: Turn, entries: list[Entry]) -> tuple[list[str], list[tuple[str, str]]]:
    """The customer's entries among their bookings: a line each, and a button each to leave."""
    if not entries:
        return [], []
    lines = [turn.t("waitlist_title"), *(f"• {described(turn, entry)}" for entry in entries)]
    return lines, [
        (f"wx:{entry.id}", turn.t("waitlist_leave", what=_short(turn, entry))) for entry in entries
    ]


def _short(turn: Turn, entry: Entry) -> str:
    return f"{turn.service_name(entry.service)} {turn.day_name(entry.day)}"


def _action(earliest: time | None, latest: time | None) -> str:
    return f"wj:{_minutes(earliest)}-{_minutes(latest)}"


def _minutes(moment: time | None) -> str:
    return "" if moment is None else str(moment.hour * 60 + moment.minute)


def _at(minutes: str) -> time | None:
    """Minutes since midnight as a button carries them ("" for none)."""
    if not minutes.isdecimal() or int(minutes) >= 24 * 60:
        return None
    return time(int(minutes) // 60, int(minutes) % 60)


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None
