"""Regression test: LiqPay callbacks, signed with the shop's key, that got a 503 and a traceback (so LiqPay
would call again and again) until they were read as malformed. Found by bench/webhook_fuzz.py's `liqpay
malformed` and `liqpay unicode` classes: an `end_date` past what a datetime holds (OverflowError), data
nested thousands deep (RecursionError), and a lone surrogate, which JSON can say and UTF-8 (so the database)
cannot, in the order id, the status or the currency (UnicodeEncodeError from the driver).

And numbers past what the store holds: an amount of a trillion (the columns are NUMERIC(10, 2): on
PostgreSQL a numeric overflow, a 503), a payment id past 64 bits (BIGINT; SQLite's driver overflows), and
"1e999999" as a payment id or an end date, which took 25 seconds of the event loop (int() of a Decimal
with a million digits) while every other chat waited; and a status longer than the 32 characters its
column holds (on PostgreSQL a 503; LiqPay's statuses are words like `wait_compensation`).

Each is malformed: a 400 and one warning, and the real order it names is left as it was.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import _booking_of
from bot.runner import Runner
from bot.web import LiqPayHook, make_app
from payments.liqpay import BadCallback, LiqPayAccount, sign, verify_callback
from storage.db import Database
from storage.store import Store
from tests.sample import NOW, at, salon

ACCOUNT = LiqPayAccount("sandbox_i00000000", "a-private-key-for-tests", sandbox=True)


def _document(order: str) -> dict[str, Any]:
    return {
        "payment_id": 2000000001,
        "action": "pay",
        "status": "sandbox",
        "version": 3,
        "type": "buy",
        "public_key": ACCOUNT.public_key,
        "order_id": order,
        "amount": 500.0,
        "currency": "UAH",
        "end_date": 1795426230123,
    }


def _signed(raw: str) -> dict[str, str]:
    data = base64.b64encode(raw.encode()).decode()
    return {"data": data, "signature": sign(data, ACCOUNT.private_key)}


def _with(order: str, field: str, json_value: str) -> dict[str, str]:
    """The order's paid document with `field` written as the JSON text `json_value`."""
    return _signed(json.dumps({**_document(order), field: "HERE"}).replace('"HERE"', json_value))


CASES = {
    "an end date past year 9999": lambda order: _with(order, "end_date", "9" * 30),
    "an array nested 10,000 deep": lambda order: _signed("[" * 10_000 + "]" * 10_000),
    "an object nested 2,000 deep": lambda order: _signed('{"order_id": ' * 2000 + "1" + "}" * 2000),
    "a lone surrogate in the order id": lambda order: _with(order, "order_id", r'"\ud800"'),
    "a lone surrogate in the status": lambda order: _with(order, "status", r'"sand\udfffbox"'),
    "a lone surrogate in the currency": lambda order: _with(order, "currency", r'"\ud83d"'),
    "a status of 40 letters": lambda order: _with(order, "status", '"' + "x" * 40 + '"'),
    "an amount of a trillion": lambda order: _with(order, "amount", "1000000000000.0"),
    "a refund of a trillion": lambda order: _with(order, "refund_amount", "1000000000000"),
    "a payment id past 64 bits": lambda order: _with(order, "payment_id", str(2**63)),
    "a payment id of 1e999999": lambda order: _with(order, "payment_id", '"1e999999"'),
    "an end date of 1e999999": lambda order: _with(order, "end_date", '"1e999999"'),
}


@pytest.fixture
async def hooked(database: Database) -> AsyncIterator[tuple[TestClient[Any, Any], Store, str]]:
    store = Store(database, salon())
    held = await store.hold(
        service="colouring", specialist="anna", start=at(24, 10), now=NOW, ttl=timedelta(minutes=30)
    )
    assert held.booking is not None
    attempt = await store.start_payment(
        held.booking.id, amount=Decimal(500), pay_by=NOW + timedelta(minutes=29), now=NOW
    )
    assert not isinstance(attempt, str)
    runner = Runner(store, lambda: NOW, liqpay=ACCOUNT)

    async def healthy() -> bool:
        return True

    app = make_app(healthy=healthy, liqpay_hook=LiqPayHook(ACCOUNT, _booking_of(store), runner.enter))
    async with TestClient(TestServer(app)) as client:
        yield client, store, attempt.order_id


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
async def test_a_signed_callback_that_cannot_be_held_is_malformed_not_a_503(
    hooked: tuple[TestClient[Any, Any], Store, str], make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, store, order = hooked
    form = make(order)
    checked = verify_callback(ACCOUNT, form["data"], form["signature"])
    assert isinstance(checked, BadCallback) and checked.reason == "malformed", checked
    response = await client.post("/webhooks/liqpay", data=form)
    assert response.status == 400, await response.text()
    logged = [r for r in caplog.records if r.name.startswith(("bot", "slotbot"))]
    assert [r.levelname for r in logged] == ["WARNING"] and logged[0].exc_info is None
    attempt = await store.payment(order)
    assert attempt is not None and (attempt.state, attempt.paid) == ("open", 0)
