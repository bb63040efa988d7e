"""Telegram without a library: Bot API update dicts → `Inbound`, replies → Bot API calls, the webhook.

Both drivers (telegram_aiogram.py, telegram_ptb.py) share this module, so they read updates and render replies
identically; it imports neither library.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from bot import calendar
from bot.channels.base import TELEGRAM, Inbound, Outgoing
from conversations import phones
from conversations.events import Choice, Command, ContactShared, Event, Text
from conversations.replies import (
    CALLBACK_DATA_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    CalendarEntry,
    Option,
    Reply,
    joined,
    split_text,
)
from conversations.texts import LANGUAGES, NO_OVERRIDES, Overrides, text

log = logging.getLogger(__name__)

COMMANDS = ("start", "book", "my", "help", "lang")
ALLOWED_UPDATES = ["message", "callback_query"]  # what we ask Telegram for; everything else is ignored
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NOT_MODIFIED = "message is not modified"
TRANSIENT_PAUSE = 5.0  # seconds before retrying after a network error or a 5xx
SHORT_LABEL = 6  # characters: labels this short (times, day numbers) share a row
SHORT_PER_ROW = 4
CHAT_METHODS = ("sendMessage", "editMessageText")  # the calls the renderer makes that name a chat
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|$)")
_NUMERIC_ID = re.compile(r"-?\d+")

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class TokenRefused(Exception):
    """Telegram does not know the bot token (401, or 404 for a malformed one): nothing will work."""


# ---- updates → Inbound -----------------------------------------------------------------------------------


MAX_ID = 2**52  # Telegram's chat and user ids have at most 52 significant bits


class _Unusable(Exception):
    """An update of a shape Telegram does not send: nothing in it can be answered."""


def inbound_from_update(update: dict[str, Any]) -> Inbound | None:
    """The customer's text, command or button press in a Bot API Update; None for anything else.

    An update of a shape Telegram does not send (a `message` that is a string, a `chat` without a numeric
    id, a missing `message_id` or `from`, text that is not a string...) is None too, with one log line:
    there is nobody to answer, and the webhook acknowledges it so that it is not delivered again."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    try:
        if not (isinstance(update_id, int) and _is_id(update_id, low=0) and update_id >= 0):
            raise _Unusable("no update_id")
        if "message" in update:
            return _from_message(update_id, _object(update["message"], "message"))
        if "callback_query" in update:
            return _from_callback(update_id, _object(update["callback_query"], "callback_query"))
    except _Unusable as unusable:
        log.warning("telegram update %.20r ignored: %s", update_id, unusable)
    return None  # edited messages, channel posts, reactions...: nothing the conversation answers


def _from_message(update_id: int, message: dict[str, Any]) -> Inbound | None:
    if "contact" in message:
        event: Event = _contact(_object(message["contact"], "message.contact"), _sender(message))
    elif "text" in message:
        said = message["text"]
        if not isinstance(said, str):
            raise _Unusable("message.text is not a string")
        event = _command_or_text(_clean(said)[:TELEGRAM_TEXT_LIMIT], _language(_sender(message)))
    else:
        return None  # stickers, photos, voice, service messages
    sender = _sender(message)
    language = _language(sender)
    return Inbound(
        channel=TELEGRAM,
        chat_id=_chat_id(message),
        event=event,
        dedup_id=str(update_id),
        name=_name(sender),
        language=language,
    )


def _from_callback(update_id: int, query: dict[str, Any]) -> Inbound | None:
    message, data = query.get("message"), query.get("data")
    if message is not None:
        message = _object(message, "callback_query.message")
    if message is None or data is None:
        return None  # a button on an inline-mode message, or a game: not ours
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8", "replace")) <= CALLBACK_DATA_LIMIT:
        raise _Unusable("callback_query.data is not 1-64 bytes of text")
    query_id, message_id = query.get("id"), message.get("message_id")
    if not isinstance(query_id, str) or not query_id:
        raise _Unusable("callback_query.id is not a string")
    if not _is_id(message_id, low=1):
        raise _Unusable("callback_query.message.message_id is not a message id")
    sender = _sender(query)
    return Inbound(
        channel=TELEGRAM,
        chat_id=_chat_id(message),
        event=Choice(_clean(data)),
        dedup_id=str(update_id),
        name=_name(sender),
        language=_language(sender),
        message_id=str(message_id),
        callback_id=query_id,
    )


