"""The waitlist after joining it (conversations/waiting.py): a freed time offered, "Book it", and leaving.

A waitlist job finds a time freed on a day someone waits for and enters their conversation with
WaitlistOffer. Whatever the customer is doing, they hear the news and keep their place: their current
question is asked again, with "Book it" first among its options, whose action carries the entry and the
time. Pressing it asks the store for the ordinary atomic hold (TakeOffer): the first to press gets it
(OfferTaken: on to confirming or the prepayment, as any new booking), everyone else hears that it has gone
and stays on the list (OfferGone). Entries are listed among the customer's bookings, each with a button
that takes it off the list.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from conversations import again, days, manage, payment, waiting
from conversations.effects import LeaveWaitlist, SaveCustomer, TakeOffer
from conversations.events import Held, OfferGone, OfferTaken, WaitlistJoined, WaitlistLeft, WaitlistOffer
from conversations.menu import show_menu
from conversations.replies import Option
from conversations.rules import booking_limit_reached
from conversations.session import Draft, State
from conversations.turn import Turn
from conversations.understand import TimeWish


def joined(turn: Turn, event: WaitlistJoined) -> State:
    turn.say("waitlist_joined", what=waiting.described(turn, event.entry))
    return again.present(turn)


# ---------------------------------------------------------------- a freed time


def offered(turn: Turn, event: WaitlistOffer) -> State:
    """A freed time for one of the customer's entries: the news, then their current question again with
    "Book it" first; where that question wants words (a name, a phone), the button goes with the news."""
    entry, start = event.entry, event.start
    wished = TimeWish(day=turn.local(start).date(), at=turn.local(start).time())
    turn.say("waitlist_offer", what=days.said_back(turn, wished, entry.service, entry.specialist))
    news = len(turn.replies) - 1
    after = again.present(turn)
    action, label = f"wb:{entry.id}:{days.minutes(start)}", turn.t("book_it")
    if not turn.add_option(action, label, first=True):
        book_it_ = Option(f"{turn.session.seq}|{action}", label)
        turn.replies[news] = replace(turn.replies[news], options=(book_it_,))
        turn.session = replace(turn.session, offer=(book_it_.id,))
    return after


def book_it(turn: Turn, arg: str) -> State:
    """ "Book it": the time the button carries, held for the entry's service (and specialist, or whoever is
    free) through the ordinary hold; unless it has passed or the customer may book no more."""
    entry_text, _, minutes_text = arg.partition(":")
    start = datetime.fromtimestamp(int(minutes_text) * 60, UTC)
    if start <= turn.now:
        turn.say("waitlist_gone")
        return show_menu(turn)
    if booking_limit_reached(turn.business, turn.view.live_bookings()):
        turn.say("limit_active", limit=turn.business.rules.max_active_bookings)
        return show_menu(turn)
    session = turn.session
    if session.customer_id is None and session.name and session.phone:
        turn.do(SaveCustomer(session.name, session.phone, turn.lang, proven=session.phone_proven))
    turn.session = replace(session, draft=Draft())  # whatever they were doing gives way to this booking
    turn.do(TakeOffer(int(entry_text), start))
    return State.HOLDING


def taken(turn: Turn, event: OfferTaken) -> State:
    """First to press: the time is held, and goes on as any new booking (confirmed, or a prepayment)."""
    return payment.held(turn, Held(event.booking))


def gone(turn: Turn, event: OfferGone) -> State:
    turn.say("waitlist_gone")
    return again.present(turn)


# ---------------------------------------------------------------- leaving


def leave(turn: Turn, arg: str) -> State:
    """ "Leave the waitlist: Haircut Tue 24 Nov", among the customer's bookings."""
    entry = next((e for e in turn.view.waiting() if str(e.id) == arg), None)
    if entry is None:  # its day passed since the list was shown
        return manage.show_bookings(turn)
    turn.do(LeaveWaitlist(entry.id))
    return State.BOOKINGS


def left(turn: Turn, event: WaitlistLeft) -> State:
    if event.entry is not None:
        turn.say("waitlist_left", what=waiting.described(turn, event.entry))
    return manage.show_bookings(turn)
