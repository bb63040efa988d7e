"""The default Telegram driver, on aiogram 3: a Router to embed in any aiogram bot, and the standalone bot's
set-up, long polling and sending.

A driver only sends and polls: updates, from the webhook or from polling, become `Inbound` events in
telegram.py's `inbound_from_update`, the same for both drivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiogram.methods
from aiogram import Bot, Router
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import BotCommand, TelegramObject, Update
from aiohttp import ClientError, ClientTimeout

from bot.channels.base import TELEGRAM, Delivery, Inbound, Outgoing, Sender
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    TRANSIENT_PAUSE,
    Feed,
    command_menus,
    inbound_from_update,
    not_modified,
    poll_updates,
    sent_anew,
    unsendable,
)

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

    def __init__(self, token: str, api_base: str | None = None, default_language: str = "en") -> None:
        if not token:
            raise ValueError("a Telegram bot token is needed")
        self.default_language = default_language  # the menu shown to apps in a language we don't speak
        self.bot = Bot(token, session=_session(api_base))

    async def setup(self, webhook_url: str | None, secret: str | None = None) -> None:
        """Register the command menu in every language, then the webhook (or none, for polling)."""
        for language, commands in command_menus(self.default_language):
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
    """Makes one Outgoing Bot API call and says how it went."""

    channel = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> Delivery:
        refused = unsendable(message)
        if refused is not None:
            log.warning("telegram: not sent: %s", refused)
            return Delivery(ok=False, error=refused)
        try:
            await self._call(message)
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

    async def _call(self, message: Outgoing) -> None:
        """The call as a plain form where it can be (no aiogram models), else through aiogram's Bot."""
        session = self.bot.session
        if isinstance(session, OutboxSession):
            form = session.plain_form(self.bot, message.method, message.params)
            if form is not None:
                await session.post_plain(self.bot, message.method, message.params, form)
                return
        await self.bot(_method(message))


def _method(message: Outgoing) -> TelegramMethod[Any]:
    """The aiogram method object for "sendMessage" (aiogram.methods.SendMessage), its params validated."""
    name = message.method[:1].upper() + message.method[1:]
    method = getattr(aiogram.methods, name, None)
    if not (isinstance(method, type) and issubclass(method, TelegramMethod)):
        raise ValueError(f"aiogram knows no Bot API method {message.method!r}")
    return method(**message.params)


class OutboxSession(AiohttpSession):
    """aiogram's aiohttp session, lighter for the outbox's calls, whose results nobody reads.

    For those methods (sending, editing, answering a button) the fields go as a plain urlencoded form, and a
    successful answer is not parsed into aiogram's models (a whole Message each time); an unsuccessful one
    goes through aiogram's own checks, so errors raise the same exceptions. Everything else, and any call
    with a file, is aiogram's own path.

    The sender goes further (`plain_form`, `post_plain`): the outbox's params are Bot API JSON already, so
    the form is made from them directly, and aiogram's method object (pydantic, the costly part) is built
    only to raise an error."""

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        if type(method) not in _RESULT_UNREAD:
            return await super().make_request(bot, method, timeout)
        files: dict[str, Any] = {}
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                fields[key] = prepared
        if files:
            return await super().make_request(bot, method, timeout)
        return await self._post(bot, method.__api_method__, fields, lambda: method, timeout)

    def plain_form(self, bot: Bot, name: str, params: dict[str, Any]) -> dict[str, str] | None:
        """The form aiogram would post for `name` with these params, made without its models; None when only
        aiogram's own path can tell: another method, a required field missing (aiogram refuses it before
        sending), a default set on the bot, a request middleware, a value that is not plain JSON."""
        method = _PLAIN.get(name)
        if method is None or len(self.middleware):
            return None
        if any(params.get(field) is None for field in _PLAIN_REQUIRED[method]):
            return None
        for field, default in _PLAIN_DEFAULTS[method]:
            if field not in params and bot.default[default] is not None:
                return None
        fields = {}
        try:
            for key, value in params.items():
                # As aiogram's prepare_value: strings as they are, anything else as JSON, None left out.
                if isinstance(value, str):
                    prepared = value
                elif isinstance(value, dict | list):
                    prepared = self.json_dumps(_without_none(value))
                elif value is None:
                    continue
                else:
                    prepared = self.json_dumps(_scalar(value))
                if prepared:
                    fields[key] = prepared
        except TypeError:
            return None
        return fields

    async def post_plain(
        self, bot: Bot, name: str, params: dict[str, Any], form: dict[str, str], timeout: int | None = None
    ) -> Any:
        """Post a `plain_form`; aiogram's method object is made from `params` only for an error to raise."""
        return await self._post(bot, name, form, lambda: _PLAIN[name](**params), timeout)

    async def _post(
        self,
        bot: Bot,
        name: str,
        fields: dict[str, str],
        method: Callable[[], TelegramMethod[Any]],
        timeout: int | None,
    ) -> Any:
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=name)
        seconds = self.timeout if timeout is None else timeout
        try:
            async with session.post(url, data=fields, timeout=ClientTimeout(total=seconds)) as response:
                raw = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method(), message="Request timeout error") from error
        except ClientError as error:
            raise TelegramNetworkError(method=method(), message=f"{type(error).__name__}: {error}") from error
        if response.status == 200:
            with contextlib.suppress(ValueError):
                answer = self.json_loads(raw)
                if isinstance(answer, dict) and answer.get("ok") is True:
                    return answer.get("result")
        return self.check_response(bot=bot, method=method(), status_code=response.status, content=raw).result


_RESULT_UNREAD: frozenset[type[TelegramMethod[Any]]] = frozenset(
    {
        aiogram.methods.SendMessage,
        aiogram.methods.EditMessageText,
        aiogram.methods.EditMessageReplyMarkup,
        aiogram.methods.AnswerCallbackQuery,
        aiogram.methods.DeleteMessage,
    }
)
_PLAIN = {method.__api_method__: method for method in _RESULT_UNREAD}
_PLAIN_REQUIRED = {
    method: frozenset(name for name, field in method.model_fields.items() if field.is_required())
    for method in _RESULT_UNREAD
}
# Fields that aiogram fills from the bot's defaults (parse_mode...) when a call leaves them out.
_PLAIN_DEFAULTS = {
    method: [
        (name, field.default.name)
        for name, field in method.model_fields.items()
        if isinstance(field.default, Default)
    ]
    for method in _RESULT_UNREAD
}


def _without_none(value: Any) -> Any:
    """A JSON object or array without its None members, at every depth, as prepare_value leaves it."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value if item is not None]
    return value if isinstance(value, str) else _scalar(value)


def _scalar(value: Any) -> int | bool:
    # Whole numbers and booleans only: pydantic would turn a float in an integer field into an integer, and
    # files, dates and aiogram objects need prepare_value; aiogram's own path takes those.
    if not isinstance(value, int):
        raise TypeError(f"not plain JSON: {type(value).__name__}")
    return value


def _session(api_base: str | None) -> AiohttpSession:
    # aiogram wants the server's root ("http://host:port"); it adds "/bot<token>/<method>" itself.
    if api_base is None:
        return OutboxSession()
    return OutboxSession(api=TelegramAPIServer.from_base(api_base))
