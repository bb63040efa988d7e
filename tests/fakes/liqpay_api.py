"""A local fake of LiqPay, checked against LiqPay's API description (liqpay/openapi.json of the external test
material, tests/testdata.py; a test that starts the fake without it is skipped).

``FakeLiqPay`` is a plain aiohttp server on 127.0.0.1 (its ``base_url`` is the app's ``liqpay.api_base``):

* ``GET|POST /api/3/checkout`` – the checkout page the customer's link opens (``data`` + ``signature``).
  The signature must be LiqPay's over the data exactly as received (a ``+`` lost to a link that was not
  URL-encoded, or data line-wrapped before signing, fails it), the data one line of base64 JSON, and the
  parameters those of the spec's ``internet_acquiring.checkout``: required ones present, no unknown ones
  (stricter than LiqPay, which ignores them; ``sandbox``, which the spec omits, may be 1), types, enums
  (``language``: uk, en; ``currency``), ``maxLength``, ``uri`` and ``date-time-liqpay``
  (``YYYY-MM-DD HH:MM:SS``, UTC) formats, and the shop's public key. An accepted page is recorded as opened.
* ``POST /api/request`` – ``status`` and ``refund``, a signed form checked against the spec's
  ``information.status_payment`` and ``internet_acquiring.refund`` request bodies. ``status`` answers the
  payment document (as a callback carries it) or ``payment_not_found``; ``refund`` refuses more than is
  left of the payment (``amount_limit``, this fake's own code), and a repeat of a refund already made (same
  order and amount) is answered as before and gives nothing back again.

What is wrong is appended to ``violations`` (a test asserts there are none) and answered 400 (checkout) or
with LiqPay's error JSON (API). A test drives each order after the customer opened its page: ``pay`` (and
LiqPay calls ``server_url`` back, ``callbacks`` times: 0 means never, so only the status API knows),
``pay_late`` (a payment dated after the checkout's ``expired_date``; ``pay`` refuses one), ``fail``,
``send_callback`` (again); and the API: ``fail_next(503)``, ``stall_next()`` (no answer until the client
gives up). Callbacks are signed as LiqPay signs them and checked against the spec's callback fields first.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from ssl import SSLContext
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from tests import testdata
from tests.waiting import DEADLINE_S

SPEC_FILE = "liqpay/openapi.json"  # in the external test material (tests/testdata.py)
DEFAULT_PUBLIC_KEY = "sandbox_i00000000"
DEFAULT_PRIVATE_KEY = "sandbox_fake0private0key0for0tests0only"
NOT_IN_THE_SPEC = {"sandbox": (1, "1")}  # documented by LiqPay, omitted by the description
_DATE_TIME_LIQPAY = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_PATHS = {
    "checkout": "/api/request?path=internet_acquiring.checkout",
    "status": "/api/request?path=information.status_payment",
    "refund": "/api/request?path=internet_acquiring.refund",
    "callback": "/api/request?path=callback",
}


# ---------------------------------------------------------------------------------------------------------
# The spec
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]


@dataclass(frozen=True)
class LiqPaySpec:
    checkout: Schema
    status: Schema
    refund: Schema
    callback: Schema
    statuses: tuple[str, ...]  # a payment's, in callbacks and status answers, and `sandbox` (omitted there)


def load_spec(path: Path | None = None) -> LiqPaySpec:
    root = json.loads((path or testdata.path(SPEC_FILE)).read_text(encoding="utf-8"))

    def body(name: str) -> Schema:
        schema = root["paths"][_PATHS[name]]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return Schema(schema["properties"], tuple(schema.get("required", ())))

    callback, status = body("callback"), body("status")
    answers = root["paths"][_PATHS["status"]]["post"]["responses"]["200"]["content"]["application/json"]
    named = (*callback.properties["status"]["enum"], *answers["schema"]["properties"]["status"]["enum"])
    return LiqPaySpec(body("checkout"), status, body("refund"), callback, (*dict.fromkeys(named), "sandbox"))


def violations_of(schema: Schema, params: Mapping[str, Any], where: str) -> list[str]:
    """What in `params` the schema does not allow, one line each."""
    found = [f"{where}.{name}: required" for name in schema.required if name not in params]
    for name, value in params.items():
        rule = schema.properties.get(name)
        if rule is None:
            if isinstance(value, bool) or value not in NOT_IN_THE_SPEC.get(name, ()):
                found.append(f"{where}.{name}: not a parameter of this operation ({value!r})")
            continue
        found += [f"{where}.{name}: {problem}" for problem in _problems(rule, value)]
    return found


def _problems(rule: Mapping[str, Any], value: Any) -> list[str]:
    kind = rule.get("type")
    typed = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float | Decimal) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }
    if kind in typed and not typed[kind]:
        return [f"must be {kind}, got {value!r}"]
    problems = []
    if "enum" in rule and value not in rule["enum"]:
        problems.append(f"must be one of {rule['enum']}, got {value!r}")
    if isinstance(value, str) and len(value) > rule.get("maxLength", len(value)):
        problems.append(f"longer than {rule['maxLength']} characters")
    if rule.get("format") == "uri" and not _is_url(value):
        problems.append(f"not an http(s) URL: {value!r}")
    if rule.get("format") == "date-time-liqpay" and not _is_liqpay_time(value):
        problems.append(f"not YYYY-MM-DD HH:MM:SS: {value!r}")
    return problems


def _is_url(value: object) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_liqpay_time(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_TIME_LIQPAY.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------
# Orders and callbacks
# ---------------------------------------------------------------------------------------------------------


def sign(data: str, private_key: str) -> str:
    """LiqPay's signature, written here again so that the fake does not trust the code it checks."""
    return base64.b64encode(hashlib.sha1((private_key + data + private_key).encode()).digest()).decode()


