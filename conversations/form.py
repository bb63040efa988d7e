"""A form: questions asked in a fixed order, each until its field is filled; the next question is always
the first field still missing. A new booking (conversations/booking.py) and a move (conversations/move.py)
are forms, so a handler that fills a field does not pick the next state: it returns `form.next(turn)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conversations.menu import show_menu
from conversations.session import Session, State
from conversations.turn import Turn

# Where every form goes when it has nothing to offer: no free days, or the customer's booking limit reached.
GIVES_UP_TO = State.START


@dataclass(frozen=True)
class Field:
    name: str
    state: State  # where the conversation waits while this field is asked
    filled: Callable[[Session], object]  # truthy once the customer has answered it
    ask: Callable[[Turn], State]  # puts the question on screen; returns where that left the conversation


def never(_: Session) -> bool:
    """The filled test of a form's last question (the summary): asked whenever everything else is filled."""
    return False


@dataclass(frozen=True, repr=False)
class Form:
    name: str
    fields: tuple[Field, ...]  # in the order asked; the last one's `filled` is `never`

    def __repr__(self) -> str:
        return f"Form({self.name!r}: {', '.join(self.states)})"

    @property
    def states(self) -> tuple[State, ...]:
        return tuple(field.state for field in self.fields)

    def __contains__(self, state: object) -> bool:
        return state in self.states

    def has(self, name: str) -> bool:
        return any(field.name == name for field in self.fields)

    def state_of(self, name: str) -> State:
        return next(field.state for field in self.fields if field.name == name)

    def next(self, turn: Turn) -> State:
        """Ask the first field the session still lacks."""
        field = next(f for f in self.fields if not f.filled(turn.session))
        return field.ask(turn)

    def give_up(self, turn: Turn) -> State:
        """Nothing to offer: the menu (GIVES_UP_TO), after the handler has said why."""
        return show_menu(turn)

    def again(self, turn: Turn, state: State) -> State:
        """Ask the question of `state` again (after help, a stale button, something not understood)."""
        return next(f for f in self.fields if f.state == state).ask(turn)
