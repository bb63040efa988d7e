"""Asking the current question again: after help, a greeting, a stale button, words not understood, or news
that does not change where the customer is. These leave the conversation where it was (in a form, at that
form's question, which may have moved on when its answers ran out), or at the menu when the question no
longer stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conversations import days, manage
from conversations.booking import BOOKING
from conversations.effects import SaveCustomer
from conversations.events import ContactShared
from conversations.form import Form
from conversations.menu import show_language, show_menu, welcome
from conversations.move import MOVE
from conversations.replies import Reply
from conversations.session import State
from conversations.texts import LANGUAGES
from conversations.turn import Turn
from conversations.understand import Understanding
from conversations.waiting import WAITLIST

FORMS = (BOOKING, MOVE, WAITLIST)


def form_of(state: State) -> Form | None:
    return next((form for form in FORMS if state in form), None)


# The question of each state outside the forms; any other state (a wait for the store) shows the menu.
QUESTIONS: dict[State, Callable[[Turn], State]] = {
    State.START: show_menu,
    State.AWAITING_PAYMENT: manage.show_payment,
    State.BOOKINGS: manage.show_bookings,
    State.BOOKING: manage.show_booking_again,
    State.CANCEL_CONFIRM: manage.ask_cancel,
    State.LANGUAGE: show_language,
}


def present(turn: Turn, _: Any = None) -> State:
    """The current state's question again."""
    state = turn.session.state
    form = form_of(state)
    if form is not None and turn.session.draft.nearest and state == form.state_of("time"):
        return days.offer_again(turn, form)  # the nearest times to their wish, those still free
    if form is not None:
        return form.again(turn, state)
    return QUESTIONS.get(state, show_menu)(turn)


def help_(turn: Turn, _: Any = None) -> State:
    turn.say("help", contact=turn.business.contact or turn.business.name)
    return present(turn)


def hello(turn: Turn, _: Any = None) -> State:
    """A greeting: the welcome and the menu to begin with, or else the question the customer is on again."""
    if turn.session.state == State.START:
        return welcome(turn)
    return present(turn)


def not_understood(turn: Turn, _: Any = None) -> State:
    turn.say("not_understood")
    return present(turn)


def contact(turn: Turn, shared: ContactShared) -> State:
    """A contact shared outside the phone question: the sender's own number makes them known (the platform's
    proof, as on WhatsApp); anyone else's is not for us."""
    if not shared.own:
        return not_understood(turn)
    if turn.session.customer_id is None:
        turn.session = replace(turn.session, phone=shared.phone, phone_proven=True)
        turn.do(SaveCustomer(turn.session.name, shared.phone, turn.lang, proven=True))
    turn.replies.append(Reply(turn.t("phone_noted", phone=shared.phone), done_sharing=True))
    return present(turn)


def stale(turn: Turn, _: Any = None) -> State:
    """A button from an earlier message: never an action, only the current question again."""
    turn.say("stale_button")
    return present(turn)


def switch_language(turn: Turn, said: Understanding) -> State:
    """ "english please", "по-українськи": that language at once, and the current question again in it;
    "language" alone: the list to choose from."""
    code = said.named_language
    if code is None or code not in turn.business.languages or code not in LANGUAGES:
        return show_language(turn)
    turn.session = replace(turn.session, lang=code, lang_by="customer")
    turn.say("language_set")
    return present(turn)


def stay(turn: Turn, _: Any = None) -> State:
    """Nothing to say or do."""
    return turn.session.state
