"""The terminal as a channel: replies become printed lines, options numbered (a number or words answer).

Like every channel, what the bot says goes through the outbox, so messages the bot starts itself (a hold that
ran out while the customer was away) reach the terminal too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from bot.channels.base import CONSOLE, Delivery, Inbound, Outgoing
from conversations.replies import CalendarEntry, Reply

CALENDAR = "📅"


def printed(text: str, options: list[str]) -> str:
    lines = [text] + [f"  {number}. {label}" for number, label in enumerate(options, 1)]
    return "\n".join(lines)


class ConsoleRenderer:
    """Each reply as a printed message; a booking's calendar file as a line with its link (`calendar_link`,
    where the web app serves it: a public URL and a link secret are configured), else not at all."""

    def __init__(self, calendar_link: Callable[[CalendarEntry], str] | None = None) -> None:
        self._calendar_link = calendar_link

    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]:
        chat = inbound.chat_id
        return [Outgoing(CONSOLE, chat, "say", self._params(reply)) for reply in replies if reply.text]

    def _params(self, reply: Reply) -> dict[str, Any]:
        lines = [reply.text]
        if reply.link:
            lines.append(f"{reply.link[0]}: {reply.link[1]}")
        if reply.calendar is not None and self._calendar_link is not None:
            lines.append(f"{CALENDAR} {self._calendar_link(reply.calendar)}")
        return {"text": "\n".join(lines), "options": [option.label for option in reply.options]}


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
