"""The composition root: settings → database → store, runner, scheduler, outbox sender, channels, web app.

Nothing is built at import time. `build` wires everything a running bot needs (`slotbot serve`, and the
terminal chat, which is a channel like the others); `open_store` is the store alone, for the commands that
only read or change bookings. Channel adapters get their own small settings from here, never the config.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from aiohttp import web
from pydantic import SecretStr

from bot.calendar import CalendarLinks
from bot.channels.base import CONSOLE, TELEGRAM, WHATSAPP, Inbound, Renderer, Sender
from bot.config import Settings
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.outbox import Dispatcher
from bot.runner import Runner
from bot.web import CalendarHook, LiqPayHook, TelegramHook, TwilioHook, make_app
from bot.window import WhatsAppWindow
from conversations.replies import CalendarEntry
from payments.liqpay import LiqPayAccount
from payments.liqpay_api import LiqPayApi
from storage.booking import Booking
from storage.db import Database, open_database
from storage.health import Health, health
from storage.jobs import Jobs
from storage.migrate import ensure_schema
from storage.outbox import Outbox
from storage.store import Store

log = logging.getLogger("slotbot.app")


class TelegramDriver(Protocol):
    """What a Telegram library does for us: set up the bot, poll for updates, send."""

    async def me(self) -> str: ...
    async def setup(self, webhook_url: str | None, secret: str | None = None) -> None: ...
    async def poll(self, stop: Any, feed: Callable[[dict[str, Any]], Awaitable[None]]) -> None: ...
    def sender(self) -> Sender: ...
    async def close(self) -> None: ...


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Everything a running bot is made of, built by `build`; `bot.serve.run` starts it."""

    settings: Settings
    db: Database
    store: Store
    runner: Runner
    dispatcher: Dispatcher
    scheduler: Scheduler
    web: web.Application
    telegram: TelegramDriver | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for close in self.closers:
            try:
                await close()
            except Exception:
                log.exception("closing a channel failed")
        await self.db.dispose()


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    """The store for `settings`, its schema checked (and, on the embedded SQLite, brought up to date)."""
    db = open_database(settings.database_url)
    try:
        await ensure_schema(db)
        yield Store(db, settings.business)
    finally:
        await db.dispose()


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = now_utc,
    owner: str | None = None,
    console: TextIO | None = None,
    deliver: bool = True,
) -> App:
    """The bot on the channels `settings` configure (and the terminal, when `console` is given). Without
    `deliver` (a command that enters one event and exits), what a turn queues is left in the outbox for a
    running bot to send, rather than handed to this process's sender."""
    owner = owner or uuid.uuid4().hex[:12]
    db = open_database(settings.database_url)
    await ensure_schema(db)
    store = Store(db, settings.business)
    senders: dict[str, Sender] = {}
    renderers: dict[str, Renderer] = {}
    closers: list[Callable[[], Awaitable[None]]] = []
    window = WhatsAppWindow(db, settings.twilio.content, clock)
    limits = {TELEGRAM: settings.telegram.messages_per_second}
    if settings.twilio.messages_per_second is not None:
        limits[WHATSAPP] = settings.twilio.messages_per_second
    dispatcher = Dispatcher(Outbox(db), senders, clock, owner, prepare=window.prepare, per_second=limits)
    account = liqpay_account(settings)
    runner = Runner(
        store,
        clock,
        owner,
        renderers=renderers,
        notify=staff_notifier(settings.business),
        handoff=dispatcher if deliver else None,
        liqpay=account,
    )
    api = LiqPayApi(account) if account is not None else None
    if api is not None:
        closers.append(api.aclose)
    scheduler = Scheduler(Jobs(db), runner, clock, owner, liqpay=api)

    async def enter(inbound: Inbound) -> object:  # the runner's one entry, as the webhooks call it
        return await runner.enter(inbound)

    links = calendar_links(settings)
    link = links.url if links is not None else None
    telegram, telegram_hook = _telegram(settings, enter, senders, renderers, closers)
    twilio_hook = _whatsapp(settings, enter, senders, renderers, closers, link)
    if console is not None:
        from bot.channels.console import ConsoleRenderer, ConsoleSender

        renderers[CONSOLE], senders[CONSOLE] = ConsoleRenderer(link), ConsoleSender(console)

    async def healthy() -> Health:
        report = await health(db, clock())
        if not report.ok:
            failed = {name: check.facts for name, check in report.checks.items() if not check.ok}
            log.warning("health check failed: %s", failed)
        return report

    liqpay_hook = LiqPayHook(account, _booking_of(store), enter) if account is not None else None
    files = CalendarHook(links, store.booking, settings.business, clock) if links is not None else None
    app = make_app(
        healthy=healthy,
        telegram_hook=telegram_hook,
        twilio_hook=twilio_hook,
        liqpay_hook=liqpay_hook,
        calendar_hook=files,
    )
    return App(settings, db, store, runner, dispatcher, scheduler, app, telegram, closers)


