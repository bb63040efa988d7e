"""A local fake of Twilio's Messages API (WhatsApp), checked against Twilio's own OpenAPI description.

``FakeTwilio`` is a plain aiohttp server on 127.0.0.1 serving

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` – create (send) a message,
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` – fetch it,
* ``POST /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` – update it (redact / cancel),
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages.json`` – list them.

Requests need HTTP basic auth with the account SID and auth token (wrong → 401, error 20003) and are
validated against ``twilio/messages-openapi.json`` (twilio/twilio-oai, Messages paths) of the external test
material (tests/testdata.py; a test that starts the fake without it is skipped):

* form-encoded body; every parameter is one of the spec's ``CreateMessageRequest`` properties (unknown →
  rejected, stricter than Twilio, which ignores them); types, ``pattern``/``minLength``/``maxLength``
  (``ContentSid`` = ``HX`` + 32 hex, ``MessagingServiceSid`` = ``MG``…), enums (``$ref`` schemas);
* ``To`` required, and each ``x-twilio.conditional`` group satisfied: ``From`` or ``MessagingServiceSid``;
  ``Body``, ``MediaUrl`` or ``ContentSid`` (at least one, as Twilio documents it: the spec's own examples
  combine Body with MediaUrl, and Body with ContentSid);
* ``Body`` at most 1,600 characters (parsed from "Can be up to 1,600 characters" → error 21617);
  at most ten ``MediaUrl``; ``ContentVariables`` a JSON object string and only with ``ContentSid``;
  ``ValidityPeriod`` within "from `1` to `36000`"; ``StatusCallback`` an http(s) URL without ``_`` in the
  host; ``ShortenUrls`` and ``ScheduleType`` only with a Messaging Service;
* addresses: E.164 (``+`` and up to 15 digits) or ``whatsapp:+E164``; ``From`` and ``To`` on the same
  channel (error 21910).

Violations are appended to ``violations`` and answered 400 with Twilio's error JSON
(``code``, ``message``, ``more_info``, ``status``). Accepted messages are answered 201 with a Message
resource shaped like the spec's ``api.v2010.account.message`` and recorded in ``messages``.

WhatsApp's 24-hour customer service window is modelled: a free-form message (no ``ContentSid``) to a
WhatsApp user who has not written within 24 hours (``record_inbound`` / ``inbound_form``) is accepted
(201, ``queued``) but then ends ``undelivered`` with error 63016, as Twilio reports it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import ClientSession, ClientTimeout, web

from tests import testdata
from tests.waiting import DEADLINE_S

if TYPE_CHECKING:
    from twilio.http.async_http_client import AsyncTwilioHttpClient

SPEC_FILE = "twilio/messages-openapi.json"  # in the external test material (tests/testdata.py)

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fa4e5ecre7f0r7e57s0123456789abcd"
DEFAULT_WHATSAPP_NUMBER = "whatsapp:+14155238886"  # the Twilio WhatsApp sandbox number
API_VERSION = "2010-04-01"
SESSION_WINDOW_SECONDS = 24 * 3600

_E164_RE = re.compile(r"\+[1-9]\d{1,14}")
_ALPHANUMERIC_SENDER_RE = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "twenty": 20}

# ---------------------------------------------------------------------------------------------------------
# Signatures and webhook forms
# ---------------------------------------------------------------------------------------------------------

Params = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


def _pairs(params: Params) -> list[tuple[str, str]]:
    if params is None:
        return []
    if isinstance(params, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in params.items():
            if isinstance(value, str):
                pairs.append((key, value))
            else:
                pairs.extend((key, v) for v in value)
        return pairs
    return [(k, v) for k, v in params]


def sign(url: str, params: Params, auth_token: str) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + key1 + value1 + key2 + value2 ...)).

    Pairs are sorted by key, and the values of a repeated key are sorted too (each distinct pair counted
    once), as twilio-python's ``RequestValidator.compute_signature`` does; the "duplicate keys" vector of
    request-validator-vectors.json only matches with sorted values (its note says "given order"). For a JSON
    body the URL carries ``bodySHA256=<hex sha256 of the body>`` and ``params`` is empty.
    """
    payload = url + "".join(k + v for k, v in sorted(set(_pairs(params))))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _whatsapp(address: str) -> str:
    return address if address.startswith("whatsapp:") else f"whatsapp:{address}"


