"""LiqPay's checkout (API v3) and its callbacks: the signed link a customer taps to pay, and the check of
what LiqPay posts back about it.

Pure (no I/O): the server-to-server calls are payments/liqpay_api.py's. LiqPay signs and reads `data` =
base64 of the JSON parameters and `signature` = base64(sha1(private_key + data + private_key)), over the
data string exactly as sent: never line-wrapped (the published bash example on LiqPay's checkout page
signs a wrapped string, and its signature is wrong for the flat data that is sent). Nothing here logs; the
private key is never repeated anywhere but in the hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from payments.statuses import verdict
from storage.attempt import Report, Verdict

API_VERSION = 3
LANGUAGES = ("uk", "en")  # the checkout's languages (openapi.json's `language` enum); others get English
EXPIRED_DATE = "%Y-%m-%d %H:%M:%S"  # `expired_date`, in UTC
# LiqPay stops taking the payment this long before the hold expires, so that one begun in time has a moment
# to finish; one that still ends after the hold is a late payment (taken back if free, else refunded).
PAY_BY_MARGIN = timedelta(minutes=1)
# What the store holds (NUMERIC(10, 2) money, BIGINT ids): past it a number is no amount or id LiqPay sends,
# and int() of a Decimal such as 1e999999 would hold the event loop for half a minute.
MAX_AMOUNT = Decimal("99999999.99")
MAX_WHOLE = 2**63 - 1
MAX_STATUS = 32  # the store's column; LiqPay's longest status, wait_compensation, has 17 characters


@dataclass(frozen=True)
class LiqPayAccount:
    """What talking to LiqPay needs: the shop's keys, test mode, where LiqPay calls back and sends the
    customer after paying, and where LiqPay is (another address in tests). Built by the composition root
    from LiqPaySettings; the private key shows in no repr."""

    public_key: str
    private_key: str = field(repr=False)
    sandbox: bool = False
    server_url: str | None = None
    result_url: str | None = None
    api_base: str = "https://www.liqpay.ua"

    @property
    def request_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/api/request"

    @property
    def checkout_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/api/3/checkout"


@dataclass(frozen=True)
class Order:
    """One payment attempt, as the checkout page shows it."""

    order_id: str
    amount: Decimal
    currency: str
    description: str  # names the service and the time
    pay_by: datetime  # aware; LiqPay's `expired_date`: a moment before the hold expires
    language: str  # the customer's; LiqPay's page speaks LANGUAGES


def pay_by(hold_expires: datetime) -> datetime:
    """The checkout's `expired_date` for a hold that expires at `hold_expires`."""
    return hold_expires - PAY_BY_MARGIN


@dataclass(frozen=True)
class Checkout:
    url: str  # what the customer taps
    data: str
    signature: str


@dataclass(frozen=True)
class BadCallback:
    """A callback not accepted: `missing` or `malformed` (400), `signature` or `foreign` (403)."""

    reason: str
    detail: str


