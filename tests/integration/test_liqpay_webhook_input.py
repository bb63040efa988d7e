"""What /webhooks/liqpay does with callbacks other than a payment for the booking awaiting it (SQLite and
PostgreSQL): a forged or re-signed one is a 403, a missing or malformed one a 400, and one signed by LiqPay
but not what was asked (a repeat, an unknown order, another amount or currency, a booking cancelled
meanwhile, a refund heard before its payment) is a 200 that leaves the money exactly right: a payment that
was not wanted goes back through a refund job. Each says so in a log line.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from payments.liqpay import sign
from storage import payments
from storage.db import Database
from tests.fakes.liqpay_api import Delivery
from tests.integration.prepaid_salon import Bot, running


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[Bot]:
    async with running(database) as bot:
        yield bot


async def _post(bot: Bot, form: dict[str, str]) -> Delivery:
    assert bot.account.server_url is not None
    return await bot.liqpay.post(bot.account.server_url, form)


def _paid_document(bot: Bot, order: str, **changes: Any) -> dict[str, Any]:
    """The document LiqPay sends for `order` once paid, with `changes`."""
    fake = bot.liqpay.order(order)
    bot.liqpay._settle(fake, "sandbox", bot.clock())  # paid on LiqPay's side, nobody called back yet
    return {**bot.liqpay.document(fake), **changes}


async def _received(bot: Bot, order: str) -> list[dict[str, str]]:
    """What LiqPay said of `order`, as kept for audit."""
    return await bot.db.query(lambda conn: payments.received(conn, order))


async def _told(bot: Bot) -> tuple[list[str], list[str]]:
    """What the customer and staff have been sent."""
    return await bot.messages(), await bot.staff()


async def _untouched(bot: Bot, order: str, told: tuple[list[str], list[str]]) -> None:
    """Nothing of the booking or its money changed, and nobody was told anything."""
    [booking] = await bot.store.bookings()
    attempt = await bot.store.payment(order)
    assert (booking.status, booking.paid) == ("held", 0)
    assert attempt is not None and (attempt.state, attempt.paid) == ("open", 0)
    assert await _received(bot, order) == []
    assert await _told(bot) == told


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize("key", ["", "another shop's private key"])
async def test_a_forged_or_re_signed_callback_is_refused_with_403(
    bot: Bot, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    told = await _told(bot)
    form = bot.liqpay.signed(_paid_document(bot, order))
    form["signature"] = sign(form["data"], key) if key else base64.b64encode(b"x" * 20).decode()
    with caplog.at_level(logging.WARNING):
        delivery = await _post(bot, form)
    assert (delivery.http_status, delivery.body) == (403, "signature")
    assert "liqpay callback refused" in caplog.text and "signature" in caplog.text
    await _untouched(bot, order, told)


async def test_a_callback_for_another_shop_is_refused_with_403(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    told = await _told(bot)
    form = bot.liqpay.signed(_paid_document(bot, order, public_key="sandbox_i99999999"))
    with caplog.at_level(logging.WARNING):
        delivery = await _post(bot, form)
    assert (delivery.http_status, delivery.body) == (403, "foreign")
    assert "another shop" in caplog.text
    await _untouched(bot, order, told)


def _signed_raw(bot: Bot, raw: bytes) -> dict[str, str]:
    data = base64.b64encode(raw).decode()
    return {"data": data, "signature": sign(data, bot.account.private_key)}


MALFORMED = {
    "no data": lambda bot: {"signature": "abc="},
    "no signature": lambda bot: {"data": "e30="},
    "nothing": lambda bot: {},
    "not base64": lambda bot: {"data": "%%%", "signature": sign("%%%", bot.account.private_key)},
    "not JSON": lambda bot: _signed_raw(bot, b"order_id=1"),
    "a JSON list": lambda bot: _signed_raw(bot, b"[1, 2]"),
    "no order": lambda bot: _signed_raw(bot, b'{"status": "success", "amount": 500}'),
    "an amount that is no number": lambda bot: _signed_raw(
        bot, b'{"order_id": "X-1", "status": "success", "amount": "lots"}'
    ),
}


@pytest.mark.parametrize("what", list(MALFORMED))
async def test_a_missing_or_malformed_callback_is_refused_with_400(
    bot: Bot, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    told = await _told(bot)
    with caplog.at_level(logging.WARNING):
        delivery = await _post(bot, MALFORMED[what](bot))
    assert delivery.http_status == 400, delivery
    assert "liqpay callback refused" in caplog.text
    await _untouched(bot, order, told)


# ---------------------------------------------------------------- acknowledged


async def test_a_replayed_callback_is_acknowledged_and_changes_nothing(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    form = bot.liqpay.signed(_paid_document(bot, order))
    assert (await _post(bot, form)).http_status == 200
    [booking] = await bot.store.bookings()
    attempt = await bot.store.payment(order)
    told, staff = await bot.messages(), await bot.staff()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(500))
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert (await _post(bot, form)).http_status == 200
    assert await bot.store.bookings() == [booking]
    assert await bot.store.payment(order) == attempt
    assert await bot.messages() == told and await bot.staff() == staff
    assert "dropped a repeated liqpay event" in caplog.text


async def test_a_callback_for_an_unknown_order_is_acknowledged_and_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    told = await _told(bot)
    document = _paid_document(bot, order, order_id="NOSUCHCODE-1")
    with caplog.at_level(logging.WARNING):
        delivery = await _post(bot, bot.liqpay.signed(document))
    assert (delivery.http_status, delivery.body) == (200, "unknown order")
    assert "unknown order NOSUCHCODE-1" in caplog.text
    await _untouched(bot, order, told)


@pytest.mark.parametrize(
    ("changes", "back"),
    [({"amount": Decimal(400)}, Decimal(400)), ({"currency": "USD"}, Decimal(500))],
    ids=["another amount", "another currency"],
)
async def test_a_payment_of_another_amount_or_currency_is_recorded_and_goes_back(
    bot: Bot, changes: dict[str, Any], back: Decimal, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    form = bot.liqpay.signed(_paid_document(bot, order, **changes))
    with caplog.at_level(logging.WARNING):
        delivery = await _post(bot, form)
    assert delivery.http_status == 200
    assert order in caplog.text and "mismatch" in caplog.text
    [booking] = await bot.store.bookings()
    attempt = await bot.store.payment(order)
    assert (booking.status, booking.paid) == ("held", 0)
    assert attempt is not None and (attempt.paid, attempt.refund_wanted) == (back, back)
    [kept] = await _received(bot, order)
    assert kept["raw"] == base64.b64decode(form["data"]).decode()  # as received, for audit
    said = await bot.messages()
    assert any(t.startswith(f"We received a payment of {back} UAH") for t in said)
    staff = await bot.staff()
    assert [t for t in staff if t.startswith("Payment going back")] == [staff[-1]]
    assert f": {back} UAH" in staff[-1]

    await bot.scheduler.run_due()  # the refund job
    await bot.refunds_called_back(order)
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.refunded, attempt.refund_due) == (back, 0)
    assert [r["amount"] for r in bot.liqpay.requests if r["action"] == "refund"] == [back]


async def test_a_payment_for_a_booking_cancelled_meanwhile_goes_back(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    order = await bot.hold()
    await bot.tap("Cancel")  # the customer gives the hold up, but pays on the page still open
    [cancelled] = await bot.store.bookings()
    assert cancelled.status == "cancelled"
    with caplog.at_level(logging.WARNING):
        [delivery] = await bot.liqpay.pay(order)
    assert delivery.http_status == 200
    assert order in caplog.text and "for_nothing" in caplog.text
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("cancelled", 0)
    said = await bot.messages()
    assert any(t.startswith("We received a payment of 500 UAH for Colouring") for t in said)
    staff = await bot.staff()
    assert staff[-1].startswith("Payment going back") and ": 500 UAH" in staff[-1]

    await bot.scheduler.run_due()
    await bot.refunds_called_back(order)
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.paid, attempt.refunded, attempt.state) == (
        Decimal(500),
        Decimal(500),
        "refunded",
    )
    assert sum(t.startswith("Refund made: 500 UAH") for t in await bot.messages()) == 1


async def test_a_reversal_heard_before_its_payment_leaves_nothing_paid(bot: Bot) -> None:
    order = await bot.hold()
    paid = bot.liqpay.signed(_paid_document(bot, order))
    reversed_ = _paid_document(bot, order, status="reversed", refund_amount=Decimal(500))
    assert (await _post(bot, bot.liqpay.signed(reversed_))).http_status == 200
    assert (await _post(bot, paid)).http_status == 200
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.state, attempt.paid, attempt.refunded, attempt.refund_due) == (
        "refunded",
        Decimal(500),
        Decimal(500),
        0,
    )
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("held", 0)  # nothing kept: the hold waits, or runs out
    await bot.scheduler.run_due()
    assert not any(r["action"] == "refund" for r in bot.liqpay.requests)
    said = await bot.messages()
    assert not any(t.startswith("Paid and booked") for t in said)
    assert sum(t.startswith("Refund made: 500 UAH") for t in said) == 1


async def test_a_partial_reversal_heard_before_its_payment_confirms_with_what_is_left(bot: Bot) -> None:
    order = await bot.hold()
    paid = bot.liqpay.signed(_paid_document(bot, order))
    reversed_ = _paid_document(bot, order, status="reversed", refund_amount=Decimal(200))
    assert (await _post(bot, bot.liqpay.signed(reversed_))).http_status == 200
    assert (await _post(bot, paid)).http_status == 200
    attempt = await bot.store.payment(order)
    assert attempt is not None and (attempt.paid, attempt.refunded, attempt.refund_due) == (
        Decimal(500),
        Decimal(200),
        0,
    )
    [booking] = await bot.store.bookings()
    assert (booking.status, booking.paid) == ("confirmed", Decimal(300))  # not a hold left to expire
    said = await bot.messages()
    assert sum(t.startswith("Paid and booked!") and "Prepaid: 300 UAH" in t for t in said) == 1
    await bot.run_jobs()
    assert not any(r["action"] == "refund" for r in bot.liqpay.requests)
