"""The default Telegram driver, on aiogram 3: a Router to embed in any aiogram bot, and the standalone bot's
set-up, long polling and sending.

A driver only sends and polls: updates, from the webhook or from polling, become `Inbound` events in
telegram.py's `inbound_from_update`, the same for both drivers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiogram.methods
from aiogram import Bot, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import BotCommand, BufferedInputFile, TelegramObject, Update

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


def router(handle: Handle) -> Router:
    """Message and button handlers that pass what the customer did to `handle`; include it in a Dispatcher.

    Only updates `inbound_from_update` understands match, so a host bot's own routers still get the rest."""
    slotbot = Router(name="slotbot")

    async def understood(_: TelegramObject, event_update: Update) -> dict[str, Any] | bool:
        inbound = inbound_from_update(raw_update(event_update))
        # A dict from a filter is added to the handler's arguments: the update is read once.
        return {"inbound": inbound} if inbound is not None else False

    async def deliver(_: TelegramObject, inbound: Inbound) -> None:
        await handle(inbound)

    slotbot.message.register(deliver, understood)
    slotbot.callback_query.register(deliver, understood)
    return slotbot


def raw_update(update: Update) -> dict[str, Any]:
    """The Update as Telegram sent it: JSON types, Telegram's field names ("from", not "from_user")."""
    return update.model_dump(mode="json", exclude_none=True, by_alias=True)


class AiogramTelegram:
    """A standalone Slotbot bot on aiogram: menus and webhook set-up, long polling, sending."""

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
        self.bot = Bot(token, session=_session(api_base))

    async def me(self) -> str:
        """The bot's @username (getMe): the token is one Telegram knows, or TokenRefused."""
        try:
            user = await self.bot.get_me()
        except (TelegramUnauthorizedError, TelegramNotFound) as error:
            raise TokenRefused(str(error)) from None
        return user.username or ""

    async def setup(self, webhook_url: str | None, secret: str | None = None) -> None:
        """Register the command menu in every language, then the webhook (or none, for polling)."""
        for language, commands in command_menus(self.default_language, self.texts):
            menu = [BotCommand(command=item["command"], description=item["description"]) for item in commands]
            await self.bot(aiogram.methods.SetMyCommands(commands=menu, language_code=language))
        if webhook_url is None:
            await self.bot.delete_webhook(drop_pending_updates=False)
            return
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        await self.bot.set_webhook(
            webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )

    async def poll(self, stop: asyncio.Event, feed: Feed) -> None:
        """Long polling until `stop` is set, each update to `feed` (our own getUpdates loop: aiogram's cannot
        be stopped cleanly from outside without its private state, and it leaves handler tasks running)."""
        await poll_updates(self._fetch, feed, stop, fatal=(TelegramUnauthorizedError,))

    async def _fetch(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        method = aiogram.methods.GetUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        updates = await self.bot(method, request_timeout=timeout + 10)
        return [raw_update(update) for update in updates]

    def sender(self) -> Sender:
        return AiogramSender(self.bot)

    async def close(self) -> None:
        await self.bot.session.close()


class AiogramSender:
    """Makes one Outgoing Bot API call and says how it went.

    Through aiogram's own Bot and models: a form of our own would save about 0.1 ms of CPU a call, 0.3% of a
    core at Telegram's 30 messages a second (bench/telegram_send.py, BENCHMARKS.md)."""

    channel = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> Delivery:
        refused = unsendable(message)
        if refused is not None:
            log.warning("telegram: not sent: %s", refused)
            return Delivery(ok=False, error=refused)
        try:
            await self.bot(_method(message))
        except TelegramRetryAfter as error:
            return Delivery(ok=False, retry_after=float(error.retry_after))
        except TelegramBadRequest as error:
            if not_modified(error.message):
                return Delivery(ok=True)
            anew = sent_anew(message)
            if anew is None:
                return Delivery(ok=False, error=error.message)
            log.info("telegram: cannot edit a message in chat %s (%s); sending anew", message.chat_id, error)
            return await self.send(anew)
        except TelegramEntityTooLarge as error:  # a "network error" to aiogram, but retrying cannot help
            return Delivery(ok=False, error=error.message)
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("telegram %s failed for now: %s", message.method, error.message)
            return Delivery(ok=False, retry_after=TRANSIENT_PAUSE)
        except (TelegramAPIError, ValueError) as error:  # blocked by the user, a revoked token, bad params...
            return Delivery(ok=False, error=f"{type(error).__name__}: {error}")
        return Delivery(ok=True)


def _method(message: Outgoing) -> TelegramMethod[Any]:
    """The aiogram method object for "sendMessage" (aiogram.methods.SendMessage), its params validated; a
    file to upload (a calendar file) as aiogram's BufferedInputFile, sent as a multipart upload."""
    name = message.method[:1].upper() + message.method[1:]
    method = getattr(aiogram.methods, name, None)
    if not (isinstance(method, type) and issubclass(method, TelegramMethod)):
        raise ValueError(f"aiogram knows no Bot API method {message.method!r}")
    return method(**with_files(message.params, lambda file: BufferedInputFile(file.data, file.filename)))


def _session(api_base: str | None) -> AiohttpSession:
    # aiogram wants the server's root ("http://host:port"); it adds "/bot<token>/<method>" itself.
    if api_base is None:
        return AiohttpSession()
    return AiohttpSession(api=TelegramAPIServer.from_base(api_base))
