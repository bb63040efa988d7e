"""The customer's own bookings: list them, pick one, cancel it within the business's rules; and what the
conversation says when the store reports on a new booking (held, confirmed) or a cancellation. Moving a
booking is a form of its own, in conversations/move.py. Each handler returns the state it leads to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from conversations import prepay, waiting
from conversations.calendar_entry import attach_calendar
from conversations.effects import CancelBooking
from conversations.events import Cancelled, Confirmed, Refused
from conversations.menu import restart, show_menu
from conversations.rules import cancel_refusal, refund_amount
from conversations.session import Draft, State
from conversations.turn import Turn
from conversations.understand import TimeWish, nearest_day
from storage.booking import Booking


def show_bookings(turn: Turn, _: Any = None) -> State:
    """The customer's bookings, and below them the days they wait for (conversations/waiting.py)."""
    live = turn.view.live_bookings()
    waits, leave = waiting.listed(turn, turn.view.waiting())
    if not live and not waits:
        turn.say("no_bookings")
        return show_menu(turn)
    turn.session = replace(turn.session, draft=Draft())
    lines = ([turn.t("your_bookings")] + [line(turn, b) for b in live]) if live else [turn.t("no_bookings")]
    options = [(f"bk:{b.id}", _label(turn, b)) for b in live] + leave + [("m:book", turn.t("menu_book"))]
    turn.ask("\n".join(lines + waits), options)
    return State.BOOKINGS


def line(turn: Turn, booking: Booking) -> str:
    status = turn.t(f"status_{booking.state(turn.now)}")
    if booking.paid > 0:  # what they prepaid, so that nobody wonders whether the money arrived
        status = turn.t("status_prepaid", status=status, amount=turn.money(booking.paid))
    return f"• {what(turn, booking)} ({status})"


def what(turn: Turn, booking: Booking) -> str:
    who = turn.specialist_name(booking.specialist)
    return f"{turn.service_name(booking.service)}, {who}, {turn.when(booking.start)}"


def _label(turn: Turn, booking: Booking) -> str:
    local = turn.local(booking.start)
    return f"{turn.service_name(booking.service)} {turn.day_name(local.date())} {local:%H:%M}"


def pick_booking(turn: Turn, booking_id: int, then: Callable[[Turn], State] | None = None) -> State:
    """The booking tapped (or the only one): `then` asks what to do with it; by default, show it. A day or
    time the customer asked to move to stays in the draft (conversations/move.py)."""
    booking = turn.view.booking(booking_id)
    if booking is None or not booking.is_live(turn.now):
        turn.say("booking_gone")
        return show_bookings(turn)
    d = turn.session.draft
    draft = Draft(booking_id=booking.id, service=booking.service, day=d.day, at=d.at, from_day=d.from_day)
    turn.session = replace(turn.session, draft=replace(draft, earliest=d.earliest, latest=d.latest))
    return (then or show_booking)(turn)


def show_booking(turn: Turn) -> State:
    options = [
        ("m:move", turn.t("reschedule")),
        ("m:cancelbk", turn.t("cancel_booking")),
        ("m:my", turn.t("back")),
    ]
    turn.ask(line(turn, current(turn)), options)
    return State.BOOKING


def show_booking_again(turn: Turn) -> State:
    if turn.view.booking(turn.session.draft.booking_id) is None:
        turn.say("booking_gone")
        return show_menu(turn)
    return show_booking(turn)


class BookingGone(Exception):
    """The booking a question is about is no longer among the customer's: its time has passed since the
    question was asked. `flow.step` says so and shows the menu."""


def current(turn: Turn) -> Booking:
    booking = turn.view.booking(turn.session.draft.booking_id)
    if booking is None:
        raise BookingGone(turn.session.draft.booking_id)
    return booking


def one_or_choose(turn: Turn, then: Callable[[Turn], State], keep: TimeWish | None = None) -> State:
    """ "Cancel" or "reschedule" typed with no booking named: the only one, or ask which. `keep`: a day or
    time said with it, kept in the draft for the booking chosen (its day: the booking's, for a time alone)."""
    live = turn.view.live_bookings()
    if len(live) == 1:
        _keep(turn, keep or TimeWish(), turn.local(live[0].start).date())
        return pick_booking(turn, live[0].id, then)
    after = show_bookings(turn)
    if keep is not None and after == State.BOOKINGS:
        _keep(turn, keep, None)
    return after


