"""The WhatsApp (Twilio) adapter offline: signatures, inbound forms, rendering, the 24-hour window."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.base import WHATSAPP, Inbound
from bot.channels.whatsapp_twilio import (
    EMPTY_TWIML,
    WhatsAppRenderer,
    inbound_from_form,
    numbered_bodies,
    template_for,
    verify_signature,
    webhook,
    within_session,
)
from conversations.events import Choice, Text
from conversations.replies import WHATSAPP_TEXT_LIMIT, Option, Reply
from tests import testdata
from tests.fakes.twilio_api import inbound_form, sign

# twilio/twilio-python tests/unit/test_request_validator.py and Twilio's api-snippets, in the external test
# material (tests/testdata.py): the tests that use them are skipped without it.
VECTORS_FILE = "twilio/request-validator-vectors.json"
TOKEN = "12345abcdef"
PUBLIC_URL = "https://salon.example.com/twilio/whatsapp"
CUSTOMER = "+380501234567"
QR2, QR3 = "HX" + "2" * 32, "HX" + "3" * 32


def _vector_params(vector: dict[str, Any]) -> dict[str, str] | list[tuple[str, str]]:
    if "params_list" in vector:
        return [(key, value) for key, value in vector["params_list"]]
    if vector["params"] == "same as compute_signature":
        return vectors()["vectors"][0]["params"]
    return dict(vector["params"])


def vectors() -> dict[str, Any]:
    return testdata.read_json(VECTORS_FILE)  # type: ignore[no-any-return]


def signed_vectors(every: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [v for v in (every or vectors())["vectors"] if "expected" in v]


# ---- signatures ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vector",
    testdata.cases(
        VECTORS_FILE, lambda every: [pytest.param(v, id=v["name"]) for v in signed_vectors(every)]
    ),
)
def test_every_signature_vector_verifies(vector: dict[str, Any]) -> None:
    assert verify_signature(
        vectors()["auth_token"], vector["url"], _vector_params(vector), vector["expected"]
    )


@pytest.mark.parametrize(
    ("signed_url", "configured_url"),
    [
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "https://mycompany.com/myapp.php?foo=1&bar=2"),
        ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "http://mycompany.com/myapp.php?foo=1&bar=2"),
    ],
)
def test_a_default_port_in_the_signed_url_need_not_be_configured(
    signed_url: str, configured_url: str
) -> None:
    vector = next(v for v in signed_vectors() if v["url"] == signed_url)
    assert verify_signature(
        vectors()["auth_token"], configured_url, _vector_params(vector), vector["expected"]
    )


def test_the_json_body_vectors_agree_with_each_other() -> None:
    body, signed = (
        next(v for v in vectors()["vectors"] if v["name"].startswith(p))
        for p in ("JSON body: sha", "JSON body: sig")
    )
    digest = hashlib.sha256(body["body"].encode()).hexdigest()
    assert digest == body["expected_body_sha256"] and f"bodySHA256={digest}" in signed["url"]


def test_a_repeated_key_counts_every_value() -> None:
    vector = next(v for v in signed_vectors() if "params_list" in v)
    pairs = _vector_params(vector)
    assert isinstance(pairs, list)
    assert not verify_signature(vectors()["auth_token"], vector["url"], pairs[:-1], vector["expected"])
    assert not verify_signature(vectors()["auth_token"], vector["url"], dict(pairs), vector["expected"])


def _base() -> tuple[str, dict[str, str], str]:
    vector = signed_vectors()[0]
    return vector["url"], dict(vector["params"]), vector["expected"]


def test_a_tampered_parameter_fails() -> None:
    url, params, expected = _base()
    assert not verify_signature(vectors()["auth_token"], url, {**params, "Digits": "9999"}, expected)
    assert not verify_signature(vectors()["auth_token"], url, {**params, "Extra": "x"}, expected)


def test_another_url_fails() -> None:
    url, params, expected = _base()
    assert not verify_signature(vectors()["auth_token"], url.replace("foo=1", "foo=2"), params, expected)
    assert not verify_signature(vectors()["auth_token"], url.replace("https", "http"), params, expected)


def test_another_token_or_no_signature_fails() -> None:
    url, params, expected = _base()
    assert not verify_signature("54321", url, params, expected)
    assert not verify_signature("", url, params, expected)
    assert not verify_signature(vectors()["auth_token"], url, params, "")
    assert not verify_signature(vectors()["auth_token"], url, params, "подпись")


# ---- inbound forms ---------------------------------------------------------------------------------------


def test_a_text_message() -> None:
    form = inbound_form(
        CUSTOMER, "Hi, can I book a haircut?", profile_name="Olena", message_sid="SM" + "a" * 32
    )
    assert inbound_from_form(form) == Inbound(
        channel=WHATSAPP,
        chat_id=CUSTOMER,
        event=Text("Hi, can I book a haircut?"),
        dedup_id="SM" + "a" * 32,
        name="Olena",
        phone=CUSTOMER,
    )


def test_a_typed_number_stays_text() -> None:
    inbound = inbound_from_form(inbound_form(CUSTOMER, "2"))
    assert inbound is not None and inbound.event == Text("2")


def test_a_button_reply_is_the_payload() -> None:
    inbound = inbound_from_form(inbound_form(CUSTOMER, button_payload="7:svc:cut", button_text="Haircut"))
    assert inbound is not None and inbound.event == Choice("7:svc:cut")


def test_a_list_reply_is_the_list_id() -> None:
    inbound = inbound_from_form(inbound_form(CUSTOMER, list_id="7:t:1400", list_title="14:00"))
    assert inbound is not None and inbound.event == Choice("7:t:1400")


def test_media_without_text_is_empty_text() -> None:
    form = {**inbound_form(CUSTOMER), "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1"}
    inbound = inbound_from_form(form)
    assert inbound is not None and inbound.event == Text("")


@pytest.mark.parametrize("sender", ["+380501234567", "sms:+380501234567", "whatsapp:380501234567", ""])
def test_not_a_whatsapp_sender(sender: str) -> None:
    assert inbound_from_form({**inbound_form(CUSTOMER, "hi"), "From": sender}) is None


def test_a_status_callback_is_not_a_message() -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "delivered", "From": "whatsapp:+14155238886", "To": "x"}
    assert inbound_from_form(form) is None


# ---- rendering -------------------------------------------------------------------------------------------

INBOUND = Inbound(WHATSAPP, CUSTOMER, Text("hi"))
CHOICES = (
    Option("1:svc:cut", "Haircut"),
    Option("1:svc:color", "Colouring"),
    Option("1:svc:nails", "Manicure"),
)


def _bodies(replies: list[Reply], renderer: WhatsAppRenderer | None = None) -> list[str]:
    return [message.params["Body"] for message in (renderer or WhatsAppRenderer()).render(replies, INBOUND)]


def test_options_become_a_numbered_list() -> None:
    messages = WhatsAppRenderer().render([Reply("What would you like?", CHOICES)], INBOUND)
    assert [(m.channel, m.chat_id, m.method) for m in messages] == [(WHATSAPP, CUSTOMER, "message")]
    assert messages[0].params == {"Body": "What would you like?\n\n1. Haircut\n2. Colouring\n3. Manicure"}


def test_several_replies_go_as_one_message_where_they_fit() -> None:
    assert _bodies([Reply("Booked!"), Reply("See you Tuesday.")]) == ["Booked!\n\nSee you Tuesday."]
    assert _bodies([Reply("Which?", CHOICES), Reply("Or write.")]) == [
        "Which?\n\n1. Haircut\n2. Colouring\n3. Manicure",
        "Or write.",
    ]
    long = "z" * 1000
    assert _bodies([Reply(long), Reply(long)]) == [long, long]  # 1,600 characters at most each


def test_a_long_text_is_split_with_the_list_on_the_last_part() -> None:
    text = "\n".join(f"Line {n}: " + "x" * 90 for n in range(40))  # about 4,000 characters
    bodies = _bodies([Reply(text, CHOICES)])
    assert len(bodies) > 1 and all(len(body) <= WHATSAPP_TEXT_LIMIT for body in bodies)
    assert bodies[-1].endswith("1. Haircut\n2. Colouring\n3. Manicure")
    assert not any("1. Haircut" in body for body in bodies[:-1])


def test_the_list_does_not_push_the_last_part_over_the_limit() -> None:
    text = "y" * (WHATSAPP_TEXT_LIMIT - 5)  # fits alone, not with the list
    bodies = numbered_bodies(Reply(text, CHOICES))
    assert all(len(body) <= WHATSAPP_TEXT_LIMIT for body in bodies)
    assert "".join(bodies).startswith("y" * 100) and bodies[-1].endswith("3. Manicure")


def test_a_1601_character_text_is_split() -> None:
    bodies = _bodies([Reply("z " * 800 + "z")])
    assert len("z " * 800 + "z") == 1601 and len(bodies) == 2
    assert all(len(body) <= WHATSAPP_TEXT_LIMIT for body in bodies)


def test_quick_replies_when_a_template_is_configured() -> None:
    renderer = WhatsAppRenderer({"quick_reply_2": QR2, "quick_reply_3": QR3})
    three, two = renderer.render([Reply("Pick one", CHOICES), Reply("Sure?", CHOICES[:2])], INBOUND)
    assert three.params["ContentSid"] == QR3 and "Body" not in three.params
    assert json.loads(three.params["ContentVariables"]) == {
        "1": "Pick one",
        **{"2": "Haircut", "3": "Colouring", "4": "Manicure"},
        **{"5": "1:svc:cut", "6": "1:svc:color", "7": "1:svc:nails"},
    }
    assert two.params["ContentSid"] == QR2
    assert json.loads(two.params["ContentVariables"]) == {
        "1": "Sure?",
        **{"2": "Haircut", "3": "Colouring", "4": "1:svc:cut", "5": "1:svc:color"},
    }


@pytest.mark.parametrize(
    "reply",
    [
        Reply("Pick one", (*CHOICES, Option("1:svc:brows", "Brows"))),  # four options: no template for 4
        Reply("Pick one", CHOICES[:2]),  # only quick_reply_3 configured
        Reply("Pick one", (*CHOICES[:2], Option("1:svc:x", "A label far longer than twenty"))),
        Reply("x" * 1100, CHOICES),  # longer than a quick-reply body may be
        Reply("Just text"),
        Reply("", CHOICES),  # a quick reply needs a body
    ],
)
def test_a_numbered_list_when_quick_replies_do_not_fit(reply: Reply) -> None:
    (first, *_) = WhatsAppRenderer({"quick_reply_3": QR3}).render([reply], INBOUND)
    assert "ContentSid" not in first.params and "Body" in first.params


# ---- the 24-hour window and templates --------------------------------------------------------------------

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def test_a_template_goes_in_the_customers_language_where_it_is_configured_in_several() -> None:
    uk, en, plain = ("HX" + digit * 32 for digit in "123")
    several = {"reminder:uk": uk, "reminder:en": en}
    assert template_for("reminder", {}, several, "en")["ContentSid"] == en
    assert template_for("reminder", {}, several, "uk")["ContentSid"] == uk
    # A language with no version of its own: the kind's own template, else the first language configured
    # (a reminder in another language reaches the customer; none at all would not).
    assert template_for("reminder", {}, {**several, "reminder": plain}, "pl")["ContentSid"] == plain
    assert template_for("reminder", {}, several, "pl")["ContentSid"] == uk
    with pytest.raises(KeyError):
        template_for("staff_notification", {}, several, "uk")


def test_within_session() -> None:
    assert within_session(NOW - timedelta(hours=23, minutes=59), NOW)
    assert not within_session(NOW - timedelta(hours=24, minutes=1), NOW)
    assert not within_session(None, NOW)


def test_template_for() -> None:
    params = template_for(
        "reminder", {"1": "Olena", "2": "Tue 3 June,\n14:00"}, {"reminder": "HX" + "a" * 32}
    )
    assert params["ContentSid"] == "HX" + "a" * 32
    # Newlines are not allowed in WhatsApp template variables.
    assert json.loads(params["ContentVariables"]) == {"1": "Olena", "2": "Tue 3 June, 14:00"}


def test_template_for_unknown_or_unconfigured() -> None:
    with pytest.raises(KeyError):
        template_for("birthday", {}, {"birthday": "HX" + "a" * 32})
    with pytest.raises(KeyError):
        template_for("booking_moved", {}, {"reminder": "HX" + "a" * 32})


# ---- the webhook -----------------------------------------------------------------------------------------


class Fed:
    def __init__(self) -> None:
        self.inbound: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> None:
        self.inbound.append(inbound)


@pytest.fixture
def fed() -> Fed:
    return Fed()


@pytest.fixture
async def client(fed: Fed) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    app.router.add_post(
        "/twilio/whatsapp", partial(webhook, auth_token=TOKEN, public_url=PUBLIC_URL, feed=fed)
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def _post(
    client: TestClient[web.Request, web.Application], form: dict[str, str], signature: str | None
) -> tuple[int, str, str]:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = await client.post("/twilio/whatsapp", data=form, headers=headers)
    return response.status, response.content_type, await response.text()


async def test_a_signed_message_is_fed_once(
    client: TestClient[web.Request, web.Application], fed: Fed
) -> None:
    form = inbound_form(CUSTOMER, "Hello", message_sid="SM" + "b" * 32)
    status, content_type, text = await _post(client, form, sign(PUBLIC_URL, form, TOKEN))
    assert (status, content_type, text) == (200, "text/xml", EMPTY_TWIML)
    assert [(i.chat_id, i.event, i.dedup_id) for i in fed.inbound] == [
        (CUSTOMER, Text("Hello"), "SM" + "b" * 32)
    ]


async def test_unsigned_forged_or_misdirected_is_refused(
    client: TestClient[web.Request, web.Application], fed: Fed
) -> None:
    form = inbound_form(CUSTOMER, "Hello")
    served_url = str(client.make_url("/twilio/whatsapp"))  # what the app sees: not what Twilio signed
    for signature in (
        None,
        "",
        sign(PUBLIC_URL, form, "another-token"),
        sign(PUBLIC_URL, {**form, "Body": "Goodbye"}, TOKEN),
        sign(served_url, form, TOKEN),
        sign(PUBLIC_URL + "/other", form, TOKEN),
    ):
        status, _, _ = await _post(client, form, signature)
        assert status == 403
    assert fed.inbound == []


@pytest.mark.parametrize(
    "form",
    [
        {"Body": "hi", "From": "whatsapp:" + CUSTOMER},  # no MessageSid
        {"Body": "hi", "MessageSid": "SM1"},  # no From
        {**inbound_form(CUSTOMER, "hi"), "From": CUSTOMER},  # an SMS, not WhatsApp
        {},
        inbound_form(CUSTOMER, "hi", message_sid="SM" + "x" * 70),  # no id Twilio makes
        inbound_form(CUSTOMER, "hi", message_sid="SM-1; DROP TABLE"),
    ],
)
async def test_a_signed_form_that_is_not_a_whatsapp_message_is_acknowledged_and_ignored(
    client: TestClient[web.Request, web.Application],
    fed: Fed,
    form: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Twilio signed it, so a 4xx would only put an error in the business's Twilio console every time.
    status, content_type, text = await _post(client, form, sign(PUBLIC_URL, form, TOKEN))
    assert (status, content_type, text) == (200, "text/xml", EMPTY_TWIML) and fed.inbound == []
    assert len([r for r in caplog.records if r.name == "bot.channels.whatsapp_twilio"]) == 1


async def test_a_status_callback_is_acknowledged_and_not_fed(
    client: TestClient[web.Request, web.Application], fed: Fed
) -> None:
    form = {
        "MessageSid": "SM1",
        "MessageStatus": "read",
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:" + CUSTOMER,
    }
    status, _, _ = await _post(client, form, sign(PUBLIC_URL, form, TOKEN))
    assert status == 200 and fed.inbound == []
