"""docs/flow.mmd is generated from the transition table; this fails when one is edited and not the other."""

from pathlib import Path

from conversations.diagram import mermaid

DIAGRAM = Path(__file__).parents[2] / "docs" / "flow.mmd"


def test_diagram_matches_the_table() -> None:
    assert DIAGRAM.read_text(encoding="utf-8") == mermaid(), (
        "docs/flow.mmd is out of date: run `python -m conversations.diagram > docs/flow.mmd`"
    )


def test_every_state_the_table_leads_to_has_a_way_on() -> None:
    from conversations.flow import ANY, PRESENT, TABLE

    sources = {state for state, _ in TABLE if state != ANY}
    targets = {target for row in TABLE.values() for target in row.to} - {"="}
    transient = {"holding", "confirming", "cancelling", "moving"}
    # Every state a customer can be left in can be asked again (after help or a stale button).
    assert targets - transient - {"awaiting_payment"} <= set(PRESENT)
    # And every state reached has rows of its own or is answered by the global rows.
    assert targets <= sources | {"start", "name", "phone"} | set(PRESENT)
