"""docs/flow.mmd is generated from the transition table; this fails when one is edited and not the other.
And the table stays a map: few places per row, few arrows, every state reachable and answerable."""

from pathlib import Path

from conversations.again import FORMS, QUESTIONS
from conversations.diagram import mermaid
from conversations.flow import ANY, SAME, TABLE
from conversations.form import GIVES_UP_TO, Form
from conversations.session import State

DIAGRAM = Path(__file__).parents[2] / "docs" / "flow.mmd"
TRANSIENT = {State.HOLDING, State.CONFIRMING, State.CANCELLING, State.MOVING}  # within one turn


def test_diagram_matches_the_table() -> None:
    assert DIAGRAM.read_text(encoding="utf-8") == mermaid(), (
        "docs/flow.mmd is out of date: run `python -m conversations.diagram > docs/flow.mmd`"
    )


def test_the_diagram_is_a_map_not_a_fan() -> None:
    arrows = [line.strip() for line in mermaid().splitlines() if "-->" in line and "[*]" not in line]
    # 47: issue 11 added "back" inside each form (one arrow from each form to itself) and from a move back to
    # the booking it moves; 48: issue 12, the prepayment confirmed without a provider to take it (the link,
    # a failure and another try stay where they are); 55: issue 13, the waitlist, a form of its own (its
    # name and phone questions lead on; in from a full day or a taken time, and from the menu when no day
    # had a free time; back to the booking, out to the menu) and "Book it", the one arrow from anywhere it
    # adds, since an offer finds the customer wherever they are. Its other rows (the offer, "it has gone",
    # leaving the list) stay where they are or join arrows already drawn. The rest of the map is as it was.
    assert len(arrows) <= 55, "\n".join(arrows)
    assert len([a for a in arrows if a.startswith("anywhere -->")]) <= 6


def test_rows_lead_to_one_or_two_places_and_the_menu_at_most_besides() -> None:
    for (where, trigger), row in TABLE.items():
        assert 1 <= len(row.to) <= 3 and len(set(row.to)) == len(row.to), (where, trigger)
        if len(row.to) == 3:
            assert row.to[-1] == GIVES_UP_TO, (where, trigger, row.to)
        assert all(isinstance(to, State | Form) or to is SAME for to in row.to), (where, trigger)


def _targets() -> set[State]:
    found: set[State] = set()
    for row in TABLE.values():
        for to in row.to:
            found |= set(to.states) if isinstance(to, Form) else {to} if isinstance(to, State) else set()
    return found


def test_every_state_is_reached_and_has_a_way_on() -> None:
    in_forms = {state for form in FORMS for state in form.states}
    assert set(State) == _targets() | in_forms
    answered = {where for where, _ in TABLE if isinstance(where, State)}
    answered |= {state for form in FORMS if any(where is form for where, _ in TABLE) for state in form.states}
    # The menu's buttons and the language's are rows for anywhere; every other state has rows of its own.
    assert set(State) - answered <= {State.START}
    assert any(where is ANY and trigger == "m:book" for where, trigger in TABLE)


def test_every_state_a_customer_waits_in_can_be_asked_again() -> None:
    in_forms = {state for form in FORMS for state in form.states}
    assert set(State) - TRANSIENT == in_forms | set(QUESTIONS)
