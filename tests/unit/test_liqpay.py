"""LiqPay's checkout link and callbacks, checked against LiqPay's own signature examples and API description
(liqpay/signature-vectors.json and liqpay/openapi.json in the external test material, tests/testdata.py)."""

from __future__ import annotations

import base64
import json
import textwrap
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from payments import statuses
from payments.liqpay import (
    BadCallback,
    LiqPayAccount,
    Order,
    checkout,
    encode,
    pay_by,
    sign,
    verify_callback,
)
from storage.attempt import Report, Verdict
from tests import testdata

VECTORS = "liqpay/signature-vectors.json"  # LiqPay's documentation pages, collected in the test material
SPEC = "liqpay/openapi.json"  # McSym28/liqpay-api-ex specs/openapi.json
ACCOUNT = LiqPayAccount(
    "i00000000",
    "a4825234f4bae72a0be04eafe9e8e2bada209255",
    server_url="https://salon.example/webhooks/liqpay",
    result_url="https://t.me/salon_bot",
    api_base="https://www.liqpay.ua",
)
KYIV = ZoneInfo("Europe/Kyiv")
ORDER = Order(
    "K7QX2M9A-1",
    Decimal(500),
    "UAH",
    "Фарбування, вт 24.11 о 11:00",
    datetime(2026, 11, 23, 10, 29, 30, tzinfo=KYIV),
    "uk",
)


def decoded(data: str) -> Any:
    return json.loads(base64.b64decode(data), parse_float=Decimal)


def callback(document: dict[str, Any], account: LiqPayAccount = ACCOUNT) -> dict[str, str]:
    data = base64.b64encode(json.dumps(document).encode()).decode()
    return {"data": data, "signature": sign(data, account.private_key)}


PAID_DOCUMENT = {
    "payment_id": 1234567890,
    "action": "pay",
    "status": "success",
    "version": 3,
    "type": "buy",
    "public_key": "i00000000",
    "order_id": "K7QX2M9A-1",
    "description": "Фарбування",
    "amount": 500.0,
    "currency": "UAH",
    "end_date": 1795426230123,
}


# ---------------------------------------------------------------- the signature, by LiqPay's examples


@pytest.mark.parametrize(
    "vector",
    testdata.cases(VECTORS, lambda every: [pytest.param(v, id=v["origin"]) for v in every["vectors"]]),
)
def test_each_documented_signature(vector: dict[str, str]) -> None:
    data = vector.get("data") or vector["data_flat"]
    if "json_string" in vector:
        assert base64.b64encode(vector["json_string"].encode()).decode() == data
    expected = vector.get("signature") or vector["signature_over_flat_data"]
    assert sign(data, vector["private_key"]) == expected


def test_the_checkout_pages_published_signature_is_over_line_wrapped_data() -> None:
    vector = next(v for v in testdata.read_json(VECTORS)["vectors"] if "signature_published" in v)
    flat, key = vector["data_flat"], vector["private_key"]
    assert sign(flat, key) != vector["signature_published"]  # wrong for the data as it is sent
    wrapped = "\n".join(textwrap.wrap(flat, 76))  # what `$(… | base64)` gave bash: 76 to a line
    assert sign(wrapped, key) == vector["signature_published"]


def test_the_same_data_and_signature_as_the_sdk_for_plain_parameters() -> None:
    from liqpay import LiqPay  # the SDK, used here only to cross-check cnb_data and cnb_signature

    params = {"version": 3, "public_key": ACCOUNT.public_key, "action": "pay", "amount": 3, "currency": "UAH"}
    params |= {"description": "test", "order_id": "000001"}
    sdk = LiqPay(ACCOUNT.public_key, ACCOUNT.private_key)
    data = encode(params)
    assert data == sdk.cnb_data(params)
    assert sign(data, ACCOUNT.private_key) == sdk.cnb_signature(params)


def test_the_sdks_checkout_url_loses_a_plus_in_the_signature_ours_does_not() -> None:
    from liqpay import LiqPay

    order = next(o for n in range(200) if "+" in (o := _numbered(n)).signature)  # one whose signature has +
    params = decoded(order.data)
    sdk_url = LiqPay(ACCOUNT.public_key, ACCOUNT.private_key).checkout_url(params)
    assert parse_qs(urlsplit(sdk_url).query)["signature"][0] != order.signature  # '+' read as a space
    assert parse_qs(urlsplit(order.url).query)["signature"] == [order.signature]


def _numbered(n: int) -> Any:
    return checkout(ACCOUNT, Order(f"ABC-{n}", Decimal(100), "UAH", "x", ORDER.pay_by, "en"))


# ---------------------------------------------------------------- the checkout link


