"""The fakes must be trustworthy: real client libraries talk to them, and they reject what Telegram and
Twilio reject, with the limits read from the official specs in the external test material (tests/testdata.py;
never copied here): without it, the tests that need it are skipped.

aiogram, python-telegram-bot and twilio are imported inside the tests (aiogram is slow to import).
Every test runs with a guard that refuses any connection or name lookup other than the loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from tests import testdata
from tests.fakes.telegram_api import (
    FakeTelegram,
    SpecValidator,
    callback_update,
    load_spec,
    message_update,
)
from tests.fakes.twilio_api import FakeTwilio, inbound_form, sign
from tests.waiting import finished, until

SIGNATURE_VECTORS = "twilio/request-validator-vectors.json"  # in the external test material
ICS = "ics/icalendar_rfc_5545_end.ics"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any attempt to reach the network: only 127.0.0.1 may be connected to or looked up."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise OSError(f"test tried to reach {address}")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK and name is not None:
            raise OSError(f"test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


async def test_the_network_guard_refuses_other_hosts() -> None:
    async with ClientSession() as session:
        for url in ("http://10.255.255.1/", "https://api.telegram.org/", "https://api.twilio.com/"):
            with pytest.raises(OSError) as caught:
                async with session.get(url):
                    pass
            assert "test tried to" in str(caught.value.__cause__ or caught.value)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


async def call(
    tg: FakeTelegram, method: str, payload: dict[str, Any] | None = None, *, form: bool = False
) -> tuple[int, dict[str, Any]]:
    async with ClientSession() as session:
        kwargs: dict[str, Any] = {"data": payload} if form else {"json": payload or {}}
        async with session.post(f"{tg.api_url}/{method}", **kwargs) as response:
            return response.status, await response.json()


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


# ---------------------------------------------------------------------------------------------------------
# The limits come from the spec
# ---------------------------------------------------------------------------------------------------------


def test_limits_are_parsed_from_the_spec_descriptions() -> None:
    spec = load_spec()
    assert spec.version == "Bot API 10.1"
    send = spec.methods["sendmessage"].fields
    assert send["text"].length == (1, 4096, "characters") and send["text"].after_entities
    button = spec.types["InlineKeyboardButton"]
    assert button.fields["callback_data"].length == (1, 64, "bytes")
    assert button.one_of is not None and button.one_of[0] == "exactly"
    assert "callback_data" in button.one_of[1] and "text" not in button.one_of[1]
    assert spec.methods["answercallbackquery"].fields["text"].length == (0, 200, "characters")
    secret = spec.methods["setwebhook"].fields["secret_token"]
    assert secret.length == (1, 256, "characters") and secret.pattern == r"[A-Za-z0-9_-]*"
    command = spec.types["BotCommand"].fields
    assert command["command"].length == (1, 32, "characters") and command["command"].pattern == "[a-z0-9_]*"
    assert command["description"].length == (1, 256, "characters")
    assert spec.methods["senddocument"].fields["caption"].length == (0, 1024, "characters")
    assert spec.methods["getupdates"].fields["limit"].int_range == (1, 100)
    assert spec.methods["setmycommands"].fields["commands"].items_range == (0, 100)
    assert spec.methods["editmessagetext"].fields["inline_message_id"].required_unless == (
        "chat_id",
        "message_id",
    )
    # limits.json (tginfo/Telegram-Limits): 100 buttons and 10 KB of markup per keyboard, 50 MB uploads
    assert (spec.limits.keyboard_buttons, spec.limits.markup_bytes) == (100, 10 * 1024)
    assert spec.limits.upload_bytes == 50 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------------
# Telegram, through aiogram
# ---------------------------------------------------------------------------------------------------------


async def test_aiogram_bot_sends_a_valid_message(tg: FakeTelegram) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        me = await bot.get_me()
        assert me.id == tg.bot_id and me.is_bot and me.username == tg.bot_username
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Tue 10:00", callback_data="д" * 32)]]  # 64 bytes
        )
        sent = await bot.send_message(42, "Pick a time", reply_markup=markup, disable_notification=True)
    finally:
        await bot.session.close()
    assert sent.message_id == 1 and sent.chat.id == 42 and sent.text == "Pick a time"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "д" * 32
    assert tg.violations == []
    method, params = tg.calls[-1]
    assert method == "sendMessage" and params["chat_id"] == 42 and params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "д" * 32


async def test_aiogram_over_long_text_and_65_byte_callback_data_are_rejected(tg: FakeTelegram) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    def one_button(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data=data)]])

    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        await bot.send_message(42, "x" * 4096)  # the limit itself is fine
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(42, "x" * 4097)
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(42, "Pick", reply_markup=one_button("a" * 65))
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(42, "Pick", reply_markup=one_button("д" * 33))  # 33 characters, 66 bytes
    finally:
        await bot.session.close()
    assert len(tg.violations) == 3
    assert tg.violations[0] == "sendMessage.text: must be 1-4096 characters after entities parsing, got 4097"
    assert tg.violations[1].startswith(
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: must be 1-64 bytes"
    )
    assert "got 66" in tg.violations[2]
    assert [m for m, _ in tg.calls] == ["sendMessage"]


async def test_aiogram_uploads_a_calendar_file_as_multipart(tg: FakeTelegram) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import BufferedInputFile

    ics = testdata.path(ICS).read_bytes()
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        sent = await bot.send_document(
            42, BufferedInputFile(ics, "booking.ics"), caption="<b>Your booking</b>", parse_mode="HTML"
        )
    finally:
        await bot.session.close()
    assert tg.violations == []
    assert sent.document is not None and sent.document.file_name == "booking.ics"
    assert sent.document.mime_type == "text/calendar" and sent.document.file_size == len(ics)
    assert sent.caption == "Your booking"
    params = tg.calls_to("sendDocument")[0]
    assert params["document"].data == ics and params["document"].filename == "booking.ics"


async def test_a_file_sent_as_a_string_must_be_a_file_id_or_a_url(tg: FakeTelegram) -> None:
    # What a sender that forgot to upload would do: the calendar file's text in place of the file.
    ics = testdata.path(ICS).read_text(encoding="utf-8")
    status, body = await call(tg, "sendDocument", {"chat_id": 42, "document": ics})
    assert status == 400 and body["description"].startswith("Bad Request: wrong remote file identifier")
    [violation] = tg.violations
    assert violation.startswith("sendDocument.document: neither a file_id nor an HTTP URL: 'BEGIN:VALARM")
    for reference in ("https://example.com/booking.ics", "BQACAgIAAxkBAAIBY2ZmZmZmZmZmZmZm"):
        status, _ = await call(tg, "sendDocument", {"chat_id": 42, "document": reference})
        assert status == 200
    assert len(tg.calls_to("sendDocument")) == 2


async def test_aiogram_sees_flood_control(tg: FakeTelegram) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

    tg.fail_next("sendMessage", status=429, retry_after=1)
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(42, "Hello")
        assert caught.value.retry_after == 1
        await bot.send_message(42, "Hello")  # one failure only
        tg.block(42)
        with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
            await bot.send_message(42, "Hello again")
    finally:
        await bot.session.close()
    assert tg.violations == []
    assert tg.errors[0] == ("sendMessage", 429, "Too Many Requests: retry after 1")
    assert len(tg.calls_to("sendMessage")) == 1


# ---------------------------------------------------------------------------------------------------------
# Telegram, through python-telegram-bot
# ---------------------------------------------------------------------------------------------------------


async def test_ptb_bot_base_url_convention_and_messages(
    tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, RetryAfter

    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta, without a warning
    # PTB appends the token to base_url (unless it contains "{token}"): pass ".../bot".
    bot = Bot(tg.token, base_url=f"{tg.base_url}/bot")
    assert bot.base_url == tg.api_url
    async with bot:  # initialize() calls getMe
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Book", callback_data="book:1")]])
        sent = await bot.send_message(
            chat_id=7, text="Hi *there*", parse_mode="Markdown", reply_markup=markup
        )
        assert sent.text == "Hi there" and sent.reply_markup == markup
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(chat_id=7, text="y" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):  # PTB capitalizes the message
            bad = InlineKeyboardMarkup([[InlineKeyboardButton("Book", callback_data="b" * 65)]])
            await bot.send_message(chat_id=7, text="Pick", reply_markup=bad)
        tg.fail_next("sendMessage", retry_after=2)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chat_id=7, text="again")
        assert caught.value.retry_after == timedelta(seconds=2)
    assert [m for m, _ in tg.calls] == ["getMe", "sendMessage"]
    assert len(tg.violations) == 2 and all(v.startswith("sendMessage.") for v in tg.violations)


# ---------------------------------------------------------------------------------------------------------
# Telegram, the raw protocol
# ---------------------------------------------------------------------------------------------------------


async def test_unknown_method_wrong_token_unknown_and_missing_fields(tg: FakeTelegram) -> None:
    async with ClientSession() as session:
        async with session.post(f"{tg.base_url}/bot1:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with session.get(f"{tg.api_url}/sendMessageNow") as response:
            assert response.status == 404
        async with session.get(f"{tg.api_url}/GETME") as response:  # method names are case-insensitive
            assert (await response.json())["ok"] is True
    status, body = await call(tg, "sendMessage", {"chat_id": 1, "text": "hi", "colour": "red"})
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    assert body["description"] == "Bad Request: sendMessage.colour: unknown parameter"
    status, body = await call(tg, "sendMessage", {"chat_id": 1})
    assert status == 400 and "sendMessage.text: required field is missing" in body["description"]
    status, body = await call(tg, "sendMessage", {"chat_id": [1], "text": "hi"})
    assert status == 400 and "expected Integer or String" in body["description"]
    status, _ = await call(tg, "sendMessage", {"chat_id": 1, "text": "hi", "disable_notification": "maybe"})
    assert status == 400
    status, body = await call(tg, "sendMessage", {"chat_id": "someone", "text": "hi"})
    assert status == 400 and body["description"] == "Bad Request: chat not found"
    assert (await call(tg, "sendMessage", {"chat_id": "@slotbot_news", "text": "hi"}))[0] == 200
    status, _ = await call(tg, "editMessageText", {"text": "new"})  # neither chat_id+message_id nor inline id
    assert status == 400
    assert any("required when inline_message_id is not specified" in v for v in tg.violations)
    assert len(tg.violations) == 10 and [m for m, _ in tg.calls] == ["getMe", "sendMessage"]  # edit: 3 fields


async def test_form_encoded_parameters_are_converted(tg: FakeTelegram) -> None:
    markup = keyboard({"text": "Yes", "callback_data": "yes"})
    status, body = await call(
        tg,
        "sendMessage",
        {
            "chat_id": "-1001234567890",
            "text": "Confirm?",
            "reply_markup": json.dumps(markup),
            "protect_content": "true",
        },
        form=True,
    )
    assert status == 200 and body["result"]["chat"]["type"] == "supergroup"
    params = tg.calls_to("sendMessage")[0]
    assert params == {
        "chat_id": -1001234567890,
        "text": "Confirm?",
        "reply_markup": markup,
        "protect_content": True,
    }
    status, body = await call(
        tg, "sendMessage", {"chat_id": "5", "text": "x", "reply_markup": "{oops"}, form=True
    )
    assert status == 400 and tg.violations


async def test_inline_buttons_need_exactly_one_action_and_keyboards_are_bounded(tg: FakeTelegram) -> None:
    status, body = await call(
        tg, "sendMessage", {"chat_id": 1, "text": "?", "reply_markup": keyboard({"text": "a"})}
    )
    assert status == 400 and "Text buttons are unallowed in the inline keyboard" in body["description"]
    two = {"text": "a", "callback_data": "a", "url": "https://example.com"}
    status, body = await call(tg, "sendMessage", {"chat_id": 1, "text": "?", "reply_markup": keyboard(two)})
    assert status == 400 and "needs exactly one of" in body["description"]
    styled = {"text": "a", "callback_data": "a", "style": "loud"}
    status, body = await call(
        tg, "sendMessage", {"chat_id": 1, "text": "?", "reply_markup": keyboard(styled)}
    )
    assert status == 400 and "must be one of ['danger', 'success', 'primary']" in body["description"]
    many = {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(101)]}
    status, body = await call(tg, "sendMessage", {"chat_id": 1, "text": "?", "reply_markup": many})
    assert status == 400 and "over the 100 buttons limit" in tg.violations[-1]
    reply = {
        "keyboard": [["Today", {"text": "Share phone", "request_contact": True}]],
        "one_time_keyboard": True,
    }
    status, body = await call(tg, "sendMessage", {"chat_id": 1, "text": "?", "reply_markup": reply})
    assert status == 200 and "reply_markup" not in body["result"]  # reply keyboards are not echoed
    assert len(tg.violations) == 4


async def test_text_is_measured_after_entity_parsing(tg: FakeTelegram) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"}, 200, ""),
        ({"text": "Price: 10.50", "parse_mode": "MarkdownV2"}, 400, "Character '.' is reserved"),
        ({"text": "Price: 10\\.50 *total*", "parse_mode": "MarkdownV2"}, 200, ""),
        ({"text": "line<br>break", "parse_mode": "HTML"}, 400, 'Unsupported start tag "br"'),
        ({"text": "Tom &amp; Jerry &lt;3", "parse_mode": "HTML"}, 200, ""),
        ({"text": "  \n ", "parse_mode": None}, 400, "message text is empty"),
        ({"text": "<b></b>", "parse_mode": "HTML"}, 400, "message text is empty"),
        ({"text": "hi", "parse_mode": "html5"}, 400, "unsupported parse_mode"),
    ]
    for extra, expected, description in cases:
        payload = {"chat_id": 1, **{k: v for k, v in extra.items() if v is not None}}
        status, body = await call(tg, "sendMessage", payload)
        assert status == expected, (extra, body)
        assert description in body.get("description", ""), (extra, body)
    assert [m["text"] for m in tg.sent] == ["x" * 4096, "Price: 10.50 total", "Tom & Jerry <3"]


async def test_webhook_secret_and_commands(tg: FakeTelegram) -> None:
    status, _ = await call(tg, "setWebhook", {"url": "https://bot.example.com/tg", "secret_token": "not ok!"})
    assert status == 400 and "only characters A-Z, a-z, 0-9, _ and - are allowed" in tg.violations[-1]
    status, _ = await call(tg, "setWebhook", {"url": "https://bot.example.com/tg", "secret_token": "s" * 257})
    assert status == 400
    status, _ = await call(tg, "setWebhook", {"url": "http://bot.example.com/tg"})
    assert status == 400 and "HTTPS URL" in tg.violations[-1]
    status, body = await call(
        tg, "setWebhook", {"url": "https://bot.example.com/tg", "secret_token": "Ab_9-z"}
    )
    assert status == 200 and body == {"ok": True, "result": True, "description": "Webhook was set"}
    _, info = await call(tg, "getWebhookInfo")
    assert (
        info["result"]["url"] == "https://bot.example.com/tg" and info["result"]["pending_update_count"] == 0
    )
    assert SpecValidator(tg.spec).check_object(info["result"], "WebhookInfo") == []
    status, body = await call(tg, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    await call(tg, "deleteWebhook")

    commands = [
        {"command": "book", "description": "Book a visit"},
        {"command": "cancel", "description": "Cancel"},
    ]
    for bad in ({"command": "Book", "description": "x"}, {"command": "book", "description": ""}):
        status, _ = await call(tg, "setMyCommands", {"commands": [bad]})
        assert status == 400
    assert (
        "lowercase English letters" in tg.violations[-2] and "must be 1-256 characters" in tg.violations[-1]
    )
    status, _ = await call(tg, "setMyCommands", {"commands": commands, "language_code": "ukr"})
    assert status == 400
    assert (await call(tg, "setMyCommands", {"commands": commands, "language_code": "uk"}))[0] == 200
    assert (await call(tg, "getMyCommands", {"language_code": "uk"}))[1]["result"] == commands
    assert (await call(tg, "getMyCommands"))[1]["result"] == []
    assert len(tg.violations) == 7


@contextlib.asynccontextmanager
async def _bot_webhook(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> AsyncIterator[str]:
    """A bot's webhook endpoint on 127.0.0.1 for the fake to deliver to; yields its URL."""
    app = web.Application()
    app.router.add_post("/tg", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/tg"
    finally:
        await runner.cleanup()


async def test_webhook_delivery_sends_the_secret_header(tg: FakeTelegram) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    async with _bot_webhook(webhook) as url:
        await call(tg, "setWebhook", {"url": "https://bot.example.com/tg", "secret_token": "s3cret"})
        update = tg.message_update(42, "/start")
        status, _ = await tg.deliver_webhook(update, url=url)
        await tg.deliver_webhook(update, url=url)  # Telegram redelivers unanswered ones
    assert status == 200 and received == [("s3cret", update), ("s3cret", update)]


async def test_a_method_in_a_webhook_answer_is_checked_and_recorded_like_a_call(tg: FakeTelegram) -> None:
    answers: list[web.Response] = []

    async def webhook(request: web.Request) -> web.Response:
        await request.read()
        return answers.pop(0)

    press = tg.callback_update(42, "slot:1", message_id=1)
    query_id = press["callback_query"]["id"]
    answer = {"method": "answerCallbackQuery", "callback_query_id": query_id}
    answers += [
        web.json_response({**answer, "text": "t" * 201}),
        web.json_response({**answer, "method": "answerCallbackQueries"}),
        web.json_response(answer, status=503),  # Telegram delivers the update again, ignoring the body
        web.json_response({**answer, "text": "Noted"}),
        web.json_response(answer),  # a redelivery: Telegram never got the first answer
        web.Response(
            text="method=sendMessage&chat_id=42&text=Hi", content_type="application/x-www-form-urlencoded"
        ),
        web.json_response({}),
        web.Response(),
    ]
    async with _bot_webhook(webhook) as url:
        for _ in range(5):
            assert (await tg.deliver_webhook(press, url=url))[0] in (200, 503)
        assert (await tg.deliver_webhook(tg.message_update(42, "hi"), url=url))[0] == 200
        await tg.deliver_webhook(tg.message_update(42, "again"), url=url)
        await tg.deliver_webhook(tg.message_update(42, "and again"), url=url)
    assert len(tg.violations) == 2
    assert "answerCallbackQuery.text: must be 0-200 characters" in tg.violations[0]
    assert "answerCallbackQueries: no such method" in tg.violations[1]
    assert [params.get("text") for params in tg.calls_to("answerCallbackQuery")] == ["Noted", None]
    assert tg.answered_callbacks.keys() == {query_id}
    assert [(m["chat"]["id"], m["text"]) for m in tg.sent] == [(42, "Hi")]
    assert [method for method, _ in tg.calls] == ["answerCallbackQuery"] * 2 + ["sendMessage"]


async def test_get_updates_long_polls_and_honours_offset(tg: FakeTelegram) -> None:
    # A poll that only an update can end before the deadline: it answers when one is queued.
    poll = asyncio.create_task(call(tg, "getUpdates", {"timeout": 600}))
    await until(lambda: tg.long_polling, "the long poll to wait")
    first = tg.push_update(message_update(42, "hello"))
    status, body = await finished(poll, "the long poll to answer")
    assert status == 200 and [u["update_id"] for u in body["result"]] == [first["update_id"]]
    second = tg.push_update(callback_update(42, "slot:1", message_id=1))
    _, body = await call(tg, "getUpdates", {"offset": first["update_id"] + 1, "timeout": 1})
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]]
    assert tg.pending_updates == [second]  # unconfirmed until a higher offset is sent
    # With nothing left, the poll waits out its timeout and answers an empty list.
    empty = asyncio.create_task(call(tg, "getUpdates", {"offset": second["update_id"] + 1, "timeout": 1}))
    await until(lambda: tg.long_polling, "the poll to wait")
    _, body = await finished(empty, "the poll to time out")
    assert body["result"] == []
    # a second poller terminates the first one, as on Telegram (long polls that nothing else ends)
    older = asyncio.create_task(call(tg, "getUpdates", {"timeout": 600}))
    await until(lambda: tg.long_polling, "the older poll to wait")
    newer = asyncio.create_task(call(tg, "getUpdates", {"timeout": 600}))
    status, body = await finished(older, "the older poll to be terminated")
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    tg.push_update(message_update(42, "again"))
    assert [u["message"]["text"] for u in (await finished(newer, "the newer poll"))[1]["result"]] == ["again"]
    status, _ = await call(tg, "getUpdates", {"limit": 101})
    assert status == 400 and "between 1 and 100" in tg.violations[-1]


