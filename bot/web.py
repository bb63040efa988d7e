"""The one HTTP server: /webhooks/telegram, /webhooks/twilio, /webhooks/liqpay, /calendar/<token>.ics and
/healthz.

A malformed or forged webhook gets a 4xx from its channel's handler and a log line (so does a request whose
body cannot be read as sent, and one aiohttp cannot parse at all); an authenticated one that makes no sense
is acknowledged and ignored; an unexpected failure on our side (the database away) gets a 503, so that the
platform delivers the message again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.log import server_logger
from aiohttp.web_protocol import RequestPayloadError

from bot import calendar
from bot.calendar import CalendarLinks
from bot.channels import liqpay, telegram, whatsapp_twilio
from bot.channels.base import Inbound
from conversations.calendar_entry import calendar_entry
from payments.liqpay import LiqPayAccount
from storage.booking import Booking
from storage.business import Business

if TYPE_CHECKING:
    from storage.health import Health

log = logging.getLogger("slotbot.web")


@dataclass(frozen=True)
class TelegramHook:
    secret: str
    handle: Callable[[Inbound], Awaitable[Any]]


@dataclass(frozen=True)
class LiqPayHook:
    account: LiqPayAccount
    booking_of: Callable[[str], Awaitable[Booking | None]]
    handle: Callable[[Inbound], Awaitable[Any]]


@dataclass(frozen=True)
class TwilioHook:
    auth_token: str
    public_url: str
    feed: Callable[[Inbound], Awaitable[Any]]


@dataclass(frozen=True)
class CalendarHook:
    links: CalendarLinks
    booking_of: Callable[[int], Awaitable[Booking | None]]
    business: Business
    clock: Callable[[], datetime]


SERVED = ("confirmed", "cancelled")  # the bookings a link was given for: confirmed, and later cancelled


async def calendar_file(request: web.Request, hook: CalendarHook) -> web.Response:
    """The booking's calendar file as it is now, for a link in a WhatsApp message (Twilio fetches it) or the
    terminal. 404 for a token this bot did not sign, and once the visit is over: a link is no lasting key."""
    ticket = hook.links.read(request.match_info["token"])
    booking = await hook.booking_of(ticket.booking_id) if ticket is not None else None
    now = hook.clock()
    if ticket is None or booking is None or booking.status not in SERVED or booking.end <= now:
        raise web.HTTPNotFound()
    if ticket.revision > booking.revision:  # signed for a change the store does not have (a restored backup)
        raise web.HTTPNotFound()
    entry = calendar_entry(booking, hook.business, ticket.language, now)
    disposition = f'inline; filename="{entry.filename}"'  # the name Twilio gives the file
    return web.Response(
        body=calendar.ics(entry),
        content_type=calendar.MIME,
        charset="utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@web.middleware
async def _no_500(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as answer:
        if answer.status >= 400:  # no such path, or a body too large: one line, no traceback
            log.warning("%s %s: %s for %s", request.method, request.path, answer.status, request.remote)
        raise
    except (HttpProcessingError, RequestPayloadError) as error:
        # The body is not what its headers say (a gzip that is not, a broken chunk): the sender's mistake.
        where = f"{request.method} {request.path}"
        log.warning("%s: refused a request from %s: %s", where, request.remote, _line(error))
        # The rest of the body is as unreadable: aiohttp would read it after our answer, and fail again with
        # a traceback of its own. End it here, and the connection after the answer.
        request.content.feed_eof()
        refused = web.Response(status=400)
        refused.force_close()
        return refused
    except ConnectionResetError:
        if request.transport is not None and not request.transport.is_closing():
            return _unavailable(request)  # not the client: something of ours (a database connection)
        log.info("%s %s: the client went away before sending its request", request.method, request.path)
        return web.Response(status=400)
    except Exception:
        return _unavailable(request)


def _unavailable(request: web.Request) -> web.Response:
    """A failure on our side: a 503, so that the platform delivers the message again later."""
    log.exception("%s %s failed; asking the sender to try again", request.method, request.path)
    return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503)


class _BrokenRequestInOneLine(logging.Filter):
    """aiohttp logs a request it cannot parse (a header line without a colon, a broken chunk) as an error
    with a traceback; it answers 400 itself. A client's mistake is one warning line. A body it cannot
    decode while draining it after our answer (a 403 that never read it) is not logged again."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, RequestPayloadError):
            return False  # the request was answered, and logged if refused
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {_line(error)}", None
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_ONE_LINE = _BrokenRequestInOneLine()


def _line(error: BaseException) -> str:
    return " ".join(str(error).split())  # aiohttp's messages quote the bytes on lines of their own


def make_app(
    *,
    healthy: Callable[[], Awaitable[Health]],
    telegram_hook: TelegramHook | None = None,
    twilio_hook: TwilioHook | None = None,
    liqpay_hook: LiqPayHook | None = None,
    calendar_hook: CalendarHook | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_no_500], client_max_size=1024 * 1024)
    if _ONE_LINE not in server_logger.filters:
        server_logger.addFilter(_ONE_LINE)

    async def health(_: web.Request) -> web.Response:
        # Each check of storage/health.py as JSON; 503 when one fails, so a load balancer looks elsewhere.
        report = await healthy()
        return web.json_response(report.json(), status=200 if report.ok else 503)

    app.router.add_get("/healthz", health)
    if telegram_hook is not None:
        hook = telegram_hook

        async def on_telegram(request: web.Request) -> web.Response:
            return await telegram.webhook(request, hook.secret, hook.handle)

        app.router.add_post("/webhooks/telegram", on_telegram)
    if twilio_hook is not None:
        twilio = twilio_hook

        async def on_twilio(request: web.Request) -> web.Response:
            return await whatsapp_twilio.webhook(
                request, auth_token=twilio.auth_token, public_url=twilio.public_url, feed=twilio.feed
            )

        app.router.add_post("/webhooks/twilio", on_twilio)
    if liqpay_hook is not None:
        paid = liqpay_hook

        async def on_liqpay(request: web.Request) -> web.Response:
            return await liqpay.webhook(request, paid.account, paid.booking_of, paid.handle)

        app.router.add_post("/webhooks/liqpay", on_liqpay)
    if calendar_hook is not None:  # without a link secret there are no links, and nothing is served
        files = calendar_hook

        async def on_calendar(request: web.Request) -> web.Response:
            return await calendar_file(request, files)

        app.router.add_get(calendar.ROUTE, on_calendar)  # and HEAD, which Twilio asks first
    return app
