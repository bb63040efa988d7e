"""The customer's own bookings: list them, cancel one, move one, within the business's rules; and what
the conversation says when the store reports back (held, confirmed, cancelled, moved, refused)."""

from __future__ import annotations

from conversations.booking import show_day, show_menu
from conversations.effects import CancelBooking, ConfirmBooking, MoveBooking, RequestPrepayment
from conversations.rules import cancel_refusal, move_refusal, refund_due
from conversations.session import Draft
from conversations.turn import Turn
from storage.booking import Booking


def show_bookings(turn: Turn) -> None:
    live = turn.view.live_bookings()
    if not live:
        turn.say("no_bookings")
        show_menu(turn)
        return
    turn.session = turn.session.go("bookings", draft=Draft())
    lines = [turn.t("your_bookings")] + [_line(turn, b) for b in live]
    options = [(f"bk:{b.id}", _label(turn, b)) for b in live] + [("m:book", turn.t("menu_book"))]
    turn.ask("\n".join(lines), options)


def _line(turn: Turn, booking: Booking) -> str:
    status = turn.t(f"status_{booking.state(turn.now)}")
    who = turn.specialist_name(booking.specialist)
    return f"• {turn.service_name(booking.service)}, {who}, {turn.when(booking.start)} ({status})"


def _label(turn: Turn, booking: Booking) -> str:
    local = turn.local(booking.start)
    return f"{turn.service_name(booking.service)} {turn.day_name(local.date())} {local:%H:%M}"


def pick_booking(turn: Turn, booking_id: int, then: str = "booking") -> None:
    booking = turn.view.booking(booking_id)
    if booking is None or not booking.is_live(turn.now):
        turn.say("booking_gone")
        show_bookings(turn)
        return
    turn.session = turn.session.go(then, draft=Draft(booking_id=booking.id, service=booking.service))
    {"booking": show_booking, "cancel_confirm": ask_cancel, "move_day": start_move}[then](turn)


def show_booking(turn: Turn) -> None:
    booking = _current(turn)
    turn.session = turn.session.go("booking")
    options = [
        ("m:move", turn.t("reschedule")),
        ("m:cancelbk", turn.t("cancel_booking")),
        ("m:my", turn.t("back")),
    ]
    turn.ask(_line(turn, booking), options)


def _current(turn: Turn) -> Booking:
    booking = turn.view.booking(turn.session.draft.booking_id)
    assert booking is not None
    return booking


def one_or_choose(turn: Turn, then: str) -> None:
    """ "Cancel" or "reschedule" typed with no booking named: the only one, or ask which."""
    live = turn.view.live_bookings()
    if len(live) == 1:
        pick_booking(turn, live[0].id, then)
    else:
        show_bookings(turn)


# ---------------------------------------------------------------- cancel


def ask_cancel(turn: Turn) -> None:
    booking = _current(turn)
    refusal = cancel_refusal(turn.business, booking, turn.now)
    if refusal:
        _refuse(turn, refusal, booking)
        return
    turn.session = turn.session.go("cancel_confirm")
    if booking.paid > 0:
        key = "cancel_refund" if refund_due(turn.business, booking, turn.now) else "cancel_no_refund"
        money = turn.money(booking.paid)
        note = turn.t(
            key, amount=money, hours=turn.business.refund_hours_for(turn.business.service(booking.service))
        )
    else:
        note = ""
    body = "\n".join(filter(None, [turn.t("cancel_question", booking=_line(turn, booking)), note]))
    turn.ask(body, [("m:yescancel", turn.t("yes_cancel")), ("m:keep", turn.t("keep_booking"))])


def do_cancel(turn: Turn) -> None:
    booking = _current(turn)
    refusal = cancel_refusal(turn.business, booking, turn.now)
    if refusal:
        _refuse(turn, refusal, booking)
        return
    turn.session = turn.session.go("cancelling")
    turn.do(CancelBooking(booking.id, refund=refund_due(turn.business, booking, turn.now)))