def _contact(contact: dict[str, Any], sender: dict[str, Any]) -> Event:
    """A contact sent in the chat: the sender's own (its user_id is theirs: Telegram's proof of the number,
    what the share-my-number button sends) or anyone else's, which is only a number."""
    raw = contact.get("phone_number")
    if not isinstance(raw, str) or not raw.strip():
        raise _Unusable("contact.phone_number is not text")
    phone = phones.normalise(raw if raw.strip().startswith("+") else f"+{raw.strip()}")
    if phone is None:
        return Text(_clean(raw)[:TELEGRAM_TEXT_LIMIT])  # read as if typed: "that doesn't look like a phone"
    return ContactShared(phone, own=contact.get("user_id") == sender["id"])


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Unusable(f"{what} is not an object")
    return value


def _is_id(value: Any, *, low: int) -> bool:
    """An integer id (not a bool, not a float) within Telegram's range."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= abs(value) < MAX_ID


def _chat_id(message: dict[str, Any]) -> str:
    # Replies go to this chat: a chat id that is not a number would have the senders call without one.
    chat_id = _object(message.get("chat"), "chat").get("id")
    if not _is_id(chat_id, low=1):
        raise _Unusable("chat.id is not a chat id")
    return str(chat_id)


def _sender(holder: dict[str, Any]) -> dict[str, Any]:
    sender = holder.get("from")
    if not isinstance(sender, dict) or not _is_id(sender.get("id"), low=1):
        raise _Unusable("from is not a user")
    return sender


def _name(user: dict[str, Any]) -> str | None:
    name = user.get("first_name")
    return _clean(name)[:64] if isinstance(name, str) and name else None


def _clean(said: str) -> str:
    """The text with any lone surrogate (which JSON's "\\ud800" makes, and Telegram never sends) replaced:
    such a string cannot be encoded, so storing it (a name, a session) would fail on every delivery."""
    return said if said.isascii() else said.encode("utf-8", "replace").decode("utf-8")


def _command_or_text(said: str, language: str | None) -> Event:
    # "/start@slotbot" is how a command reads in a group; "/start ref42" carries a deep-link payload.
    match = _COMMAND.match(said)
    name = match[1].lower() if match else None
    if name in COMMANDS:
        return Command(name, language)
    return Text(said)


def _language(user: dict[str, Any]) -> str | None:
    code = user.get("language_code")
    # Telegram sends IETF tags such as "pt-br"; the catalogues are keyed by the two-letter language.
    if isinstance(code, str) and len(code) >= 2 and code[:2].isascii() and code[:2].isalpha():
        return code[:2].lower()
    return None


# ---- replies → Bot API calls -----------------------------------------------------------------------------


class TelegramRenderer:
    """Replies to one inbound as sendMessage / editMessageText calls, a pressed button answered first; a
    reply's calendar file as a sendDocument after its text.

    With `answer_in_webhook` the button is left to `webhook`, which answers it in its response: no outbox
    row and no Bot API call of our own for it."""

    def __init__(self, answer_in_webhook: bool = False) -> None:
        self.answer_in_webhook = answer_in_webhook

    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]:
        chat = _chat_param(inbound.chat_id)
        calls: list[Outgoing] = []
        if inbound.callback_id is not None and not self.answer_in_webhook:
            # Always answered, even with nothing to say, or the button keeps spinning for the customer.
            calls.append(_call(inbound, "answerCallbackQuery", {"callback_query_id": inbound.callback_id}))
        # The first reply to a pressed button replaces the message that had it: old buttons don't linger.
        pressed_on = inbound.message_id if inbound.callback_id is not None else None
        if pressed_on is not None and not pressed_on.isdecimal():
            pressed_on = None  # no message to edit (the adapter gives none such): the reply is sent anew
        for reply in joined(replies, TELEGRAM_TEXT_LIMIT):
            for params in _messages([reply]):
                if pressed_on is not None and not _under_the_chat(params):
                    edited = {"chat_id": chat, "message_id": int(pressed_on), **params}
                    calls.append(_call(inbound, "editMessageText", edited))
                    pressed_on = None
                else:
                    calls.append(_call(inbound, "sendMessage", {"chat_id": chat, **params}))
            if reply.calendar is not None:
                calls.append(_call(inbound, "sendDocument", calendar_document(chat, reply.calendar)))
        return calls


def calendar_document(chat: int | str, entry: CalendarEntry) -> dict[str, Any]:
    """sendDocument params for the booking's calendar file, booking-<code>.ics, uploaded by the sender."""
    file = upload(entry.filename, calendar.MIME, calendar.ics(entry).decode("utf-8"))
    return {"chat_id": chat, "document": file}


# ---- files to upload -------------------------------------------------------------------------------------

# The outbox keeps a call's params as JSON, so a file to upload is kept there as a small object, and each
# driver makes it the multipart upload its library sends (an InputFile to the Bot API).
UPLOAD = "upload"


def upload(filename: str, mime: str, content: str) -> dict[str, str]:
    """A parameter that is a (small, text) file to upload: the file's name, its MIME type and its text."""
    return {UPLOAD: filename, "type": mime, "text": content}


@dataclass(frozen=True)
class Upload:
    filename: str
    mime: str
    data: bytes


def with_files(params: Mapping[str, Any], make: Callable[[Upload], Any]) -> dict[str, Any]:
    """The params with each file to upload made into the library's own kind of file by `make`."""
    return {key: make(_file(value)) if _is_upload(value) else value for key, value in params.items()}


def _is_upload(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), str) for key in (UPLOAD, "text"))


