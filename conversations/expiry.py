"""An unpaid hold whose time ran out: the job that comes due at its expiry, and what the customer is told.

HoldDue carries the booking as the store has it when the job runs; only a hold still unpaid and past its
time is expired (ExpireHold). The store's answer comes back as Expired (the time is free again) or Refused
(paid or changed meanwhile: nothing to say).
"""

from __future__ import annotations

from dataclasses import replace

from conversations.again import present
from conversations.effects import ExpireHold
from conversations.events import Expired, HoldDue
from conversations.menu import show_menu
from conversations.session import Draft, State
from conversations.turn import Turn

# Where a conversation waits on a booking of its own (draft.booking_id) to be held, confirmed or paid.
WAITING = (State.HOLDING, State.CONFIRMING, State.AWAITING_PAYMENT)


def hold_due(turn: Turn, event: HoldDue) -> State:
    if event.booking.state(turn.now) == "expired":
        turn.do(ExpireHold(event.booking.id))
    return turn.session.state


def expired(turn: Turn, event: Expired) -> State:
    """Say the time was freed. A customer waiting on that hold gets the menu with "Book again" (the same
    service and specialist); one busy with something else gets their current question again."""
    gone, session = event.booking, turn.session
    turn.say("hold_expired", service=turn.service_name(gone.service), when=turn.when(gone.start))
    if session.state not in WAITING or session.draft.booking_id != gone.id:
        return present(turn)
    staff = turn.business.service(gone.service).staff
    specialist = gone.specialist if gone.specialist in staff else None
    turn.session = replace(session, draft=Draft(service=gone.service, specialist=specialist))
    return show_menu(turn, rebook=True)
