"""Reminders before a visit, and the customer's answers to them.

A reminder's job (bot/jobs.py) enters the conversation of the chat the booking was made from as ReminderDue,
whatever the customer is doing. The reminder is said beside the question on screen, whose buttons still
answer it: what, with whom, when, where, what is paid and what remains, with Confirm, Reschedule and Cancel.
Its buttons carry the booking and its revision, so they keep working while the booking stays as reminded (a
reminder read hours later still works; one for a time moved since does not). The session remembers the
booking (`reminded`) until the next question, so that words answer it too: "yes", "так", "перенести",
"cancel", "can we do Friday at 3 instead?". Confirm records that the customer is coming (ConfirmVisit: staff
are told) and asks the current question again; Reschedule is the move form and Cancel the cancel question,
each under the business's rules as anywhere else (conversations/rules.py).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from conversations import days, manage, move
from conversations.again import present
from conversations.effects import ConfirmVisit
from conversations.events import ReminderDue, VisitConfirmed
from conversations.replies import Template
from conversations.session import Draft, State
from conversations.turn import Turn
from conversations.understand import Understanding
from storage.booking import Booking

ACTIONS = ("rok", "rmove", "rcancel")  # its buttons: confirm, reschedule, cancel (with "<id>.<revision>")
WORDS = {"yes": "rok", "reschedule": "rmove", "cancel": "rcancel", "no": "rno"}  # intents that answer it


def due(turn: Turn, event: ReminderDue) -> State:
    """Say the reminder, unless the booking changed since the job read it (moved, cancelled, begun)."""
    booking = turn.view.booking(event.booking.id) or event.booking  # the view's is the newer
    then = event.booking
    same = (booking.status, booking.start, booking.revision) == ("confirmed", then.start, then.revision)
    if same and booking.start > turn.now:
        remind(turn, booking)
    return turn.session.state


def remind(turn: Turn, booking: Booking) -> None:
    lines = [turn.t("reminder", **turn.booking_facts(booking))]
    if turn.business.address:
        lines.append(turn.t("reminder_address", address=turn.business.address))
    paid, remaining = booking.paid, max(booking.price - booking.paid, Decimal(0))
    if paid > 0:
        lines.append(turn.t("reminder_paid", paid=turn.money(paid), remaining=turn.money(remaining)))
    elif remaining > 0:
        lines.append(turn.t("reminder_to_pay", remaining=turn.money(remaining)))
    lines.append(turn.t("reminder_question"))
    mark = token(booking)
    options = [
        (f"rok:{mark}", turn.t("reminder_confirm")),
        (f"rmove:{mark}", turn.t("reminder_reschedule")),
        (f"rcancel:{mark}", turn.t("reminder_cancel")),
    ]
    turn.ask("\n".join(lines), options, aside=True, template=_template(turn, booking, paid, remaining))
    turn.session = replace(turn.session, reminded=mark)


def _template(turn: Turn, booking: Booking, paid: Decimal, remaining: Decimal) -> Template:
    """The `reminder` WhatsApp template's variables: 1 service, 2 specialist, 3 day and time, 4 address,
    5 paid, 6 to pay at the visit, 7 the booking's code (8-10: its buttons' ids, added by the renderer)."""
    what = turn.booking_facts(booking)
    address = turn.business.address or turn.business.name
    money = (turn.money(paid), turn.money(remaining))
    return Template(
        "reminder",
        (what["service"], what["specialist"], what["when"], address, *money, booking.code),
        turn.lang,
    )


def token(booking: Booking) -> str:
    """How a reminder names its booking in buttons and the session: its id and revision."""
    return f"{booking.id}.{booking.revision}"


def stands(turn: Turn, mark: str) -> bool:
    """Whether a reminder's button for `mark` may still be acted on, even from an earlier message: the
    booking is the customer's, confirmed, still to come, and not moved since."""
    return _reminded(turn, mark) is not None


def trigger(said: Understanding, typing: bool) -> str | None:
    """What words written right after a reminder answer: yes, no, reschedule, cancel, or a day or time to
    move to (not while a name or phone is typed, which may look like one); None: something else."""
    if said.intent in WORDS:
        return WORDS[said.intent]
    timed = said.when is not None and said.service is None and not said.choices
    return "rmove" if timed and not typing and said.intent in (None, "book") else None


# ---------------------------------------------------------------- the answers


def confirm(turn: Turn, arg: Any) -> State:
    booking = _reminded(turn, _mark(turn, arg))
    if booking is None:
        return outdated(turn)
    turn.do(ConfirmVisit(booking.id))
    return turn.session.state


def confirmed(turn: Turn, event: VisitConfirmed) -> State:
    """Thank them (the store recorded it, or had already), and the current question again."""
    booking = event.booking
    if booking is None or booking.status != "confirmed" or booking.start <= turn.now:
        turn.say("booking_gone")
    else:
        turn.say(
            "visit_confirmed" if event.first else "visit_confirmed_already", when=turn.when(booking.start)
        )
    return present(turn)


def reschedule(turn: Turn, arg: Any) -> State:
    """The move form for the booking reminded, with any day or time said ("Friday at 3 instead?")."""
    booking = _reminded(turn, _mark(turn, arg))
    if booking is None:
        return outdated(turn)
    turn.session = replace(turn.session, draft=Draft())
    wish = arg.when if isinstance(arg, Understanding) else None
    if wish is not None:
        timed = (wish.at or wish.earliest or wish.latest) and wish.from_day is None
        days.keep_wish(turn, wish, turn.local(booking.start).date() if timed else None)
    return manage.pick_booking(turn, booking.id, move.start_move)


def cancel(turn: Turn, arg: Any) -> State:
    """The cancel question for the booking reminded (with what of a prepayment comes back)."""
    booking = _reminded(turn, _mark(turn, arg))
    if booking is None:
        return outdated(turn)
    turn.session = replace(turn.session, draft=Draft())
    return manage.pick_booking(turn, booking.id, manage.ask_cancel)


def no(turn: Turn, _: Any = None) -> State:
    """ "No" to "are you coming?": reschedule or cancel, then."""
    mark = turn.session.reminded
    booking = _reminded(turn, mark)
    if booking is None:
        return outdated(turn)
    options = [
        (f"rmove:{mark}", turn.t("reminder_reschedule")),
        (f"rcancel:{mark}", turn.t("reminder_cancel")),
    ]
    turn.ask(turn.t("reminder_no", booking=manage.what(turn, booking)), options, aside=True)
    turn.session = replace(turn.session, reminded=mark)
    return turn.session.state


def outdated(turn: Turn) -> State:
    turn.say("reminder_outdated")
    return present(turn)


def _mark(turn: Turn, arg: Any) -> str:
    """A button's booking, or for words the booking just reminded."""
    return arg if isinstance(arg, str) else turn.session.reminded


def _reminded(turn: Turn, mark: str) -> Booking | None:
    ident, _, revision = mark.partition(".")
    if not (ident.isdecimal() and revision.isdecimal()):
        return None
    booking = turn.view.booking(int(ident))
    if booking is None or booking.status != "confirmed" or booking.start <= turn.now:
        return None
    return booking if booking.revision == int(revision) else None
