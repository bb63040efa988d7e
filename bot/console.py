"""`slotbot chat`: the conversation in a terminal, against the real store, as one more channel.

Options are numbered; a number or free text both answer. When stdin is not a terminal, each line is one
customer message and each reply is printed, so a whole booking can be scripted. The durable jobs run here
too, so a hold that runs out while you wait says so in the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.app import build, now_utc
from bot.channels.base import CONSOLE, Inbound
from bot.config import Settings
from conversations.events import Command, Event, Text

COMMANDS = ("start", "book", "my", "help", "lang")


async def chat(
    settings: Settings,
    clock: Callable[[], datetime] = now_utc,
    *,
    who: str = "you",
    lang: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    app = await build(settings, clock=clock, console=stdout)
    stop = asyncio.Event()
    background = [
        asyncio.create_task(app.dispatcher.run(stop), name="outbox"),
        asyncio.create_task(app.scheduler.run(stop), name="jobs"),
    ]
    interactive = stdin.isatty()

    async def send(event: Event) -> None:
        await app.runner.enter(Inbound(CONSOLE, who, event, language=lang))
        await app.dispatcher.settle()  # printed before the next line is read

    try:
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
            await send(Command(command, language=None) if command in COMMANDS else Text(message))
    finally:
        stop.set()
        await asyncio.gather(*background, return_exceptions=True)
        with contextlib.suppress(Exception):
            await app.dispatcher.close()
        await app.close()