def _file(value: dict[str, str]) -> Upload:
    return Upload(value[UPLOAD], value.get("type") or "application/octet-stream", value["text"].encode())


def _call(inbound: Inbound, method: str, params: dict[str, Any]) -> Outgoing:
    return Outgoing(TELEGRAM, inbound.chat_id, method, params)


def _messages(replies: Iterable[Reply]) -> Iterator[dict[str, Any]]:
    """Each reply's text in parts of at most 4096 characters, the keyboard on its last part."""
    for reply in replies:
        parts = split_text(reply.text, TELEGRAM_TEXT_LIMIT)
        for index, part in enumerate(parts):
            params: dict[str, Any] = {"text": part}
            markup = _markup(reply) if index == len(parts) - 1 else None
            if markup is not None:
                params["reply_markup"] = markup
            yield params


def _markup(reply: Reply) -> dict[str, Any] | None:
    if reply.link is not None:  # the checkout: a button that opens it, above the options
        label, url = reply.link
        rows = keyboard(reply.options)["inline_keyboard"]
        return {"inline_keyboard": [[{"text": label, "url": url}], *rows]}
    if reply.options:
        return keyboard(reply.options)
    if reply.share_contact:
        # Telegram asks the app for the sender's own number: a contact whose user_id is theirs comes back.
        button = {"text": reply.share_contact, "request_contact": True}
        return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}
    if reply.done_sharing:
        return {"remove_keyboard": True}
    return None


def _under_the_chat(params: dict[str, Any]) -> bool:
    """A keyboard under the chat (to share a number, or taking it away) goes with a new message: an edit
    carries only buttons in the message."""
    markup = params.get("reply_markup") or {}
    return "keyboard" in markup or "remove_keyboard" in markup


def keyboard(options: Iterable[Option]) -> dict[str, Any]:
    """An inline keyboard: short labels (times) four to a row, every other label on a row of its own."""
    rows: list[list[dict[str, str]]] = []
    for option in options:
        button = {"text": option.label, "callback_data": _callback_data(option)}
        short = len(option.label) <= SHORT_LABEL
        last = rows[-1] if rows else None
        if short and last and len(last) < SHORT_PER_ROW and len(last[-1]["text"]) <= SHORT_LABEL:
            last.append(button)
        else:
            rows.append([button])
    return {"inline_keyboard": rows}


def _callback_data(option: Option) -> str:
    size = len(option.id.encode("utf-8"))
    if not 1 <= size <= CALLBACK_DATA_LIMIT:
        # Telegram would refuse the whole message; option ids are ours, so this is a bug to fix, not to hide.
        raise ValueError(f"option id {option.id!r} is {size} bytes; Telegram allows 1-{CALLBACK_DATA_LIMIT}")
    return option.id


def _chat_param(chat_id: str) -> int | str:
    # Telegram's chat ids are integers; a string is only meant for "@channelusername".
    return int(chat_id) if _NUMERIC_ID.fullmatch(chat_id) else chat_id


# ---- the command menu ------------------------------------------------------------------------------------


def command_menus(
    default_language: str = "en", texts: Overrides = NO_OVERRIDES
) -> list[tuple[str | None, list[dict[str, str]]]]:
    """setMyCommands lists: (None, the default menu) and then (language_code, menu) for every catalogue, in
    the business's own words where config.yaml's `texts:` gives them."""
    menus: list[tuple[str | None, list[dict[str, str]]]] = [(None, _menu(default_language, texts))]
    menus.extend((language, _menu(language, texts)) for language in LANGUAGES)
    return menus


def _menu(language: str, texts: Overrides) -> list[dict[str, str]]:
    return [{"command": name, "description": text(language, f"command_{name}", texts)} for name in COMMANDS]


# ---- the webhook -----------------------------------------------------------------------------------------


def feeder(handle: Callable[[Inbound], Awaitable[Any]]) -> Feed:
    """What to do with one Update, from the webhook or from polling: the event it carries, to `handle`."""

    async def feed(update: dict[str, Any]) -> None:
        inbound = inbound_from_update(update)
        if inbound is not None:
            await handle(inbound)

    return feed


