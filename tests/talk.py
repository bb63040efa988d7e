"""Talking to the runner in tests: a conversation named "channel:chat", one event at a time."""

from __future__ import annotations

from bot.channels.base import Inbound, Outgoing
from bot.runner import Runner
from conversations.events import Event
from conversations.replies import Reply


class PlainRenderer:
    """Every reply as one message carrying its option ids and labels, enough to keep talking."""

    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]:
        return [
            Outgoing(
                inbound.channel,
                inbound.chat_id,
                "send",
                {
                    "text": r.text,
                    "options": [o.id for o in r.options],
                    "labels": [o.label for o in r.options],
                    "link": list(r.link) if r.link else None,
                },
            )
            for r in replies
        ]


async def say(runner: Runner, conversation: str, event: Event) -> list[Reply]:
    """The replies to `event` in `conversation` ("console:olha", "telegram:42")."""
    channel, _, chat = conversation.partition(":")
    return (await runner.enter(Inbound(channel, chat, event))).replies


async def receive(runner: Runner, inbound: Inbound) -> list[Outgoing]:
    """What the runner queued for a platform message, rendered plainly unless the runner renders it."""
    runner.renderers.setdefault(inbound.channel, PlainRenderer())
    return (await runner.enter(inbound)).outgoing


def option(sent: list[Outgoing], label: str) -> str:
    """The id of the option labelled `label` (or starting with it) on the last message that has options."""
    for message in reversed(sent):
        for ident, shown in zip(
            message.params.get("options", []), message.params.get("labels", []), strict=True
        ):
            if shown.startswith(label):
                return str(ident)
    raise AssertionError(f"no option {label!r} in {[m.params.get('labels') for m in sent]}")
