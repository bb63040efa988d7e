"""Stopping `serve` while a message is being handled: the message is finished, answered and its reply sent."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx

from bot.app import build
from bot.channels.base import Inbound
from bot.config import Settings, TwilioSettings
from bot.runner import Turned
from bot.serve import run
from storage.outbox import Outbox
from tests.fakes.twilio_api import FakeTwilio, sign
from tests.sample import NOW, salon
from tests.waiting import DEADLINE_S, finished, until

PUBLIC = "https://bot.example.com"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_message_in_flight_is_finished_on_shutdown(tmp_path: Path) -> None:
    async with FakeTwilio(enforce_session_window=False) as twilio:
        settings = Settings(
            business=salon(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number="whatsapp:+14155238886",
                public_url=PUBLIC,
                api_base=twilio.base_url,
            ),
        )
        service = await build(settings, clock=lambda: NOW)
        entered, enter = asyncio.Event(), service.runner.enter
        port, stop = _port(), asyncio.Event()

        async def slow_enter(inbound: Inbound) -> Turned:
            entered.set()
            await stop.wait()  # still working when the stop comes
            return await enter(inbound)

        service.runner.enter = slow_enter  # type: ignore[method-assign]
        server = asyncio.create_task(run(service, host="127.0.0.1", port=port, stop=stop))
        form = twilio.inbound_form("+380501234567", "привіт", message_sid="SM" + "1" * 32)
        signature = sign(f"{PUBLIC}/webhooks/twilio", form, twilio.auth_token)
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def listening() -> bool:
                try:
                    await client.get(f"http://127.0.0.1:{port}/healthz")
                    return True
                except httpx.TransportError:
                    return False

            await until(listening, "serve to listen")
            request = asyncio.create_task(
                client.post(
                    f"http://127.0.0.1:{port}/webhooks/twilio",
                    data=form,
                    headers={"X-Twilio-Signature": signature},
                )
            )
            await finished(entered.wait(), "the message to be in hand")
            stop.set()
            response = await finished(request, "the webhook's answer")
        await finished(server, "serve to stop")
        assert response.status_code == 200
        assert twilio.messages, "the reply went out before the process stopped"
    reopened = (await build(settings, clock=lambda: NOW)).db
    try:
        rows = await Outbox(reopened).all()
        assert rows and all(row["status"] == "sent" for row in rows)
    finally:
        await reopened.dispose()
