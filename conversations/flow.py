"""The conversation as one table: (where, trigger) → the handler, and the places it leads to.

Where is a State, a Form (the questions of a new booking, BOOKING, of a move, MOVE, or of joining the
waitlist, WAITLIST) or ANY; a state's own row comes first, then its form's, then ANY's. A handler returns the
next state; `step` sets it, and raises IllegalTransition if the row does not lead there. A row leads to one
or two places (a third, the menu, where there may be nothing to show). Into a form means to whichever
question it asks next, the first field still missing; and a row from or into a form may end at the menu when
the form has nothing to offer (conversations/form.py). Everything that decides where a conversation goes is
here and in the modules the rows name. `step` is pure: no I/O, no clock. docs/flow.mmd is drawn from TABLE
(conversations/diagram.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from conversations import (
    again,
    agenda,
    booking,
    days,
    expiry,
    manage,
    menu,
    move,
    payment,
    reminder,
    staffcancel,
    waiting,
    waitlist,
)
from conversations.booking import BOOKING
from conversations.effects import Effect
from conversations.events import Choice, Command, Event, Text, kind
from conversations.form import GIVES_UP_TO, Form
from conversations.move import MOVE
from conversations.replies import Reply
from conversations.session import Draft, Session, State
from conversations.turn import Turn
from conversations.understand import understand
from conversations.view import View
from conversations.waiting import WAITLIST


class Place(Enum):
    ANY = "anywhere"  # a row for every state, unless the state or its form has its own
    SAME = "same"  # where the customer was: the same state, or the same form


ANY, SAME = Place.ANY, Place.SAME
OTHER = "other"  # the trigger of whatever no row names: words not understood, a button not expected here
GLOBAL_INTENTS = ("restart", "help", "my_bookings", "cancel", "reschedule", "language", "hello", "back")
NAMES, PHONES = (State.NAME, State.WAITLIST_NAME), (State.PHONE, State.WAITLIST_PHONE)  # any text is one
START, BOOKINGS = State.START, State.BOOKINGS

Handler = Callable[[Turn, Any], State]
Where = State | Form | Place


class IllegalTransition(Exception):
    """A handler led somewhere its table row does not allow: a bug, caught by the tests."""


@dataclass(frozen=True)
class Row:
    handler: Handler
    to: tuple[Where, ...]


def _on(where: Where, triggers: str, handler: Handler, *to: Where) -> dict[tuple[Where, str], Row]:
    """One row for each of several triggers that mean the same (a command, a button, words)."""
    return {(where, trigger): Row(handler, to) for trigger in triggers.split()}


def _date(arg: str) -> date:
    return datetime.strptime(arg, "%Y%m%d").date()


# ---------------------------------------------------------------- the table

TABLE: dict[tuple[Where, str], Row] = {
    # anywhere
    **_on(ANY, "command:start", menu.start, START),
    **_on(ANY, "intent:restart", menu.restart, START),
    **_on(ANY, "command:book m:book", booking.book, BOOKING),
    **_on(ANY, "m:rebook", booking.rebook, BOOKING),  # after a hold ran out: the same service, a new time
    **_on(ANY, "said", booking.from_words, BOOKING),  # words naming a service, a time or "book"
    **_on(ANY, "command:my m:my intent:my_bookings", manage.show_bookings, BOOKINGS, START),
    **_on(ANY, "intent:cancel", manage.which_to_cancel, State.CANCEL_CONFIRM, BOOKINGS, START),
    **_on(ANY, "intent:reschedule", move.which_to_move, MOVE, BOOKINGS, START),
    **_on(ANY, "command:lang m:lang", menu.show_language, State.LANGUAGE),
    **_on(ANY, "intent:language", again.switch_language, State.LANGUAGE, SAME, START),  # "english please"
    **_on(ANY, "intent:back", menu.restart, START),  # outside a booking or a move: the menu
    **_on(ANY, "command:help m:help intent:help", again.help_, SAME, START),
    **_on(ANY, "intent:hello", again.hello, SAME, START),
    **_on(ANY, "stale", again.stale, SAME, START),  # a button from an earlier message
    **_on(ANY, "contactshared", again.contact, SAME, START),  # their own number: known from now on
    **_on(ANY, OTHER, again.not_understood, SAME, START),
    **_on(ANY, "holddue", expiry.hold_due, SAME),
    **_on(ANY, "expired", expiry.expired, SAME, START),
    **_on(ANY, "refused", again.stay, SAME),  # the store kept a hold due to expire: paid or changed meanwhile
    # a new booking: each answer leads to the form's next question
    **_on(BOOKING, "intent:cancel", booking.abandon, START),
    **_on(BOOKING, "intent:back", booking.back, BOOKING),  # one question back
    **_on(BOOKING, "tl", lambda t, arg: days.show_time(t, BOOKING, int(arg)), BOOKING),  # later times
    **_on(State.SERVICE, "svc", booking.choose_service, BOOKING),
    **_on(State.SPECIALIST, "stf", booking.choose_specialist, BOOKING),
    **_on(State.DAY, "day", lambda t, arg: days.choose_day(t, BOOKING, _date(arg)), BOOKING),
    **_on(State.DAY, "more", lambda t, arg: days.show_day(t, BOOKING, _date(arg)), SAME),
    **_on(State.DAY, "m:specialist", booking.show_specialist, State.SPECIALIST),
    **_on(State.TIME, "t", lambda t, arg: days.choose_time(t, BOOKING, int(arg)), BOOKING),
    **_on(State.TIME, "m:otherday", lambda t, _: days.show_day(t, BOOKING), State.DAY),
    **_on(State.NAME, "text", booking.take_name, BOOKING),
    **_on(State.PHONE, "text", booking.take_phone, BOOKING),
    **_on(State.PHONE, "contactshared", booking.take_contact, BOOKING),
    **_on(State.CONFIRM, "m:ok yes", booking.hold, State.HOLDING),
    **_on(State.CONFIRM, "m:otherday no", lambda t, _: days.show_day(t, BOOKING), State.DAY),
    **_on(State.CONFIRM, "m:abandon", booking.abandon, START),
    # the new booking, held
    **_on(State.HOLDING, "held", payment.held, State.AWAITING_PAYMENT, State.CONFIRMING),
    **_on(State.HOLDING, "holdfailed", lambda t, e: booking.hold_failed(t, e.reason), BOOKING),
    **_on(State.CONFIRMING, "confirmed", manage.confirmed, START),
    **_on(State.CONFIRMING, "refused", manage.refused, START),
    **_on(State.AWAITING_PAYMENT, "confirmed", manage.confirmed, START),
    **_on(State.AWAITING_PAYMENT, "m:abandon intent:cancel", booking.cancel_hold, State.CANCELLING),
    **_on(State.AWAITING_PAYMENT, "expired", expiry.expired, START, SAME),
    # the prepayment: its link, and what LiqPay says of it (the store records it, and tells how it went)
    **_on(State.AWAITING_PAYMENT, "paymentlink", payment.link, State.AWAITING_PAYMENT),
    **_on(State.AWAITING_PAYMENT, "paymentsoff", payment.off, State.CONFIRMING),
    **_on(State.AWAITING_PAYMENT, "paymentnotstarted", manage.refused, START),
    **_on(State.AWAITING_PAYMENT, "m:pay", payment.pay_again, State.AWAITING_PAYMENT, START),
    **_on(ANY, "paymentreported", payment.reported, SAME),
    **_on(ANY, "paid", payment.paid, SAME, START),
    **_on(ANY, "paidtoolate", payment.too_late, BOOKING, SAME, START),
    **_on(ANY, "paymentreturned", payment.returned, SAME, START),  # waiting on it: another try
    **_on(State.AWAITING_PAYMENT, "paymentfailed", payment.failed, SAME, START),
    **_on(ANY, "paymentfailed", again.present, SAME, START),  # an attempt nobody waits on any more
    **_on(ANY, "refunded", payment.refunded, SAME, START),
    # a reminder before a visit: said beside whatever the customer is doing; its buttons, and the words
    # written right after it, act on that booking (conversations/reminder.py)
    **_on(ANY, "reminderdue", reminder.due, SAME),
    **_on(ANY, "rok", reminder.confirm, SAME, START),
    **_on(ANY, "visitconfirmed", reminder.confirmed, SAME, START),
    **_on(ANY, "rmove", reminder.reschedule, MOVE, SAME, START),
    **_on(ANY, "rcancel", reminder.cancel, State.CANCEL_CONFIRM, SAME, START),
    **_on(ANY, "rno", reminder.no, SAME, START),
    # staff cancel a booking: done from wherever the customer is, told beside their question (the menu if
    # it was about that booking); the customer's own "yes, cancel" is answered by CANCELLING's row below
    **_on(ANY, "staffcancels", staffcancel.cancels, SAME),
    **_on(ANY, "staffcancelled", staffcancel.told, SAME, START),
    # the customer's bookings
    **_on(BOOKINGS, "bk", lambda t, arg: manage.pick_booking(t, int(arg)), State.BOOKING, SAME, START),
    **_on(State.BOOKING, "m:move", move.start_move, MOVE),
    **_on(State.BOOKING, "m:cancelbk", manage.ask_cancel, State.CANCEL_CONFIRM, START),
    **_on(State.CANCEL_CONFIRM, "m:yescancel yes", manage.do_cancel, State.CANCELLING, START),
    **_on(State.CANCEL_CONFIRM, "m:keep no", menu.restart, START),
    **_on(State.CANCELLING, "cancelled", manage.cancelled, START),
    **_on(State.CANCELLING, "refused", manage.refused, START),
    # moving a booking: each answer leads to the form's next question
    **_on(MOVE, "said", move.from_words, MOVE, BOOKING),  # a time moves it; a service alone books anew
    **_on(MOVE, "intent:back", move.back, MOVE, State.BOOKING),
    **_on(MOVE, "tl", lambda t, arg: days.show_time(t, MOVE, int(arg)), MOVE),
    **_on(State.MOVE_DAY, "day", lambda t, arg: days.choose_day(t, MOVE, _date(arg)), MOVE),
    **_on(State.MOVE_DAY, "more", lambda t, arg: days.show_day(t, MOVE, _date(arg)), SAME),
    **_on(State.MOVE_TIME, "t", lambda t, arg: days.choose_time(t, MOVE, int(arg)), MOVE),
    **_on(State.MOVE_TIME, "m:otherday", lambda t, _: days.show_day(t, MOVE), State.MOVE_DAY),
    **_on(State.MOVE_CONFIRM, "m:yesmove yes", move.do_move, State.MOVING),
    **_on(State.MOVE_CONFIRM, "m:otherday", lambda t, _: days.show_day(t, MOVE), State.MOVE_DAY),
    **_on(State.MOVE_CONFIRM, "m:keep no", menu.restart, START),
    **_on(State.MOVING, "moved", move.moved, START),
    **_on(State.MOVING, "refused", move.refused, MOVE, START),
    # language
    **_on(State.LANGUAGE, "lang", menu.set_language, START),
    # the waitlist: joined where a new booking's day is full or its time taken (or nothing at all was free)
    **_on(BOOKING, "wl", waiting.join, WAITLIST),
    **_on(START, "wl", waiting.join, WAITLIST),
    **_on(WAITLIST, "intent:back", waiting.back, BOOKING),
    **_on(WAITLIST, "m:abandon intent:cancel", menu.restart, START),
    **_on(State.WAITLIST_NAME, "text", lambda t, raw: booking.take_name(t, raw, WAITLIST), WAITLIST),
    **_on(State.WAITLIST_PHONE, "text", lambda t, raw: booking.take_phone(t, raw, WAITLIST), WAITLIST),
    **_on(State.WAITLIST_PHONE, "contactshared", lambda t, c: booking.take_contact(t, c, WAITLIST), WAITLIST),
    **_on(State.WAITLIST_WHEN, "wj", waiting.choose_when, START),
    **_on(WAITLIST, "said", waiting.said_when, START, BOOKING),  # "after 5" joins; a service books
    **_on(ANY, "waitlistjoined", waitlist.joined, SAME, START),
    # a freed time offered wherever the customer is; "Book it" holds it for the first to press
    **_on(ANY, "waitlistoffer", waitlist.offered, SAME, START),
    **_on(ANY, "wb", waitlist.book_it, State.HOLDING, START),
    **_on(State.HOLDING, "offertaken", waitlist.taken, State.AWAITING_PAYMENT, State.CONFIRMING),
    **_on(ANY, "offergone", waitlist.gone, SAME, START),  # someone else was first: still on the list
    **_on(BOOKINGS, "wx", waitlist.leave, BOOKINGS, START),  # leave the list
    **_on(BOOKINGS, "waitlistleft", waitlist.left, BOOKINGS, START),
    # a staff chat's agenda of a day, said beside whatever it is doing; only a chat the platform proves to
    # be a staff contact asks for it (conversations/agenda.py); to anyone else these are ordinary words
    **_on(ANY, "agenda ag", agenda.show, SAME, START),
}


def row_for(state: State, trigger: str) -> Row | None:
    """The state's own row, else its form's, else the row for anywhere."""
    form = again.form_of(state)
    found = TABLE.get((state, trigger)) or (TABLE.get((form, trigger)) if form else None)
    return found or TABLE.get((ANY, trigger))


def reaches(target: Where, before: State) -> set[State]:
    """The states a row's target stands for: a state; in a form, any of its questions. A row from or into a
    form may also end at the menu instead: the form has nothing to offer (GIVES_UP_TO)."""
    place = (again.form_of(before) or before) if target is SAME else target
    if isinstance(place, Form):
        states = set(place.states)
    elif isinstance(place, State):
        states = {place}
    else:
        raise ValueError(f"{target} is not a place to go to")
    if again.form_of(before) or isinstance(place, Form) or again.form_of(place):
        states.add(GIVES_UP_TO)
    return states


# ---------------------------------------------------------------- step


def step(
    session: Session, event: Event, now: datetime, view: View
) -> tuple[Session, list[Reply], list[Effect]]:
    """Decide what `event` means in `session`'s state: the new session, what to say, what to do."""
    turn = Turn(session, now, view)
    trigger, arg = _trigger(turn, event)
    row = row_for(session.state, trigger) or row_for(session.state, OTHER)
    assert row is not None  # (ANY, OTHER) answers everything
    try:
        after = row.handler(turn, arg)
    except manage.BookingGone:
        return _gone(session, now, view)
    _check(session.state, trigger, row, turn.session.state, after)
    turn.session = turn.session.go(after)
    return turn.session, turn.replies, turn.effects