async def test_edits_and_callback_answers_follow_telegram_state(tg: FakeTelegram) -> None:
    markup = keyboard({"text": "10:00", "callback_data": "slot:10"})
    _, sent = await call(tg, "sendMessage", {"chat_id": 42, "text": "Pick a time", "reply_markup": markup})
    message_id = sent["result"]["message_id"]
    update = tg.push_callback(42, "slot:10", message_id)
    query_id = update["callback_query"]["id"]
    assert update["callback_query"]["message"]["reply_markup"] == markup
    status, _ = await call(tg, "answerCallbackQuery", {"callback_query_id": query_id, "text": "t" * 201})
    assert status == 400 and "answerCallbackQuery.text: must be 0-200 characters" in tg.violations[-1]
    assert (await call(tg, "answerCallbackQuery", {"callback_query_id": query_id, "text": "Booked"}))[
        0
    ] == 200
    status, body = await call(tg, "answerCallbackQuery", {"callback_query_id": query_id})
    assert status == 400 and "query is too old" in body["description"]
    same = {"chat_id": 42, "message_id": message_id, "text": "Pick a time", "reply_markup": markup}
    status, body = await call(tg, "editMessageText", same)
    assert status == 400 and "message is not modified" in body["description"]
    status, body = await call(
        tg, "editMessageText", {"chat_id": 42, "message_id": message_id, "text": "Booked"}
    )
    assert status == 200 and body["result"]["text"] == "Booked" and "reply_markup" not in body["result"]
    assert tg.sent[0]["text"] == "Booked"  # the record of sent messages follows the edit
    status, body = await call(tg, "editMessageReplyMarkup", {"chat_id": 42, "message_id": 999})
    assert status == 400 and body["description"] == "Bad Request: message to edit not found"
    assert len(tg.violations) == 4


