"""docs/flow.mmd, drawn from the transition table: `python -m conversations.diagram > docs/flow.mmd`."""

from __future__ import annotations

from collections import defaultdict

from conversations.flow import transitions


def mermaid() -> str:
    labels: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, trigger, target in transitions():
        labels[(source, target)].append(trigger)
    lines = ["stateDiagram-v2", "    [*] --> start"]
    for (source, target), triggers in sorted(labels.items()):
        lines.append(f"    {source} --> {target}: {', '.join(sorted(set(triggers)))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(mermaid(), end="")