def liqpay_account(settings: Settings) -> LiqPayAccount | None:
    """LiqPay's account for prepayments, or None when it is not set up (then bookings are confirmed and paid
    at the visit). LiqPay calls back at liqpay.server_url, by default <public url>/webhooks/liqpay."""
    liqpay = settings.liqpay
    private = revealed(liqpay.private_key)
    if not (liqpay.public_key and private):
        unpaid = [s.id for s in settings.business.services if s.prepayment > 0]
        if unpaid:
            log.warning(
                "prepayments are set for %s but LiqPay is not configured (LIQPAY_PUBLIC_KEY, "
                "LIQPAY_PRIVATE_KEY): those bookings are confirmed without one",
                ", ".join(unpaid),
            )
        return None
    public = settings.twilio.public_url
    server_url = liqpay.server_url or (f"{public.rstrip('/')}/webhooks/liqpay" if public else None)
    return LiqPayAccount(
        liqpay.public_key, private, liqpay.sandbox, server_url, liqpay.result_url, liqpay.api_base
    )


def calendar_links(settings: Settings) -> CalendarLinks | None:
    """Links to calendar files at <public url>/calendar/<token>.ics, signed with twilio.link_secret (the same
    in every process); None without both, and then WhatsApp customers get no calendar file."""
    twilio = settings.twilio
    secret = revealed(twilio.link_secret)
    if not (secret and twilio.public_url):
        if twilio.enabled:
            log.warning(
                "WhatsApp messages carry no calendar files: set SLOTBOT_LINK_SECRET (twilio.link_secret) "
                "to 32 or more random characters, the same for every process"
            )
        return None
    return CalendarLinks(secret, twilio.public_url)


def _booking_of(store: Store) -> Callable[[str], Awaitable[Booking | None]]:
    """The booking a LiqPay order is for."""

    async def booking_of(order_id: str) -> Booking | None:
        attempt = await store.payment(order_id)
        return await store.booking(attempt.booking_id) if attempt is not None else None

    return booking_of


Handle = Callable[[Inbound], Awaitable[Any]]


def _telegram(
    settings: Settings,
    handle: Handle,
    senders: dict[str, Sender],
    renderers: dict[str, Renderer],
    closers: list[Callable[[], Awaitable[None]]],
) -> tuple[TelegramDriver | None, TelegramHook | None]:
    telegram = settings.telegram
    if not telegram.token:
        return None, None
    from bot.channels.telegram import TelegramRenderer

    secret = revealed(telegram.webhook_secret)
    webhook = bool(telegram.webhook_url and secret)
    # A webhook answers a pressed button in its response; polling needs the outbox for it.
    renderers[TELEGRAM] = TelegramRenderer(answer_in_webhook=webhook)
    driver = telegram_driver(settings)
    senders[TELEGRAM] = driver.sender()
    closers.append(driver.close)
    return driver, TelegramHook(secret, handle) if webhook and secret else None


def telegram_driver(settings: Settings) -> TelegramDriver:
    """aiogram by default, python-telegram-bot on request; imported here only, both are slow to import."""
    telegram, language = settings.telegram, settings.business.default_language
    token = revealed(telegram.token) or ""
    if telegram.driver == "ptb":
        from bot.channels.telegram_ptb import PtbTelegram

        return PtbTelegram(token, telegram.api_base, language, settings.business.texts)
    from bot.channels.telegram_aiogram import AiogramTelegram

    return AiogramTelegram(token, telegram.api_base, language, settings.business.texts)


def _whatsapp(
    settings: Settings,
    handle: Handle,
    senders: dict[str, Sender],
    renderers: dict[str, Renderer],
    closers: list[Callable[[], Awaitable[None]]],
    calendar_link: Callable[[CalendarEntry], str] | None = None,
) -> TwilioHook | None:
    twilio = settings.twilio
    token = revealed(twilio.auth_token)
    if not (twilio.account_sid and token and twilio.from_number):
        return None
    from bot.channels.whatsapp_twilio import TwilioAccount, TwilioSender, WhatsAppRenderer

    renderers[WHATSAPP] = WhatsAppRenderer(twilio.content, calendar_link)
    sender = TwilioSender(TwilioAccount(twilio.account_sid, token, twilio.from_number, twilio.api_base))
    senders[WHATSAPP] = sender
    closers.append(sender.aclose)
    if not twilio.public_url:
        return None
    # Twilio signs the URL it called, which behind a proxy is not the one we see: use the configured one.
    public = twilio.public_url.rstrip("/") + "/webhooks/twilio"
    return TwilioHook(token, public, handle)


def revealed(secret: SecretStr | None) -> str | None:
    """A secret's value, for the one adapter that needs it (settings keep it hidden everywhere else)."""
    return secret.get_secret_value() if secret is not None else None