async def test_results_and_update_builders_conform_to_the_spec(tg: FakeTelegram) -> None:
    validator = SpecValidator(tg.spec)
    _, me = await call(tg, "getMe")
    assert validator.check_object(me["result"], "User") == []
    _, sent = await call(
        tg,
        "sendMessage",
        {"chat_id": 5, "text": "hi", "reply_markup": keyboard({"text": "a", "url": "https://a.example"})},
    )
    assert validator.check_object(sent["result"], "Message") == []
    command = message_update(5, "/start@slotbot_test_bot now", language_code="uk")
    assert validator.check_object(command, "Update") == []
    assert command["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert command["message"]["from"]["language_code"] == "uk"
    assert validator.check_object(tg.callback_update(5, "x", 1), "Update") == []
    assert validator.check_object({"update_id": 1, "message": {"text": "no chat"}}, "Update") != []
    with pytest.raises(ValueError, match="not a valid Update"):
        tg.push_update({"update_id": 1, "message": {"message_id": 1, "text": "no date, no chat"}})
    ids = [message_update(1, "a")["update_id"], callback_update(1, "b", 1)["update_id"]]
    assert ids[1] > ids[0]


async def test_rate_limit_answer_has_telegram_shape(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1)
    status, body = await call(tg, "sendMessage", {"chat_id": 1, "text": "hi"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert (await call(tg, "sendMessage", {"chat_id": 1, "text": "hi"}))[0] == 200
    assert tg.violations == []


async def test_wait_for_calls(tg: FakeTelegram) -> None:
    async def later() -> None:
        await call(tg, "sendMessage", {"chat_id": 3, "text": "done"})

    task = asyncio.create_task(later())  # runs once wait_for_calls waits
    params = await tg.wait_for_calls("sendMessage", 1)
    await task
    assert params[0]["text"] == "done"


# ---------------------------------------------------------------------------------------------------------
# Twilio signatures
# ---------------------------------------------------------------------------------------------------------


def _url_vectors(vectors: dict[str, Any]) -> list[Any]:
    return [pytest.param(v, id=v["name"][:40]) for v in vectors["vectors"] if "url" in v]


@pytest.mark.parametrize("vector", testdata.cases(SIGNATURE_VECTORS, _url_vectors))
def test_signature_reproduces_the_request_validator_vectors(vector: dict[str, Any]) -> None:
    """Vectors: twilio/request-validator-vectors.json of the test material (twilio-python's own tests)."""
    vectors = testdata.read_json(SIGNATURE_VECTORS)
    base = next(v for v in vectors["vectors"] if v["name"] == "compute_signature")["params"]
    params = vector.get("params_list") or vector.get("params")
    if params == "same as compute_signature":
        params = base
    pairs = [tuple(p) for p in params] if isinstance(params, list) else params
    assert sign(vector["url"], pairs, vectors["auth_token"]) == vector["expected"]


def test_json_body_vector_hashes_the_body() -> None:
    """The "JSON body" vectors of request-validator-vectors.json: bodySHA256 travels in the signed URL."""
    vectors = testdata.read_json(SIGNATURE_VECTORS)
    body_vector = next(v for v in vectors["vectors"] if "expected_body_sha256" in v)
    digest = hashlib.sha256(body_vector["body"].encode("utf-8")).hexdigest()
    assert digest == body_vector["expected_body_sha256"]
    signed = next(v for v in vectors["vectors"] if "bodySHA256" in v.get("url", ""))
    assert signed["url"].endswith(f"bodySHA256={digest}")
    assert sign(signed["url"], {}, vectors["auth_token"]) == signed["expected"]


def test_inbound_forms_are_what_twilio_posts_and_validate_with_the_library() -> None:
    from twilio.request_validator import RequestValidator

    form = inbound_form("+380501234567", "Hi", profile_name="Olena")
    assert form["From"] == "whatsapp:+380501234567" and form["WaId"] == "380501234567"
    assert form["To"].startswith("whatsapp:+") and form["NumMedia"] == "0" and form["MessageType"] == "text"
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"]) and form["AccountSid"].startswith("AC")
    button = inbound_form("whatsapp:+380501234567", button_payload="confirm:17", button_text="Confirm")
    assert (button["ButtonPayload"], button["ButtonText"], button["Body"]) == (
        "confirm:17",
        "Confirm",
        "Confirm",
    )
    chosen = inbound_form("+380501234567", list_id="slot:10", list_title="10:00")
    assert (chosen["ListId"], chosen["ListTitle"], chosen["MessageType"]) == (
        "slot:10",
        "10:00",
        "interactive",
    )
    url = "https://bot.example.com/twilio/whatsapp?x=1"
    assert RequestValidator("tok").validate(url, button, sign(url, button, "tok"))
    assert not RequestValidator("tok").validate(url, button, sign(url, button, "other"))


# ---------------------------------------------------------------------------------------------------------
# Twilio, through the twilio library
# ---------------------------------------------------------------------------------------------------------


async def test_twilio_client_sends_a_valid_message_and_a_1601_character_body_is_rejected(
    tw: FakeTwilio,
) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    tw.record_inbound("whatsapp:+380501234567")
    client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client())
    try:
        sent = await client.messages.create_async(
            to="whatsapp:+380501234567", from_="whatsapp:+14155238886", body="Booked: Tue 10:00"
        )
        assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid) and sent.status == "queued"
        assert sent.to == "whatsapp:+380501234567" and sent.direction == "outbound-api"
        await client.messages.create_async(
            to="whatsapp:+380501234567", from_="whatsapp:+14155238886", body="b" * 1600
        )
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(
                to="whatsapp:+380501234567", from_="whatsapp:+14155238886", body="b" * 1601
            )
        assert caught.value.status == 400 and caught.value.code == 21617
        fetched = await client.messages(sent.sid).fetch_async()
        assert fetched.body == "Booked: Tue 10:00"
    finally:
        await client.http_client.close()
    assert [m.body for m in tw.messages] == ["Booked: Tue 10:00", "b" * 1600]
    assert tw.violations == ["The concatenated message body exceeds the 1600 character limit."]
    assert tw.errors[0][1] == {
        "code": 21617,
        "message": "The concatenated message body exceeds the 1600 character limit.",
        "more_info": "https://www.twilio.com/docs/errors/21617",
        "status": 400,
    }


async def test_twilio_wrong_credentials_get_401(tw: FakeTwilio) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    client = Client(tw.account_sid, "wrong-token", http_client=tw.http_client())
    try:
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(
                to="whatsapp:+380501234567", from_="whatsapp:+14155238886", body="x"
            )
    finally:
        await client.http_client.close()
    assert caught.value.status == 401 and caught.value.code == 20003
    assert tw.messages == []


async def test_twilio_templates_and_parameter_checks(tw: FakeTwilio) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    whatsapp = {"to": "whatsapp:+380501234567", "from_": "whatsapp:+14155238886"}
    template = "HX" + "ab" * 16
    client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client())
    try:
        ok = await client.messages.create_async(
            **whatsapp, content_sid=template, content_variables=json.dumps({"1": "Tue", "2": "10:00"})
        )
        assert tw.message(ok.sid).content_variables == {"1": "Tue", "2": "10:00"}
        bad_calls: list[tuple[dict[str, Any], int]] = [
            ({**whatsapp}, 21602),  # no Body, MediaUrl or ContentSid
            ({**whatsapp, "content_sid": template, "content_variables": "Tue"}, 21656),
            ({**whatsapp, "content_sid": template, "content_variables": "[1, 2]"}, 21656),
            ({**whatsapp, "body": "x", "content_variables": "{}"}, 21656),  # variables without a template
            ({**whatsapp, "content_sid": "HX123"}, 20001),  # not HX + 32 hex
            ({"to": "+380501234567", "from_": "whatsapp:+14155238886", "body": "x"}, 21910),
            ({"to": "whatsapp:0501234567", "from_": "whatsapp:+14155238886", "body": "x"}, 21211),
            ({"to": "whatsapp:+380501234567", "body": "x"}, 21603),  # no From or MessagingServiceSid
            ({**whatsapp, "body": "x", "status_callback": "https://my_host.example/cb"}, 21609),
            ({**whatsapp, "body": "x", "validity_period": 36001}, 20001),
        ]
        for kwargs, code in bad_calls:
            with pytest.raises(TwilioRestException) as caught:
                await client.messages.create_async(**kwargs)
            assert (caught.value.status, caught.value.code) == (400, code), kwargs
    finally:
        await client.http_client.close()
    assert len(tw.messages) == 1 and len(tw.violations) == len(bad_calls)
    async with ClientSession() as session:
        auth = {
            "Authorization": "Basic "
            + __import__("base64").b64encode(f"{tw.account_sid}:{tw.auth_token}".encode()).decode()
        }
        form = {
            "To": "whatsapp:+380501234567",
            "From": "whatsapp:+14155238886",
            "Body": "x",
            "Priority": "high",
        }
        async with session.post(tw.messages_url, data=form, headers=auth) as response:
            assert (
                response.status == 400 and (await response.json())["message"] == "Unknown parameter: Priority"
            )
        async with session.post(tw.messages_url, json=form, headers=auth) as response:
            assert response.status == 400


