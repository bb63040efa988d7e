"""The conversation as one table: (state, trigger) → handler and the states it may lead to.

Everything that decides where a conversation goes is in this file and the step modules it names
(conversations/booking.py, conversations/manage.py). `step` is pure: no I/O, no clock, no framework.
docs/flow.mmd is generated from TABLE (tests/unit/test_flow_diagram.py fails when they differ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from conversations import booking as b
from conversations import manage as m
from conversations.effects import CancelBooking, Effect
from conversations.events import Choice, Command, Event, Text, kind
from conversations.replies import Reply
from conversations.rules import booking_limit_reached
from conversations.session import Draft, Session
from conversations.texts import LANGUAGES, NATIVE_NAMES
from conversations.turn import Turn
from conversations.understand import Understanding, understand
from conversations.view import View

ANY = "*"  # a row for every state
SAME = "="  # a handler may leave the state as it was

ASKING = ("service", "specialist", "day", "time", "name", "phone", "confirm", "start")
MOVING = ("move_day", "move_time", "move_confirm", "start")
BOOKING_STEPS = ("service", "specialist", "day", "time", "name", "phone", "confirm")
GLOBAL_INTENTS = ("restart", "help", "my_bookings", "cancel", "reschedule", "language", "hello")


class IllegalTransition(Exception):
    """A handler led somewhere its table row does not allow: a bug, caught by the tests."""


Handler = Callable[[Turn, Any], None]


@dataclass(frozen=True)
class Row:
    handler: Handler
    to: tuple[str, ...]


# ---------------------------------------------------------------- handlers too small for a step module


def _date(arg: str) -> date:
    return datetime.strptime(arg, "%Y%m%d").date()


def _show_language(turn: Turn, _: Any = None) -> None:
    turn.session = turn.session.go("language")
    options = [(f"lang:{code}", NATIVE_NAMES[code]) for code in turn.business.languages if code in LANGUAGES]
    turn.ask(turn.t("ask_language"), options)


def _set_language(turn: Turn, code: str) -> None:
    if code in LANGUAGES:
        turn.session = turn.session.go("start", lang=code)
        turn.say("language_set")
    b.show_menu(turn)


def _restart(turn: Turn, _: Any = None) -> None:
    turn.session = turn.session.go("start", draft=Draft())
    b.show_menu(turn)


def _start(turn: Turn, command: Command) -> None:
    if command.language and not turn.session.customer_id and command.language[:2] in turn.business.languages:
        turn.session = turn.session.go(turn.session.state, lang=command.language[:2])
    _welcome(turn)


def _welcome(turn: Turn) -> None:
    turn.say("welcome", business=turn.business.name)
    _restart(turn)


def _hello(turn: Turn, _: Any = None) -> None:
    """A greeting: the welcome and the menu to begin with, or else the question the customer is on again."""
    if turn.session.state == "start":
        _welcome(turn)
    else:
        present(turn)


def _help(turn: Turn, _: Any = None) -> None:
    turn.say("help", contact=turn.business.contact or turn.business.name)
    present(turn)


def _book(turn: Turn, _: Any = None) -> None:
    turn.session = turn.session.go("service", draft=Draft())
    b.begin(turn)


def _abandon(turn: Turn, _: Any = None) -> None:
    draft = turn.session.draft
    if turn.session.state == "awaiting_payment" and draft.booking_id is not None:
        turn.session = turn.session.go("cancelling")
        turn.do(CancelBooking(draft.booking_id, refund=False))
        return
    turn.say("abandoned")
    _restart(turn)


def _cancel_intent(turn: Turn, _: Any = None) -> None:
    if turn.session.state in (*BOOKING_STEPS, "awaiting_payment"):
        _abandon(turn)
    else:
        m.one_or_choose(turn, "cancel_confirm")


def _reschedule_intent(turn: Turn, _: Any = None) -> None:
    m.one_or_choose(turn, "move_day")


def _hold_failed(turn: Turn, reason: str) -> None:
    draft = turn.session.draft
    turn.session = turn.session.go("time")
    turn.say(
        f"hold_{reason}" if reason in ("taken", "too_late", "too_far", "outside_hours") else "hold_other"
    )
    if reason == "taken" and draft.start is not None:
        b.offer_nearest(turn, draft.start)
    else:
        b.show_day(turn)


def _not_understood(turn: Turn, _: Any = None) -> None:
    turn.say("not_understood")
    present(turn)


def _said(turn: Turn, said: Understanding) -> None:
    """Free text in a state that asks a question: yes/no, a service, a time in words."""
    state = turn.session.state
    if said.intent in ("yes", "no") and state in _ANSWERS:
        _ANSWERS[state][said.intent == "yes"](turn, None)
    elif said.when and state.startswith("move"):
        b.wish(turn, said.when.day, said.when.at, said.when.earliest, said.when.latest)
    elif said.service or said.when or said.intent == "book":
        _said_booking(turn, said)
    else:
        _not_understood(turn)


def _said_booking(turn: Turn, said: Understanding) -> None:
    if turn.session.state not in ("service", "specialist", "day", "time", "confirm"):
        turn.session = turn.session.go("service", draft=Draft())
        if booking_limit_reached(turn.business, turn.view.live_bookings()):
            b.begin(turn)
            return
    if said.service:
        turn.session = turn.session.with_draft(service=said.service, start=None)
        if turn.session.draft.specialist is None and len(turn.business.service(said.service).staff) == 1:
            turn.session = turn.session.with_draft(specialist=turn.business.service(said.service).staff[0])
    if said.when is None or turn.session.draft.service is None:
        if said.when is not None:
            turn.session = turn.session.with_draft(earliest=said.when.earliest, latest=said.when.latest)
        b.next_question(turn)
        return
    w = said.when
    b.wish(turn, w.day, w.at, w.earliest, w.latest)


_ANSWERS: dict[str, tuple[Handler, Handler]] = {
    # state: (on "no", on "yes")
    "confirm": (lambda t, _: b.show_day(t), lambda t, _: b.hold(t)),
    "cancel_confirm": (lambda t, _: _restart(t), lambda t, _: m.do_cancel(t)),
    "move_confirm": (lambda t, _: _restart(t), lambda t, _: m.do_move(t)),
}


# ---------------------------------------------------------------- the table

TABLE: dict[tuple[str, str], Row] = {
    # anywhere
    (ANY, "command:start"): Row(_start, ("start",)),
    (ANY, "command:book"): Row(_book, ASKING),
    (ANY, "command:my"): Row(lambda t, _: m.show_bookings(t), ("bookings", "start")),
    (ANY, "command:help"): Row(_help, (SAME,)),
    (ANY, "command:lang"): Row(_show_language, ("language",)),
    (ANY, "intent:restart"): Row(_restart, ("start",)),
    (ANY, "intent:help"): Row(_help, (SAME,)),
    (ANY, "intent:hello"): Row(_hello, ("start", SAME)),
    (ANY, "intent:my_bookings"): Row(lambda t, _: m.show_bookings(t), ("bookings", "start")),
    (ANY, "intent:language"): Row(_show_language, ("language",)),
    (ANY, "intent:cancel"): Row(
        _cancel_intent, ("start", "cancelling", "cancel_confirm", "bookings", "booking")
    ),
    (ANY, "intent:reschedule"): Row(_reschedule_intent, ("move_day", "bookings", "start")),
    (ANY, "said"): Row(_said, (*ASKING, *MOVING, "holding", "cancelling", "moving", SAME)),
    (ANY, "m:my"): Row(lambda t, _: m.show_bookings(t), ("bookings", "start")),
    (ANY, "m:book"): Row(_book, ASKING),
    (ANY, "m:help"): Row(_help, (SAME,)),
    (ANY, "m:lang"): Row(_show_language, ("language",)),
    # a new booking
    ("service", "svc"): Row(lambda t, arg: b.choose_service(t, arg), ASKING),
    ("specialist", "stf"): Row(lambda t, arg: b.choose_specialist(t, arg), ASKING),
    ("day", "day"): Row(lambda t, arg: b.choose_day(t, _date(arg)), ("time", "day", "start")),
    ("day", "more"): Row(lambda t, arg: b.show_day(t, _date(arg)), ("day", "start")),
    ("day", "m:specialist"): Row(lambda t, _: b.show_specialist(t), ("specialist",)),
    ("time", "t"): Row(lambda t, arg: b.choose_time(t, int(arg)), ASKING),
    ("time", "m:otherday"): Row(lambda t, _: b.show_day(t), ("day", "start")),
    ("name", "text"): Row(lambda t, text: b.take_name(t, text), ASKING),
    ("phone", "text"): Row(lambda t, text: b.take_phone(t, text), ASKING),
    ("confirm", "m:ok"): Row(lambda t, _: b.hold(t), ("holding", "start")),
    ("confirm", "m:otherday"): Row(lambda t, _: b.show_day(t), ("day", "start")),
    ("confirm", "m:abandon"): Row(_abandon, ("start",)),
    ("holding", "held"): Row(lambda t, e: m.held(t, e.booking), ("awaiting_payment", "confirming")),
    ("holding", "holdfailed"): Row(lambda t, e: _hold_failed(t, e.reason), ("time", "day", "start")),
    ("confirming", "confirmed"): Row(lambda t, e: m.confirmed(t, e.booking), ("start",)),
    ("confirming", "refused"): Row(lambda t, e: m.refused(t, e.reason), ("start",)),
    ("awaiting_payment", "confirmed"): Row(lambda t, e: m.confirmed(t, e.booking), ("start",)),
    ("awaiting_payment", "m:abandon"): Row(_abandon, ("cancelling", "start")),
    # the customer's bookings
    ("bookings", "bk"): Row(lambda t, arg: m.pick_booking(t, int(arg)), ("booking", "bookings", "start")),
    ("booking", "m:move"): Row(lambda t, _: m.start_move(t), ("move_day", "start")),
    ("booking", "m:cancelbk"): Row(lambda t, _: m.ask_cancel(t), ("cancel_confirm", "start")),
    ("cancel_confirm", "m:yescancel"): Row(lambda t, _: m.do_cancel(t), ("cancelling", "start")),
    ("cancel_confirm", "m:keep"): Row(_restart, ("start",)),
    ("cancelling", "cancelled"): Row(lambda t, e: m.cancelled(t, e.booking), ("start",)),
    ("cancelling", "refused"): Row(lambda t, e: m.refused(t, e.reason), ("start",)),
    ("move_day", "day"): Row(lambda t, arg: b.choose_day(t, _date(arg)), MOVING),
    ("move_day", "more"): Row(lambda t, arg: b.show_day(t, _date(arg), key="ask_move_day"), MOVING),
    ("move_time", "t"): Row(lambda t, arg: b.choose_time(t, int(arg)), MOVING),
    ("move_time", "m:otherday"): Row(lambda t, _: b.show_day(t, key="ask_move_day"), MOVING),
    ("move_confirm", "m:yesmove"): Row(lambda t, _: m.do_move(t), ("moving", "start")),
    ("move_confirm", "m:otherday"): Row(lambda t, _: b.show_day(t, key="ask_move_day"), MOVING),
    ("move_confirm", "m:keep"): Row(_restart, ("start",)),
    ("moving", "moved"): Row(lambda t, e: m.moved(t, e.booking), ("start",)),
    ("moving", "refused"): Row(lambda t, e: m.refused(t, e.reason), ("move_day", "start")),
    # language
    ("language", "lang"): Row(_set_language, ("start",)),
}

PRESENT: dict[str, Handler] = {
    "start": lambda t, _: b.show_menu(t),
    "service": lambda t, _: b.show_service(t),
    "specialist": lambda t, _: b.show_specialist(t),
    "day": lambda t, _: b.show_day(t),
    "time": lambda t, _: b.show_time(t) if t.session.draft.day else b.show_day(t),
    "name": lambda t, _: b.show_name(t),
    "phone": lambda t, _: b.show_phone(t),
    "confirm": lambda t, _: b.show_summary(t),
    "bookings": lambda t, _: m.show_bookings(t),
    "booking": lambda t, _: (
        m.show_booking(t) if t.view.booking(t.session.draft.booking_id) else m.show_bookings(t)
    ),
    "cancel_confirm": lambda t, _: m.ask_cancel(t),
    "move_day": lambda t, _: b.show_day(t, key="ask_move_day"),
    "move_time": lambda t, _: b.show_time(t) if t.session.draft.day else b.show_day(t, key="ask_move_day"),
    "move_confirm": lambda t, _: m.show_move_summary(t),
    "language": _show_language,
}


def present(turn: Turn, _: Any = None) -> None:
    """Ask the current state's question again (after help, a stale button, or something not understood)."""
    PRESENT.get(turn.session.state, lambda t, _: b.show_menu(t))(turn, None)


