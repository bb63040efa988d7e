"""`slotbot serve` killed (as by kill -9) right after a hold or a confirmation commits, before its turn is
saved.

Twilio delivers the unanswered message again to the restarted process: the customer is told their booking is
made (not "that time was just taken" about their own hold), one booking exists, and staff are told once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from conversations.texts import text
from storage.db import open_database
from storage.store import Store
from tests.fakes.twilio_api import FakeTwilio, sign
from tests.waiting import DEADLINE_S, until

ROOT = Path(__file__).parents[2]
PUBLIC = "https://bot.example.com"
CUSTOMER = "+380501234567"
ADMIN = "+380441112233"
ADMINS = f'admins: [{{name: Owner, whatsapp: "{ADMIN}"}}]'


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(enforce_session_window=False) as fake:
        yield fake


class Serve:
    """`slotbot serve` processes started one after another on one SQLite file."""

    def __init__(self, workdir: Path, twilio: FakeTwilio) -> None:
        self.workdir, self.port = workdir, _port()
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "TWILIO_"))
        }
        self.env |= {
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
            "TWILIO_API_BASE": twilio.base_url,
            "SLOTBOT_PUBLIC_URL": PUBLIC,
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, die_after: str | None = None) -> subprocess.Popen[bytes]:
        env = {**self.env, "PYTHONPATH": str(ROOT)}
        if die_after:
            env |= {
                "PYTHONPATH": f"{ROOT / 'tests' / 'e2e' / 'dying'}:{ROOT}",
                "SLOTBOT_TEST_DIE_AFTER": die_after,
            }
        log = open(self.workdir / f"serve{len(self.procs)}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)]
        proc = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def up() -> bool:
                try:
                    return (await client.get(f"{self.url}/healthz")).status_code == 200
                except httpx.TransportError:
                    assert proc.poll() is None, (self.workdir / f"serve{len(self.procs) - 1}.log").read_text()
                    return False

            await until(up, "serve to start")
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=DEADLINE_S)


@pytest.fixture
def serve(tmp_path: Path, twilio: FakeTwilio) -> Iterator[Serve]:
    config = (ROOT / "config.yaml").read_text()
    (tmp_path / "config.yaml").write_text(config.replace("admins: []", ADMINS, 1))
    running = Serve(tmp_path, twilio)
    yield running
    running.stop()


async def _post(client: httpx.AsyncClient, serve: Serve, twilio: FakeTwilio, body: str, sid: str) -> int:
    form = twilio.inbound_form(CUSTOMER, body, message_sid=sid, profile_name="Olha")
    signature = sign(f"{PUBLIC}/webhooks/twilio", form, twilio.auth_token)
    try:
        response = await client.post(
            f"{serve.url}/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
        )
    except httpx.TransportError:
        return 0  # the process died before answering: Twilio will deliver it again
    return response.status_code


def _to(twilio: FakeTwilio, number: str) -> list[str]:
    return [m.body or "" for m in twilio.messages if m.to == f"whatsapp:{number}"]


@pytest.mark.parametrize("point", ["hold", "confirm"])
async def test_a_message_redelivered_after_a_kill_books_once_and_tells_once(
    serve: Serve, twilio: FakeTwilio, point: str
) -> None:
    booked = text("uk", "booked", service="", specialist="", when="", code="")[:10]
    summary_mark = text("uk", "confirm")
    dying = await serve.start(die_after=point)
    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:
        # Hello, book, women's haircut (one specialist), the second day, its first time, a name: the summary.
        # Not today: on the real clock today's first time may fall inside the minimum notice by the
        # redelivery (a quarter hour turning over), and the booking would rightly be refused.
        for number, said in enumerate(["привіт", "1", "1", "2", "1", "Olha Petrenko"]):
            seen = len(twilio.messages)
            assert await _post(client, serve, twilio, said, f"SM{number:032d}") == 200
            await until(lambda seen=seen: len(twilio.messages) > seen, f"a reply to {said!r}")
        await until(lambda: any(summary_mark in b for b in _to(twilio, CUSTOMER)[-1:]), "the summary")
        confirm = f"SM{99:032d}"
        assert await _post(client, serve, twilio, "1", confirm) == 0  # killed right after the commit
        assert dying.wait(timeout=DEADLINE_S) == 137
        await serve.start()
        assert await _post(client, serve, twilio, "1", confirm) == 200  # Twilio's redelivery
        await until(lambda: any(booked in b for b in _to(twilio, CUSTOMER)), "the booking's confirmation")
        assert not any(text("uk", "hold_taken")[:15] in b for b in _to(twilio, CUSTOMER))
        await until(lambda: len(_to(twilio, ADMIN)) >= 1, "the staff notice")
        assert await _post(client, serve, twilio, "1", confirm) == 200  # and once more: only a repeat
    db = open_database(f"sqlite+aiosqlite:///{serve.workdir / 'slotbot.db'}")
    try:
        from bot.config import load_settings

        bookings = await Store(db, load_settings(serve.workdir / "config.yaml").business).bookings()
    finally:
        await db.dispose()
    assert [b.status for b in bookings] == ["confirmed"]
    serve.stop()
    assert len(_to(twilio, ADMIN)) == 1
    assert sum(booked in b for b in _to(twilio, CUSTOMER)) == 1