async def test_twilio_injected_failures(tw: FakeTwilio) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client())
    try:
        for status in (429, 500, 503):
            tw.fail_next(status)
            with pytest.raises(TwilioRestException) as caught:
                await client.messages.create_async(to="+380501234567", from_="+14155238886", body="SMS")
            assert caught.value.status == status
        await client.messages.create_async(to="+380501234567", from_="+14155238886", body="SMS")
    finally:
        await client.http_client.close()
    assert tw.violations == [] and len(tw.messages) == 1
    assert [e[1]["code"] for e in tw.errors] == [20429, 20500, 20503]


async def test_whatsapp_session_window(tw: FakeTwilio) -> None:
    from twilio.rest import Client

    customer = "whatsapp:+380501234567"
    client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client())
    try:
        outside = await client.messages.create_async(
            to=customer, from_="whatsapp:+14155238886", body="Reminder"
        )
        template = await client.messages.create_async(
            to=customer, from_="whatsapp:+14155238886", content_sid="HX" + "0" * 32
        )
        tw.inbound_form(customer, "Hi")  # the customer writes: the 24-hour window opens
        inside = await client.messages.create_async(to=customer, from_="whatsapp:+14155238886", body="Hello!")
        tw.record_inbound(customer, at=time.time() - 25 * 3600)
        late = await client.messages.create_async(to=customer, from_="whatsapp:+14155238886", body="Late")
        fetched = await client.messages(outside.sid).fetch_async()
    finally:
        await client.http_client.close()
    assert outside.status == "queued"  # accepted by the API...
    assert fetched.status == "undelivered" and fetched.error_code == 63016  # ...but never delivered
    statuses = {m.sid: (m.status, m.error_code) for m in tw.messages}
    assert statuses[template.sid] == ("queued", None) and statuses[inside.sid] == ("queued", None)
    assert statuses[late.sid] == ("undelivered", 63016)
    callback = tw.status_callback_form(tw.message(outside.sid))
    assert callback["MessageStatus"] == "undelivered" and callback["ErrorCode"] == "63016"