@dataclass
class Delivery:
    """One callback POSTed to the app: the status it carried and what the app answered (None: no answer)."""

    status: str
    http_status: int | None
    body: str


@dataclass
class FakeOrder:
    order_id: str
    params: dict[str, Any]  # the checkout's data, decoded
    opened: int = 0  # how often the customer opened the page
    status: str | None = None  # None: nothing paid yet (the status API says payment_not_found)
    payment_id: int | None = None
    created: datetime | None = None
    ended: datetime | None = None
    refunded: Decimal = Decimal(0)
    refunds: list[Decimal] = field(default_factory=list)
    callbacks: list[Delivery] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return Decimal(str(self.params["amount"]))

    @property
    def expires(self) -> datetime | None:
        text = self.params.get("expired_date")
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if text else None

    @property
    def sandbox(self) -> bool:
        return str(self.params.get("sandbox", "0")) == "1"


class CheckoutExpired(AssertionError):
    """A test asked for a payment LiqPay would not take: the checkout's expired_date has passed."""


class _Refusal(Exception):
    def __init__(self, err_code: str, description: str) -> None:
        super().__init__(description)
        self.err_code, self.description = err_code, description


def _ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def _wire(document: Mapping[str, Any]) -> str:
    # LiqPay writes amounts as JSON floats (500.0); only the wire format, never the fake's own arithmetic.
    return json.dumps({k: float(v) if isinstance(v, Decimal) else v for k, v in document.items()})


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class FakeLiqPay:
    """A fake ``www.liqpay.ua``: ``async with FakeLiqPay() as liqpay: ... liqpay.base_url ...``.

    Attributes: ``orders`` (order id → ``FakeOrder``), ``violations``, ``requests`` (every API request's
    decoded data, in order)."""

    public_key: str = DEFAULT_PUBLIC_KEY
    private_key: str = DEFAULT_PRIVATE_KEY
    spec_path: Path | None = None  # None: the external test material's
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    callback_refunds: bool = True  # LiqPay calls server_url back after a refund, with `reversed`
    ssl: SSLContext | None = None  # serve https (to test that clients verify certificates)
    host: str = "127.0.0.1"

    orders: dict[str, FakeOrder] = field(default_factory=dict, init=False)
    violations: list[str] = field(default_factory=list, init=False)
    requests: list[dict[str, Any]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.spec = load_spec(self.spec_path)
        self._failures: list[int | None] = []  # an HTTP status, or None: no answer at all
        self._released = asyncio.Event()
        self._tasks: set[asyncio.Task[Delivery]] = set()  # refund callbacks under way
        self._payment_ids = itertools.count(2_000_000_001)
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    def __repr__(self) -> str:
        return f"<FakeLiqPay {self._base_url}: {len(self.orders)} orders, {len(self.violations)} violations>"

    # -- lifecycle ------------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeLiqPay:
        app = web.Application()
        app.router.add_route("*", "/api/3/checkout", self._checkout)
        app.router.add_route("POST", "/api/request", self._request)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0, ssl_context=self.ssl).start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"{'https' if self.ssl else 'http'}://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._released.set()  # stalled requests end now
        await asyncio.gather(*self._tasks)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` – the equivalent of ``https://www.liqpay.ua`` (``liqpay.api_base``)."""
        if self._base_url is None:
            raise RuntimeError("FakeLiqPay is not started (use `async with FakeLiqPay() as liqpay`)")
        return self._base_url

    # -- driving it from a test -----------------------------------------------------------------------

    async def open(self, url: str) -> tuple[int, str]:
        """The customer taps the link: their browser GETs it."""
        async with ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()

    def order(self, order_id: str) -> FakeOrder:
        if order_id not in self.orders:
            raise KeyError(f"no checkout page was opened for order {order_id!r}: LiqPay knows nothing of it")
        return self.orders[order_id]

    async def pay(self, order_id: str, *, callbacks: int = 1, late: bool = False) -> list[Delivery]:
        """The customer pays (status `success`, or `sandbox` in test mode); LiqPay calls back `callbacks`
        times. Refused (CheckoutExpired) after the checkout's expired_date unless `late`."""
        order = self.order(order_id)
        now, expires = self.clock(), order.expires
        if expires is not None and now > expires:
            if not late:
                raise CheckoutExpired(f"{order_id}: the checkout expired at {expires:%Y-%m-%d %H:%M:%S} UTC")
        elif late:
            now = (expires or now) + timedelta(minutes=1)  # dated after the hold, whatever the real clock
        self._settle(order, "sandbox" if order.sandbox else "success", now)
        return [await self.send_callback(order_id) for _ in range(callbacks)]

    async def pay_late(self, order_id: str, *, callbacks: int = 1) -> list[Delivery]:
        """A payment dated after the checkout's expired_date (the hold has expired by then)."""
        return await self.pay(order_id, callbacks=callbacks, late=True)

    async def fail(self, order_id: str, status: str = "failure", *, callbacks: int = 1) -> list[Delivery]:
        """The payment fails (`failure`, `error`, `try_again`): the customer may try again on the page."""
        self._settle(self.order(order_id), status, self.clock())
        return [await self.send_callback(order_id) for _ in range(callbacks)]

    async def send_callback(self, order_id: str, *, url: str | None = None) -> Delivery:
        """POST the order's payment document, signed, to its server_url (or `url`)."""
        order = self.order(order_id)
        document = self.document(order)
        fields = {k: v for k, v in document.items() if k != "status"}
        self.violations += violations_of(self.spec.callback, fields, "fake's own callback")
        if document["status"] not in self.spec.statuses:
            self.violations.append(f"fake's own callback.status: {document['status']!r} is no payment status")
        target = url or order.params.get("server_url")
        delivery = await self.post(str(target), self.signed(document)) if target else None
        delivery = delivery or Delivery(document["status"], None, "no server_url")
        delivery.status = document["status"]
        order.callbacks.append(delivery)
        return delivery

    def signed(self, document: Mapping[str, Any]) -> dict[str, str]:
        """A callback's form as LiqPay makes it: base64 JSON data and its signature."""
        data = base64.b64encode(_wire(document).encode()).decode()
        return {"data": data, "signature": sign(data, self.private_key)}

    async def post(self, url: str, form: Mapping[str, str]) -> Delivery:
        try:
            async with (
                ClientSession(timeout=ClientTimeout(total=DEADLINE_S)) as session,
                session.post(url, data=dict(form)) as response,
            ):
                return Delivery("", response.status, await response.text())
        except (ClientError, TimeoutError) as error:
            return Delivery("", None, f"{type(error).__name__}: {error}")

    def fail_next(self, status: int = 503, *, times: int = 1) -> None:
        """The next `times` API requests are answered `status` (after being checked)."""
        self._failures += [status] * times

    def stall_next(self, *, times: int = 1) -> None:
        """The next `times` API requests get no answer until the client gives up (or the fake stops)."""
        self._failures += [None] * times

    def document(self, order: FakeOrder) -> dict[str, Any]:
        """The payment document, as callbacks and status answers carry it."""
        if order.status is None or order.payment_id is None:
            raise ValueError(f"{order.order_id}: nothing has happened to this order yet")
        p = order.params
        document: dict[str, Any] = {
            "payment_id": order.payment_id,
            "action": "pay",
            "status": order.status,
            "version": 3,
            "type": "buy",
            "paytype": "card",
            "public_key": self.public_key,
            "acq_id": 414963,
            "order_id": order.order_id,
            "liqpay_order_id": f"FAKE{order.payment_id}",
            "description": p.get("description", ""),
            "sender_card_mask2": "424242*42",
            "sender_card_bank": "Fake bank",
            "sender_card_type": "visa",
            "sender_card_country": "804",
            "ip": "127.0.0.1",
            "amount": order.amount,
            "currency": p["currency"],
            "sender_commission": Decimal(0),
            "receiver_commission": (order.amount * Decimal("0.015")).quantize(Decimal("0.01")),
            "agent_commission": Decimal(0),
            "amount_debit": order.amount,
            "amount_credit": order.amount,
            "currency_debit": p["currency"],
            "currency_credit": p["currency"],
            "is_3ds": False,
            "create_date": _ms(order.created or self.clock()),
            "end_date": _ms(order.ended or self.clock()),
        }
        if order.status in ("failure", "error", "try_again"):
            document |= {"err_code": "limit", "err_description": "Card limit exceeded (fake)"}
        if order.refunded:
            document["refund_amount"] = order.refunded
        return document

    def assert_no_violations(self) -> None:
        assert not self.violations, "LiqPay API violations:\n" + "\n".join(self.violations)

    # -- HTTP -----------------------------------------------------------------------------------------

    async def _checkout(self, request: web.Request) -> web.Response:
        form = dict(request.query) if request.method == "GET" else dict(await request.post())
        try:
            params = self._verified(form, self.spec.checkout, "checkout")
        except _Refusal as refusal:
            return web.Response(status=400, text=f"LiqPay (fake): {refusal.description}")
        order = self.orders.get(params.get("order_id", ""))
        if order is None:
            order = self.orders[params["order_id"]] = FakeOrder(params["order_id"], params)
        elif order.params != params:
            self.violations.append(f"checkout.order_id: {order.order_id} sent again with other parameters")
        order.opened += 1
        title = "already paid" if order.status in ("success", "sandbox") else "pay"
        return web.Response(
            text=f"LiqPay (fake): {title} {order.amount} {params.get('currency')}", status=200
        )

    async def _request(self, request: web.Request) -> web.Response:
        form = (
            dict(await request.post()) if request.content_type == "application/x-www-form-urlencoded" else {}
        )
        try:
            params = self._verified(form, None, "request")
            action = params.get("action")
            schema = {"status": self.spec.status, "refund": self.spec.refund}.get(str(action))
            if schema is None:
                self.violations.append(f"request.action: {action!r} is not status or refund")
                raise _Refusal("err_action", f"unsupported action {action!r}")
            self._check(schema, params, str(action))
            self.requests.append(params)
            if self._failures:
                return await self._failure(self._failures.pop(0))
            answer = self._status(params) if action == "status" else await self._refund(params)
        except _Refusal as refusal:
            answer = {"result": "error", "status": "error", "err_code": refusal.err_code}
            answer["err_description"] = refusal.description
        return web.Response(text=_wire(answer), content_type="application/json")

    async def _failure(self, status: int | None) -> web.Response:
        if status is None:
            await self._released.wait()
            status = 504
        return web.Response(status=status, text="<html>Service Temporarily Unavailable</html>")

    def _verified(self, form: Mapping[str, Any], schema: Schema | None, where: str) -> dict[str, Any]:
        data, signature = form.get("data"), form.get("signature")
        if not isinstance(data, str) or not isinstance(signature, str) or not data or not signature:
            self.violations.append(f"{where}: data and signature are both required")
            raise _Refusal("err_data", "data and signature are required")
        if not hmac.compare_digest(sign(data, self.private_key), signature):
            self.violations.append(f"{where}.signature: does not match the data as received")
            raise _Refusal("err_signature", "invalid signature")
        if re.search(r"\s", data):
            self.violations.append(f"{where}.data: line-wrapped (whitespace inside the base64)")
        try:
            params = json.loads(base64.b64decode(data), parse_float=Decimal)
        except (ValueError, binascii.Error):
            self.violations.append(f"{where}.data: not base64 of JSON")
            raise _Refusal("err_data", "data is not base64 JSON") from None
        if not isinstance(params, dict):
            self.violations.append(f"{where}.data: not a JSON object")
            raise _Refusal("err_data", "data is not a JSON object")
        if schema is not None:
            self._check(schema, params, where)
        return params

    def _check(self, schema: Schema, params: Mapping[str, Any], where: str) -> None:
        found = violations_of(schema, params, where)
        if params.get("public_key") != self.public_key:
            found.append(f"{where}.public_key: not this shop's ({params.get('public_key')!r})")
        amount = params.get("amount")
        if isinstance(amount, int | Decimal) and not 0 < amount == round(Decimal(amount), 2):
            found.append(f"{where}.amount: must be positive with at most 2 decimals, got {amount}")
        self.violations += found
        if found:
            raise _Refusal("err_data", "; ".join(found))

    def _settle(self, order: FakeOrder, status: str, when: datetime) -> None:
        order.status, order.ended = status, when
        order.created = order.created or when
        order.payment_id = order.payment_id or next(self._payment_ids)

    def _status(self, params: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(params["order_id"]))
        if order is None or order.status is None:
            raise _Refusal("payment_not_found", "payment_not_found")
        return {"result": "ok", **self.document(order)}

    async def _refund(self, params: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(params["order_id"]))
        if order is None or order.status not in ("success", "sandbox", "reversed"):
            raise _Refusal("payment_not_found", "no payment to refund under this order")
        amount = Decimal(params["amount"])
        if amount not in order.refunds:  # a repeat of a refund already made gives nothing back again
            if amount > order.amount - order.refunded:
                raise _Refusal("amount_limit", f"refund {amount} exceeds what is left of {order.amount}")
            order.refunds.append(amount)
            order.refunded += amount
            order.status, order.ended = "reversed", self.clock()
            if self.callback_refunds:  # after the answer, as LiqPay does
                task = asyncio.get_running_loop().create_task(self.send_callback(order.order_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return {"result": "ok", "action": "refund", "payment_id": order.payment_id, "status": "reversed"}
