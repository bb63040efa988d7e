"""The fake LiqPay must be trustworthy: it rejects what LiqPay's API description rejects, signs callbacks as
LiqPay does, and does what a test asks of each order. Our own client (payments/liqpay.py and
payments/liqpay_api.py) talks to it here, so these are also the client's tests against a server.

Every test runs with the network guard of tests/fakes/test_fakes.py: only the loopback may be reached.
"""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from payments.liqpay import LiqPayAccount, Order, checkout, sign, verify_callback
from payments.liqpay_api import LiqPayApi, NotFound, Rejected, Unavailable
from storage.attempt import Report, Verdict
from tests.fakes.liqpay_api import CheckoutExpired, FakeLiqPay, load_spec
from tests.fakes.test_fakes import loopback_only  # noqa: F401  (autouse: the network guard)
from tests.waiting import until

NOW = datetime.now(UTC).replace(microsecond=0)


class Receiver:
    """The app's side of callbacks, as small as it gets: check, read, keep, answer."""

    def __init__(self, account: LiqPayAccount) -> None:
        self.account, self.reports, self.refused = account, list[Report](), list[str]()

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        read = verify_callback(self.account, str(form.get("data", "")), str(form.get("signature", "")))
        if isinstance(read, Report):
            self.reports.append(read)
            return web.Response(text="ok")
        self.refused.append(read.reason)
        return web.Response(status=403 if read.reason in ("signature", "foreign") else 400)


@pytest.fixture
async def liqpay() -> AsyncIterator[FakeLiqPay]:
    async with FakeLiqPay() as fake:
        yield fake


@pytest.fixture
async def app(liqpay: FakeLiqPay) -> AsyncIterator[tuple[Receiver, LiqPayAccount]]:
    """A callback receiver on 127.0.0.1, and the account that points LiqPay at it."""
    application = web.Application()
    runner = web.AppRunner(application, access_log=None)
    receiver = Receiver(LiqPayAccount("", ""))  # the account is set below, once the port is known
    application.router.add_post("/webhooks/liqpay", receiver.handle)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    receiver.account = LiqPayAccount(
        liqpay.public_key,
        liqpay.private_key,
        server_url=f"http://{host}:{port}/webhooks/liqpay",
        result_url="https://t.me/salon_bot",
        api_base=liqpay.base_url,
    )
    yield receiver, receiver.account
    await runner.cleanup()


@pytest.fixture
async def api(app: tuple[Receiver, LiqPayAccount]) -> AsyncIterator[LiqPayApi]:
    client = LiqPayApi(app[1], timeout=aiohttp.ClientTimeout(total=2))
    yield client
    await client.aclose()


def order(order_id: str = "K7QX2M9A-1", amount: str = "500", minutes: int = 30) -> Order:
    return Order(
        order_id, Decimal(amount), "UAH", "Фарбування, 24.11 11:00", NOW + timedelta(minutes=minutes), "uk"
    )


async def opened(liqpay: FakeLiqPay, account: LiqPayAccount, the_order: Order | None = None) -> str:
    the_order = the_order or order()
    status, page = await liqpay.open(checkout(account, the_order).url)
    assert status == 200, page
    return the_order.order_id


# ---------------------------------------------------------------------------------------------------------
# The spec, and the checkout page
# ---------------------------------------------------------------------------------------------------------


def test_the_rules_come_from_the_spec() -> None:
    spec = load_spec()
    assert set(spec.checkout.required) == {"version", "public_key", "action", "amount", "currency"} | {
        "description",
        "order_id",
    }
    assert spec.checkout.properties["language"]["enum"] == ["uk", "en"]
    assert spec.checkout.properties["order_id"]["maxLength"] == 255
    assert spec.checkout.properties["expired_date"]["format"] == "date-time-liqpay"
    assert spec.status.properties["action"]["enum"] == ["status"]
    assert spec.refund.required == ("version", "public_key", "action", "amount", "order_id")
    assert {"success", "reversed", "try_again", "wait_sender", "sandbox"} <= set(spec.statuses)
    assert "sandbox" not in spec.callback.properties["status"]["enum"]  # the description omits it