@pytest.mark.filterwarnings("ignore:.*auth.*:DeprecationWarning")  # aiohttp deprecates twilio's BasicAuth use
async def test_twilio_api_base_url_seam(tw: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    """The narrower seam: Domain.base_url, valid while no edge/region makes get_hostname rewrite the host."""
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    client = Client(tw.account_sid, tw.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = tw.base_url
    try:
        sent = await client.messages.create_async(to="+380501234567", from_="+14155238886", body="hello")
    finally:
        await client.http_client.close()
    assert tw.message(sent.sid).body == "hello"
    # the redirecting client also survives an edge/region setting
    client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client(), edge="sydney", region="au1")
    try:
        await client.messages.create_async(to="+380501234567", from_="+14155238886", body="via edge")
    finally:
        await client.http_client.close()
    assert tw.messages[-1].body == "via edge" and tw.violations == []


async def test_twilio_deliver_signs_like_twilio(tw: FakeTwilio) -> None:
    from twilio.request_validator import RequestValidator

    seen: list[bool] = []
    public_url = "https://bot.example.com/twilio/whatsapp"

    async def webhook(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append(
            RequestValidator(tw.auth_token).validate(
                public_url, dict(form), request.headers["X-Twilio-Signature"]
            )
        )
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/twilio/whatsapp", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        status, _ = await tw.deliver(
            f"http://{host}:{port}/twilio/whatsapp",
            tw.inbound_form("+380501234567", "Hi"),
            public_url=public_url,
        )
    finally:
        await runner.cleanup()
    assert status == 200 and seen == [True]


# ---------------------------------------------------------------------------------------------------------
# Long polling with the libraries' own update loops
# ---------------------------------------------------------------------------------------------------------


async def test_aiogram_dispatcher_polls_the_fake(tg: FakeTelegram) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.filters import CommandStart
    from aiogram.types import CallbackQuery, Message

    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Welcome", reply_markup=None)

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("Noted")

    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        tg.push_message(42, "/start")
        tg.push_callback(42, "slot:1", message_id=1)
        await tg.wait_for_calls("sendMessage")
        await tg.wait_for_calls("answerCallbackQuery")
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()
    assert tg.calls_to("sendMessage")[0]["text"] == "Welcome"
    assert tg.calls_to("answerCallbackQuery")[0]["text"] == "Noted"
    tg.assert_no_violations()


async def test_ptb_application_polls_the_fake(tg: FakeTelegram) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Welcome")

    app = ApplicationBuilder().token(tg.token).base_url(f"{tg.base_url}/bot").build()
    app.add_handler(CommandHandler("start", start))  # needs the bot_command entity of the update
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, poll_interval=0)
        await app.start()
        try:
            tg.push_message(42, "/start")
            await tg.wait_for_calls("sendMessage")
        finally:
            await app.updater.stop()
            await app.stop()
    assert "deleteWebhook" in [m for m, _ in tg.calls]
    tg.assert_no_violations()


