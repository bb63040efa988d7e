"""WhatsApp through Twilio end to end on 127.0.0.1: the real twilio library against FakeTwilio, and back."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from functools import partial

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.base import WHATSAPP, Delivery, Inbound, Outgoing
from bot.channels.whatsapp_twilio import (
    RETRY_HINT,
    TwilioAccount,
    TwilioSender,
    WhatsAppRenderer,
    template_for,
    webhook,
)
from conversations.events import Choice, Text
from conversations.replies import WHATSAPP_TEXT_LIMIT, Option, Reply
from tests.fakes.twilio_api import DEFAULT_WHATSAPP_NUMBER, FakeTwilio

CUSTOMER = "+380501234567"
INBOUND = Inbound(WHATSAPP, CUSTOMER, Text("hi"))
QUICK_REPLY_3 = "HX" + "3" * 32
CHOICES = (
    Option("4:svc:cut", "Haircut"),
    Option("4:svc:color", "Colouring"),
    Option("4:svc:nails", "Manicure"),
)


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        fake.record_inbound(CUSTOMER)  # the customer wrote just now: free-form replies are allowed
        yield fake


def _settings(fake: FakeTwilio, **changes: str) -> TwilioAccount:
    values = {
        "account_sid": fake.account_sid,
        "auth_token": fake.auth_token,
        "from_number": DEFAULT_WHATSAPP_NUMBER,
        "api_base": fake.base_url,
        **changes,
    }
    return TwilioAccount(**values)


@pytest.fixture
async def sender(twilio: FakeTwilio) -> AsyncIterator[TwilioSender]:
    sender = TwilioSender(_settings(twilio))
    yield sender
    await sender.aclose()


async def _send_all(sender: TwilioSender, messages: list[Outgoing]) -> list[Delivery]:
    return [await sender.send(message) for message in messages]


def _text(body: str) -> Outgoing:
    return Outgoing(WHATSAPP, CUSTOMER, "message", {"Body": body})


async def test_a_rendered_reply_is_accepted(twilio: FakeTwilio, sender: TwilioSender) -> None:
    messages = WhatsAppRenderer().render([Reply("What would you like?", CHOICES)], INBOUND)
    assert await _send_all(sender, messages) == [Delivery(ok=True)]
    assert twilio.violations == []
    (sent,) = twilio.messages
    assert (sent.to, sent.from_) == ("whatsapp:" + CUSTOMER, DEFAULT_WHATSAPP_NUMBER)
    assert sent.body == "What would you like?\n\n1. Haircut\n2. Colouring\n3. Manicure"
    assert sent.status == "queued"


async def test_a_from_number_without_the_prefix(twilio: FakeTwilio) -> None:
    sender = TwilioSender(_settings(twilio, from_number="+14155238886"))
    try:
        assert await sender.send(_text("Hello")) == Delivery(ok=True)
    finally:
        await sender.aclose()
    assert twilio.messages[0].from_ == "whatsapp:+14155238886" and twilio.violations == []


async def test_a_1601_character_body_never_leaves(twilio: FakeTwilio, sender: TwilioSender) -> None:
    text = "word " * 320 + "!"
    assert len(text) == 1601
    messages = WhatsAppRenderer().render([Reply(text, CHOICES)], INBOUND)
    assert all(delivery.ok for delivery in await _send_all(sender, messages))
    assert twilio.violations == []
    assert len(twilio.messages) == 2 and all(
        len(m.body or "") <= WHATSAPP_TEXT_LIMIT for m in twilio.messages
    )
    assert (twilio.messages[-1].body or "").endswith("3. Manicure")


async def test_an_unsplit_1601_character_body_is_refused_for_good(
    twilio: FakeTwilio, sender: TwilioSender
) -> None:
    # What the renderer prevents: Twilio refuses it (error 21617) and retrying would not help.
    delivery = await sender.send(_text("x" * 1601))
    assert not delivery.ok and delivery.retry_after is None
    assert delivery.error is not None and delivery.error.startswith("21617 ")


async def test_quick_replies_are_accepted(twilio: FakeTwilio, sender: TwilioSender) -> None:
    renderer = WhatsAppRenderer({"quick_reply_3": QUICK_REPLY_3})
    messages = renderer.render([Reply("Which service?", CHOICES)], INBOUND)
    assert await _send_all(sender, messages) == [Delivery(ok=True)]
    assert twilio.violations == []
    (sent,) = twilio.messages
    assert sent.content_sid == QUICK_REPLY_3 and sent.body is None
    assert sent.content_variables == {
        **{"1": "Which service?", "2": "Haircut", "3": "Colouring", "4": "Manicure"},
        **{"5": "4:svc:cut", "6": "4:svc:color", "7": "4:svc:nails"},
    }


async def test_outside_the_window_a_template_is_delivered_and_free_form_is_not(
    twilio: FakeTwilio, sender: TwilioSender
) -> None:
    stranger = "+380671112233"  # never wrote: no open window
    templates = {"reminder": "HX" + "a" * 32}
    params = template_for("reminder", {"1": "Olena", "2": "Tue 14:00"}, templates)
    assert await sender.send(Outgoing(WHATSAPP, stranger, "message", params)) == Delivery(ok=True)
    # Twilio takes a free-form message too, and fails it later (63016): the window must be checked first.
    assert await sender.send(Outgoing(WHATSAPP, stranger, "message", {"Body": "Reminder"})) == Delivery(
        ok=True
    )
    template, free_form = twilio.messages
    assert (template.status, free_form.status, free_form.error_code) == ("queued", "undelivered", 63016)
    assert twilio.violations == []


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [(429, 7, 7.0), (429, None, RETRY_HINT), (503, None, RETRY_HINT), (500, 2, 2.0)],
)
async def test_busy_or_failing_twilio_means_retry(
    twilio: FakeTwilio, sender: TwilioSender, status: int, retry_after: int | None, expected: float
) -> None:
    twilio.fail_next(status, retry_after=retry_after)
    assert await sender.send(_text("Hello")) == Delivery(ok=False, retry_after=expected)
    assert await sender.send(_text("Hello again")) == Delivery(ok=True)
    assert [m.body for m in twilio.messages] == ["Hello again"]


async def test_an_unreachable_twilio_means_retry() -> None:
    with socket.socket() as probe:  # a free port on 127.0.0.1 that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = TwilioAccount(
        account_sid="AC" + "0" * 32,
        auth_token="token",
        from_number=DEFAULT_WHATSAPP_NUMBER,
        api_base=f"http://127.0.0.1:{port}",
    )
    sender = TwilioSender(settings)
    try:
        assert await sender.send(_text("Hello")) == Delivery(ok=False, retry_after=RETRY_HINT)
    finally:
        await sender.aclose()


async def test_a_wrong_token_is_a_permanent_error(twilio: FakeTwilio) -> None:
    sender = TwilioSender(_settings(twilio, auth_token="not-the-token"))
    try:
        delivery = await sender.send(_text("Hello"))
    finally:
        await sender.aclose()
    assert delivery == Delivery(ok=False, error="20003 Authenticate")
    assert twilio.messages == []


async def test_a_bad_request_is_a_permanent_error(twilio: FakeTwilio, sender: TwilioSender) -> None:
    delivery = await sender.send(Outgoing(WHATSAPP, "12345", "message", {"Body": "Hello"}))
    assert not delivery.ok and delivery.retry_after is None
    assert delivery.error is not None and delivery.error.startswith("21211 ")


async def test_a_message_the_sender_cannot_express_is_refused_before_sending(
    twilio: FakeTwilio, sender: TwilioSender
) -> None:
    delivery = await sender.send(Outgoing(WHATSAPP, CUSTOMER, "message", {"Body": "hi", "ReplyMarkup": "{}"}))
    assert not delivery.ok and delivery.error == "unsupported parameters ReplyMarkup"
    assert twilio.messages == [] and twilio.errors == []


async def test_a_shared_http_client_and_a_twilio_region_still_reach_api_base(
    twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library rewrites the host for an edge or region; the seam replaces whatever host it built.
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    async with aiohttp.ClientSession() as http:
        sender = TwilioSender(_settings(twilio), http=http)
        assert await sender.send(_text("Hello")) == Delivery(ok=True)
        await sender.aclose()
        assert not http.closed  # the sender closes only a session it made
    assert len(twilio.messages) == 1 and twilio.violations == []


async def test_a_message_delivered_by_twilio_reaches_the_conversation(twilio: FakeTwilio) -> None:
    public_url = "https://salon.example.com/twilio/whatsapp?source=wa"
    fed: list[Inbound] = []

    async def feed(inbound: Inbound) -> None:
        fed.append(inbound)

    app = web.Application()
    handler = partial(webhook, auth_token=twilio.auth_token, public_url=public_url, feed=feed)
    app.router.add_post("/twilio/whatsapp", handler)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/twilio/whatsapp"))
        tapped = twilio.inbound_form(CUSTOMER, button_payload="4:svc:cut", button_text="Haircut")
        assert (await twilio.deliver(url, tapped, public_url=public_url))[0] == 200
        assert (await twilio.deliver(url, twilio.inbound_form(CUSTOMER, "2"), public_url=public_url))[
            0
        ] == 200
        # Signed over the URL the app happens to be served at, not the one configured: refused.
        assert (await twilio.deliver(url, twilio.inbound_form(CUSTOMER, "3")))[0] == 403
    assert [inbound.event for inbound in fed] == [Choice("4:svc:cut"), Text("2")]
    assert [inbound.phone for inbound in fed] == [CUSTOMER, CUSTOMER]
