"""Two `slotbot serve` processes on one PostgreSQL behind a (simulated) load balancer: a WhatsApp customer's
messages alternate between them, and the booking comes out once, with every reply sent once."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from conversations.texts import text
from storage.db import open_database
from storage.outbox import Outbox
from storage.store import Store
from tests.conftest import _create_database, _to_async
from tests.fakes.twilio_api import FakeTwilio, sign
from tests.waiting import DEADLINE_S, until

ROOT = Path(__file__).parents[2]
PUBLIC = "https://bot.example.com"
CUSTOMER = "+380501234567"

pytestmark = pytest.mark.postgres


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(enforce_session_window=False) as fake:
        yield fake


@pytest.fixture
async def servers(pg_server: str, twilio: FakeTwilio, tmp_path: Path) -> AsyncIterator[tuple[str, list[str]]]:
    name = f"slotbot_serve_{secrets.token_hex(4)}"
    await _create_database(pg_server, name)
    database = pg_server.rsplit("/", 1)[0] + f"/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "TWILIO_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SLOTBOT_DATABASE_URL": database,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE": twilio.base_url,
        "SLOTBOT_PUBLIC_URL": PUBLIC,
    }
    config = ROOT / "config.yaml"
    upgrade = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "db", "upgrade"],
        env=env,
        capture_output=True,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    ports = [_port(), _port()]
    logs = [open(tmp_path / f"serve{i}.log", "w") for i in range(2)]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def started(url: str) -> bool:
                try:
                    return (await client.get(f"{url}/healthz")).status_code == 200
                except httpx.TransportError:
                    return any(proc.poll() is not None for proc in procs)  # one exited: no use waiting

            for url in urls:
                await until(partial(started, url), f"{url} to start")
            for i, proc in enumerate(procs):
                if proc.poll() is not None:
                    pytest.fail(f"{urls[i]} did not start: {(tmp_path / f'serve{i}.log').read_text()}")
        yield database, urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            assert proc.wait(timeout=DEADLINE_S) == 0, "a graceful shutdown exits 0"
        for log in logs:
            log.close()


@pytest.fixture
async def outbox(servers: tuple[str, list[str]]) -> AsyncIterator[Outbox]:
    """The processes' outbox, to see when a reply has gone out."""
    db = open_database(_to_async(servers[0]))
    yield Outbox(db)
    await db.dispose()


async def _send(client: httpx.AsyncClient, url: str, twilio: FakeTwilio, body: str, sid: str) -> int:
    form = twilio.inbound_form(CUSTOMER, body, message_sid=sid, profile_name="Olha")
    signature = sign(f"{PUBLIC}/webhooks/twilio", form, twilio.auth_token)
    response = await client.post(
        f"{url}/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
    )
    return response.status_code


async def _replies_after(twilio: FakeTwilio, count: int, box: Outbox) -> list[str]:
    """The messages sent since `count`, once the reply has gone out whole: its outbox rows were all
    written before the webhook answered."""

    async def replied() -> bool:
        return len(twilio.messages) > count and await _drained(box)

    await until(replied, "a reply")
    return [m.body or "" for m in twilio.messages[count:]]


async def _drained(box: Outbox) -> bool:
    return await box.pending() == 0


async def test_two_processes_share_one_conversation(
    servers: tuple[str, list[str]], twilio: FakeTwilio, outbox: Outbox
) -> None:
    database, urls = servers
    ask_name, booked = (
        text("uk", "ask_name"),
        text("uk", "booked", service="", specialist="", when="", code=""),
    )
    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:
        said, step = "привіт", 0
        for step in range(12):
            seen = len(twilio.messages)
            assert await _send(client, urls[step % 2], twilio, said, f"SM{step:032d}") == 200
            replies = await _replies_after(twilio, seen, outbox)
            if any(booked[:10] in r for r in replies):
                break
            said = "Olha Petrenko" if any(ask_name in r for r in replies) else "1"
        else:
            pytest.fail(f"no booking after 12 messages: {[m.body for m in twilio.messages]}")
        # Twilio retries a webhook it thinks failed: the same MessageSid on the other process changes nothing.
        seen = len(twilio.messages)
        assert await _send(client, urls[(step + 1) % 2], twilio, said, f"SM{step:032d}") == 200
        await until(lambda: _drained(outbox), "the outbox to drain")  # anything queued would be sent
        assert len(twilio.messages) == seen
        forged = twilio.inbound_form(CUSTOMER, "1")
        response = await client.post(
            f"{urls[0]}/webhooks/twilio", data=forged, headers={"X-Twilio-Signature": "x"}
        )
        assert response.status_code == 403
    db = open_database(_to_async(database))
    try:
        settings = load_settings(ROOT / "config.yaml", {"SLOTBOT_DATABASE_URL": database})
        bookings = await Store(db, settings.business).bookings()
    finally:
        await db.dispose()
    assert [b.status for b in bookings] == ["confirmed"]
    assert twilio.violations == []