async def test_twilio_fetches_media_when_asked_and_fails_a_message_whose_media_it_cannot_get() -> None:
    from twilio.rest import Client

    ics = testdata.path(ICS).read_bytes()

    async def calendar_file(_: web.Request) -> web.Response:
        return web.Response(body=ics, content_type="text/calendar", charset="utf-8")

    app = web.Application()
    app.router.add_get("/calendar/ok.ics", calendar_file)
    async with TestServer(app, host="127.0.0.1") as files, FakeTwilio(fetch_media=True) as tw:
        tw.record_inbound("+380501234567")
        client = Client(tw.account_sid, tw.auth_token, http_client=tw.http_client())
        whatsapp = {"to": "whatsapp:+380501234567", "from_": "whatsapp:+14155238886"}
        try:
            for path in ("/calendar/ok.ics", "/calendar/gone.ics"):
                await client.messages.create_async(**whatsapp, media_url=[str(files.make_url(path))])
        finally:
            await client.http_client.close()
        served, gone = tw.messages
        assert [(m.status, m.content_type, m.body) for m in served.media] == [(200, "text/calendar", ics)]
        assert (served.status, served.error_code) == ("queued", None)
        assert [m.status for m in gone.media] == [404] and (gone.status, gone.error_code) == ("failed", 11200)
        assert tw.violations == []
