"""`slotbot serve`: one process with the HTTP server, Telegram (webhook or long polling), WhatsApp, the outbox
sender and the hold-expiry sweep. Several such processes may share one PostgreSQL.

Shutdown (SIGTERM, SIGINT) stops taking new updates, lets the messages in flight finish, gives the outbox a
few seconds to deliver what they queued, and closes everything; anything still queued waits in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import text

from bot import logs
from bot.channels.base import Inbound, Sender
from bot.config import Settings
from bot.notify import staff_notifier
from bot.outbox import Dispatcher
from bot.runner import Runner
from bot.web import TelegramHook, TwilioHook, make_app
from bot.window import WhatsAppWindow
from storage.db import Database, open_database
from storage.migrate import ensure_schema
from storage.outbox import Outbox
from storage.store import Store

log = logging.getLogger("slotbot.serve")
GC_THRESHOLDS = (50_000, 20, 100)
SHUTDOWN_GRACE_S = 10.0
EXPIRY_SWEEP_S = 30.0


class TelegramDriver(Protocol):
    async def setup(self, webhook_url: str | None) -> None: ...
    async def feed(self, update: dict[str, Any]) -> None: ...
    async def poll(self, stop: asyncio.Event) -> None: ...
    def sender(self) -> Sender: ...
    async def close(self) -> None: ...


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class Service:
    """Everything `serve` runs, built by `build` and started by `run`."""

    settings: Settings
    db: Database
    store: Store
    runner: Runner
    dispatcher: Dispatcher
    app: web.Application
    telegram: TelegramDriver | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def telegram_driver(settings: Settings, handle: Callable[[Inbound], Awaitable[None]]) -> TelegramDriver:
    """aiogram by default, python-telegram-bot on request; imported here only, both are slow to import."""
    if settings.telegram.driver == "ptb":
        from bot.channels.telegram_ptb import PtbTelegram

        return PtbTelegram(settings.telegram, handle, settings.business.default_language)
    from bot.channels.telegram_aiogram import AiogramTelegram

    return AiogramTelegram(settings.telegram, handle, settings.business.default_language)


async def build(
    settings: Settings, *, clock: Callable[[], datetime] = now_utc, owner: str | None = None
) -> Service:
    from bot.channels.telegram import TelegramRenderer
    from bot.channels.whatsapp_twilio import TwilioSender, WhatsAppRenderer

    owner = owner or uuid.uuid4().hex[:12]
    db = open_database(settings.database_url)
    await ensure_schema(db)
    store = Store(db, settings.business)
    senders: dict[str, Sender] = {}
    window = WhatsAppWindow(db, settings.twilio.content, clock)
    limits = {"telegram": settings.telegram.messages_per_second}
    if settings.twilio.messages_per_second is not None:
        limits["whatsapp"] = settings.twilio.messages_per_second
    dispatcher = Dispatcher(Outbox(db), senders, clock, owner, prepare=window.prepare, per_second=limits)
    runner = Runner(store, clock, owner, notify=staff_notifier(settings.business), handoff=dispatcher)
    closers: list[Callable[[], Awaitable[None]]] = []
    telegram_hook = twilio_hook = None
    driver = None
    if settings.telegram.token:
        # A webhook answers a pressed button in its response (telegram.webhook); polling needs the outbox.
        tg_renderer = TelegramRenderer(
            answer_in_webhook=bool(settings.telegram.webhook_url and settings.telegram.webhook_secret)
        )

        async def on_telegram(inbound: Inbound) -> None:
            await runner.receive(inbound, tg_renderer)

        driver = telegram_driver(settings, on_telegram)
        senders["telegram"] = driver.sender()
        closers.append(driver.close)
        if settings.telegram.webhook_url and settings.telegram.webhook_secret:
            telegram_hook = TelegramHook(settings.telegram.webhook_secret.get_secret_value(), driver.feed)
    twilio = settings.twilio
    if twilio.account_sid and twilio.auth_token and twilio.from_number:
        wa_renderer = WhatsAppRenderer(twilio.content)
        sender = TwilioSender(twilio)
        senders["whatsapp"] = sender
        closers.append(sender.aclose)

        async def on_whatsapp(inbound: Inbound) -> None:
            await runner.receive(inbound, wa_renderer)

        if twilio.public_url:
            # Twilio signs the URL it called, which behind a proxy is not the one we see: use the configured.
            public = twilio.public_url.rstrip("/") + "/webhooks/twilio"
            twilio_hook = TwilioHook(twilio.auth_token.get_secret_value(), public, on_whatsapp)

    async def healthy() -> bool:
        try:
            async with db.reading() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.exception("health check: the database does not answer")
            return False

    app = make_app(healthy=healthy, telegram_hook=telegram_hook, twilio_hook=twilio_hook)
    return Service(settings, db, store, runner, dispatcher, app, driver, closers)


async def run(service: Service, *, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set, then shut down gracefully."""
    settings = service.settings
    runner = web.AppRunner(service.app, shutdown_timeout=SHUTDOWN_GRACE_S, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s", host, port)
    tasks = [
        asyncio.create_task(service.dispatcher.run(stop), name="outbox"),
        asyncio.create_task(_expiry_sweep(service, stop), name="expiry"),
    ]
    if service.telegram is not None:
        webhook = settings.telegram.webhook_url if settings.telegram.webhook_secret else None
        await service.telegram.setup(webhook)
        if webhook is None:
            tasks.append(asyncio.create_task(service.telegram.poll(stop), name="telegram-polling"))
            log.info("telegram: long polling (no webhook_url with webhook_secret configured)")
    await stop.wait()
    log.info("shutting down: finishing the messages in flight")
    await runner.cleanup()  # stops accepting, waits for handlers in flight
    with contextlib.suppress(Exception):
        await asyncio.wait_for(service.dispatcher.drain_once(), timeout=SHUTDOWN_GRACE_S)
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(Exception):
        await service.dispatcher.close()  # what is left goes back to the store for the next start
    for close in service.closers:
        with contextlib.suppress(Exception):
            await close()
    await service.db.dispose()
    log.info("stopped")


async def _expiry_sweep(service: Service, stop: asyncio.Event) -> None:
    """Records holds that ran out (their time is free already; this is for the record and for telling)."""
    while not stop.is_set():
        try:
            expired = await service.store.expire_due(now=service.dispatcher.clock())
            if expired:
                log.info("expired %d unpaid holds", len(expired))
        except Exception:
            log.exception("expiry sweep failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=EXPIRY_SWEEP_S)


async def serve(settings: Settings, *, host: str, port: int) -> int:
    secrets = [
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.twilio.auth_token,
        settings.liqpay.private_key,
        _password(settings.database_url),
    ]
    logs.configure(secrets)
    service = await build(settings)
    # Everything made so far (modules, the libraries' models, the business) lives as long as the process:
    # out of the garbage collector's way, a full collection takes a fraction of the time. And a request's
    # objects live for its whole turn: collected young every 700 allocations, most of them survive into the
    # older generations and are scanned again and again (under load 9% of the time went to the collector).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run(service, host=host, port=port, stop=stop)
    return 0


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).password
