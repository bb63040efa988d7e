"""WhatsApp through Twilio: signed webhooks in, the Messages REST API out, within WhatsApp's 24-hour rule.

Choosing what to send (for the runner). WhatsApp delivers free-form messages only within 24 hours of the
customer's last message. Replies to an inbound message are always inside that window, so the runner renders
them with `WhatsAppRenderer`. A message the business starts (a confirmation after an admin approves, a
reminder, a cancellation or move by staff) is free-form only if `within_session(last_inbound, now)`;
otherwise it must be an approved template: `Outgoing(WHATSAPP, chat_id, "message", template_for(kind, ...))`.
Twilio accepts a free-form message sent outside the window (201, queued) and only later reports it
undelivered with error 63016, in the status callback; `send` cannot see that, so decide before sending.
"""

from __future__ import annotations

import base64
import email.utils
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from multidict import MultiDict
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.rest import Client

from bot.channels.base import WHATSAPP, Delivery, Inbound, Outgoing
from conversations import phones
from conversations.events import Choice, Event, Text
from conversations.replies import WHATSAPP_TEXT_LIMIT, CalendarEntry, Reply, joined, split_text

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200  # a WhatsApp message with ten media has about sixty
OPTION_ID_LIMIT = 256  # characters of a tapped button's payload: ours are a few dozen
_MESSAGE_SID = re.compile(r"[A-Za-z0-9]{1,64}")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SESSION_WINDOW = timedelta(hours=24)
TEMPLATE_KINDS = ("booking_confirmed", "reminder", "booking_cancelled", "booking_moved", "staff_notification")
# Where queued params keep the template to send instead outside the 24 hours ({"kind": …, "variables": {…}});
# bot/window.py takes it out just before sending, and it is never sent as is.
TEMPLATE = "template"
QUICK_REPLY_KINDS = ("quick_reply_2", "quick_reply_3")
DEFAULT_API_BASE = "https://api.twilio.com"
TIMEOUT = 10.0  # seconds, per request to Twilio
HTTP_CONNECTIONS = 100  # open to Twilio at once
RETRY_HINT = 5.0  # seconds, when Twilio is busy or unreachable and names no Retry-After
# WhatsApp quick-reply limits: a button title is at most 20 characters, the body at most 1024.
BUTTON_TITLE_LIMIT = 20
QUICK_REPLY_BODY_LIMIT = 1024

Params = Mapping[str, str] | Sequence[tuple[str, str]]


# ---- inbound ---------------------------------------------------------------------------------------------


def verify_signature(auth_token: str, public_url: str, params: Params, signature: str) -> bool:
    """Whether `signature` is Twilio's X-Twilio-Signature for a POST of `params` to `public_url`.

    The algorithm is the twilio library's (sorted keys, a repeated key's values sorted too); the comparison
    is constant-time. Twilio signs the URL sometimes with the default port and sometimes without, so both
    spellings are accepted, as the library's own `validate` does."""
    if not auth_token or not signature or not signature.isascii():
        return False  # a signature is base64: a header with other bytes in it is no signature
    # The library reads a repeated key's values through `getall`, which a list of pairs lacks.
    form = MultiDict(params) if isinstance(params, Sequence) else params
    validator = RequestValidator(auth_token)
    given = signature.encode()
    url = urlsplit(public_url)
    candidates = {add_port(url), remove_port(url)}
    return any(
        hmac.compare_digest(validator.compute_signature(candidate, form).encode(), given)
        for candidate in candidates
    )


