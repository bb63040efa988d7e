"""LiqPay's server-to-server API: a payment's `status` (callbacks get lost) and `refund`.

Both go to `<api_base>/api/request` as a signed form (payments/liqpay.py), over aiohttp with TLS
verification and timeouts; the SDK's own `api()` turns verification off and waits forever. A call ends in
one of: a `Report` (what LiqPay says of the payment, to record like a callback), `NotFound` (no payment
under that order: the customer never paid), `Rejected` (LiqPay answered no: calling again will not help),
or `Unavailable` (no answer: network, timeout, 5xx, an unreadable body; a job tries again later). Logs name
the order and what happened, never the keys or the signed data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import aiohttp

from payments.liqpay import LiqPayAccount, report_of, signed
from storage.attempt import Report, Verdict

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
NOT_FOUND = "payment_not_found"  # LiqPay's err_code for an order it has no payment under


@dataclass(frozen=True)
class NotFound:
    order_id: str
    raw: str


@dataclass(frozen=True)
class Rejected:
    err_code: str
    description: str
    raw: str


@dataclass(frozen=True)
class Unavailable:
    reason: str


Answer = Report | NotFound | Rejected | Unavailable


class LiqPayApi:
    """`status` and `refund` for one shop. Give it the app's aiohttp session, or it makes (and closes, with
    `aclose`) one of its own."""

    def __init__(
        self,
        account: LiqPayAccount,
        http: aiohttp.ClientSession | None = None,
        *,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> None:
        self.account = account
        self._http, self._own_http, self._timeout = http, http is None, timeout

    async def status(self, order_id: str) -> Answer:
        """What LiqPay says of the payment under `order_id` now."""
        document = await self._call({"action": "status", "order_id": order_id})
        return self._read(document, order_id, via="status")

    async def refund(self, order_id: str, amount: Decimal, *, before: Decimal = Decimal(0)) -> Answer:
        """Give `amount` of the payment back. `before`: what had gone back already (the attempt's
        `refunded`), so the report carries the total. Ask the status first when an earlier refund's answer
        was lost: LiqPay may have made it, and a second call would give back twice."""
        document = await self._call({"action": "refund", "order_id": order_id, "amount": amount})
        answer = self._read(document, order_id, via="refund")
        if not isinstance(answer, Report):
            return answer
        if answer.verdict is not Verdict.REFUNDED and answer.status != "success":
            return Rejected(answer.status, "the refund was not made", answer.raw)
        return replace(answer, verdict=Verdict.REFUNDED, refunded=before + amount)

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(self, params: dict[str, object]) -> tuple[str, Any] | Unavailable:
        form, url = signed(self.account, params), self.account.request_url
        try:
            async with self._session().post(url, data=form, timeout=self._timeout) as response:
                body = await response.text()
                if response.status >= 500 or response.status == 429:
                    return Unavailable(f"HTTP {response.status}")
                if response.status >= 400:
                    return body, {"err_code": f"http_{response.status}", "err_description": body[:200]}
        except (TimeoutError, aiohttp.ClientError) as error:
            return Unavailable(f"{type(error).__name__}: {error}"[:200])
        try:
            return body, json.loads(body, parse_float=Decimal)
        except ValueError:
            return Unavailable("an answer that is not JSON")

    def _read(self, called: tuple[str, Any] | Unavailable, order_id: str, *, via: str) -> Answer:
        if isinstance(called, Unavailable):
            log.warning("liqpay %s %s: no answer (%s)", via, order_id, called.reason)
            return called
        raw, document = called
        if not isinstance(document, dict):
            return Unavailable("an answer that is not a JSON object")
        if document.get("err_code") and document.get("payment_id") is None:
            if document["err_code"] == NOT_FOUND:
                return NotFound(order_id, raw)
            log.warning("liqpay %s %s: refused (%s)", via, order_id, document["err_code"])
            return Rejected(str(document["err_code"]), str(document.get("err_description", "")), raw)
        try:
            report = report_of({"order_id": order_id, **document}, raw, sandbox=self.account.sandbox, via=via)
        except ValueError as error:
            return Unavailable(f"an answer that cannot be read: {error}"[:200])
        if report.order_id != order_id:
            return Rejected("other_order", f"the answer is about {report.order_id}", raw)
        return report

    def _session(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._http is None:
            self._http = aiohttp.ClientSession()
        return self._http