def inbound_form(
    from_number: str,
    body: str = "",
    *,
    to: str = DEFAULT_WHATSAPP_NUMBER,
    profile_name: str = "Test User",
    account_sid: str = DEFAULT_ACCOUNT_SID,
    message_sid: str | None = None,
    button_payload: str | None = None,
    button_text: str | None = None,
    list_id: str | None = None,
    list_title: str | None = None,
    replied_to_sid: str | None = None,
) -> dict[str, str]:
    """The form Twilio POSTs to the app's webhook for an incoming WhatsApp message.

    ``from_number`` may be given with or without ``whatsapp:``. A button reply adds
    ``ButtonPayload``/``ButtonText`` (and Body is the button's text), a list reply ``ListId``/``ListTitle``.
    """
    sender = _whatsapp(from_number)
    sid = message_sid or _sid("SM")
    if not body:
        body = button_text or list_title or ""
    message_type = "text"
    form: dict[str, str] = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": profile_name,
        "MessageType": message_type,
        "SmsSid": sid,
        "WaId": sender.removeprefix("whatsapp:").lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": _whatsapp(to),
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": API_VERSION,
    }
    if button_payload is not None or button_text is not None:
        form["MessageType"] = "button"
        form["ButtonPayload"] = button_payload or button_text or ""
        form["ButtonText"] = button_text or button_payload or ""
    if list_id is not None or list_title is not None:
        form["MessageType"] = "interactive"
        form["ListId"] = list_id or ""
        form["ListTitle"] = list_title or ""
    if replied_to_sid is not None:
        form["OriginalRepliedMessageSid"] = replied_to_sid
        form["OriginalRepliedMessageSender"] = _whatsapp(to)
    return form


# ---------------------------------------------------------------------------------------------------------
# Redirecting the twilio library
# ---------------------------------------------------------------------------------------------------------