def sign(data: str, private_key: str) -> str:
    digest = hashlib.sha1((private_key + data + private_key).encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode(params: Mapping[str, object]) -> str:
    """base64 of the parameters as one JSON object (Decimal money as JSON numbers), on one line."""
    text = "{" + ", ".join(f"{json.dumps(key)}: {_json(value)}" for key, value in params.items()) + "}"
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def signed(account: LiqPayAccount, params: Mapping[str, object]) -> dict[str, str]:
    """The form LiqPay takes, at the checkout and at the API: `data` and its `signature`."""
    data = encode({"version": API_VERSION, "public_key": account.public_key, **params})
    return {"data": data, "signature": sign(data, account.private_key)}


def checkout(account: LiqPayAccount, order: Order) -> Checkout:
    """The link to LiqPay's checkout page for `order`, with `data` and `signature` URL-encoded."""
    if order.pay_by.tzinfo is None:
        raise ValueError("pay_by must be an aware datetime")
    params: dict[str, object] = {
        "action": "pay",
        "amount": order.amount,
        "currency": order.currency,
        "description": order.description,
        "order_id": order.order_id,
        "expired_date": order.pay_by.astimezone(UTC).strftime(EXPIRED_DATE),
        "language": order.language if order.language in LANGUAGES else "en",
    }
    params |= {key: url for key in ("server_url", "result_url") if (url := getattr(account, key))}
    if account.sandbox:
        params["sandbox"] = 1
    form = signed(account, params)
    return Checkout(f"{account.checkout_url}?{urlencode(form)}", form["data"], form["signature"])


def verify_callback(account: LiqPayAccount, data: str | None, signature: str | None) -> Report | BadCallback:
    """A callback's form checked (the signature in constant time, before anything is decoded) and read."""
    if not data or not signature:
        return BadCallback("missing", "data and signature are both needed")
    expected = sign(data, account.private_key)
    if not hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8")):
        return BadCallback("signature", "the signature does not match the data")
    try:
        raw = base64.b64decode(data, validate=True).decode("utf-8")
        document = json.loads(raw, parse_float=Decimal)
        if not isinstance(document, dict):
            raise ValueError("data is not a JSON object")
        if document.get("public_key", account.public_key) != account.public_key:
            return BadCallback("foreign", "the callback is for another shop's public key")
        return report_of(document, raw, sandbox=account.sandbox, via="callback")
    except (ValueError, binascii.Error) as error:
        return BadCallback("malformed", str(error))
    except RecursionError:  # data nested deeper than the parser goes: no payment document is
        return BadCallback("malformed", "data nested too deep")


def report_of(document: Mapping[str, Any], raw: str, *, sandbox: bool, via: str) -> Report:
    """What a LiqPay payment document (a callback's data, a status answer) says; ValueError if it names no
    order or status, or a field has the wrong type."""
    order_id, status = _text(document.get("order_id")), _text(document.get("status"))
    if not order_id or not status:
        raise ValueError("order_id and status must be non-empty strings")
    if len(status) > MAX_STATUS:
        raise ValueError(f"not a status: {status[:MAX_STATUS]!r}…")
    meaning, amount = verdict(status, sandbox=sandbox), money(document.get("amount"))
    if meaning == Verdict.PAID and amount is not None and amount <= 0:
        # Paid nothing is no payment; recorded, it would make the genuine report a repeat of itself.
        raise ValueError(f"a payment of {amount}")
    return Report(
        order_id,
        status,
        meaning,
        amount=amount,
        currency=_text(document.get("currency")),
        payment_id=_whole(document.get("payment_id")),
        refunded=money(document.get("refund_amount")),
        at=_moment(document.get("end_date")),
        raw=raw,
        via=via,
    )


def money(value: object, limit: Decimal | int = MAX_AMOUNT) -> Decimal | None:
    """A JSON number (or numeric string) from 0 to `limit` as Decimal; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount > limit:
        raise ValueError(f"not an amount: {value!r}")
    return amount


def _text(value: object) -> str | None:
    """A string field as text the store can keep, None when it is no string. JSON may say a lone surrogate
    ("\\ud800"), which UTF-8, and so the database, cannot: ValueError (UnicodeEncodeError is one)."""
    if not isinstance(value, str):
        return None
    value.encode("utf-8")
    return value


def _whole(value: object) -> int | None:
    amount = money(value, MAX_WHOLE)
    if amount is None:
        return None
    if amount != amount.to_integral_value():
        raise ValueError(f"not a whole number: {value!r}")
    return int(amount)


def _moment(value: object) -> datetime | None:
    """LiqPay's timestamps are milliseconds since the epoch."""
    ms = _whole(value)
    if ms is None:
        return None
    try:
        return datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)
    except (OverflowError, OSError):  # past what a datetime (or the platform's time_t) holds
        raise ValueError(f"not a moment: {value!r}") from None


def _json(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not an amount: {value}")
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)