# ---------------------------------------------------------------- step


def step(
    session: Session, event: Event, now: datetime, view: View
) -> tuple[Session, list[Reply], list[Effect]]:
    """Decide what `event` means in `session`'s state: the new session, what to say, what to do."""
    turn = Turn(session, now, view)
    trigger, arg = _trigger(turn, event)
    if trigger == "stale":
        turn.say("stale_button")
        present(turn)
    else:
        row = TABLE.get((session.state, trigger)) or TABLE.get((ANY, trigger))
        if row is None:
            _not_understood(turn)
        else:
            row.handler(turn, arg)
            _check(session.state, trigger, row, turn.session.state)
    return turn.session, turn.replies, turn.effects


def recover(session: Session, now: datetime, view: View) -> tuple[Session, list[Reply], list[Effect]]:
    """What to answer after a bug in a step: an apology and the menu, the draft dropped, nothing done."""
    turn = Turn(session.go("start", draft=Draft()), now, view)
    turn.say("something_went_wrong")
    b.show_menu(turn)
    return turn.session, turn.replies, turn.effects


def _check(before: str, trigger: str, row: Row, after: str) -> None:
    allowed = row.to + ((before,) if SAME in row.to else ())
    if after not in allowed:
        raise IllegalTransition(f"{before} --{trigger}--> {after}; the table allows {row.to}")


