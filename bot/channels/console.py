"""The terminal as a channel: replies become printed lines, options numbered (a number or words answer).

Like every channel, what the bot says goes through the outbox, so messages the bot starts itself (a hold that
ran out while the customer was away) reach the terminal too.
"""

from __future__ import annotations

from typing import Any, TextIO

from bot.channels.base import CONSOLE, Delivery, Inbound, Outgoing
from conversations.replies import Reply


def printed(text: str, options: list[str]) -> str:
    lines = [text] + [f"  {number}. {label}" for number, label in enumerate(options, 1)]
    return "\n".join(lines)


class ConsoleRenderer:
    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]:
        return [Outgoing(CONSOLE, inbound.chat_id, "say", _params(reply)) for reply in replies if reply.text]


def _params(reply: Reply) -> dict[str, Any]:
    text = f"{reply.text}\n{reply.link[0]}: {reply.link[1]}" if reply.link else reply.text
    return {"text": text, "options": [option.label for option in reply.options]}


class ConsoleSender:
    """Prints each message to the terminal, followed by an empty line."""

    channel = CONSOLE

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def send(self, message: Outgoing) -> Delivery:
        print(printed(message.params.get("text", ""), list(message.params.get("options", []))), file=self.out)
        print(file=self.out)
        self.out.flush()
        return Delivery(ok=True)
