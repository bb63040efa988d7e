"""`slotbot chat`: the conversation in a terminal, against the real store.

Options are numbered; a number or free text both answer. When stdin is not a terminal, each line is one
customer message and each reply is printed, so a whole booking can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.runner import Runner
from conversations.events import Command, Event, Text
from conversations.replies import Reply
from storage.store import Store


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  {number}. {option.label}" for number, option in enumerate(reply.options, 1)]
    return "\n".join(lines)


async def chat(
    store: Store,
    clock: Callable[[], datetime],
    *,
    who: str = "you",
    lang: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    runner = Runner(store, clock)
    key = f"console:{who}"
    interactive = stdin.isatty()

    async def send(event: Event) -> None:
        for reply in await runner.handle(key, event):
            print(render(reply), file=stdout)
            print(file=stdout)
        stdout.flush()

    await send(Command("start", language=lang))
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return 0
        message = line.strip()
        if message in ("/quit", "/exit"):
            return 0
        if not message:
            continue
        if not interactive:
            print(f"> {message}", file=stdout)
        command = message[1:].split()[0] if message.startswith("/") else ""
        await send(Command(command, language=None) if command in _COMMANDS else Text(message))


_COMMANDS = ("start", "book", "my", "help", "lang")