def inbound_from_form(form: Mapping[str, str]) -> Inbound | None:
    """A Twilio WhatsApp message webhook as an `Inbound`; None when it is not a customer's WhatsApp message.

    A tapped quick-reply button arrives as ButtonPayload (the option id we sent), a list pick as ListId.
    Anything else is Text(Body): a typed "2" stays text, because the conversation maps numbers to its last
    options itself. A message with only media or a location has an empty Body and becomes Text(""), so
    the conversation answers (and asks its question again) instead of leaving the customer unanswered."""
    phone = _whatsapp_number(form.get("From", ""))
    if phone is None or "MessageStatus" in form:  # status callbacks are not the customer speaking
        return None
    sid = form.get("MessageSid") or None
    if sid is not None and not _MESSAGE_SID.fullmatch(sid):
        return None  # not one of Twilio's ids ("SM" and 32 hex digits): it could not be told apart again
    return Inbound(
        channel=WHATSAPP,
        chat_id=phone,
        event=_event(form),
        dedup_id=sid,
        name=(form.get("ProfileName") or "")[:64] or None,
        phone=phone,  # WhatsApp has verified the number it delivers from
    )


def _whatsapp_number(sender: str) -> str | None:
    prefix, _, number = sender.partition(":")
    return number if prefix == "whatsapp" and phones.is_e164(number) else None


def _event(form: Mapping[str, str]) -> Event:
    if form.get("ButtonPayload"):
        return Choice(form["ButtonPayload"][:OPTION_ID_LIMIT])
    if form.get("ListId"):
        return Choice(form["ListId"][:OPTION_ID_LIMIT])
    return Text(form.get("Body", "")[:WHATSAPP_TEXT_LIMIT])  # WhatsApp's own limit: no more is read


async def webhook(
    request: web.Request,
    *,
    auth_token: str,
    public_url: str,
    feed: Callable[[Inbound], Awaitable[Any]],
) -> web.Response:
    """Twilio's incoming-message webhook: check the signature, feed the message, answer with empty TwiML.

    `public_url` is the URL configured in Twilio, never `request.url`: behind a proxy or tunnel the URL we
    see differs from the one Twilio signed. Replies go out later through the REST API, not in the TwiML.
    A body that is not a form gets a 400 and a forged one a 403, each with a log line; a signed form that is
    no WhatsApp message we can answer is acknowledged and ignored (a status callback, an SMS)."""
    pairs = await _form(request)
    if pairs is None:
        log.warning("twilio webhook: refused a request from %s: not a URL-encoded form", request.remote)
        return web.Response(status=400, text="not a form")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not verify_signature(auth_token, public_url, pairs, signature):
        log.warning(
            "twilio webhook rejected from %s: %s signature",
            request.remote,
            "wrong" if signature else "missing",
        )
        return web.Response(status=403, text="invalid signature")
    params = MultiDict(pairs)
    if "MessageStatus" in params:
        return _twiml()  # a status callback sent to this URL: acknowledged, nothing to say
    inbound = inbound_from_form(params) if params.get("MessageSid") else None
    if inbound is None:
        log.warning("twilio webhook: not a WhatsApp message (fields: %.200s)", ", ".join(sorted(params)))
        return _twiml()
    await feed(inbound)
    return _twiml()