async def webhook(
    request: web.Request, secret: str, handle: Callable[[Inbound], Awaitable[Any]]
) -> web.Response:
    """Telegram's POST of one Update: checked against the secret token, turned into an `Inbound` and handed
    to `handle` (the runner's one entry).

    Only after `handle` has returned does Telegram get its 200; if it fails, the error response makes
    Telegram deliver the update again (the runner drops the repeat by update_id once one succeeds). A
    pressed button is answered in that 200 (a Bot API call Telegram makes for us), also on a redelivery:
    the spinner stops without a call of our own, and should Telegram lose the answer, it only times out."""
    # Header bytes that are not UTF-8 come as lone surrogates ("surrogateescape"): compared as the bytes sent.
    given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
    # With no secret configured anyone who finds the URL could post updates: refuse rather than trust them.
    if not secret or not hmac.compare_digest(given, secret.encode()):
        log.warning("telegram webhook: refused a request from %s: wrong or missing secret", request.remote)
        return web.Response(status=403)
    update = _update(await request.read())
    if update is None:
        log.warning("telegram webhook: refused a request from %s: not an Update", request.remote)
        return web.Response(status=400)
    await feeder(handle)(update)
    return web.json_response(_answer(update))


def _answer(update: dict[str, Any]) -> dict[str, Any]:
    query = update.get("callback_query")
    query_id = query.get("id") if isinstance(query, dict) else None
    if isinstance(query_id, str) and query_id:
        return {"method": "answerCallbackQuery", "callback_query_id": query_id}
    return {}


def _update(body: bytes) -> dict[str, Any] | None:
    try:
        update = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python recurses
        return None
    if not isinstance(update, dict):
        return None
    update_id = update.get("update_id")
    return update if isinstance(update_id, int) and not isinstance(update_id, bool) else None


# ---- polling and flood control ---------------------------------------------------------------------------

Fetch = Callable[[int | None, int], Awaitable[list[dict[str, Any]]]]


async def poll_updates(
    fetch: Fetch,
    feed: Feed,
    stop: asyncio.Event,
    *,
    timeout: int = 25,
    fatal: tuple[type[BaseException], ...] = (),
) -> None:
    """Long polling until `stop` is set: `fetch(offset, timeout)` is getUpdates, each update goes to `feed`.

    A pending getUpdates is cancelled the moment `stop` is set; an update being fed is finished first. An
    update whose feed fails is logged and skipped (retrying it would block every later one). Network and
    server errors are retried with a growing pause; errors in `fatal` (a revoked token) end polling."""
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await _unless_stopped(fetch(offset, timeout), stop)
        except fatal:
            raise
        except Exception as error:
            failures += 1
            pause = min(2.0 ** (failures - 1), 30.0)  # 1, 2, 4 ... 30 seconds
            log.warning("telegram getUpdates failed (%s); retrying in %.0f s", error, pause)
            await _unless_stopped(asyncio.sleep(pause), stop)
            continue
        failures = 0
        for update in updates or []:
            if stop.is_set():
                break  # the rest were not confirmed, so Telegram hands them to the next poller
            offset = update["update_id"] + 1
            await _feed_one(feed, update)


async def _unless_stopped(work: Awaitable[Any], stop: asyncio.Event) -> Any:
    """The result of `work`, or None as soon as `stop` is set (work is then cancelled)."""
    task, stopped = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return task.result() if task in done else None


async def _feed_one(feed: Feed, update: dict[str, Any]) -> None:
    try:
        await feed(update)
    except Exception:
        log.exception("telegram update %s could not be handled; skipped", update.get("update_id"))


def unsendable(message: Outgoing) -> str | None:
    """Why a call must not be made, or None: a call about a chat must name one by its numeric id. The
    senders refuse anything else without calling (a forged update with a chat id of "" once had aiogram
    call sendMessage with no chat_id); the adapter gives no such chat to the runner any more, but the
    outbox may still hold calls queued before."""
    if "chat_id" not in message.params and message.method not in CHAT_METHODS:
        return None
    chat_id = message.params.get("chat_id")
    if _is_id(chat_id, low=1):
        return None
    return f"{message.method} without a valid chat id ({chat_id!r:.24})"


def sent_anew(message: Outgoing) -> Outgoing | None:
    """An edit Telegram refused (the message is too old or gone) as a new message: the reply still arrives."""
    if message.method != "editMessageText":
        return None
    params = {key: value for key, value in message.params.items() if key != "message_id"}
    return replace(message, method="sendMessage", params=params)


def not_modified(description: str) -> bool:
    """Telegram's answer to an edit that changes nothing: the message already says it, which is success."""
    return NOT_MODIFIED in description.lower()


def retry_after(status: int, body: dict[str, Any]) -> float | None:
    """The seconds Telegram's flood control (HTTP 429) asks us to wait, from `parameters.retry_after`."""
    if status != 429 and body.get("error_code") != 429:
        return None
    parameters = body.get("parameters")
    seconds = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return float(seconds)
    return None
