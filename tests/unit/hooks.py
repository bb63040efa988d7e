"""The HTTP server with both webhooks in front of a real runner and store (SQLite), and a raw HTTP client
that sends what an HTTP library would not (header bytes that are not UTF-8, a body at odds with its
length): the webhook tests of issue 11 ("No 5xx on any input") speak to it as Telegram, Twilio or anyone
else would."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestServer

from bot.channels.base import TELEGRAM, WHATSAPP, Renderer
from bot.channels.telegram import SECRET_HEADER, TelegramRenderer
from bot.channels.whatsapp_twilio import SIGNATURE_HEADER, WhatsAppRenderer
from bot.runner import Runner
from bot.web import TelegramHook, TwilioHook, make_app
from storage.db import Database, open_database
from storage.migrate import upgrade
from storage.store import Store
from tests.fakes.twilio_api import sign
from tests.sample import NOW, salon

SECRET = "hook_Secret-123"
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://bot.example.com/webhooks/twilio"
TELEGRAM_PATH, TWILIO_PATH = "/webhooks/telegram", "/webhooks/twilio"
FORM = "application/x-www-form-urlencoded"

Headers = list[tuple[bytes, bytes]]


@dataclass
class Served:
    host: str
    port: int
    runner: Runner
    db: Database

    async def post(self, path: str, body: bytes, headers: Headers) -> tuple[int, bytes]:
        return await raw_post(self.host, self.port, path, body, headers)

    async def telegram(self, body: bytes, secret: bytes = SECRET.encode()) -> tuple[int, bytes]:
        headers = [(b"Content-Type", b"application/json"), (SECRET_HEADER.encode(), secret)]
        return await self.post(TELEGRAM_PATH, body, headers)

    async def twilio(self, body: bytes, signature: bytes | None = None) -> tuple[int, bytes]:
        headers: Headers = [(b"Content-Type", FORM.encode())]
        if signature is not None:
            headers.append((SIGNATURE_HEADER.encode(), signature))
        return await self.post(TWILIO_PATH, body, headers)


def signed(pairs: list[tuple[str, str]]) -> bytes:
    """Twilio's signature for a form of these fields, as Twilio would send it."""
    return sign(PUBLIC_URL, pairs, TOKEN).encode()


@asynccontextmanager
async def serving(directory: Path) -> AsyncIterator[Served]:
    """`slotbot serve`'s web app on a free loopback port, its hooks feeding a runner on a new SQLite file."""
    db = open_database(f"sqlite+aiosqlite:///{directory / 'hooks.db'}")
    await upgrade(db)
    renderers: dict[str, Renderer] = {
        TELEGRAM: TelegramRenderer(answer_in_webhook=True),
        WHATSAPP: WhatsAppRenderer(),
    }
    runner = Runner(Store(db, salon()), lambda: NOW, renderers=renderers)

    async def healthy() -> bool:
        return True

    app = make_app(
        healthy=healthy,
        telegram_hook=TelegramHook(SECRET, runner.enter),
        twilio_hook=TwilioHook(TOKEN, PUBLIC_URL, runner.enter),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        assert server.port is not None
        yield Served("127.0.0.1", server.port, runner, db)
    finally:
        await server.close()
        await db.dispose()


async def raw_post(host: str, port: int, path: str, body: bytes, headers: Headers) -> tuple[int, bytes]:
    """POST `body` with exactly these header bytes; the status and the response body.

    The response is read by its Content-Length before the connection is closed: the server may answer
    (a 403) before it has read a long body, and closing a socket that still holds unread bytes resets it,
    which would lose the answer."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {host}:{port}".encode()]
        lines += [name + b": " + value for name, value in headers]
        lines.append(b"Content-Length: %d" % len(body))
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        content = await reader.readexactly(int(length[1])) if length else await reader.read()
    finally:
        writer.close()
    return status, content