def _check(before: State, trigger: str, row: Row, set_meanwhile: State, after: State) -> None:
    if set_meanwhile != before:
        raise IllegalTransition(f"{before} --{trigger}-->: the handler set the state {set_meanwhile} itself")
    if not any(after in reaches(target, before) for target in row.to):
        raise IllegalTransition(f"{before} --{trigger}--> {after}; the row leads to {row.to}")


def recover(session: Session, now: datetime, view: View) -> tuple[Session, list[Reply], list[Effect]]:
    """After a step failed with a bug (the runner logs it): an apology in the customer's language and the
    menu, the draft dropped, nothing done. What the runner saves instead of a 5xx redelivered forever."""
    turn = Turn(replace(session, draft=Draft()), now, view)
    turn.say("something_went_wrong")
    after = menu.show_menu(turn)
    return turn.session.go(after), turn.replies, []


def _gone(session: Session, now: datetime, view: View) -> tuple[Session, list[Reply], list[Effect]]:
    """The booking the customer was asked about has ended meanwhile: say so, and the menu."""
    turn = Turn(replace(session, draft=Draft()), now, view)
    turn.say("booking_gone")
    after = menu.show_menu(turn)
    return turn.session.go(after), turn.replies, []


# ---------------------------------------------------------------- what an event is called in the table


