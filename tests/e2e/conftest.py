"""The bot running on Telegram for the e2e tests: `slotbot serve`'s app against the spec-checking fake Bot
API, with each driver (aiogram, python-telegram-bot) in each mode (webhook, long polling)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App as Service
from bot.app import build
from bot.config import Settings, TelegramSettings
from bot.serve import run
from tests.fakes.telegram_api import FakeTelegram
from tests.sample import NOW, salon
from tests.waiting import DEADLINE_S, finished, until

TOKEN = "123456:TEST-token_for-the-fake"
SECRET = "s3cret-Token_for-webhooks"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["aiogram", "ptb"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["webhook", "polling"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def running(driver: str, mode: str, tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, Service, str]]:
    async with FakeTelegram(TOKEN) as tg:
        webhook = mode == "webhook"
        settings = Settings(
            business=salon(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            telegram=TelegramSettings(
                token=TOKEN,
                driver=driver,  # type: ignore[arg-type]
                webhook_url="https://bot.example.com/webhooks/telegram" if webhook else None,
                webhook_secret=SECRET if webhook else None,
                api_base=tg.base_url,
            ),
        )
        service = await build(settings, clock=lambda: NOW)
        port, stop = _port(), asyncio.Event()
        task = asyncio.create_task(run(service, host="127.0.0.1", port=port, stop=stop))
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def healthy() -> bool:
                try:
                    return (await client.get(f"{url}/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(healthy, "serve to answer /healthz")
        # It listens before it has set up Telegram: Telegram sends nothing before the webhook is set.
        if webhook:
            await until(lambda: bool(tg.webhook.url), "serve to set its webhook")
        else:
            await until(lambda: tg.long_polling, "serve to poll")
        try:
            yield tg, service, url
        finally:
            stop.set()
            await finished(task, "serve to stop")
