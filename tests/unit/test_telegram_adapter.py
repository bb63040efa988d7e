"""The library-free Telegram adapter: updates → Inbound, replies → Bot API calls, menus, the webhook.

Rendered calls and hand-built updates are checked against Bot API 10.1 (telegram/bot-api-10.1.json of the
external test material, from PaulSonOfLars/telegram-bot-api-spec; see tests/testdata.py) with the fake
server's validator: they are what Telegram sends and takes. Without the spec, the tests that check against
it are skipped.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.base import TELEGRAM, Inbound, Outgoing
from bot.channels.telegram import (
    SECRET_HEADER,
    TelegramRenderer,
    command_menus,
    inbound_from_update,
    keyboard,
    poll_updates,
    retry_after,
    sent_anew,
    webhook,
)
from bot.web import TelegramHook, make_app
from conversations.events import Choice, Command, Text
from conversations.replies import CALLBACK_DATA_LIMIT, TELEGRAM_TEXT_LIMIT, Option, Reply
from conversations.texts import LANGUAGES
from tests.fakes.telegram_api import BotApiSpec, SpecValidator, callback_update, load_spec, message_update
from tests.waiting import finished, until

CHAT = 380501234
SECRET = "s3cret_token-42"


def spec() -> BotApiSpec:
    return load_spec()  # parsed once; skips the test when the spec is absent


@functools.cache
def validator() -> SpecValidator:
    return SpecValidator(spec())


def valid_update(update: dict[str, Any]) -> dict[str, Any]:
    problems = validator().check_object(update, "Update")
    assert not problems, f"test update is not what Telegram sends: {problems}"
    return update


def assert_valid_call(call: Outgoing) -> None:
    method = spec().method(call.method)
    assert method is not None, f"unknown method {call.method}"
    _, problems = validator().check_method(method, json.loads(json.dumps(call.params)))
    assert not problems, f"{call.method}: {[str(p) for p in problems]}"


# ---- updates → Inbound -----------------------------------------------------------------------------------


def test_text_message() -> None:
    update = valid_update(message_update(CHAT, "haircut tomorrow", "uk", first_name="Olena", update_id=77))
    assert inbound_from_update(update) == Inbound(
        channel=TELEGRAM,
        chat_id=str(CHAT),
        event=Text("haircut tomorrow"),
        dedup_id="77",
        name="Olena",
        language="uk",
    )


@pytest.mark.parametrize("name", ["start", "book", "my", "help", "lang"])
@pytest.mark.parametrize("suffix", ["", "@slotbot_test_bot", " ref_42"])
def test_commands(name: str, suffix: str) -> None:
    inbound = inbound_from_update(valid_update(message_update(CHAT, f"/{name}{suffix}", "pl")))
    assert inbound is not None
    assert inbound.event == Command(name, "pl")


@pytest.mark.parametrize("said", ["/unknown", "/starting", "/ start", "start", "/start@"])
def test_other_slashes_are_text(said: str) -> None:
    inbound = inbound_from_update(valid_update(message_update(CHAT, said)))
    assert inbound is not None and inbound.event == Text(said)


@pytest.mark.parametrize(("code", "language"), [("pt-br", "pt"), ("EN", "en"), (None, None)])
def test_language_is_two_letters(code: str | None, language: str | None) -> None:
    inbound = inbound_from_update(valid_update(message_update(CHAT, "/start", code)))
    assert inbound is not None and inbound.language == language
    assert inbound.event == Command("start", language)


def test_group_chat_id_is_the_chat_not_the_user() -> None:
    inbound = inbound_from_update(valid_update(message_update(-1001234567890, "hi", user_id=5)))
    assert inbound is not None and inbound.chat_id == "-1001234567890"


def test_button_press() -> None:
    update = valid_update(
        callback_update(CHAT, "t:3:0930", 41, language_code="fr", callback_query_id="cb1", update_id=9)
    )
    assert inbound_from_update(update) == Inbound(
        channel=TELEGRAM,
        chat_id=str(CHAT),
        event=Choice("t:3:0930"),
        dedup_id="9",
        name="Test",
        language="fr",
        message_id="41",
        callback_id="cb1",
    )


def _sticker_update() -> dict[str, Any]:
    update = message_update(CHAT, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAAC",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return update


def _edited_update() -> dict[str, Any]:
    update = message_update(CHAT, "changed my mind")
    update["edited_message"] = {**update.pop("message"), "edit_date": update["update_id"]}
    return update


def _channel_post() -> dict[str, Any]:
    update = message_update(CHAT, "news")
    post = update.pop("message")
    del post["from"]
    update["channel_post"] = {**post, "chat": {"id": -1009876543210, "type": "channel", "title": "News"}}
    return update


def _inline_button() -> dict[str, Any]:
    update = callback_update(CHAT, "svc:cut", 1)
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "AAAA"
    return update


def _game_button() -> dict[str, Any]:
    update = callback_update(CHAT, "x", 1)
    del update["callback_query"]["data"]
    update["callback_query"]["game_short_name"] = "game"
    return update


@pytest.mark.parametrize(
    "update",
    [_sticker_update(), _edited_update(), _channel_post(), _inline_button(), _game_button()],
    ids=["sticker", "edited", "channel_post", "inline_button", "game"],
)
def test_ignored_updates(update: dict[str, Any]) -> None:
    assert inbound_from_update(valid_update(update)) is None


# ---- replies → Bot API calls -----------------------------------------------------------------------------

TIMES = tuple(Option(f"t:{h:02d}{m:02d}", f"{h:02d}:{m:02d}") for h in (9, 10, 11) for m in (0, 30))
MESSAGE_IN = Inbound(TELEGRAM, str(CHAT), Text("hi"), dedup_id="1")
PRESSED = Inbound(TELEGRAM, str(CHAT), Choice("svc:cut"), "2", message_id="41", callback_id="cb7")


def labels(markup: dict[str, Any]) -> list[list[str]]:
    return [[button["text"] for button in row] for row in markup["inline_keyboard"]]


def test_short_labels_four_to_a_row_long_ones_alone() -> None:
    options = (Option("svc:cut", "Haircut"), *TIMES, Option("other", "Another day"), Option("a", "Mon 3"))
    assert labels(keyboard(options)) == [
        ["Haircut"],
        ["09:00", "09:30", "10:00", "10:30"],
        ["11:00", "11:30"],
        ["Another day"],
        ["Mon 3"],
    ]
    for row in keyboard(options)["inline_keyboard"]:
        for button in row:
            assert set(button) == {"text", "callback_data"}


def test_callback_data_is_the_option_id_up_to_64_bytes() -> None:
    longest = "é" * (CALLBACK_DATA_LIMIT // 2)  # 64 UTF-8 bytes, 32 characters
    markup = keyboard([Option(longest, "ok")])
    assert markup["inline_keyboard"][0][0]["callback_data"] == longest
    with pytest.raises(ValueError, match="65 bytes"):
        keyboard([Option(longest + "x", "too long")])
    with pytest.raises(ValueError):
        keyboard([Option("", "empty")])


def test_replies_to_a_message_are_sent_as_one_message_where_they_fit() -> None:
    calls = TelegramRenderer().render([Reply("Hello!"), Reply("Which?", TIMES)], MESSAGE_IN)
    assert [call.method for call in calls] == ["sendMessage"]
    assert calls[0].params["text"] == "Hello!\n\nWhich?"
    assert labels(calls[0].params["reply_markup"])[0] == ["09:00", "09:30", "10:00", "10:30"]
    assert all(call.channel == TELEGRAM and call.chat_id == str(CHAT) for call in calls)
    for call in calls:
        assert_valid_call(call)


def test_a_reply_with_buttons_ends_its_message() -> None:
    replies = [Reply("Which?", TIMES), Reply("Or write a time."), Reply("x" * 4090), Reply("Bye")]
    calls = TelegramRenderer().render(replies, MESSAGE_IN)
    texts = [call.params["text"] for call in calls]
    assert texts == ["Which?", "Or write a time.", "x" * 4090 + "\n\nBye"]  # 4,096 characters at most each
    assert "reply_markup" in calls[0].params and all("reply_markup" not in c.params for c in calls[1:])


def test_a_pressed_button_is_answered_then_its_message_edited() -> None:
    calls = TelegramRenderer().render([Reply("Which time?", TIMES), Reply("Or write one")], PRESSED)
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert calls[0].params == {"callback_query_id": "cb7"}
    assert calls[1].params["chat_id"] == CHAT and calls[1].params["message_id"] == 41
    assert calls[1].params["text"] == "Which time?" and "reply_markup" in calls[1].params
    assert calls[2].params == {"chat_id": CHAT, "text": "Or write one"}
    for call in calls:
        assert_valid_call(call)


def test_nothing_to_say_still_answers_the_button() -> None:
    assert TelegramRenderer().render([], MESSAGE_IN) == []
    calls = TelegramRenderer().render([], PRESSED)
    assert [(call.method, call.params) for call in calls] == [
        ("answerCallbackQuery", {"callback_query_id": "cb7"})
    ]


def test_with_the_webhook_answering_buttons_the_renderer_does_not() -> None:
    replies = [Reply("Which time?", TIMES), Reply("Or write one")]
    renderer = TelegramRenderer(answer_in_webhook=True)
    calls = renderer.render(replies, PRESSED)
    assert [call.method for call in calls] == ["editMessageText", "sendMessage"]
    assert calls == TelegramRenderer().render(replies, PRESSED)[1:]
    assert renderer.render([], PRESSED) == []
    assert renderer.render(replies, MESSAGE_IN) == TelegramRenderer().render(replies, MESSAGE_IN)


@pytest.mark.parametrize("inbound", [MESSAGE_IN, PRESSED], ids=["message", "button"])
def test_long_text_is_split_with_the_keyboard_last(inbound: Inbound) -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(20)]  # about 15,000 characters
    long_text = "\n\n".join(paragraphs)
    calls = TelegramRenderer().render([Reply(long_text, TIMES)], inbound)
    messages = [call for call in calls if call.method != "answerCallbackQuery"]
    assert len(messages) >= -(-len(long_text) // TELEGRAM_TEXT_LIMIT)
    assert all(len(call.params["text"]) <= TELEGRAM_TEXT_LIMIT for call in messages)
    assert [("reply_markup" in call.params) for call in messages] == [False] * (len(messages) - 1) + [True]
    assert " ".join(" ".join(call.params["text"].split()) for call in messages) == " ".join(long_text.split())
    expected_first = "editMessageText" if inbound.callback_id else "sendMessage"
    assert [call.method for call in messages] == [expected_first] + ["sendMessage"] * (len(messages) - 1)
    for call in calls:
        assert_valid_call(call)


def test_a_refused_edit_can_be_sent_anew() -> None:
    edit = TelegramRenderer().render([Reply("Which time?", TIMES)], PRESSED)[1]
    anew = sent_anew(edit)
    assert anew is not None and anew.method == "sendMessage" and "message_id" not in anew.params
    assert_valid_call(anew)
    assert sent_anew(anew) is None


# ---- command menus ---------------------------------------------------------------------------------------


def test_a_menu_for_every_language_and_the_default() -> None:
    menus = dict(command_menus())
    assert set(menus) == {None, *LANGUAGES}
    for language, commands in menus.items():
        assert [c["command"] for c in commands] == ["start", "book", "my", "help", "lang"], language
        for command in commands:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command["command"])
            assert 1 <= len(command["description"]) <= 256, (language, command)
            assert len(command["description"]) <= 60, (language, command)  # short enough to read in a menu
        params = {"commands": commands, **({"language_code": language} if language else {})}
        _, problems = validator().check_method(spec().methods["setmycommands"], params)
        assert not problems, [str(p) for p in problems]
    assert menus["uk"] != menus["en"]
    assert dict(command_menus("uk"))[None] == menus["uk"]


# ---- the webhook -----------------------------------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[tuple[TestClient[web.Request, web.Application], list[Inbound]]]:
    fed: list[Inbound] = []

    async def handle(inbound: Inbound) -> None:
        fed.append(inbound)

    async def handler(request: web.Request) -> web.Response:
        return await webhook(request, SECRET, handle)

    app = web.Application()
    app.router.add_post("/telegram", handler)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client, fed


async def test_webhook_feeds_an_update_once(client: Any) -> None:
    test_client, fed = client
    update = message_update(CHAT, "/start")
    response = await test_client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200 and await response.json() == {}
    assert fed == [inbound_from_update(update)]


async def test_webhook_answers_a_pressed_button_in_its_response(client: Any) -> None:
    test_client, fed = client
    update = valid_update(callback_update(CHAT, "svc:cut", 41, callback_query_id="4413"))
    response = await test_client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200 and response.content_type == "application/json"
    answer = await response.json()
    assert answer == {"method": "answerCallbackQuery", "callback_query_id": "4413"}
    assert fed == [inbound_from_update(update)]
    method = spec().method(answer.pop("method"))
    assert method is not None and validator().check_method(method, answer)[1] == []


async def test_webhook_answers_a_button_it_does_not_handle_too(client: Any) -> None:
    # A button on an inline-mode message has no message: nothing for the conversation, but it still spins.
    test_client, _ = client
    update = callback_update(CHAT, "x", 1, callback_query_id="77")
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "AAA"
    valid_update(update)
    response = await test_client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert await response.json() == {"method": "answerCallbackQuery", "callback_query_id": "77"}


async def test_a_failing_feed_gets_no_answer_so_telegram_delivers_again() -> None:
    async def feed(_: Inbound) -> None:
        raise ConnectionError("database is away")

    async def healthy() -> bool:
        return True

    app = make_app(healthy=healthy, telegram_hook=TelegramHook(SECRET, feed))
    update = callback_update(CHAT, "svc:cut", 41)
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 503 and "method" not in await response.json()
        forged = await test_client.post("/webhooks/telegram", json=update)
        assert forged.status == 403 and await forged.read() == b""


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_webhook_refuses_without_the_secret(
    client: Any, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    test_client, fed = client
    response = await test_client.post("/telegram", json=message_update(CHAT, "hi"), headers=headers)
    assert response.status == 403 and fed == []
    assert "secret" in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"{}", b'{"update_id": "5"}', b'{"update_id": true}', b"\xff\xfe"],
)
async def test_webhook_refuses_what_is_not_an_update(client: Any, body: bytes) -> None:
    test_client, fed = client
    response = await test_client.post("/telegram", data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400 and fed == []


async def test_webhook_without_a_configured_secret_refuses_everything() -> None:
    fed: list[Inbound] = []

    async def feed(inbound: Inbound) -> None:
        fed.append(inbound)

    async def handler(request: web.Request) -> web.Response:
        return await webhook(request, "", feed)

    app = web.Application()
    app.router.add_post("/telegram", handler)
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.post("/telegram", json=message_update(CHAT, "hi"))
        assert response.status == 403 and fed == []


# ---- flood control and polling ---------------------------------------------------------------------------


def test_retry_after() -> None:
    flood = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests",
        "parameters": {"retry_after": 7},
    }
    assert retry_after(429, flood) == 7.0
    assert retry_after(429, {"ok": False}) is None
    assert retry_after(400, {"ok": False, "description": "Bad Request"}) is None
    assert retry_after(200, {"ok": True, "result": True}) is None


async def test_polling_feeds_in_order_survives_errors_and_stops() -> None:
    stop = asyncio.Event()
    batches: list[list[dict[str, Any]] | Exception] = [
        [{"update_id": 1}, {"update_id": 2}],
        ConnectionError("flaky"),
        [{"update_id": 3}],
    ]
    offsets: list[int | None] = []
    fed: list[int] = []

    async def fetch(offset: int | None, timeout: int) -> list[dict[str, Any]]:
        offsets.append(offset)
        if not batches:
            await asyncio.sleep(3600)  # a long poll with nothing to say: only `stop` ends it
        batch = batches.pop(0)
        if isinstance(batch, Exception):
            raise batch
        return batch

    async def feed(update: dict[str, Any]) -> None:
        fed.append(update["update_id"])
        if update["update_id"] == 1:
            raise RuntimeError("a bug in handling one update")

    polling = asyncio.create_task(poll_updates(fetch, feed, stop, timeout=1))
    await until(lambda: len(offsets) >= 4, "the fourth getUpdates")
    stop.set()
    await finished(polling, "polling to stop")  # the poll in progress would take an hour
    assert fed == [1, 2, 3]
    assert offsets == [None, 3, 3, 4]
