"""The second Telegram driver, on python-telegram-bot 22: handlers to add to any PTB Application, and the
standalone bot's set-up, long polling and sending.

A driver only sends and polls: updates, from the webhook or from polling, become `Inbound` events in
telegram.py's `inbound_from_update`, the same for both drivers.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, BotCommand, InputFile, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.base import TELEGRAM, Delivery, Inbound, Outgoing, Sender
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    TRANSIENT_PAUSE,
    Feed,
    TokenRefused,
    command_menus,
    inbound_from_update,
    not_modified,
    poll_updates,
    sent_anew,
    unsendable,
    with_files,
)
from conversations.texts import NO_OVERRIDES, Overrides

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[None]]


def handlers(handle: Handle) -> list[BaseHandler[Update, Any, None]]:
    """Text and button handlers that pass what the customer did to `handle`; add them to an Application."""

    async def deliver(update: Update, _: object) -> None:
        inbound = inbound_from_update(update.to_dict())
        if inbound is not None:
            await handle(inbound)

    return [
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, deliver),
        CallbackQueryHandler(deliver),
    ]


class PtbTelegram:
    """A standalone Slotbot bot on python-telegram-bot: set-up, long polling, sending."""

    def __init__(
        self,
        token: str,
        api_base: str | None = None,
        default_language: str = "en",
        texts: Overrides = NO_OVERRIDES,
    ) -> None:
        if not token:
            raise ValueError("a Telegram bot token is needed")
        self.default_language = default_language  # the menu shown to apps in a language we don't speak
        self.texts = texts  # the business's own words for the commands (config.yaml's `texts:`)
        _quiet()
        root = (api_base or "https://api.telegram.org").rstrip("/")
        # PTB's default pool holds one connection, so concurrent sends would queue and time out.
        self._requests = (HTTPXRequest(connection_pool_size=8), HTTPXRequest())
        self.bot = Bot(
            token,
            # PTB appends the token to these, then "/<method>".
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )

    async def me(self) -> str:
        """The bot's @username (getMe): the token is one Telegram knows, or TokenRefused."""
        try:
            user = await self.bot.get_me()
        except InvalidToken as error:
            raise TokenRefused(str(error)) from None
        return user.username or ""

    async def setup(self, webhook_url: str | None, secret: str | None = None) -> None:
        """Register the command menu in every language, then the webhook (or none, for polling)."""
        await self.bot.initialize()
        for language, commands in command_menus(self.default_language, self.texts):
            menu = [BotCommand(command["command"], command["description"]) for command in commands]
            await self.bot.set_my_commands(menu, language_code=language)
        if webhook_url is None:
            await self.bot.delete_webhook(drop_pending_updates=False)
            return
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        await self.bot.set_webhook(
            webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )

    async def poll(self, stop: asyncio.Event, feed: Feed) -> None:
        """Long polling until `stop` is set, each update to `feed`, with telegram.py's loop (the same as the
        aiogram driver's). Not through a PTB Application: Application.process_update hands handler errors
        to error handlers and returns."""
        await self.bot.initialize()
        await poll_updates(self._fetch, feed, stop, fatal=(InvalidToken,))

    async def _fetch(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        # PTB adds `timeout` to the read timeout of getUpdates itself.
        updates = await self.bot.get_updates(
            offset=offset, timeout=timedelta(seconds=timeout), allowed_updates=ALLOWED_UPDATES
        )
        return [update.to_dict() for update in updates]

    def sender(self) -> Sender:
        return PtbSender(self.bot)

    async def close(self) -> None:
        await self.bot.shutdown()
        # Bot.shutdown does nothing for a bot never initialized (one that only sent), yet its HTTP
        # clients exist from the start; closing them again is harmless.
        await asyncio.gather(*(request.shutdown() for request in self._requests))


class PtbSender:
    """Makes one Outgoing Bot API call and says how it went."""

    channel = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        _quiet()

    async def send(self, message: Outgoing) -> Delivery:
        refused = unsendable(message)
        if refused is not None:
            log.warning("telegram: not sent: %s", refused)
            return Delivery(ok=False, error=refused)
        try:
            await self.bot.do_api_request(message.method, api_kwargs=_arguments(message))
        except RetryAfter as error:
            return Delivery(ok=False, retry_after=_seconds(error))
        except BadRequest as error:  # before NetworkError: PTB makes it a subclass
            if not_modified(error.message):
                return Delivery(ok=True)
            anew = sent_anew(message)
            if anew is None:
                return Delivery(ok=False, error=error.message)
            log.info("telegram: cannot edit a message in chat %s (%s); sending anew", message.chat_id, error)
            return await self.send(anew)
        except NetworkError as error:  # also TimedOut, and 5xx answers
            log.warning("telegram %s failed for now: %s", message.method, error.message)
            return Delivery(ok=False, retry_after=TRANSIENT_PAUSE)
        except TelegramError as error:  # blocked by the user, a revoked token, a migrated chat...
            return Delivery(ok=False, error=f"{type(error).__name__}: {error.message}")
        return Delivery(ok=True)


def _arguments(message: Outgoing) -> dict[str, Any]:
    """The call's params; a file to upload (a calendar file) as PTB's InputFile, which PTB sends as a part of
    a multipart request."""
    return with_files(message.params, lambda file: InputFile(file.data, filename=file.filename))


def _seconds(error: RetryAfter) -> float:
    # An int today, a timedelta once PTB_TIMEDELTA is set or PTB 23 arrives.
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _quiet() -> None:
    """Silence two PTB warnings about what this module does on purpose (filters are global; these match only
    the two messages). The sender calls do_api_request because the outbox stores method names and JSON
    params, and PTB nudges towards its typed methods on every call; and every RetryAfter PTB 22 raises warns
    that `retry_after` will become a timedelta, which `_seconds` already accepts."""
    warnings.filterwarnings(
        "ignore", r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request", PTBUserWarning
    )
    warnings.filterwarnings("ignore", r".*attribute `retry_after` will be of type", PTBDeprecationWarning)
