"""Staff cancel a booking (`slotbot cancel CODE`), and the customer is told wherever they are.

StaffCancels enters the conversation of the chat the booking was made from, like a reminder. The booking is
read again from the view (it may have changed since staff looked): one no longer live or already begun is
left alone, and nothing is said. Otherwise it is cancelled with the refund the business's window gives, as
the customer's own cancellation would (conversations/rules.py), or all that was paid with `full_refund`.
The news is said beside the question on screen, which still stands; a customer whose question was about
that very booking (paying for its hold, cancelling or moving it) gets the menu after it.
"""

from __future__ import annotations

from dataclasses import replace

from conversations.calendar_entry import attach_calendar
from conversations.effects import CancelBooking
from conversations.events import Cancelled, StaffCancels
from conversations.manage import what
from conversations.menu import restart
from conversations.replies import Template
from conversations.rules import refund_amount
from conversations.session import State
from conversations.turn import Turn
from storage.booking import Booking

# Questions about one booking of the customer's own (draft.booking_id): cancelled, they no longer stand.
ABOUT_IT = (
    State.AWAITING_PAYMENT,
    State.BOOKING,
    State.CANCEL_CONFIRM,
    State.MOVE_DAY,
    State.MOVE_TIME,
    State.MOVE_CONFIRM,
)


def cancels(turn: Turn, event: StaffCancels) -> State:
    booking = _still_live(turn, event.booking)
    if booking is not None:
        amount = booking.paid if event.full_refund else refund_amount(turn.business, booking, turn.now)
        turn.do(
            CancelBooking(
                booking.id, refund=amount > 0, refund_amount=amount, by_staff=True, reason=event.reason
            )
        )
    return turn.session.state


def _still_live(turn: Turn, asked: Booking) -> Booking | None:
    """The booking as the view has it now; a chat-less booking's throwaway session knows no customer, so
    there the booking staff read is all there is (the store refuses one no longer live)."""
    booking = turn.view.booking(asked.id) if turn.session.customer_id is not None else asked
    if booking is None or not booking.is_live(turn.now) or booking.start <= turn.now:
        return None
    return booking


def _template(turn: Turn, booking: Booking, contact: str) -> Template:
    """The `booking_cancelled` WhatsApp template's variables (for a customer who last wrote more than 24 hours
    ago): 1 service, 2 specialist, 3 day and time, 4 the booking's code, 5 whom to ask to book again."""
    facts = turn.booking_facts(booking)
    variables = (facts["service"], facts["specialist"], facts["when"], booking.code, contact)
    return Template("booking_cancelled", variables, turn.lang)


def told(turn: Turn, event: Cancelled) -> State:
    """The business cancelled the visit: what, why, what comes back, whom to ask to book again; and the
    calendar file that takes it out of their calendar."""
    booking, business = event.booking, turn.business
    lines = [turn.t("business_cancelled_visit", business=business.name, booking=what(turn, booking))]
    if event.reason:
        lines.append(turn.t("business_cancelled_reason", reason=event.reason))
    if event.refund > 0:
        lines.append(turn.t("business_cancelled_refund", amount=turn.money(event.refund)))
    elif booking.paid > 0:
        lines.append(turn.t("business_cancelled_no_refund", amount=turn.money(booking.paid)))
    contact = business.contact or business.name
    lines.append(turn.t("business_cancelled_rebook", contact=contact))
    turn.tell("\n".join(lines), _template(turn, booking, contact))
    if booking.expires_at is None:  # it was confirmed, so the customer has its calendar file
        attach_calendar(turn, booking)
    session = turn.session
    if session.state in ABOUT_IT and session.draft.booking_id == booking.id:
        return restart(turn)
    if session.reminded.partition(".")[0] == str(booking.id):
        turn.session = replace(session, reminded="")  # "yes" is no longer an answer to its reminder
    return session.state
