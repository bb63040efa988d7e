"""The bot running on Telegram for the e2e tests: `slotbot serve`'s app against the spec-checking fake Bot
API, with each driver (aiogram, python-telegram-bot) in each mode (webhook, long polling). `serving` runs any
settings' app in this process (tests/e2e/test_prepayments.py adds LiqPay and WhatsApp)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
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


def telegram_settings(tg: FakeTelegram, driver: str, mode: str) -> TelegramSettings:
    webhook = mode == "webhook"
    return TelegramSettings(
        token=TOKEN,
        driver=driver,  # type: ignore[arg-type]
        webhook_url="https://bot.example.com/webhooks/telegram" if webhook else None,
        webhook_secret=SECRET if webhook else None,
        api_base=tg.base_url,
    )


@asynccontextmanager
async def serving(
    settings: Settings, *, port: int | None = None, clock: Callable[[], datetime] = lambda: NOW
) -> AsyncIterator[tuple[Service, str]]:
    """`settings`' app served on 127.0.0.1:`port` (a free one by default) until the block ends."""
    service = await build(settings, clock=clock)
    port, stop = port or _port(), asyncio.Event()
    task = asyncio.create_task(run(service, host="127.0.0.1", port=port, stop=stop))
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def healthy() -> bool:
                try:
                    return (await client.get(f"{url}/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(healthy, "serve to answer /healthz")
        yield service, url
    finally:
        stop.set()
        await finished(task, "serve to stop")


async def telegram_ready(tg: FakeTelegram, mode: str) -> None:
    """It listens before it has set up Telegram: Telegram sends nothing before the webhook is set."""
    if mode == "webhook":
        await until(lambda: bool(tg.webhook.url), "serve to set its webhook")
    else:
        await until(lambda: tg.long_polling, "serve to poll")


@pytest.fixture
async def running(driver: str, mode: str, tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, Service, str]]:
    async with FakeTelegram(TOKEN) as tg:
        settings = Settings(
            business=salon(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            telegram=telegram_settings(tg, driver, mode),
        )
        async with serving(settings) as (service, url):
            await telegram_ready(tg, mode)
            yield tg, service, url