async def test_our_checkout_link_opens_the_page_without_a_violation(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    order_id = await opened(liqpay, app[1])
    await opened(liqpay, app[1])  # the customer taps the link again
    liqpay.assert_no_violations()
    assert liqpay.order(order_id).opened == 2 and liqpay.order(order_id).status is None
    assert liqpay.order(order_id).params["server_url"] == app[1].server_url


async def test_the_page_posted_as_a_form_is_the_same(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    link = checkout(app[1], order())
    async with aiohttp.ClientSession() as session:
        form = {"data": link.data, "signature": link.signature}
        async with session.post(f"{liqpay.base_url}/api/3/checkout", data=form) as response:
            assert response.status == 200
    liqpay.assert_no_violations()


def _raw_link(
    liqpay: FakeLiqPay, params: dict[str, Any], *, key: str | None = None, wrap: bool = False
) -> str:
    from urllib.parse import urlencode

    data = base64.b64encode(json.dumps(params).encode()).decode()
    if wrap:
        data = "\n".join(data[i : i + 76] for i in range(0, len(data), 76))
    signature = sign(data, key or liqpay.private_key)
    return f"{liqpay.base_url}/api/3/checkout?{urlencode({'data': data, 'signature': signature})}"


GOOD = {
    "version": 3,
    "public_key": "sandbox_i00000000",
    "action": "pay",
    "amount": 500,
    "currency": "UAH",
    "description": "x",
    "order_id": "A-1",
    "expired_date": "2026-11-23 08:29:30",
    "language": "uk",
    "sandbox": 1,
}
BAD_CHECKOUTS = {
    "signed with another key": (GOOD, {"key": "wrong"}, "checkout.signature: does not match"),
    "line-wrapped data": ({**GOOD, "description": "x" * 200}, {"wrap": True}, "checkout.data: line-wrapped"),
    "no description": ({k: v for k, v in GOOD.items() if k != "description"}, {}, "description: required"),
    "amount as text": ({**GOOD, "amount": "500"}, {}, "checkout.amount: must be number"),
    "a third decimal": ({**GOOD, "amount": 1.005}, {}, "at most 2 decimals"),
    "no amount at all": ({**GOOD, "amount": 0}, {}, "must be positive"),
    "a language LiqPay lacks": ({**GOOD, "language": "pl"}, {}, "checkout.language: must be one of"),
    "a currency LiqPay lacks": ({**GOOD, "currency": "PLN"}, {}, "checkout.currency: must be one of"),
    "an ISO expiry": ({**GOOD, "expired_date": "2026-11-23T08:29:30Z"}, {}, "not YYYY-MM-DD HH:MM:SS"),
    "a long order id": ({**GOOD, "order_id": "x" * 256}, {}, "longer than 255"),
    "a relative server_url": ({**GOOD, "server_url": "/webhooks/liqpay"}, {}, "not an http(s) URL"),
    "an unknown parameter": ({**GOOD, "colour": "red"}, {}, "checkout.colour: not a parameter"),
    "sandbox as true": ({**GOOD, "sandbox": True}, {}, "checkout.sandbox: not a parameter"),
    "another shop's key": ({**GOOD, "public_key": "i1"}, {}, "public_key: not this shop's"),
    "version 2": ({**GOOD, "version": 2}, {}, "checkout.version: must be one of [3]"),
}


@pytest.mark.parametrize(("params", "how", "violation"), BAD_CHECKOUTS.values(), ids=BAD_CHECKOUTS.keys())
async def test_a_bad_checkout_is_refused_and_recorded(
    liqpay: FakeLiqPay, params: dict[str, Any], how: dict[str, Any], violation: str
) -> None:
    status, _ = await liqpay.open(_raw_link(liqpay, params, **how))
    assert status == 400 or "wrap" in how  # LiqPay reads wrapped base64; the signature is the trouble
    assert any(violation in found for found in liqpay.violations), liqpay.violations
    assert "A-1" not in liqpay.orders or "wrap" in how


async def test_the_sdks_unencoded_checkout_url_fails_when_the_signature_has_a_plus(
    liqpay: FakeLiqPay,
) -> None:
    from liqpay import LiqPay

    sdk = LiqPay(liqpay.public_key, liqpay.private_key, host=f"{liqpay.base_url}/api/")
    params = next(p for n in range(200) if "+" in sdk.cnb_signature(p := {**GOOD, "order_id": f"A-{n}"}))
    status, _ = await liqpay.open(sdk.checkout_url(params).replace("/checkout/?", "/checkout?"))
    assert status == 400 and "checkout.signature: does not match the data as received" in liqpay.violations


# ---------------------------------------------------------------------------------------------------------
# Paying, failing, calling back
# ---------------------------------------------------------------------------------------------------------


async def test_pay_calls_the_app_back_with_a_signed_spec_shaped_callback(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    before = datetime.now(UTC).replace(microsecond=0)
    [delivery] = await liqpay.pay(order_id)
    assert (delivery.status, delivery.http_status) == ("success", 200)
    [report] = receiver.reports
    assert (report.order_id, report.status, report.verdict) == (order_id, "success", Verdict.PAID)
    assert (report.amount, report.currency) == (Decimal(500), "UAH") and report.payment_id is not None
    assert report.at is not None and report.at >= before  # dated when it was paid
    liqpay.assert_no_violations()  # the callback itself matched the spec's callback fields


async def test_twice_means_two_identical_callbacks(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    await liqpay.pay(order_id, callbacks=2)
    first, second = receiver.reports
    assert first == second


async def test_a_failure_then_a_success_on_the_same_page(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    await liqpay.fail(order_id, "try_again")
    await liqpay.pay(order_id)
    assert [(r.status, r.verdict) for r in receiver.reports] == [
        ("try_again", Verdict.FAILED),
        ("success", Verdict.PAID),
    ]
    assert receiver.reports[0].payment_id == receiver.reports[1].payment_id
    liqpay.assert_no_violations()


async def test_test_mode_pays_with_the_sandbox_status(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    sandboxed = LiqPayAccount(**{**account.__dict__, "sandbox": True})
    receiver.account = sandboxed
    order_id = await opened(liqpay, sandboxed)
    await liqpay.pay(order_id)
    assert [(r.status, r.verdict) for r in receiver.reports] == [("sandbox", Verdict.PAID)]
    liqpay.assert_no_violations()


async def test_after_the_expiry_only_a_late_payment(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account, order(minutes=-1))
    with pytest.raises(CheckoutExpired):
        await liqpay.pay(order_id)
    assert receiver.reports == []
    await liqpay.pay_late(order_id)
    [report] = receiver.reports
    expires = liqpay.order(order_id).expires
    assert (
        report.verdict is Verdict.PAID
        and report.at is not None
        and expires is not None
        and report.at > expires
    )


async def test_a_late_payment_is_dated_after_the_expiry_whatever_the_clock(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account, order(minutes=24 * 60))
    await liqpay.pay_late(order_id)
    expires = liqpay.order(order_id).expires
    assert expires is not None and receiver.reports[0].at == expires + timedelta(minutes=1)


async def test_no_callback_only_the_status_api_knows(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount], api: LiqPayApi
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    assert isinstance(await api.status(order_id), NotFound)  # opened, not paid
    assert await liqpay.pay(order_id, callbacks=0) == []
    answer = await api.status(order_id)
    assert receiver.reports == []
    assert isinstance(answer, Report) and (answer.status, answer.verdict, answer.via) == (
        "success",
        Verdict.PAID,
        "status",
    )
    assert answer.amount == Decimal(500) and json.loads(answer.raw)["order_id"] == order_id
    assert liqpay.requests[-1] == {
        "version": 3,
        "public_key": liqpay.public_key,
        "action": "status",
        "order_id": order_id,
    }
    liqpay.assert_no_violations()


async def test_a_forged_callback_is_refused_by_the_receiver(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount]
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    await liqpay.pay(order_id)
    genuine = liqpay.signed(liqpay.document(liqpay.order(order_id)))
    forged = {"data": genuine["data"], "signature": sign(genuine["data"], "guessed")}
    assert (await liqpay.post(str(account.server_url), forged)).http_status == 403
    assert (
        await liqpay.post(str(account.server_url), genuine)
    ).http_status == 200  # a replay: the store's to ignore
    assert receiver.refused == ["signature"] and len(receiver.reports) == 2


# ---------------------------------------------------------------------------------------------------------
# Status and refunds through our client
# ---------------------------------------------------------------------------------------------------------


async def test_a_refund_then_its_repeat_then_too_much(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount], api: LiqPayApi
) -> None:
    receiver, account = app
    order_id = await opened(liqpay, account)
    await liqpay.pay(order_id)
    made = await api.refund(order_id, Decimal(200))
    assert isinstance(made, Report) and (made.verdict, made.refunded, made.via) == (
        Verdict.REFUNDED,
        200,
        "refund",
    )
    again = await api.refund(order_id, Decimal(200))  # a retried job: nothing goes back twice
    assert isinstance(again, Report) and liqpay.order(order_id).refunded == Decimal(200)
    too_much = await api.refund(order_id, Decimal(301), before=Decimal(200))
    assert isinstance(too_much, Rejected) and too_much.err_code == "amount_limit"
    rest = await api.refund(order_id, Decimal(300), before=Decimal(200))
    assert isinstance(rest, Report) and rest.refunded == Decimal(500)
    status = await api.status(order_id)
    assert isinstance(status, Report) and (status.status, status.refunded) == ("reversed", Decimal(500))
    await until(lambda: len(receiver.reports) == 3, "the refunds' callbacks")
    assert [r.refunded for r in receiver.reports[1:]] == [Decimal(200), Decimal(500)]
    assert [p["amount"] for p in liqpay.requests if p["action"] == "refund"] == [200, 200, 301, 300]
    liqpay.assert_no_violations()


async def test_nothing_to_refund_before_a_payment(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount], api: LiqPayApi
) -> None:
    order_id = await opened(liqpay, app[1])
    assert isinstance(await api.refund(order_id, Decimal(1)), NotFound)
    assert isinstance(await api.status("NEVER-1"), NotFound)
    liqpay.assert_no_violations()


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_5xx_is_no_answer_and_the_next_call_gets_one(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount], api: LiqPayApi, status: int
) -> None:
    order_id = await opened(liqpay, app[1])
    await liqpay.pay(order_id)
    liqpay.fail_next(status)
    down = await api.status(order_id)
    assert isinstance(down, Unavailable) and down.reason == f"HTTP {status}"
    assert isinstance(await api.status(order_id), Report)


async def test_a_refund_with_no_answer_is_unavailable_and_made_once(
    liqpay: FakeLiqPay, app: tuple[Receiver, LiqPayAccount], api: LiqPayApi
) -> None:
    order_id = await opened(liqpay, app[1])
    await liqpay.pay(order_id)
    liqpay.stall_next()
    lost = await api.refund(order_id, Decimal(500))  # the client gives up after its 2-second timeout
    assert isinstance(lost, Unavailable) and "Timeout" in lost.reason
    assert liqpay.order(order_id).refunded == 0  # the fake stalls before refunding
    assert isinstance(await api.refund(order_id, Decimal(500)), Report)


async def test_a_request_the_fake_cannot_read_is_a_violation(liqpay: FakeLiqPay) -> None:
    account = LiqPayAccount(liqpay.public_key, "a wrong private key", api_base=liqpay.base_url)
    client = LiqPayApi(account)
    try:
        refused = await client.status("A-1")
    finally:
        await client.aclose()
    assert isinstance(refused, Rejected) and refused.err_code == "err_signature"
    assert liqpay.violations == ["request.signature: does not match the data as received"]


async def test_the_client_verifies_the_servers_certificate(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subject = ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subject]
    made = subprocess.run(command, capture_output=True)
    if made.returncode != 0:
        pytest.skip("openssl could not make a certificate")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with FakeLiqPay(ssl=context) as liqpay:
        client = LiqPayApi(LiqPayAccount(liqpay.public_key, liqpay.private_key, api_base=liqpay.base_url))
        try:
            refused = await client.status("A-1")
        finally:
            await client.aclose()
    assert isinstance(refused, Unavailable) and "Certificate" in refused.reason
    assert liqpay.requests == []  # no request got through an unverified connection