async def _form(request: web.Request) -> list[tuple[str, str]] | None:
    """The fields of the URL-encoded UTF-8 form Twilio posts, in order, a repeated one as often as sent
    (every field counts for the signature); None for any other body. Read here rather than with
    `request.post()`, which takes multipart bodies and any charset, and raises on what it cannot read."""
    if request.content_type != FORM_TYPE or request.charset not in (None, "utf-8", "UTF-8"):
        return None
    try:
        return parse_qsl(
            (await request.read()).decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:  # not UTF-8, a %-escape that is not, or too many fields
        return None


def _twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


# ---- rendering -------------------------------------------------------------------------------------------


class WhatsAppRenderer:
    """Replies as Twilio messages: options as a numbered list, or as tappable quick replies when configured.

    `content_sids` may hold Twilio Content quick-reply templates "quick_reply_2" and "quick_reply_3" (used
    for replies with exactly 2 or 3 options). Their variables: {{1}} the body, {{2}}..{{n+1}} the button
    titles, {{n+2}}..{{2n+1}} the button ids; a tapped button comes back as ButtonPayload = the option id.

    `calendar_link` gives the URL of a booking's calendar file (bot/calendar.py's CalendarLinks), which goes
    as the media of a message of its own after the reply's text: Twilio gives a WhatsApp document no caption,
    and WhatsApp lists PDF and Office files as its documents, so were the file refused, the text with it
    would be lost. Without it (no public URL or link secret), no file."""

    def __init__(
        self,
        content_sids: Mapping[str, str] | None = None,
        calendar_link: Callable[[CalendarEntry], str] | None = None,
    ) -> None:
        self._content_sids = dict(content_sids or {})
        self._calendar_link = calendar_link

    def render(self, replies: list[Reply], inbound: Inbound) -> list[Outgoing]:
        return [
            Outgoing(WHATSAPP, inbound.chat_id, "message", params)
            for reply in joined(replies, WHATSAPP_TEXT_LIMIT)
            for params in [*self._started(reply), *self._calendar(reply)]
        ]

    def _calendar(self, reply: Reply) -> list[dict[str, str]]:
        if reply.calendar is None or self._calendar_link is None:
            return []
        return [{"MediaUrl": self._calendar_link(reply.calendar)}]

    def _started(self, reply: Reply) -> list[dict[str, Any]]:
        """A message the business starts (a reminder) goes with its template, which bot/window.py sends
        instead outside the 24 hours: the reply's variables, then its options' ids for the buttons."""
        messages: list[dict[str, Any]] = list(self._messages(reply))
        if reply.template is not None and messages:
            values = (*reply.template.variables, *(option.id for option in reply.options))
            variables = {str(number): value for number, value in enumerate(values, 1)}
            kind, language = reply.template.kind, reply.template.language
            template = {"kind": kind, "variables": variables, "language": language}
            messages[0] = {**messages[0], TEMPLATE: template}
        return messages

    def _messages(self, reply: Reply) -> list[dict[str, str]]:
        if reply.link is not None:  # a link to open is a line of the text, never one of the numbered options
            label, url = reply.link
            reply = replace(reply, text=f"{reply.text}\n\n{label}: {url}", link=None)
        sid = self._content_sids.get(f"quick_reply_{len(reply.options)}")
        if sid and _fits_quick_reply(reply):
            return [quick_reply_params(sid, reply)]
        return [{"Body": body} for body in numbered_bodies(reply)]


def numbered_bodies(reply: Reply, limit: int = WHATSAPP_TEXT_LIMIT) -> list[str]:
    """The reply's text with its options numbered below it, in messages of at most `limit` characters.

    The list always ends the last message, so the numbers the customer types answer what they see last."""
    listing = "\n".join(f"{number}. {option.label}" for number, option in enumerate(reply.options, 1))
    if not listing:
        return split_text(reply.text, limit)
    block = f"\n\n{listing}" if reply.text else listing
    if len(block) > limit:  # too many options to share a message: the list gets messages of its own
        return split_text(reply.text, limit) + split_text(listing, limit)
    parts = split_text(reply.text, limit)
    if parts and len(parts[-1]) + len(block) > limit:
        parts[-1:] = split_text(parts[-1], limit - len(block))
    parts = parts or [""]
    parts[-1] += block
    return parts


def _fits_quick_reply(reply: Reply) -> bool:
    # A quick reply needs a body; an empty variable would be refused.
    return 0 < len(reply.text) <= QUICK_REPLY_BODY_LIMIT and all(
        0 < len(option.label) <= BUTTON_TITLE_LIMIT for option in reply.options
    )


def quick_reply_params(content_sid: str, reply: Reply) -> dict[str, str]:
    """Twilio params for a quick-reply Content template filled with the reply's text and options."""
    return {"ContentSid": content_sid, "ContentVariables": json.dumps(_quick_reply_variables(reply))}


def _quick_reply_variables(reply: Reply) -> dict[str, str]:
    count = len(reply.options)
    variables = {"1": reply.text}
    for index, option in enumerate(reply.options):
        variables[str(2 + index)] = option.label
        variables[str(2 + count + index)] = option.id
    return variables


# ---- the 24-hour window ----------------------------------------------------------------------------------


def within_session(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a free-form message may still be sent: the customer wrote less than 24 hours ago."""
    return last_inbound is not None and now - last_inbound < SESSION_WINDOW


def template_for(
    kind: str, variables: Mapping[str, str], templates: Mapping[str, str], language: str = ""
) -> dict[str, str]:
    """Twilio params for an approved template message, for sending outside the 24-hour window.

    `templates` maps a kind (TEMPLATE_KINDS) to its Content SID, and "kind:language" to the SID of its
    version in that language (WhatsApp approves each template in one language); `variables` are the
    template's numbered variables ({"1": "Anna", "2": "Tue 3 June, 14:00"}), as the approved template
    defines them. The version in `language` is taken, else the kind's own, else the first language
    configured: a reminder in another language still reaches the customer, where none would not.
    Raises KeyError when the kind is unknown or has no template configured."""
    if kind not in TEMPLATE_KINDS:
        raise KeyError(f"unknown template kind {kind!r}; known: {', '.join(TEMPLATE_KINDS)}")
    versions = [sid for key, sid in templates.items() if key.startswith(f"{kind}:") and sid]
    sid = templates.get(f"{kind}:{language}") or templates.get(kind) or next(iter(versions), None)
    if not sid:
        raise KeyError(f"no Content SID configured for the {kind!r} template")
    cleaned = {str(key): _template_value(value) for key, value in variables.items()}
    return {"ContentSid": sid, "ContentVariables": json.dumps(cleaned)}


def _template_value(value: str) -> str:
    # WhatsApp rejects template variables holding newlines, tabs or more than four spaces in a row.
    return re.sub(r"\s+", " ", value).strip()


# ---- sending ---------------------------------------------------------------------------------------------

# Outgoing params (Twilio's form names) → the twilio library's keyword arguments for messages.create.
_CREATE_ARGUMENTS = {
    "Body": "body",
    "ContentSid": "content_sid",
    "ContentVariables": "content_variables",
    "MediaUrl": "media_url",
    "StatusCallback": "status_callback",
}


class _RetryLater(Exception):
    """Twilio is rate limiting us or failing (429 or 5xx), or could not be reached."""

    def __init__(self, status: str, seconds: float) -> None:
        super().__init__(status)
        self.seconds = seconds


class AiohttpTwilioClient(AsyncHttpClient):
    """The twilio library's async HTTP client seam, on an aiohttp session, sending to `api_base` instead of
    Twilio.

    The library builds the request (URL, form fields, auth, headers) and parses errors into
    TwilioRestException; this client only carries it, rewriting "https://api.twilio.com" to `api_base`
    (a fake in tests). A 429 or 5xx raises `_RetryLater` here, because the library's exceptions drop the
    response headers and with them Retry-After."""

    def __init__(self, http: aiohttp.ClientSession, api_base: str | None = None) -> None:
        super().__init__(logger=log, is_async=True, timeout=TIMEOUT)
        self._http = http
        self._base = urlsplit((api_base or DEFAULT_API_BASE).rstrip("/"))
        self._rebased: dict[str, str] = {}  # the library asks for the same few URLs again and again

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if auth:
            headers = {**(headers or {}), "Authorization": basic_authorization(*auth)}
        try:
            async with self._http.request(
                method,
                self._rebase(uri),
                params=_pairs(params),
                data=_pairs(data),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
                allow_redirects=allow_redirects,
            ) as response:
                body = await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _RetryLater(type(error).__name__, RETRY_HINT) from error
        if response.status == 429 or response.status >= 500:
            raise _RetryLater(f"HTTP {response.status}", _retry_after(response.headers.get("Retry-After")))
        return TwilioResponse(response.status, body, response.headers)

    def _rebase(self, uri: str) -> str:
        # Replace scheme and host whatever they are (TWILIO_EDGE / TWILIO_REGION may have changed the host).
        rebased = self._rebased.get(uri)
        if rebased is None:
            url = urlsplit(uri)
            base = self._base
            url = url._replace(scheme=base.scheme, netloc=base.netloc, path=base.path + url.path)
            rebased = urlunsplit(url)
            if len(self._rebased) < 64:
                self._rebased[uri] = rebased
        return rebased


def basic_authorization(login: str, password: str) -> str:
    """An HTTP Basic Authorization header value (aiohttp's BasicAuth is deprecated)."""
    credentials = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return f"Basic {credentials}"


def _pairs(fields: dict[str, object] | None) -> list[tuple[str, str]] | None:
    """Form or query fields as aiohttp takes them: a list value repeats its key, None is left out."""
    if not fields:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            if item is not None:
                pairs.append((key, str(item)))
    return pairs


def _retry_after(header: str | None) -> float:
    """Seconds from a Retry-After header (seconds or an HTTP date), or the hint when it is absent."""
    if not header:
        return RETRY_HINT
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return RETRY_HINT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class TwilioAccount:
    """What sending through Twilio needs: the account, the WhatsApp sender, and where Twilio's API is."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # the WhatsApp sender, e.g. "whatsapp:+14155238886"
    api_base: str | None = None  # another Twilio API address (a fake in tests)


class TwilioSender:
    """Delivers `Outgoing` WhatsApp messages through Twilio's Messages API, with the twilio library."""

    channel = WHATSAPP

    def __init__(self, account: TwilioAccount, http: aiohttp.ClientSession | None = None) -> None:
        if not (account.account_sid and account.auth_token and account.from_number):
            raise ValueError("a Twilio account SID, auth token and WhatsApp sender are needed to send")
        self._settings = account
        self._from = _whatsapp_address(account.from_number)
        self._own_http = http is None
        self._http = http
        self._client: Client | None = None

    def _twilio(self) -> Client:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._client is None:
            if self._http is None:
                self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS))
            transport = AiohttpTwilioClient(self._http, self._settings.api_base)
            settings = self._settings
            self._client = Client(settings.account_sid, settings.auth_token, http_client=transport)
        return self._client

    async def send(self, message: Outgoing) -> Delivery:
        arguments = _create_arguments(message)
        if isinstance(arguments, str):
            return Delivery(ok=False, error=arguments)
        try:
            await self._twilio().messages.create_async(
                to=_whatsapp_address(message.chat_id), from_=self._from, **arguments
            )
        except _RetryLater as busy:
            log.warning("twilio send to %s: %s, retry in %.0f s", message.chat_id, busy, busy.seconds)
            return Delivery(ok=False, retry_after=busy.seconds)
        except (TwilioRestException, TwilioServiceException) as error:
            return _refused(message, error)
        except json.JSONDecodeError:
            # A 2xx means Twilio took the message; sending it again would deliver it twice.
            log.warning("twilio send to %s: accepted with an unreadable answer", message.chat_id)
        return Delivery(ok=True)

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.close()


def _whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def _create_arguments(message: Outgoing) -> dict[str, Any] | str:
    """messages.create keyword arguments for the message, or why it cannot be sent."""
    if message.method != "message":
        return f"unsupported method {message.method!r}"
    unknown = sorted(set(message.params) - set(_CREATE_ARGUMENTS))
    if unknown:
        return f"unsupported parameters {', '.join(unknown)}"
    return {_CREATE_ARGUMENTS[name]: value for name, value in message.params.items()}


def _refused(message: Outgoing, error: TwilioRestException | TwilioServiceException) -> Delivery:
    if isinstance(error, TwilioServiceException):
        text = error.detail or error.title
    else:
        text = str(error.msg).removeprefix("Unable to create record: ")
    log.warning(
        "twilio refused a message to %s: HTTP %s, %s %s", message.chat_id, error.status, error.code, text
    )
    return Delivery(ok=False, error=f"{error.code} {text}")