def _trigger(turn: Turn, event: Event) -> tuple[str, Any]:
    session = turn.session
    if isinstance(event, Text):
        picked = _typed_choice(session, event.text)
        if picked is None:
            wanted = agenda.asked(turn, event.text, typing=session.state in NAMES + PHONES)
            return ("agenda", wanted) if wanted is not None else _text_trigger(turn, event.text)
        event = Choice(picked)
    if isinstance(event, Choice):
        if not _current(turn, event.option):
            return "stale", None
        action = event.option.partition("|")[2]
        name, _, arg = action.partition(":")
        return (action, None) if name == "m" else (name, arg)
    if isinstance(event, Command):
        return f"command:{event.name}", event
    return kind(event), event


def _typed_choice(session: Session, text: str) -> str | None:
    """A number, or an option's label, typed in answer to the last options (WhatsApp, console)."""
    typed = text.strip().rstrip(".)")
    # Decimal digits of any script int() reads ("7", "٧"); "²" and "①" are digits to isdigit(), not to int().
    if typed.isdecimal() and len(typed) <= 3 and 1 <= int(typed) <= len(session.offer):
        return session.offer[int(typed) - 1]
    return None


def _current(turn: Turn, option: str) -> bool:
    """Whether a pressed button is one of the last message's (or of the question a reminder was said beside),
    about a day that has not passed. Anything else (an older message's button, data we never sent,
    yesterday's times pressed today) is stale: the question is asked again, and the button's data is never
    read, except a reminder's, which names its booking (conversations/reminder.py)."""
    name, _, arg = option.partition("|")[2].partition(":")
    if name == agenda.ACTION:  # a staff chat's agenda buttons only read: good from any of its messages
        return turn.view.staff is not None and agenda.button_day(arg) is not None
    if option not in turn.session.offer and option not in turn.session.earlier:
        # A reminder's buttons name their booking and its revision: good while it stays as reminded.
        return name in reminder.ACTIONS and reminder.stands(turn, arg)
    try:
        if name in ("day", "more"):
            return _date(arg) >= turn.today()
        if name == "t":
            return turn.local(datetime.fromtimestamp(int(arg) * 60, UTC)).date() >= turn.today()
    except (ValueError, OverflowError, OSError):
        return False  # a session stored by a version that wrote these differently
    return True


def _text_trigger(turn: Turn, text: str) -> tuple[str, Any]:
    state = turn.session.state
    typing = state in NAMES + PHONES
    said = understand(
        text,
        lang=turn.lang,
        now=turn.local(turn.now),
        services=turn.business.services,
        day_first=turn.business.day_first,
        fallback=not typing,
        staff=turn.business.staff,
    )
    if not typing:  # a name says nothing of the language it is written in ("Zoë", "Łukasz")
        menu.adopt_language(turn, said.language)
    # A name is typed in whatever it says, except "start over", "help" and "back"; a phone number, unless
    # it greets.
    typed_in = state in NAMES and said.intent not in ("restart", "help", "back")
    typed_in |= state in PHONES and said.intent == "hello"
    answer = reminder.trigger(said, typing) if turn.session.reminded else None
    if answer is not None:  # words right after a reminder are about its booking
        return answer, said
    if said.intent in GLOBAL_INTENTS and not typed_in:
        return f"intent:{said.intent}", said
    if typing:
        return "text", text
    if said.intent in ("yes", "no") and (state, said.intent) in TABLE:
        return said.intent, said
    if said.service or said.choices or said.specialist or said.when or said.intent == "book":
        return "said", said
    return OTHER, said
