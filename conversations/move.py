"""Moving one of the customer's bookings, as a form: day → time → "move it from … to …?".

The day and time questions are the new booking's (conversations/days.py), serving MOVE: whatever fills a
field returns `MOVE.next(turn)`. The draft holds the booking being moved (`booking_id`) and its new time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conversations import booking, days
from conversations.calendar_entry import attach_calendar
from conversations.effects import MoveBooking
from conversations.events import Moved, Refused
from conversations.form import Field, Form, never
from conversations.manage import current, one_or_choose, refuse, say_refused, show_booking_again
from conversations.menu import restart
from conversations.rules import move_refusal
from conversations.session import State
from conversations.turn import Turn
from conversations.understand import TimeWish, Understanding


def which_to_move(turn: Turn, said: Understanding | None = None) -> State:
    """ "Move my booking to Friday at 3": the only booking, or ask which; the day and time said are kept
    for the move (with several, through the booking tapped and its "Reschedule")."""
    return one_or_choose(turn, start_move, keep=said.when if said is not None else None)


def start_move(turn: Turn, _: Any = None) -> State:
    """The booking in the draft, if the business's rules let the customer move it themselves. A time said
    alone ("to 3pm") is on the booking's own day."""
    moving = current(turn)
    refusal = move_refusal(turn.business, moving, turn.now)
    if refusal:
        return refuse(turn, refusal, moving)
    turn.session = turn.session.with_draft(specialist=moving.specialist)
    wished = days.draft_wish(turn)
    if wished != TimeWish():
        heard = len(turn.replies)
        turn.understood = days.said_back(turn, wished)
        after = MOVE.next(turn)
        days.say_understood(turn, heard, after)
        return after
    return MOVE.next(turn)


def show_move_summary(turn: Turn) -> State:
    moving, draft = current(turn), turn.session.draft
    assert draft.start is not None
    body = turn.t("move_question", old=turn.when(moving.start), new=turn.when(draft.start))
    options = [
        ("m:yesmove", turn.t("confirm")),
        ("m:otherday", turn.t("change_time")),
        ("m:keep", turn.t("keep_booking")),
    ]
    turn.ask(body, options)
    return State.MOVE_CONFIRM


MOVE: Form = Form(
    "move",
    (
        Field(
            "day", State.MOVE_DAY, lambda s: s.draft.day or s.draft.start, lambda t: days.show_day(t, MOVE)
        ),
        Field("time", State.MOVE_TIME, lambda s: s.draft.start, lambda t: days.show_time(t, MOVE)),
        Field("confirm", State.MOVE_CONFIRM, never, show_move_summary),
    ),
)


def do_move(turn: Turn, _: Any = None) -> State:
    moving, draft = current(turn), turn.session.draft
    assert draft.start is not None
    refusal = move_refusal(turn.business, moving, turn.now)
    if refusal:
        return refuse(turn, refusal, moving)
    turn.do(MoveBooking(moving.id, draft.start, draft.slot_specialist or moving.specialist))
    return State.MOVING


def from_words(turn: Turn, said: Understanding) -> State:
    """Free text while moving: a time moves the booking there; a service alone begins a new booking."""
    when = said.when
    if when is None:
        return booking.from_words(turn, said)
    wished = replace(when, day=days.wished_day(turn, when))
    heard = len(turn.replies)
    turn.understood = days.said_back(turn, wished)
    after = days.wish(turn, MOVE, wished)
    days.say_understood(turn, heard, after)
    return after


def back(turn: Turn, _: Any = None) -> State:
    """ "back" while moving: the summary goes back to the day's times, the times to the days, the days to
    the booking."""
    state, draft = turn.session.state, turn.session.draft
    if state == State.MOVE_CONFIRM and draft.start is not None:
        turn.session = turn.session.with_draft(day=turn.local(draft.start).date(), start=None)
        return days.show_time(turn, MOVE, after=days.minutes(draft.start))
    if state == State.MOVE_TIME:
        turn.session = turn.session.with_draft(day=None, start=None)
        return days.show_day(turn, MOVE)
    return show_booking_again(turn)


# ---------------------------------------------------------------- what the store reported


def moved(turn: Turn, event: Moved) -> State:
    done = event.booking
    turn.say("moved", when=turn.when(done.start), specialist=turn.specialist_name(done.specialist))
    attach_calendar(turn, done)
    return restart(turn)


def refused(turn: Turn, event: Refused) -> State:
    """The store would not move it: the time was taken meanwhile (the nearest free times that day and the
    next), or it cannot be."""
    say_refused(turn, event.reason)
    wanted = turn.session.draft.start
    if event.reason == "taken" and wanted is not None:
        return days.offer_nearest(turn, MOVE, wanted)
    return restart(turn)