def _refuse(turn: Turn, key: str, booking: Booking) -> None:
    service = turn.business.service(booking.service)
    turn.say(
        key,
        contact=turn.business.contact or turn.business.name,
        moves=turn.business.max_moves_for(service),
        hours=_hours(turn.business.move_notice_for(service)),
        cancel_hours=_hours(turn.business.cancel_notice_for(service)),
    )
    show_menu(turn)


def _hours(minutes: int) -> str:
    """3 hours, not 3.0; 1.5 hours where it is not whole."""
    return f"{minutes / 60:g}"


# ---------------------------------------------------------------- move


def start_move(turn: Turn) -> None:
    booking = _current(turn)
    refusal = move_refusal(turn.business, booking, turn.now)
    if refusal:
        _refuse(turn, refusal, booking)
        return
    turn.session = turn.session.go("move_day").with_draft(specialist=booking.specialist)
    show_day(turn, key="ask_move_day")


def show_move_summary(turn: Turn) -> None:
    booking, draft = _current(turn), turn.session.draft
    assert draft.start is not None
    turn.session = turn.session.go("move_confirm")
    body = turn.t("move_question", old=turn.when(booking.start), new=turn.when(draft.start))
    turn.ask(
        body,
        [
            ("m:yesmove", turn.t("confirm")),
            ("m:otherday", turn.t("change_time")),
            ("m:keep", turn.t("keep_booking")),
        ],
    )


def do_move(turn: Turn) -> None:
    booking, draft = _current(turn), turn.session.draft
    assert draft.start is not None
    refusal = move_refusal(turn.business, booking, turn.now)
    if refusal:
        _refuse(turn, refusal, booking)
        return
    turn.session = turn.session.go("moving")
    turn.do(MoveBooking(booking.id, draft.start, draft.slot_specialist or booking.specialist))


# ---------------------------------------------------------------- what the store reported


def held(turn: Turn, booking: Booking) -> None:
    service = turn.business.service(booking.service)
    turn.session = turn.session.with_draft(booking_id=booking.id)
    if service.prepayment > 0:
        turn.session = turn.session.go("awaiting_payment")
        turn.do(RequestPrepayment(booking.id, service.prepayment))
        minutes = turn.business.rules.payment_hold_minutes
        turn.ask(
            turn.t(
                "held_pay",
                when=turn.when(booking.start),
                amount=turn.money(service.prepayment),
                minutes=minutes,
            ),
            [("m:abandon", turn.t("abandon"))],
        )
        return
    turn.session = turn.session.go("confirming")
    turn.do(ConfirmBooking(booking.id))


def confirmed(turn: Turn, booking: Booking) -> None:
    turn.say(
        "booked",
        service=turn.service_name(booking.service),
        specialist=turn.specialist_name(booking.specialist),
        when=turn.when(booking.start),
        code=booking.code,
    )
    turn.session = turn.session.go("start", draft=Draft())
    show_menu(turn)


def cancelled(turn: Turn, booking: Booking) -> None:
    turn.say("cancelled", booking=_line(turn, booking))
    turn.session = turn.session.go("start", draft=Draft())
    show_menu(turn)


def moved(turn: Turn, booking: Booking) -> None:
    turn.say("moved", when=turn.when(booking.start), specialist=turn.specialist_name(booking.specialist))
    turn.session = turn.session.go("start", draft=Draft())
    show_menu(turn)


def refused(turn: Turn, reason: str) -> None:
    """The store said no to a move, cancel or confirm."""
    turn.say(f"refused_{reason}" if reason in ("taken", "expired") else "refused_other")
    if reason == "taken" and turn.session.state == "moving":
        turn.session = turn.session.go("move_day")
        show_day(turn, key="ask_move_day")
        return
    turn.session = turn.session.go("start", draft=Draft())
    show_menu(turn)
