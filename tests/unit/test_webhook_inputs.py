"""Regression tests for issue 11 ("No 5xx on any input"), the webhooks' part: each request below once got a
503 and a traceback (and Telegram delivered it again and again). Sent over a real socket to the app's
server, whose hooks feed a real runner and store (tests/unit/hooks.py).

What must hold: an unauthenticated or malformed request gets a 4xx and one log line; an authenticated one
that makes no sense is acknowledged (2xx) and ignored, with one log line; nothing is sent to a chat that is
not one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import MultiDict

from bot.channels.base import TELEGRAM, Inbound, Outgoing
from bot.channels.telegram import SECRET_HEADER, TelegramRenderer, inbound_from_update, unsendable
from bot.channels.whatsapp_twilio import inbound_from_form
from bot.web import TelegramHook, make_app
from conversations.events import Choice, Text
from conversations.replies import TELEGRAM_TEXT_LIMIT, WHATSAPP_TEXT_LIMIT, Reply
from conversations.session import loads
from storage.outbox import Outbox
from storage.sessions import Sessions
from tests.fakes.telegram_api import FakeTelegram, callback_update, message_update
from tests.fakes.twilio_api import inbound_form
from tests.unit.hooks import FORM, SECRET, Served, serving, signed

CHAT = 380501234
CUSTOMER = "+380501234567"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with serving(tmp_path) as server:
        yield server


def _records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()}" for r in caplog.records if r.name.startswith(("bot", "slotbot"))
    ]


def _one_line_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    records = [r for r in caplog.records if r.name.startswith(("bot", "slotbot"))]
    assert len(records) == 1, _records(caplog)
    assert records[0].levelname == "WARNING" and records[0].exc_info is None


# ---- before any check: the headers and the body -----------------------------------------------------------


@pytest.mark.parametrize("secret", [b"\xff", b"hook_Secret-123\xc3", b"\xc3\xa9t\xc3\xa9", b"\x80" * 300])
async def test_a_non_ascii_byte_in_the_telegram_secret_header_is_403_with_one_line(
    served: Served, secret: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await served.telegram(json.dumps(message_update(CHAT, "hi")).encode(), secret=secret)
    assert status == 403
    _one_line_no_traceback(caplog)


@pytest.mark.parametrize("signature", [b"\xff", b"\xc3\xa9" * 14, b"abc=\x80"])
async def test_a_non_ascii_byte_in_the_twilio_signature_header_is_403_with_one_line(
    served: Served, signature: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await served.twilio(urlencode(inbound_form(CUSTOMER, "hi")).encode(), signature)
    assert status == 403
    _one_line_no_traceback(caplog)


@pytest.mark.parametrize("depth", [1_000, 100_000, 500_000])
async def test_deeply_nested_json_is_400_with_one_line(
    served: Served, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await served.telegram(b"[" * depth + b"]" * depth)
    assert status == 400
    nested = b'{"update_id": 1, "message": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
    status, _ = await served.telegram(nested[: 1024 * 1024 - 1])
    assert status == 400
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, b"Body=%ff%fe&From=whatsapp%3A%2B380501234567"),  # a %-escape that is not UTF-8
        (FORM, b"Body=\xff"),
        (FORM + "; charset=nonexistent", b"Body=hi"),
        (FORM + "; charset=utf-16", b"Body=hi"),
        ("multipart/form-data", b"garbage"),
        ("multipart/form-data; boundary=xyz", b"garbage"),
        ("application/json", b'{"Body": "hi"}'),
        (FORM, b"&".join(b"f%d=1" % n for n in range(1000))),
    ],
)
async def test_a_twilio_body_that_is_not_a_utf8_form_is_400_with_one_line(
    served: Served, content_type: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await served.post("/webhooks/twilio", body, [(b"Content-Type", content_type.encode())])
    assert status == 400
    _one_line_no_traceback(caplog)


# ---- authenticated, of the wrong shape: acknowledged and ignored -------------------------------------------


def _message(**changes: Any) -> dict[str, Any]:
    update = message_update(CHAT, "hi", update_id=1000 + len(changes))
    update["message"].update(changes)
    return update


def _press(**changes: Any) -> dict[str, Any]:
    update = callback_update(CHAT, "1|m:book", 41, callback_query_id="cb7", update_id=2000)
    update["callback_query"]["message"].update(changes)
    return update


WRONG_SHAPES = {
    "message is a string": {"update_id": 10, "message": "hi"},
    "message is null": {"update_id": 11, "message": None},
    "message is a list": {"update_id": 12, "message": [1, 2]},
    "callback_query is a string": {"update_id": 13, "callback_query": "x"},
    "chat is a string": _message(chat="380501234"),
    "chat is null": _message(chat=None),
    "chat.id is empty": _message(chat={"id": "", "type": "private"}),
    "chat.id is text": _message(chat={"id": "abc", "type": "private"}),
    "chat.id is huge": _message(chat={"id": 10**30, "type": "private"}),
    "chat.id is a float": _message(chat={"id": 1.5, "type": "private"}),
    "chat.id is true": _message(chat={"id": True, "type": "private"}),
    "chat.id is zero": _message(chat={"id": 0, "type": "private"}),
    "no chat": {"update_id": 14, "message": {"message_id": 1, "text": "hi", "from": {"id": 5}}},
    "no from": {"update_id": 15, "message": {"message_id": 1, "text": "hi", "chat": {"id": 5}}},
    "from is a string": _message(**{"from": "me"}),
    "text is a number": _message(text=5),
    "text is a list": _message(text=["hi"]),
    "text is an object": _message(text={"a": 1}),
    "a pressed button's message is a string": {
        "update_id": 16,
        "callback_query": {"id": "c", "message": "m"},
    },
    "a pressed button's message has no message_id": _press(message_id=None),
    "a pressed button's message_id is text": _press(message_id="41"),
    "a pressed button's chat is null": _press(chat=None),
    "a pressed button's data is a number": {
        "update_id": 17,
        "callback_query": {**callback_update(CHAT, "x", 41)["callback_query"], "data": 7},
    },
    "a pressed button's data is longer than 64 bytes": callback_update(CHAT, "é" * 40, 41, update_id=18),
    "a pressed button's id is a number": {
        "update_id": 19,
        "callback_query": {**callback_update(CHAT, "x", 41)["callback_query"], "id": 5},
    },
    "update_id is huge": {**message_update(CHAT, "hi"), "update_id": 10**40},
}


@pytest.mark.parametrize("update", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
async def test_an_authenticated_update_of_the_wrong_shape_is_acknowledged_and_ignored(
    served: Served, update: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await served.telegram(json.dumps(update).encode())
    assert status == 200
    _one_line_no_traceback(caplog)
    assert await Outbox(served.db).all() == []


async def test_a_forged_update_with_an_empty_chat_id_sends_nothing(served: Served) -> None:
    status, _ = await served.telegram(json.dumps(_message(chat={"id": "", "type": "private"})).encode())
    assert status == 200 and await Outbox(served.db).all() == []


@pytest.mark.parametrize("driver", ["aiogram", "ptb"])
@pytest.mark.parametrize("chat_id", ["", "abc", None, 10**30, 1.5, True, 0])
async def test_the_telegram_senders_never_call_without_a_valid_chat_id(driver: str, chat_id: Any) -> None:
    async with FakeTelegram() as tg:
        if driver == "ptb":
            from bot.channels.telegram_ptb import PtbTelegram

            telegram: Any = PtbTelegram(tg.token, tg.base_url)
        else:
            from bot.channels.telegram_aiogram import AiogramTelegram

            telegram = AiogramTelegram(tg.token, tg.base_url)
        try:
            params = {"text": "hi"} if chat_id is None else {"chat_id": chat_id, "text": "hi"}
            delivery = await telegram.sender().send(Outgoing(TELEGRAM, str(chat_id), "sendMessage", params))
        finally:
            await telegram.close()
        assert not delivery.ok and delivery.retry_after is None and "chat id" in (delivery.error or "")
        assert tg.calls_to("sendMessage") == []


def test_a_pressed_button_on_no_message_we_can_name_is_answered_with_a_new_message() -> None:
    pressed = Inbound(TELEGRAM, str(CHAT), Choice("x"), "1", message_id="abc", callback_id="cb")
    calls = TelegramRenderer().render([Reply("Hello")], pressed)
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]


def test_a_call_about_a_chat_needs_its_numeric_id() -> None:
    assert unsendable(Outgoing(TELEGRAM, "5", "sendMessage", {"chat_id": 5, "text": "x"})) is None
    assert unsendable(Outgoing(TELEGRAM, "-100123", "editMessageText", {"chat_id": -100123})) is None
    assert unsendable(Outgoing(TELEGRAM, "5", "answerCallbackQuery", {"callback_query_id": "1"})) is None
    assert unsendable(Outgoing(TELEGRAM, "", "sendMessage", {"chat_id": "", "text": "x"}))


async def test_a_signed_twilio_message_with_no_twilio_message_id_is_acknowledged_and_ignored(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    form = inbound_form(CUSTOMER, "hi", message_sid="SM" + "x" * 100)
    pairs = list(form.items())
    status, _ = await served.twilio(urlencode(pairs).encode(), signed(pairs))
    assert status == 200
    _one_line_no_traceback(caplog)


# ---- text longer than the platform allows ------------------------------------------------------------------


def test_telegram_text_is_read_up_to_telegrams_limit() -> None:
    inbound = inbound_from_update(message_update(CHAT, "a" * 5000))
    assert inbound is not None and inbound.event == Text("a" * TELEGRAM_TEXT_LIMIT)


def test_text_with_a_lone_surrogate_is_kept_storable() -> None:
    update = message_update(CHAT, "x")
    update["message"]["text"] = json.loads('"Ol\\ud800ha"')  # JSON can say it; Python cannot encode it
    update["message"]["from"]["first_name"] = json.loads('"\\udfff"')
    inbound = inbound_from_update(update)
    assert inbound is not None and isinstance(inbound.event, Text)
    inbound.event.text.encode("utf-8")
    (inbound.name or "").encode("utf-8")


async def test_a_name_with_a_lone_surrogate_is_stored_not_a_503(served: Served) -> None:
    for number, said in enumerate(["/start", "haircut tomorrow at 11", "Ol\\ud800ha"]):
        update = message_update(CHAT, "x", update_id=700 + number)
        body = json.dumps(update).replace('"text": "x"', f'"text": "{said}"').encode()
        status, _ = await served.telegram(body)
        assert status == 200
    stored = await Sessions(served.db).read(f"telegram:{CHAT}")
    assert stored is not None and loads(stored.data or "").name == "Ol?ha"


def test_whatsapp_text_is_read_up_to_whatsapps_limit() -> None:
    inbound = inbound_from_form(MultiDict(inbound_form(CUSTOMER, "b" * 5000)))
    assert inbound is not None and inbound.event == Text("b" * WHATSAPP_TEXT_LIMIT)


# ---- what is still a 503: a failure on our side ---------------------------------------------------------


@pytest.mark.parametrize("failure", [ConnectionError("database is away"), ConnectionResetError("reset")])
async def test_our_own_failure_is_still_a_503_so_the_platform_delivers_again(failure: Exception) -> None:
    async def handle(_: Any) -> None:
        raise failure

    async def healthy() -> bool:
        return True

    app = make_app(healthy=healthy, telegram_hook=TelegramHook(SECRET, handle))
    async with TestClient(TestServer(app)) as client:
        update = message_update(CHAT, "hi")
        response = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 503
