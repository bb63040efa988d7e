"""docs/flow.mmd, drawn from the transition table: `python -m conversations.diagram > docs/flow.mmd`.

A map rather than a list of rows. Each form is one box with its questions in the order asked: an answer
leads to the first field still missing, so the arrows inside are the path of a customer who answers them
all. Ways out of a form to the menu leave from its box. The rows for anywhere are one node; those that stay
where the customer is, or go back to the menu, are a note beside it rather than arrows into every state.
"""

from __future__ import annotations

from collections import defaultdict

from conversations.again import FORMS, form_of
from conversations.flow import ANY, SAME, TABLE, Row, Where
from conversations.form import GIVES_UP_TO, Form
from conversations.session import State

ANYWHERE = "anywhere"
# The note beside `anywhere`: what its rows do besides their arrows, by (has arrows, the rest of `to`).
NOTES = {
    (False, (SAME,)): "stay where they are (a reminder is said beside the question; the rest say nothing)",
    (False, (GIVES_UP_TO,)): "the menu",
    (False, (SAME, GIVES_UP_TO)): "the current question again, or the menu if it no longer stands",
    (True, (GIVES_UP_TO,)): "the menu when there is nothing to show",
    (True, (SAME, GIVES_UP_TO)): (
        "else the current question again (in the language named; after a reminder out of date) or the menu"
    ),
}
GIVING_UP = "nothing to offer"

Arrows = dict[tuple[str, str], set[str]]


def mermaid() -> str:
    arrows, noted = _arrows(), _noted()
    home = {str(state): form for form in FORMS for state in form.states}
    lines = ["stateDiagram-v2", "    [*] --> start", f"    state {ANYWHERE}", f"    note right of {ANYWHERE}"]
    lines += [f"        {NOTES[kind]}: {', '.join(sorted(noted[kind]))}" for kind in NOTES if kind in noted]
    lines.append("    end note")
    for form in FORMS:
        lines.append(f"    state {_node(form)} {{")
        lines += [
            _line(a, b, t, 8) for (a, b), t in sorted(arrows.items()) if home.get(a) is home.get(b) is form
        ]
        lines.append("    }")
    lines += [
        _line(a, b, t, 4)
        for (a, b), t in sorted(arrows.items())
        if not home.get(a) is home.get(b) is not None
    ]
    return "\n".join(lines) + "\n"


def _arrows() -> Arrows:
    """(from, to) → the triggers drawn on that arrow."""
    arrows: Arrows = defaultdict(set)
    for (where, trigger), row in TABLE.items():
        for target in _drawn(where, row):
            arrows[_arrow(where, target)].add(trigger)
    for form in FORMS:
        arrows[(_node(form), str(GIVES_UP_TO))].add(GIVING_UP)
    return arrows


def _drawn(where: Where, row: Row) -> list[Where]:
    return [target for target in row.to if not (where is ANY and target in (SAME, GIVES_UP_TO))]


def _noted() -> dict[tuple[bool, tuple[Where, ...]], set[str]]:
    noted: dict[tuple[bool, tuple[Where, ...]], set[str]] = defaultdict(set)
    for (where, trigger), row in TABLE.items():
        rest = tuple(target for target in row.to if target in (SAME, GIVES_UP_TO))
        if where is ANY and rest:
            noted[(bool(_drawn(where, row)), rest)].add(trigger)
    return noted


def _arrow(where: Where, target: Where) -> tuple[str, str]:
    form = form_of(where) if isinstance(where, State) else where if isinstance(where, Form) else None
    if form is not None and target == GIVES_UP_TO:
        return _node(form), str(GIVES_UP_TO)  # out of the form to the menu: from its box
    if isinstance(where, State) and form is not None and target is form:
        # On to the form's next question: drawn as the field after this one, the path of a new customer.
        return str(where), str(form.states[min(form.states.index(where) + 1, len(form.states) - 1)])
    return _node(where), _node(where if target is SAME else target)


def _node(place: Where) -> str:
    if place is ANY:
        return ANYWHERE
    if isinstance(place, Form):
        return f"{place.name}_form"
    return str(place)


def _line(source: str, target: str, triggers: set[str], indent: int) -> str:
    return f"{' ' * indent}{source} --> {target}: {', '.join(sorted(triggers))}"


if __name__ == "__main__":
    print(mermaid(), end="")
