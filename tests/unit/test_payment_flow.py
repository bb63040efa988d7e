"""The paid time-hold in the pure conversation: what the customer sees when the money does not simply arrive.

Regression tests for issue 12's loose ends: a hold dropped in the minute after its payment was recorded (the
customer had not heard yet) gives the money back; a payment too late for a time taken meanwhile offers the
nearest free times of that service; another try is offered until LiqPay stops taking it, not the hold."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from conversations import effects as fx
from conversations import events as ev
from conversations.session import State
from storage.booking import Booking
from tests.sample import at
from tests.unit.chatter import Chatter
from tests.unit.test_flow import returning


def _awaiting() -> tuple[Chatter, Booking]:
    c = returning()
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        c.tap(label)
    assert c.session.state == State.AWAITING_PAYMENT
    return c, c.bookings[-1]


def test_dropping_a_hold_whose_payment_was_recorded_gives_the_money_back() -> None:
    c, held = _awaiting()
    # The payment was recorded (the booking confirmed, 500 kept), and the process died before the turn that
    # tells the customer was saved: the customer still sees "awaiting payment" and taps Cancel.
    c.bookings[-1] = replace(held, status="confirmed", expires_at=None, paid=Decimal(500))
    c.tap("Cancel")
    assert fx.CancelBooking(held.id, refund=True, refund_amount=Decimal(500)) in c.effects


def test_a_payment_too_late_for_a_taken_time_offers_the_nearest_free_times() -> None:
    c, held = _awaiting()
    c.occupy("anna", "colouring", at(24, 10))
    late = replace(held, status="expired", paid=Decimal(0))
    c.send(ev.PaidTooLate(late, Decimal(500)))
    text = c.text()
    assert "came after the hold had run out" in text and "goes back" in text
    assert c.session.state == State.TIME and c.session.draft.service == "colouring"
    assert c.labels() and all(label != "10:00" for label in c.labels())


def test_another_try_is_offered_until_liqpay_stops_taking_the_payment() -> None:
    c, held = _awaiting()
    c.send(ev.PaymentFailed(held))
    assert "until 10:29" in c.text()  # the hold ends at 10:30; LiqPay stops a minute before
    assert c.labels()[:1] == ["Try paying again"]