def _keep(turn: Turn, wish: TimeWish, day: date | None) -> None:
    timed = wish.at or wish.earliest or wish.latest
    day = wish.day or (day if timed else None)
    if day is None and timed and wish.from_day is None:
        day = nearest_day(wish, turn.local(turn.now))
    fields = {"at": wish.at, "earliest": wish.earliest, "latest": wish.latest, "from_day": wish.from_day}
    turn.session = turn.session.with_draft(day=day, **fields)


# ---------------------------------------------------------------- cancel


def which_to_cancel(turn: Turn, _: Any = None) -> State:
    return one_or_choose(turn, ask_cancel)


def ask_cancel(turn: Turn, _: Any = None) -> State:
    booking = current(turn)
    refusal = cancel_refusal(turn.business, booking, turn.now)
    if refusal:
        return refuse(turn, refusal, booking)
    note = _refund_note(turn, booking) if booking.paid > 0 else ""
    body = "\n".join(filter(None, [turn.t("cancel_question", booking=line(turn, booking)), note]))
    turn.ask(body, [("m:yescancel", turn.t("yes_cancel")), ("m:keep", turn.t("keep_booking"))])
    return State.CANCEL_CONFIRM


def _refund_note(turn: Turn, booking: Booking) -> str:
    """What of the prepayment comes back if cancelled now: all, part (late), or nothing."""
    amount = refund_amount(turn.business, booking, turn.now)
    hours = turn.business.refund_hours_for(turn.business.service(booking.service))
    paid = turn.money(booking.paid)
    if amount >= booking.paid:
        return turn.t("cancel_refund", amount=paid)
    if amount > 0:
        return turn.t("cancel_partial_refund", amount=turn.money(amount), paid=paid, hours=hours)
    return turn.t("cancel_no_refund", amount=paid, hours=hours)


def do_cancel(turn: Turn, _: Any = None) -> State:
    booking = current(turn)
    refusal = cancel_refusal(turn.business, booking, turn.now)
    if refusal:
        return refuse(turn, refusal, booking)
    amount = refund_amount(turn.business, booking, turn.now)
    turn.do(CancelBooking(booking.id, refund=amount > 0, refund_amount=amount))
    return State.CANCELLING


def refuse(turn: Turn, key: str, booking: Booking) -> State:
    """The business's rules do not let the customer do this themselves: say whom to contact."""
    service = turn.business.service(booking.service)
    turn.say(
        key,
        contact=turn.business.contact or turn.business.name,
        moves=turn.business.max_moves_for(service),
        hours=_hours(turn.business.move_notice_for(service)),
        cancel_hours=_hours(turn.business.cancel_notice_for(service)),
    )
    return show_menu(turn)


def _hours(minutes: int) -> str:
    """3 hours, not 3.0; 1.5 hours where it is not whole."""
    return f"{minutes / 60:g}"


# ---------------------------------------------------------------- what the store reported


def show_payment(turn: Turn) -> State:
    """Still waiting for the prepayment (asked again after help, say): say so, with the link again."""
    draft = turn.session.draft
    booking = turn.view.booking(draft.booking_id)
    if booking is None or not booking.is_live(turn.now):
        turn.say("booking_gone")
        return restart(turn)
    amount = turn.money(prepay.asked(turn, booking.service, booking.start))
    pay = (turn.t("pay_button", amount=amount), draft.pay_url) if draft.pay_url else None
    turn.ask(
        turn.t("awaiting_payment", when=turn.when(booking.start), amount=amount),
        [("m:abandon", turn.t("abandon"))],
        link=pay,
    )
    return State.AWAITING_PAYMENT


def confirmed(turn: Turn, event: Confirmed) -> State:
    booking = event.booking
    turn.say("booked", **turn.booking_facts(booking))
    attach_calendar(turn, booking)
    return restart(turn)


def cancelled(turn: Turn, event: Cancelled) -> State:
    turn.say("cancelled", booking=what(turn, event.booking))
    if event.booking.expires_at is None:  # it was confirmed (a hold keeps its expiry), so it has a file
        attach_calendar(turn, event.booking)  # that now takes it out of the customer's calendar
    return restart(turn)


def refused(turn: Turn, event: Refused) -> State:
    """The store said no to a confirmation or a cancellation."""
    say_refused(turn, event.reason)
    return restart(turn)


def say_refused(turn: Turn, reason: str) -> None:
    turn.say(f"refused_{reason}" if reason in ("taken", "expired") else "refused_other")
