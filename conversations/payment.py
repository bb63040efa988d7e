"""The paid time-hold: asking for the prepayment and hearing how it went.

A hold that needs a prepayment asks for a payment link (RequestPrepayment); the link comes back as
PaymentLink and is put on screen with the deadline and the booking code. What LiqPay says of the payment
(PaymentReported: a callback, or a status check's answer) is recorded by the store with what it means for
the booking (RecordPayment), and comes back as Paid, PaidTooLate, PaymentReturned, PaymentFailed or
Refunded, which this module puts into words. A customer waiting on that booking moves on from the
payment; one busy with something else hears the news and gets their current question again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conversations import days, prepay
from conversations.again import present
from conversations.booking import BOOKING
from conversations.calendar_entry import attach_calendar
from conversations.effects import ConfirmBooking, RecordPayment, RequestPrepayment
from conversations.events import (
    Held,
    Paid,
    PaidTooLate,
    PaymentFailed,
    PaymentLink,
    PaymentReported,
    PaymentReturned,
    Refunded,
)
from conversations.expiry import WAITING
from conversations.manage import what
from conversations.menu import restart
from conversations.session import State
from conversations.turn import Turn
from payments import liqpay
from storage.booking import Booking


def held(turn: Turn, event: Held) -> State:
    """The time is held: confirmed at once, or a prepayment asked first (the business's rules decide)."""
    booking = event.booking
    turn.session = turn.session.with_draft(booking_id=booking.id)
    amount = prepay.asked(turn, booking.service, booking.start)
    if amount <= 0:
        turn.do(ConfirmBooking(booking.id))
        return State.CONFIRMING
    return request(turn, booking, amount)


def request(turn: Turn, booking: Booking, amount: Decimal) -> State:
    """Ask for the link to pay `amount` for the held `booking`; the link comes back as PaymentLink."""
    description = turn.t(
        "pay_description",
        service=turn.service_name(booking.service),
        when=turn.when(booking.start),
        code=booking.code,
    )
    turn.session = turn.session.with_draft(booking_id=booking.id, pay_url="")
    turn.do(RequestPrepayment(booking.id, amount, description))
    return State.AWAITING_PAYMENT


def link(turn: Turn, event: PaymentLink) -> State:
    """The link to pay: who, what, when, how much, by when, and the booking's code."""
    booking = event.booking
    turn.session = turn.session.with_draft(booking_id=booking.id, pay_url=event.url)
    minutes = max(int((event.pay_by - turn.now).total_seconds() // 60), 1)
    body = turn.t(
        "held_pay",
        **turn.booking_facts(booking),
        name=turn.session.name,
        amount=turn.money(event.amount),
        deadline=f"{turn.local(event.pay_by):%H:%M}",
        minutes=minutes,
    )
    pay = (turn.t("pay_button", amount=turn.money(event.amount)), event.url)
    turn.ask(body, [("m:abandon", turn.t("abandon"))], link=pay)
    return State.AWAITING_PAYMENT


def off(turn: Turn, _: Any = None) -> State:
    """No way to take a prepayment online here: the booking is confirmed, paid at the visit."""
    booking_id = turn.session.draft.booking_id
    assert booking_id is not None
    turn.do(ConfirmBooking(booking_id))
    return State.CONFIRMING


def reported(turn: Turn, event: PaymentReported) -> State:
    turn.do(RecordPayment(event.report))
    return turn.session.state


def paid(turn: Turn, event: Paid) -> State:
    """The receipt: what was paid, what remains for the visit, the code, and whom to contact."""
    booking = event.booking
    turn.say(
        "booked_paid",
        **turn.booking_facts(booking),
        paid=turn.money(booking.paid),
        remaining=turn.money(max(booking.price - booking.paid, Decimal(0))),
        business=turn.business.name,
        contact=turn.business.contact or "",
    )
    attach_calendar(turn, booking)
    return restart(turn) if _waiting_on(turn, booking) else present(turn)


def too_late(turn: Turn, event: PaidTooLate) -> State:
    """The money goes back; a customer not in the middle of something else is offered the nearest free
    times of that service instead."""
    booking = event.booking
    turn.say("paid_too_late", amount=turn.money(event.amount))
    if turn.session.state not in (*WAITING, State.START):
        return present(turn)
    staff = turn.business.service(booking.service).staff
    specialist = booking.specialist if booking.specialist in staff else "*"
    turn.session = turn.session.with_draft(service=booking.service, specialist=specialist, booking_id=None)
    return days.offer_nearest(turn, BOOKING, booking.start)


def returned(turn: Turn, event: PaymentReturned) -> State:
    """A payment not needed goes back. A customer still waiting on that hold gets another try: the link
    they paid under is spent."""
    booking = event.booking
    turn.say("payment_returned", amount=turn.money(event.amount), booking=what(turn, booking))
    if not (_waiting_on(turn, booking) and booking.is_live(turn.now) and booking.expires_at is not None):
        return present(turn)
    turn.session = turn.session.with_draft(pay_url="")
    deadline = f"{turn.local(liqpay.pay_by(booking.expires_at)):%H:%M}"
    turn.ask(
        turn.t("payment_failed", deadline=deadline),
        [("m:pay", turn.t("pay_again")), ("m:abandon", turn.t("abandon"))],
    )
    return State.AWAITING_PAYMENT


def failed(turn: Turn, event: PaymentFailed) -> State:
    """Not paid: while the hold lives, the customer waiting on it may try again."""
    booking = event.booking
    if not _waiting_on(turn, booking):
        return present(turn)  # an earlier attempt's news: the one awaited now is still open
    if not booking.is_live(turn.now) or booking.expires_at is None:
        turn.say("booking_gone")
        return restart(turn)
    deadline = f"{turn.local(liqpay.pay_by(booking.expires_at)):%H:%M}"  # when LiqPay stops taking it
    turn.ask(
        turn.t("payment_failed", deadline=deadline),
        [("m:pay", turn.t("pay_again")), ("m:abandon", turn.t("abandon"))],
    )
    return State.AWAITING_PAYMENT


def pay_again(turn: Turn, _: Any = None) -> State:
    """Another attempt for the booking awaited (after a failed payment)."""
    booking = turn.view.booking(turn.session.draft.booking_id)
    if booking is None or not booking.is_live(turn.now):
        turn.say("booking_gone")
        return restart(turn)
    return request(turn, booking, prepay.asked(turn, booking.service, booking.start))


def refunded(turn: Turn, event: Refunded) -> State:
    turn.say("refund_made", amount=turn.money(event.amount), booking=what(turn, event.booking))
    return present(turn)


def _waiting_on(turn: Turn, booking: Booking) -> bool:
    session = turn.session
    return session.state in WAITING and session.draft.booking_id == booking.id
