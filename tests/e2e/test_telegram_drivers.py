"""Both Telegram drivers (aiogram, python-telegram-bot) against FakeTelegram, a local Bot API server.

The fake checks every request against Bot API 10.1 (../shared/testdata/telegram/bot-api-10.1.json), so each
test ends by asserting that neither library was made to send Telegram anything it would refuse.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.base import TELEGRAM, Delivery, Inbound, Outgoing, Sender
from bot.channels.telegram import TRANSIENT_PAUSE, TelegramRenderer, feeder, webhook
from conversations.events import Choice, Command, Text
from conversations.replies import Option, Reply
from conversations.texts import LANGUAGES, text
from tests.fakes.telegram_api import FakeTelegram
from tests.waiting import finished, until

DRIVERS = ["aiogram", "ptb"]
SECRET = "hook_Secret-123"
HOOK_URL = "https://salon.example.com/telegram/hook"
CHAT = 5550001
TIMES = tuple(Option(f"t:{hour}00", f"{hour}:00") for hour in range(10, 16))
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are the same"
)


class Driver(Protocol):
    async def setup(self, webhook_url: str | None, secret: str | None = None) -> None: ...
    async def poll(self, stop: asyncio.Event, feed: Callable[[dict[str, Any]], Awaitable[None]]) -> None: ...
    def sender(self) -> Sender: ...
    async def close(self) -> None: ...


def make_driver(name: str, tg: FakeTelegram) -> Driver:
    # Imported here: each library is slow to import, and a run of one driver's tests needs only that one.
    if name == "ptb":
        from bot.channels.telegram_ptb import PtbTelegram

        return PtbTelegram(tg.token, tg.base_url)
    from bot.channels.telegram_aiogram import AiogramTelegram

    return AiogramTelegram(tg.token, tg.base_url)


class Inbox:
    """A `handle` that keeps what it is given and lets a test wait for it."""

    def __init__(self) -> None:
        self.received: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> None:
        self.received.append(inbound)

    async def wait_for(self, count: int) -> list[Inbound]:
        await until(lambda: len(self.received) >= count, f"{count} inbound message(s) to arrive")
        return self.received


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture(params=DRIVERS)
async def setup(request: pytest.FixtureRequest, tg: FakeTelegram) -> AsyncIterator[tuple[Driver, Inbox]]:
    inbox = Inbox()
    driver = make_driver(request.param, tg)
    try:
        yield driver, inbox
    finally:
        await driver.close()
    tg.assert_no_violations()


# ---- set-up ----------------------------------------------------------------------------------------------


async def test_setup_registers_menus_and_the_webhook(setup: tuple[Driver, Inbox], tg: FakeTelegram) -> None:
    driver, _ = setup
    await driver.setup(HOOK_URL, SECRET)
    default_scope = '{"type": "default"}'
    assert set(tg.commands) == {(default_scope, ""), *((default_scope, lang) for lang in LANGUAGES)}
    for (_, language), commands in tg.commands.items():
        assert [c["command"] for c in commands] == ["start", "book", "my", "help", "lang"]
        assert commands[1]["description"] == text(language or "en", "command_book")
    assert tg.webhook.url == HOOK_URL and tg.webhook.secret_token == SECRET
    assert tg.webhook.allowed_updates == ["message", "callback_query"]
    assert tg.violations == []


async def test_setup_for_polling_removes_the_webhook(setup: tuple[Driver, Inbox], tg: FakeTelegram) -> None:
    driver, _ = setup
    await driver.setup(HOOK_URL, SECRET)
    await driver.setup(None)
    assert tg.webhook.url == ""
    assert tg.calls_to("deleteWebhook")[-1].get("drop_pending_updates") in (None, False)


# ---- sending ---------------------------------------------------------------------------------------------


async def test_a_rendered_reply_with_a_keyboard_then_an_edit(
    setup: tuple[Driver, Inbox], tg: FakeTelegram
) -> None:
    driver, _ = setup
    sender, renderer = driver.sender(), TelegramRenderer()
    assert sender.channel == TELEGRAM
    typed = Inbound(TELEGRAM, str(CHAT), Text("haircut"), "1")
    for call in renderer.render([Reply("When would you like to come?", TIMES)], typed):
        assert await sender.send(call) == Delivery(ok=True)
    asked = tg.sent[-1]
    assert asked["text"] == "When would you like to come?"
    assert [b["text"] for b in asked["reply_markup"]["inline_keyboard"][0]] == [
        "10:00",
        "11:00",
        "12:00",
        "13:00",
    ]

    press = tg.push_callback(CHAT, "t:1200", asked["message_id"])  # the fake learns the callback query
    pressed = Inbound(
        TELEGRAM,
        str(CHAT),
        Choice("t:1200"),
        str(press["update_id"]),
        message_id=str(asked["message_id"]),
        callback_id=press["callback_query"]["id"],
    )
    calls = renderer.render([Reply("12:00 it is.", TIMES[:1]), Reply("Your name, please?")], pressed)
    assert [await sender.send(call) for call in calls] == [Delivery(ok=True)] * 3
    assert tg.answered_callbacks.keys() == {press["callback_query"]["id"]}
    assert asked["message_id"] in [m["message_id"] for m in tg.sent]
    edited = next(m for m in tg.sent if m["message_id"] == asked["message_id"])
    assert edited["text"] == "12:00 it is."
    assert [b["text"] for b in edited["reply_markup"]["inline_keyboard"][0]] == ["10:00"]  # the new buttons
    assert tg.sent[-1]["text"] == "Your name, please?"
    assert tg.violations == []


async def test_flood_control_comes_back_as_retry_after(setup: tuple[Driver, Inbox], tg: FakeTelegram) -> None:
    driver, _ = setup
    sender = driver.sender()
    [call] = TelegramRenderer().render([Reply("Hello")], Inbound(TELEGRAM, str(CHAT), Text("hi")))
    tg.fail_next("sendMessage", 429, retry_after=7)
    assert await sender.send(call) == Delivery(ok=False, retry_after=7.0)
    tg.fail_next("sendMessage", 502)
    delivery = await sender.send(call)
    assert not delivery.ok and delivery.retry_after == 5
    tg.fail_next("sendMessage", 403)
    delivery = await sender.send(call)
    assert not delivery.ok and delivery.retry_after is None and "blocked" in (delivery.error or "")
    assert await sender.send(call) == Delivery(ok=True)
    assert [m["text"] for m in tg.sent] == ["Hello"]


async def test_an_unchanged_edit_is_fine_and_a_refused_one_is_sent_anew(
    setup: tuple[Driver, Inbox], tg: FakeTelegram
) -> None:
    driver, _ = setup
    sender = driver.sender()
    pressed = Inbound(TELEGRAM, str(CHAT), Choice("x"), "1", message_id="999", callback_id="cb")
    [_, edit] = TelegramRenderer().render([Reply("Which time?", TIMES)], pressed)
    tg.fail_next("editMessageText", 400, description=NOT_MODIFIED)
    assert await sender.send(edit) == Delivery(ok=True)
    assert tg.sent == []
    # Telegram refuses edits of messages older than 48 hours: the customer still gets the reply.
    tg.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
    assert await sender.send(edit) == Delivery(ok=True)
    assert [m["text"] for m in tg.sent] == ["Which time?"] and "reply_markup" in tg.sent[0]


async def test_aiogram_refuses_unknown_methods_and_bad_params_and_applies_the_bots_defaults(
    tg: FakeTelegram,
) -> None:
    from aiogram.client.default import DefaultBotProperties

    from bot.channels.telegram_aiogram import AiogramSender, AiogramTelegram

    telegram = AiogramTelegram(tg.token, tg.base_url)
    bot = telegram.bot
    text = {"chat_id": CHAT, "text": "Hi"}
    sender = telegram.sender()
    delivery = await sender.send(Outgoing(TELEGRAM, str(CHAT), "sendMesage", text))
    assert not delivery.ok and (delivery.error or "").startswith("ValueError")
    delivery = await sender.send(Outgoing(TELEGRAM, str(CHAT), "sendMessage", {"chat_id": CHAT}))
    assert not delivery.ok and (delivery.error or "").startswith("ValidationError")
    assert tg.calls == [] and tg.violations == []  # neither was sent: aiogram refused them

    bot.default = DefaultBotProperties(parse_mode="HTML")
    assert await AiogramSender(bot).send(Outgoing(TELEGRAM, str(CHAT), "sendMessage", text)) == Delivery(
        ok=True
    )
    assert tg.calls_to("sendMessage")[-1]["parse_mode"] == "HTML"
    await telegram.close()


async def test_aiogram_network_errors_are_transient() -> None:
    from bot.channels.telegram_aiogram import AiogramTelegram

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    telegram = AiogramTelegram("1:x", f"http://127.0.0.1:{port}")
    try:
        delivery = await telegram.sender().send(
            Outgoing(TELEGRAM, str(CHAT), "sendMessage", {"chat_id": CHAT, "text": "Hi"})
        )
    finally:
        await telegram.close()
    assert delivery == Delivery(ok=False, retry_after=TRANSIENT_PAUSE)


# ---- receiving -------------------------------------------------------------------------------------------


async def test_polling_delivers_messages_and_buttons_then_stops(
    setup: tuple[Driver, Inbox], tg: FakeTelegram
) -> None:
    driver, inbox = setup
    await driver.setup(None)
    stop = asyncio.Event()
    polling = asyncio.create_task(driver.poll(stop, feeder(inbox)))
    start = tg.push_message(CHAT, "/start@slotbot_test_bot", language_code="uk", first_name="Olena")
    tg.push_update({"edited_message": {**tg.message_update(CHAT, "ignored")["message"], "edit_date": 1}})
    press = tg.push_callback(CHAT, "svc:cut", start["message"]["message_id"] + 1, language_code="uk")
    first, second = await inbox.wait_for(2)
    assert first == Inbound(
        TELEGRAM, str(CHAT), Command("start", "uk"), str(start["update_id"]), name="Olena", language="uk"
    )
    assert second.event == Choice("svc:cut") and second.callback_id == press["callback_query"]["id"]
    assert second.message_id == str(start["message"]["message_id"] + 1)
    assert second.dedup_id == str(press["update_id"])

    await until(lambda: tg.long_polling, "the driver's next long poll")
    stop.set()  # ends the long poll: the driver hangs up rather than wait for Telegram's answer
    await finished(polling, "polling to stop")
    await until(lambda: tg.abandoned_polls == 1, "the fake to see the long poll abandoned")
    assert len(inbox.received) == 2  # the edited message was not for us
    assert tg.calls_to("getUpdates")[0].get("allowed_updates") == ["message", "callback_query"]


async def test_poll_returns_at_once_when_already_stopped(
    setup: tuple[Driver, Inbox], tg: FakeTelegram
) -> None:
    driver, _ = setup
    stop = asyncio.Event()
    stop.set()
    await finished(driver.poll(stop, feeder(Inbox())), "poll to return")
    assert tg.calls_to("getUpdates") == []  # not even one long poll


async def test_webhook_updates_reach_handle(setup: tuple[Driver, Inbox], tg: FakeTelegram) -> None:
    driver, inbox = setup
    await driver.setup(HOOK_URL, SECRET)

    async def hook(request: web.Request) -> web.Response:
        return await webhook(request, SECRET, inbox)

    app = web.Application()
    app.router.add_post("/telegram/hook", hook)
    async with TestServer(app) as server:
        update = tg.message_update(CHAT, "/book", "fr")
        status, body = await tg.deliver_webhook(update, url=str(server.make_url("/telegram/hook")))
        assert (status, body) == (200, "{}")
        tg.webhook.secret_token = "someone_else"
        status, _ = await tg.deliver_webhook(update, url=str(server.make_url("/telegram/hook")))
        assert status == 403
    assert [i.event for i in inbox.received] == [Command("book", "fr")]


async def test_a_failure_in_handle_reaches_the_webhook(tg: FakeTelegram) -> None:
    async def broken(_: Inbound) -> None:
        raise RuntimeError("database is down")

    with pytest.raises(RuntimeError, match="database is down"):
        await feeder(broken)(tg.message_update(CHAT, "hi"))


# ---- embedding in a business's own bot -------------------------------------------------------------------


async def test_aiogram_router_embeds_next_to_the_hosts_handlers(tg: FakeTelegram) -> None:
    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    from bot.channels.telegram_aiogram import router

    inbox, host_saw = Inbox(), []
    host = Router()

    @host.message()
    async def anything_else(message: Message) -> None:
        host_saw.append(message.message_id)

    dispatcher = Dispatcher()
    dispatcher.include_routers(router(inbox), host)
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        await dispatcher.feed_raw_update(bot, tg.message_update(CHAT, "/my", "el"))
        photo = tg.message_update(CHAT, "x")
        del photo["message"]["text"]
        photo["message"]["photo"] = [{"file_id": "A", "file_unique_id": "a", "width": 1, "height": 1}]
        await dispatcher.feed_raw_update(bot, photo)
    finally:
        await bot.session.close()
    assert [i.event for i in inbox.received] == [Command("my", "el")]
    assert host_saw == [photo["message"]["message_id"]]


async def test_ptb_handlers_embed_in_an_application(tg: FakeTelegram) -> None:
    from telegram import Update
    from telegram.ext import Application

    from bot.channels.telegram_ptb import handlers

    inbox = Inbox()
    app = Application.builder().token(tg.token).base_url(f"{tg.base_url}/bot").updater(None).build()
    app.add_handlers(handlers(inbox))
    async with app:
        for update in (tg.message_update(CHAT, "/help", "ru"), tg.callback_update(CHAT, "m:ok", 3)):
            await app.process_update(Update.de_json(update, app.bot))
    assert [i.event for i in inbox.received] == [Command("help", "ru"), Choice("m:ok")]
    assert inbox.received[1].message_id == "3"
    tg.assert_no_violations()