def redirect_url(url: str, base_url: str) -> str:
    """``https://api.twilio.com/2010-04-01/…`` (any ``*.twilio.com`` host) → ``{base_url}/2010-04-01/…``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host != "twilio.com" and not host.endswith(".twilio.com"):
        return url
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def async_http_client(base_url: str) -> AsyncTwilioHttpClient:
    """An ``AsyncTwilioHttpClient`` that sends every ``*.twilio.com`` request to ``base_url``.

    The seam: ``twilio.rest.Client`` builds absolute URLs from ``Domain.base_url`` (``ApiBase`` hard-codes
    ``"https://api.twilio.com"``), lets ``ClientBase.get_hostname`` rewrite the host for ``edge``/``region``
    (``TWILIO_EDGE``/``TWILIO_REGION``), and finally calls ``http_client.request(method, url, ...)``.
    Rewriting the URL in that last call catches every domain, edge and region;
    ``Client(..., http_client=this)``.
    (The narrower alternative is ``client.api.base_url = fake.base_url``, valid only while no edge or region
    is configured, since ``get_hostname`` would then rewrite 127.0.0.1 into ``127.edge.region.twilio.com``.)
    Close it with ``await client.http_client.close()``.
    """
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.http.response import Response

    from bot.channels.whatsapp_twilio import basic_authorization

    class RedirectingAsyncHttpClient(AsyncTwilioHttpClient):
        async def request(
            self,
            method: str,
            url: str,
            params: dict[str, object] | None = None,
            data: dict[str, object] | None = None,
            headers: dict[str, str] | None = None,
            auth: tuple[str, str] | None = None,
            timeout: float | None = None,
            allow_redirects: bool = False,
        ) -> Response:
            if auth is not None:  # the same header, without aiohttp's deprecated BasicAuth
                headers = {**(headers or {}), "Authorization": basic_authorization(*auth)}
            return await super().request(
                method,
                redirect_url(url, base_url),
                params=params,
                data=data,
                headers=headers,
                auth=None,
                timeout=timeout,
                allow_redirects=allow_redirects,
            )

    return RedirectingAsyncHttpClient()


# ---------------------------------------------------------------------------------------------------------
# The spec
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessagesSpec:
    properties: dict[str, dict[str, Any]]  # CreateMessageRequest properties, $ref resolved
    required: tuple[str, ...]
    conditional: tuple[tuple[str, ...], ...]  # groups of parameter names, at least one of each
    body_max: int
    media_max: int
    statuses: tuple[str, ...]
    update_properties: dict[str, dict[str, Any]]


def _pascal(snake: str) -> str:
    return "".join(word.capitalize() for word in snake.split("_"))


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        return {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return dict(schema)


def load_spec(path: Path | None = None) -> MessagesSpec:
    root = json.loads((path or testdata.path(SPEC_FILE)).read_text(encoding="utf-8"))
    messages = root["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]
    create = messages["post"]
    schema = create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    properties = {name: _resolve(p, root) for name, p in schema["properties"].items()}
    by_snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): name for name in properties}
    conditional = tuple(
        tuple(by_snake.get(n, _pascal(n)) for n in group)
        for group in create.get("x-twilio", {}).get("conditional", [])
    )
    body_match = re.search(r"up to ([\d,]+) characters", properties["Body"]["description"])
    media_match = re.search(r"up to (\w+) `media_url`", properties["MediaUrl"]["description"])
    media_word = media_match[1] if media_match else "10"
    update = root["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"]["post"]
    update_schema = update["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return MessagesSpec(
        properties=properties,
        required=tuple(schema.get("required", [])),
        conditional=conditional,
        body_max=int(body_match[1].replace(",", "")) if body_match else 1600,
        media_max=int(media_word) if media_word.isdigit() else _NUMBER_WORDS.get(media_word, 10),
        statuses=tuple(root["components"]["schemas"]["message_enum_status"]["enum"]),
        update_properties={name: _resolve(p, root) for name, p in update_schema["properties"].items()},
    )


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------


def _error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str, violation: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.violation = violation


@dataclass(frozen=True)
class FetchedMedia:
    """What a MediaUrl answered when the fake fetched it, as Twilio does before it sends the message."""

    url: str
    status: int
    content_type: str
    body: bytes


@dataclass
class SentMessage:
    """A message the app created through the fake."""

    sid: str
    params: dict[str, str]
    media_urls: list[str]
    resource: dict[str, Any]
    media: list[FetchedMedia] = field(default_factory=list)  # with ``fetch_media``

    @property
    def to(self) -> str:
        return self.params["To"]

    @property
    def from_(self) -> str | None:
        return self.params.get("From")

    @property
    def body(self) -> str | None:
        return self.params.get("Body")

    @property
    def content_sid(self) -> str | None:
        return self.params.get("ContentSid")

    @property
    def content_variables(self) -> dict[str, Any] | None:
        raw = self.params.get("ContentVariables")
        return json.loads(raw) if raw is not None else None

    @property
    def status(self) -> str:
        return str(self.resource["status"])

    @property
    def error_code(self) -> int | None:
        code = self.resource.get("error_code")
        return int(code) if code is not None else None


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    retry_after: int | None


_FAILURE_DEFAULTS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass(repr=False, eq=False)
class FakeTwilio:
    """A fake ``api.twilio.com``: ``async with FakeTwilio() as tw: ... tw.base_url ...``.

    Attributes: ``messages`` (``SentMessage`` list, in order), ``violations`` (strings naming the
    parameter and the problem), ``errors`` (``(status, error JSON)`` for every non-2xx answer),
    ``last_inbound`` (WhatsApp address → unix time of the customer's last message).

    With ``fetch_media`` every ``MediaUrl`` is fetched (GET) when the message is created, as Twilio does to
    check its Content-Type, and kept in the message's ``media``; a URL that does not answer 200 with a
    Content-Type fails the message (error 11200, as Twilio reports a media it cannot retrieve).
    """

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    spec_path: Path | None = None  # None: the external test material's
    enforce_session_window: bool = True
    fetch_media: bool = False
    host: str = "127.0.0.1"
    port: int = 0

    messages: list[SentMessage] = field(default_factory=list, init=False)
    violations: list[str] = field(default_factory=list, init=False)
    errors: list[tuple[int, dict[str, Any]]] = field(default_factory=list, init=False)
    last_inbound: dict[str, float] = field(default_factory=dict, init=False)

    def __repr__(self) -> str:
        where = self._base_url or "not started"
        return f"<FakeTwilio {where}: {len(self.messages)} messages, {len(self.violations)} violations>"

    def __post_init__(self) -> None:
        self.spec = load_spec(self.spec_path)
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_route("POST", prefix + "/Messages.json", self._create)
        app.router.add_route("GET", prefix + "/Messages.json", self._list)
        app.router.add_route("GET", prefix + "/Messages/{sid}.json", self._fetch)
        app.router.add_route("POST", prefix + "/Messages/{sid}.json", self._update)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilio:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` – the equivalent of ``https://api.twilio.com``."""
        if self._base_url is None:
            raise RuntimeError("FakeTwilio is not started (use `async with FakeTwilio() as tw`)")
        return self._base_url

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def http_client(self) -> AsyncTwilioHttpClient:
        """An async twilio HTTP client redirected here: ``Client(sid, token, http_client=tw.http_client())``.

        See ``async_http_client`` for the seam."""
        return async_http_client(self.base_url)

    # -- helpers for tests ----------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 429,
        *,
        code: int | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next valid create call fail with ``status`` (429, 500, 503…) and Twilio's error JSON."""
        default_code, default_message = _FAILURE_DEFAULTS.get(status, (20000 + status, "Error"))
        self._failures.append(_Failure(status, code or default_code, message or default_message, retry_after))

    def record_inbound(self, address: str, at: float | None = None) -> None:
        """The customer wrote at ``at`` (default now): opens the 24-hour window for free-form replies."""
        self.last_inbound[_whatsapp(address)] = time.time() if at is None else at

    def inbound_form(self, from_number: str, body: str = "", **kw: Any) -> dict[str, str]:
        """``inbound_form`` for this account, also recording the customer's message for the 24-hour window."""
        kw.setdefault("account_sid", self.account_sid)
        form = inbound_form(from_number, body, **kw)
        self.record_inbound(form["From"])
        return form

    def status_callback_form(self, message: SentMessage, status: str | None = None) -> dict[str, str]:
        """The form Twilio POSTs to a message's StatusCallback URL."""
        status = status or message.status
        if status not in self.spec.statuses:
            raise ValueError(f"{status!r} is not a message status in the spec: {self.spec.statuses}")
        form = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": message.from_ or "",
            "To": message.to,
            "ApiVersion": API_VERSION,
        }
        if message.to.startswith("whatsapp:"):
            form["ChannelPrefix"] = "whatsapp"
        if message.error_code is not None:
            form["ErrorCode"] = str(message.error_code)
        return form

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> SentMessage:
        if status not in self.spec.statuses:
            raise ValueError(f"{status!r} is not a message status in the spec")
        message = self.message(sid)
        message.resource.update(status=status, error_code=error_code, date_updated=_now())
        return message

    def message(self, sid: str) -> SentMessage:
        for message in self.messages:
            if message.sid == sid:
                return message
        raise KeyError(sid)

    async def deliver(
        self, url: str, params: Params, *, public_url: str | None = None, timeout: float = DEADLINE_S
    ) -> tuple[int, str]:
        """POST a form to the app as Twilio does, signed over ``public_url`` (the URL Twilio called)."""
        pairs = _pairs(params)
        headers = {"X-Twilio-Signature": sign(public_url or url, pairs, self.auth_token)}
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(url, data=pairs, headers=headers) as response,
        ):
            return response.status, await response.text()

    def assert_no_violations(self) -> None:
        assert not self.violations, "Twilio API violations:\n" + "\n".join(self.violations)

    # -- HTTP -----------------------------------------------------------------------------------------

    def _answer_error(self, exc: TwilioError, headers: Mapping[str, str] | None = None) -> web.Response:
        if exc.violation:
            self.violations.append(exc.message)
        body = _error_body(exc.status, exc.code, exc.message)
        self.errors.append((exc.status, body))
        return web.json_response(body, status=exc.status, headers=headers)

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        ok = False
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            except ValueError:
                user = password = ""
            ok = hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(
                password, self.auth_token
            )
        if not ok:
            raise TwilioError(401, 20003, "Authenticate")
        if request.match_info.get("account") != self.account_sid:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")

    async def _not_found(self, request: web.Request) -> web.Response:
        return self._answer_error(
            TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        )

    async def _form(self, request: web.Request) -> list[tuple[str, str]]:
        if request.body_exists and request.content_type != "application/x-www-form-urlencoded":
            raise TwilioError(
                400,
                20001,
                f"Content-Type must be application/x-www-form-urlencoded, got {request.content_type}",
            )
        post = await request.post()
        return [(k, v) for k, v in post.items() if isinstance(v, str)]

    async def _create(self, request: web.Request) -> web.Response:
        try:
            self._authenticate(request)
            pairs = await self._form(request)
            params, media = self._validate_create(pairs)
        except TwilioError as exc:
            return self._answer_error(exc)
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
            return self._answer_error(
                TwilioError(failure.status, failure.code, failure.message, False), headers
            )
        message = self._new_message(params, media)
        self.messages.append(message)
        response = web.json_response(message.resource, status=201)
        self._apply_session_window(message)
        if self.fetch_media:
            await self._fetch_media(message)
        return response

    async def _fetch_media(self, message: SentMessage) -> None:
        async with ClientSession(timeout=ClientTimeout(total=DEADLINE_S)) as session:
            for url in message.media_urls:
                async with session.get(url, allow_redirects=False) as answer:
                    fetched = FetchedMedia(url, answer.status, answer.content_type, await answer.read())
                message.media.append(fetched)
                if fetched.status != 200 or not answer.headers.get("Content-Type"):
                    message.resource.update(
                        status="failed", error_code=11200, error_message="HTTP retrieval failure"
                    )

    async def _fetch(self, request: web.Request) -> web.Response:
        try:
            self._authenticate(request)
            message = self._find(request.match_info["sid"], request.path)
        except TwilioError as exc:
            return self._answer_error(exc)
        return web.json_response(message.resource)

    async def _update(self, request: web.Request) -> web.Response:
        try:
            self._authenticate(request)
            message = self._find(request.match_info["sid"], request.path)
            params = dict(await self._form(request))
            for key in params:
                if key not in self.spec.update_properties:
                    raise TwilioError(400, 20001, f"Unknown parameter: {key}")
            if "Status" in params:
                allowed = self.spec.update_properties["Status"].get("enum", [])
                if params["Status"] not in allowed:
                    raise TwilioError(400, 21610, f"Status must be one of {allowed}")
                if message.status not in ("queued", "accepted", "scheduled"):
                    raise TwilioError(400, 30409, "Message can no longer be canceled")
                message.resource["status"] = params["Status"]
            if "Body" in params:
                if params["Body"] != "":
                    raise TwilioError(400, 21610, "Body can only be redacted (set to an empty string)")
                message.resource["body"] = ""
            message.resource["date_updated"] = _now()
        except TwilioError as exc:
            return self._answer_error(exc)
        return web.json_response(message.resource)

    async def _list(self, request: web.Request) -> web.Response:
        try:
            self._authenticate(request)
        except TwilioError as exc:
            return self._answer_error(exc)
        found = [m.resource for m in reversed(self.messages)]
        for key, attr in (("To", "to"), ("From", "from")):
            if key in request.query:
                found = [r for r in found if r.get(attr) == request.query[key]]
        page_size = int(request.query.get("PageSize", "50"))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json?PageSize={page_size}&Page=0"
        return web.json_response(
            {
                "messages": found[:page_size],
                "end": min(len(found), page_size) - 1,
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": page_size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
        )

    def _find(self, sid: str, path: str) -> SentMessage:
        try:
            return self.message(sid)
        except KeyError:
            raise TwilioError(404, 20404, f"The requested resource {path} was not found") from None

    # -- validation -----------------------------------------------------------------------------------

    def _validate_create(self, pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
        props = self.spec.properties
        params: dict[str, str] = {}
        arrays: dict[str, list[str]] = {}
        for key, value in pairs:
            schema = props.get(key)
            if schema is None:
                raise TwilioError(400, 20001, f"Unknown parameter: {key}")
            if schema.get("type") == "array":
                arrays.setdefault(key, []).append(value)
                continue
            if key in params:
                raise TwilioError(400, 20001, f"Parameter {key} was given more than once")
            params[key] = value
            self._check_value(key, value, schema)
        for key, values in arrays.items():
            item = props[key].get("items", {})
            for value in values:
                self._check_value(key, value, item)
        media = arrays.get("MediaUrl", [])

        for name in self.spec.required:
            if not params.get(name):
                raise TwilioError(400, 21604, f"A '{name}' phone number is required.")
        for group in self.spec.conditional:
            if not any(params.get(n) or arrays.get(n) for n in group):
                if "Body" in group:
                    raise TwilioError(400, 21602, "Message body is required. (Body, MediaUrl or ContentSid)")
                raise TwilioError(
                    400, 21603, f"A 'From' phone number is required. (one of {', '.join(group)})"
                )

        body = params.get("Body")
        if body is not None and len(body) > self.spec.body_max:
            raise TwilioError(
                400, 21617, f"The concatenated message body exceeds the {self.spec.body_max} character limit."
            )
        if len(media) > self.spec.media_max:
            raise TwilioError(
                400, 21623, f"Too many MediaUrl parameters: {len(media)} > {self.spec.media_max}"
            )
        if "ContentVariables" in params:
            if "ContentSid" not in params:
                raise TwilioError(
                    400, 21656, "ContentVariables requires ContentSid (content_sid must be provided)."
                )
            try:
                variables = json.loads(params["ContentVariables"])
            except ValueError:
                variables = None
            if not isinstance(variables, dict) or not all(
                isinstance(k, str) and k and isinstance(v, str | int | float) and not isinstance(v, bool)
                for k, v in variables.items()
            ):
                raise TwilioError(
                    400, 21656, "The ContentVariables Parameter is invalid: it must be a JSON object string."
                )
        if params.get("ShortenUrls", "").lower() == "true" and "MessagingServiceSid" not in params:
            raise TwilioError(400, 21602, "ShortenUrls requires MessagingServiceSid.")
        if "ScheduleType" in params and not ("SendAt" in params and "MessagingServiceSid" in params):
            raise TwilioError(400, 35111, "ScheduleType requires SendAt and MessagingServiceSid.")

        to = params["To"]
        sender = params.get("From")
        if not _valid_address(to, sms_sender=False):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if sender is not None and not _valid_address(sender, sms_sender=True):
            raise TwilioError(400, 21212, f"Invalid From Number (caller ID): {sender}")
        if sender is not None and to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
            raise TwilioError(
                400,
                21910,
                f"Invalid From and To pair. From and To should be of the same channel: {sender} → {to}",
            )
        return params, media

    def _check_value(self, key: str, value: str, schema: Mapping[str, Any]) -> None:
        kind = schema.get("type")
        if kind == "boolean" and value.lower() not in ("true", "false"):
            raise TwilioError(400, 20001, f"{key} must be true or false, got {value!r}")
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise TwilioError(400, 20001, f"{key} must be an integer, got {value!r}")
            m = re.search(r"from `?(\d+)`? to `?(\d+)`?", str(schema.get("description", "")))
            if m and not int(m[1]) <= int(value) <= int(m[2]):
                raise TwilioError(400, 20001, f"{key} must be from {m[1]} to {m[2]}, got {value}")
        if kind == "number":
            try:
                float(value)
            except ValueError:
                raise TwilioError(400, 20001, f"{key} must be a number, got {value!r}") from None
        if "enum" in schema and value not in schema["enum"]:
            raise TwilioError(400, 20001, f"{key} must be one of {schema['enum']}, got {value!r}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise TwilioError(400, 20001, f"{key} does not match {schema['pattern']}: {value!r}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise TwilioError(400, 20001, f"{key} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise TwilioError(400, 20001, f"{key} is longer than {schema['maxLength']} characters")
        if schema.get("format") == "uri" and not schema.get("x-twilio", {}).get("ignoreFormat"):
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise TwilioError(400, 21609, f"Invalid {key} URL: {value!r}")
            if "_" in parts.hostname:
                raise TwilioError(400, 21609, f"Invalid {key} URL (underscore in the host name): {value!r}")
        if (
            schema.get("format") == "uri"
            and key == "MediaUrl"
            and urlsplit(value).scheme not in ("http", "https")
        ):
            raise TwilioError(400, 21620, f"Invalid media URL: {value!r}")
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise TwilioError(400, 20001, f"{key} must be an ISO 8601 date-time, got {value!r}") from None

    # -- resources ------------------------------------------------------------------------------------

    def _new_message(self, params: dict[str, str], media: list[str]) -> SentMessage:
        sid = _sid("MM" if media else "SM")
        now = _now()
        service = params.get("MessagingServiceSid")
        if "ScheduleType" in params:
            status = "scheduled"
        elif service and not params.get("From"):
            status = "accepted"
        else:
            status = "queued"
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        resource: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": params.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": params.get("From"),
            "messaging_service_sid": service,
            "num_media": str(len(media)),
            "num_segments": "0" if service and not params.get("From") else "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": params["To"],
            "uri": uri,
        }
        return SentMessage(sid=sid, params=params, media_urls=media, resource=resource)

    def _apply_session_window(self, message: SentMessage) -> None:
        if not self.enforce_session_window or not message.to.startswith("whatsapp:") or message.content_sid:
            return
        last = self.last_inbound.get(message.to)
        if last is None or time.time() - last > SESSION_WINDOW_SECONDS:
            message.resource.update(
                status="undelivered",
                error_code=63016,
                error_message=(
                    "Failed to send freeform message because you are outside the allowed window. "
                    "If you are using WhatsApp, please use a Message Template."
                ),
                date_updated=_now(),
            )


def _now() -> str:
    return format_datetime(datetime.now(UTC).replace(microsecond=0))


def _valid_address(address: str, *, sms_sender: bool) -> bool:
    number = address.removeprefix("whatsapp:")
    if _E164_RE.fullmatch(number):
        return True
    return (
        sms_sender
        and not address.startswith("whatsapp:")
        and bool(_ALPHANUMERIC_SENDER_RE.fullmatch(address))
    )