def _trigger(turn: Turn, event: Event) -> tuple[str, Any]:
    session = turn.session
    if isinstance(event, Text):
        picked = _typed_choice(session, event.text)
        if picked is None:
            return _text_trigger(turn, event.text)
        event = Choice(picked)
    if isinstance(event, Choice):
        seq, _, action = event.option.partition("|")
        if seq != str(session.seq):
            return "stale", None
        name, _, arg = action.partition(":")
        return (action, None) if name == "m" else (name, arg)
    if isinstance(event, Command):
        return f"command:{event.name}", event
    return kind(event), event


def _typed_choice(session: Session, text: str) -> str | None:
    """A number, or an option's label, typed in answer to the last options (WhatsApp, console)."""
    typed = text.strip().rstrip(".)")
    if typed.isdigit() and 1 <= int(typed) <= len(session.offer):
        return session.offer[int(typed) - 1]
    return None


def _text_trigger(turn: Turn, text: str) -> tuple[str, Any]:
    state = turn.session.state
    said = understand(
        text,
        lang=turn.lang,
        now=turn.local(turn.now),
        services=turn.business.services,
        day_first=turn.business.day_first,
        fallback=state not in ("name", "phone"),
    )
    typed_in = state == "name" and said.intent not in ("restart", "help")
    typed_in |= state == "phone" and said.intent == "hello"  # answered with a greeting: not a phone number
    if said.intent in GLOBAL_INTENTS and not typed_in:
        return f"intent:{said.intent}", said
    if state in ("name", "phone"):
        return "text", text
    return "said", said


def transitions() -> list[tuple[str, str, str]]:
    """Every (from, trigger, to) the table allows, for the diagram."""
    edges = []
    for (state, trigger), row in TABLE.items():
        source = "any" if state == ANY else state
        edges += [(source, trigger, source if target == SAME else target) for target in row.to]
    return edges
