"""The one HTTP server: /webhooks/telegram, /webhooks/twilio and /healthz.

A malformed or forged webhook gets a 4xx from its channel's handler and a log line; an unexpected failure on
our side (the database away) gets a 503, so that the platform delivers the message again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.channels import telegram, whatsapp_twilio
from bot.channels.base import Inbound

if TYPE_CHECKING:
    from storage.health import Health

log = logging.getLogger("slotbot.web")


@dataclass(frozen=True)
class TelegramHook:
    secret: str
    handle: Callable[[Inbound], Awaitable[Any]]


@dataclass(frozen=True)
class TwilioHook:
    auth_token: str
    public_url: str
    feed: Callable[[Inbound], Awaitable[Any]]


@web.middleware
async def _no_500(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("%s %s failed; asking the sender to try again", request.method, request.path)
        return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503)


def make_app(
    *,
    healthy: Callable[[], Awaitable[Health]],
    telegram_hook: TelegramHook | None = None,
    twilio_hook: TwilioHook | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_no_500], client_max_size=1024 * 1024)

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
    return app