def test_the_checkout_link_carries_every_parameter_url_encoded() -> None:
    link = checkout(ACCOUNT, ORDER)
    parts = urlsplit(link.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.liqpay.ua/api/3/checkout"
    assert parse_qs(parts.query) == {"data": [link.data], "signature": [link.signature]}
    assert link.signature == sign(link.data, ACCOUNT.private_key)
    assert decoded(link.data) == {
        "version": 3,
        "public_key": "i00000000",
        "action": "pay",
        "amount": 500,
        "currency": "UAH",
        "description": "Фарбування, вт 24.11 о 11:00",
        "order_id": "K7QX2M9A-1",
        "expired_date": "2026-11-23 08:29:30",  # UTC
        "language": "uk",
        "server_url": "https://salon.example/webhooks/liqpay",
        "result_url": "https://t.me/salon_bot",
    }


def test_data_is_never_line_wrapped_and_money_is_an_exact_json_number() -> None:
    long = Order("X-1", Decimal("1234.50"), "EUR", "д" * 400, ORDER.pay_by, "en")
    link = checkout(ACCOUNT, long)
    assert len(link.data) > 1000 and "\n" not in link.data
    assert '"amount": 1234.50' in base64.b64decode(link.data).decode()
    assert decoded(link.data)["amount"] == Decimal("1234.50")


@pytest.mark.parametrize(("language", "sent"), [("uk", "uk"), ("en", "en"), ("pl", "en"), ("ru", "en")])
def test_the_page_speaks_the_customers_language_or_english(language: str, sent: str) -> None:
    link = checkout(ACCOUNT, Order("X-1", Decimal(1), "UAH", "x", ORDER.pay_by, language))
    assert decoded(link.data)["language"] == sent


def test_test_mode_adds_sandbox_and_urls_left_out_are_not_sent() -> None:
    bare = LiqPayAccount("pk", "sk", sandbox=True, api_base="http://127.0.0.1:9/")
    link = checkout(bare, ORDER)
    params = decoded(link.data)
    assert params["sandbox"] == 1 and "server_url" not in params and "result_url" not in params
    assert link.url.startswith("http://127.0.0.1:9/api/3/checkout?")
    assert "sandbox" not in decoded(checkout(ACCOUNT, ORDER).data)


def test_liqpay_stops_taking_the_payment_a_minute_before_the_hold_expires() -> None:
    hold_expires = datetime(2026, 11, 23, 10, 30, tzinfo=KYIV)
    link = checkout(ACCOUNT, Order("X-1", Decimal(1), "UAH", "x", pay_by(hold_expires), "uk"))
    assert decoded(link.data)["expired_date"] == "2026-11-23 08:29:00"


def test_pay_by_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        checkout(ACCOUNT, Order("X-1", Decimal(1), "UAH", "x", datetime(2026, 11, 23, 10), "en"))


def test_the_private_key_shows_in_no_repr() -> None:
    assert ACCOUNT.private_key not in repr(ACCOUNT)


# ---------------------------------------------------------------- callbacks


def test_a_signed_callback_is_read() -> None:
    form = callback(PAID_DOCUMENT)
    report = verify_callback(ACCOUNT, form["data"], form["signature"])
    assert isinstance(report, Report)
    assert (report.order_id, report.status, report.verdict) == ("K7QX2M9A-1", "success", Verdict.PAID)
    assert (report.amount, report.currency, report.payment_id) == (Decimal(500), "UAH", 1234567890)
    assert report.at == datetime(2026, 11, 23, 9, 30, 30, 123000, tzinfo=UTC)
    assert report.raw == base64.b64decode(form["data"]).decode() and report.via == "callback"


def test_a_refund_callback_says_how_much_went_back() -> None:
    form = callback({**PAID_DOCUMENT, "status": "reversed", "refund_amount": 200})
    report = verify_callback(ACCOUNT, form["data"], form["signature"])
    assert isinstance(report, Report) and report.verdict is Verdict.REFUNDED and report.refunded == 200


@pytest.mark.parametrize(("sandbox", "meant"), [(True, Verdict.PAID), (False, Verdict.IGNORED)])
def test_a_sandbox_payment_pays_only_in_test_mode(sandbox: bool, meant: Verdict) -> None:
    account = LiqPayAccount(ACCOUNT.public_key, ACCOUNT.private_key, sandbox=sandbox)
    form = callback({**PAID_DOCUMENT, "status": "sandbox"})
    report = verify_callback(account, form["data"], form["signature"])
    assert isinstance(report, Report) and report.verdict is meant


def _forged() -> dict[str, str]:
    return callback(PAID_DOCUMENT, LiqPayAccount("i00000000", "someone else's key"))


def _tampered() -> dict[str, str]:
    form = callback(PAID_DOCUMENT)
    other = base64.b64encode(json.dumps({**PAID_DOCUMENT, "amount": 1}).encode()).decode()
    return {"data": other, "signature": form["signature"]}


def _signed_text(text: str) -> dict[str, str]:
    return {"data": text, "signature": sign(text, ACCOUNT.private_key)}


def _signed_json(value: object) -> dict[str, str]:
    return _signed_text(base64.b64encode(json.dumps(value).encode()).decode())


BAD = {
    "no data": ({"data": "", "signature": "x"}, "missing"),
    "no signature": ({"data": "e30=", "signature": ""}, "missing"),
    "signed with another key": (_forged(), "signature"),
    "data changed after signing": (_tampered(), "signature"),
    "signature of another case": (
        {**callback(PAID_DOCUMENT), "signature": "WR+UZDC4jjeL/qUOvIsofIWpZh8="},
        "signature",
    ),
    "not base64": (_signed_text("not base64!"), "malformed"),
    "not JSON": (_signed_text(base64.b64encode(b"{nope").decode()), "malformed"),
    "not UTF-8": (_signed_text(base64.b64encode(b"\xff\xfe").decode()), "malformed"),
    "a JSON list": (_signed_json([PAID_DOCUMENT]), "malformed"),
    "no status": (_signed_json({k: v for k, v in PAID_DOCUMENT.items() if k != "status"}), "malformed"),
    "no order": (_signed_json({**PAID_DOCUMENT, "order_id": ""}), "malformed"),
    "an order id that is a number": (_signed_json({**PAID_DOCUMENT, "order_id": 7}), "malformed"),
    "an amount that is not one": (_signed_json({**PAID_DOCUMENT, "amount": True}), "malformed"),
    "a negative amount": (_signed_json({**PAID_DOCUMENT, "amount": -5}), "malformed"),
    "a fractional payment id": (_signed_json({**PAID_DOCUMENT, "payment_id": 1.5}), "malformed"),
    "another shop's": (_signed_json({**PAID_DOCUMENT, "public_key": "i99999999"}), "foreign"),
}


@pytest.mark.parametrize(("form", "reason"), BAD.values(), ids=BAD.keys())
def test_a_bad_callback_is_refused_with_its_reason(form: dict[str, str], reason: str) -> None:
    refused = verify_callback(ACCOUNT, form["data"], form["signature"])
    assert isinstance(refused, BadCallback) and refused.reason == reason, refused
    assert ACCOUNT.private_key not in refused.detail


# ---------------------------------------------------------------- statuses


def _payment_statuses(spec: dict[str, Any]) -> set[str]:
    """Every `status` enum in the description's payment operations (not tokens' or a shop's own)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            status = node.get("status")
            if isinstance(status, dict) and "enum" in status:
                found.update(status["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path, operation in spec["paths"].items():
        if not any(part in path for part in ("tokens.", "partnership.")):
            walk(operation)
    return found


def test_every_status_liqpay_names_is_classified() -> None:
    named = _payment_statuses(testdata.read_json(SPEC))
    assert len(named) >= 30 and {"success", "failure", "reversed", "wait_secure", "try_again"} <= named
    assert named - statuses.KNOWN == set()
    lists = (statuses.PAID, statuses.FAILED, statuses.REFUNDED, statuses.PENDING, statuses.NOT_A_PREPAYMENT)
    every = [status for listed in lists for status in listed]
    assert len(every) == len(set(every))  # each in one list only


@pytest.mark.parametrize(
    ("status", "sandbox", "meant"),
    [
        ("success", False, Verdict.PAID),
        ("wait_compensation", False, Verdict.PAID),
        ("sandbox", True, Verdict.PAID),
        ("sandbox", False, Verdict.IGNORED),
        ("failure", False, Verdict.FAILED),
        ("error", False, Verdict.FAILED),
        ("try_again", True, Verdict.FAILED),
        ("reversed", False, Verdict.REFUNDED),
        ("3ds_verify", False, Verdict.PENDING),
        ("otp_verify", False, Verdict.PENDING),
        ("processing", False, Verdict.PENDING),
        ("wait_secure", False, Verdict.PENDING),
        ("wait_accept", False, Verdict.PENDING),
        ("hold_wait", False, Verdict.PENDING),
        ("subscribed", False, Verdict.IGNORED),
        ("a_status_from_the_future", False, Verdict.PENDING),
    ],
)
def test_what_a_status_means(status: str, sandbox: bool, meant: Verdict) -> None:
    assert statuses.verdict(status, sandbox=sandbox) is meant


def test_a_payment_of_nothing_is_malformed_not_a_payment() -> None:
    # Recorded, it would make LiqPay's genuine report of the same order and status a repeat of itself.
    document = {"order_id": "K7QX2M9A-1", "status": "success", "amount": 0, "currency": "UAH"}
    data = encode({"public_key": ACCOUNT.public_key, **document})
    checked = verify_callback(ACCOUNT, data, sign(data, ACCOUNT.private_key))
    assert isinstance(checked, BadCallback) and checked.reason == "malformed"
