"""`slotbot serve`: one process with the HTTP server, Telegram (webhook or long polling), WhatsApp, the outbox
sender and the durable jobs. Several such processes may share one PostgreSQL.

Shutdown (SIGTERM, SIGINT) stops taking new updates, lets the messages in flight finish, gives the outbox a
few seconds to deliver what they queued, and closes everything; anything still queued waits in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from aiohttp import web

from bot import logs, startup
from bot.app import App, build, now_utc, revealed
from bot.channels.telegram import feeder
from bot.config import Settings
from storage.health import write_probe

log = logging.getLogger("slotbot.serve")
GC_THRESHOLDS = (50_000, 20, 100)
SHUTDOWN_GRACE_S = 10.0


async def run(app: App, *, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set, then shut down gracefully."""
    settings = app.settings
    runner = web.AppRunner(app.web, shutdown_timeout=SHUTDOWN_GRACE_S, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s", host, port)
    tasks = [
        asyncio.create_task(app.dispatcher.run(stop), name="outbox"),
        asyncio.create_task(app.scheduler.run(stop), name="jobs"),
    ]
    if app.telegram is not None:
        telegram = settings.telegram
        secret = revealed(telegram.webhook_secret)
        webhook = telegram.webhook_url if secret else None
        await app.telegram.setup(webhook, secret)
        if webhook is None:
            polling = app.telegram.poll(stop, feeder(app.runner.enter))
            tasks.append(asyncio.create_task(polling, name="telegram-polling"))
            log.info("telegram: long polling (no webhook_url with webhook_secret configured)")
    await stop.wait()
    log.info("shutting down: finishing the messages in flight")
    await runner.cleanup()  # stops accepting, waits for handlers in flight
    with contextlib.suppress(Exception):
        await asyncio.wait_for(app.dispatcher.drain_once(), timeout=SHUTDOWN_GRACE_S)
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(Exception):
        await app.dispatcher.close()  # what is left goes back to the store for the next start
    await app.close()
    log.info("stopped")


async def serve(settings: Settings, *, host: str, port: int) -> int:
    secrets = [
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.twilio.auth_token,
        settings.liqpay.private_key,
        _password(settings.database_url),
    ]
    logs.configure(secrets)
    startup.require_channel(settings)
    app = await build(settings)
    try:
        await _ready(app)
    except BaseException:
        await app.close()
        raise
    # Everything made so far (modules, the libraries' models, the business) lives as long as the process:
    # out of the garbage collector's way, a full collection takes a fraction of the time. And a request's
    # objects live for its whole turn: collected young every 700 allocations, most of them survive into the
    # older generations and are scanned again and again (under load 9% of the time went to the collector).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run(app, host=host, port=port, stop=stop)
    return 0


async def _ready(app: App) -> None:
    """Refuse to start (startup.CannotStart, or the database's own error for bot/cli.py to explain) rather
    than say "listening" and fail later; warn of staff whom no notice can reach."""
    await write_probe(app.db, now_utc())
    if app.telegram is not None:
        name = await startup.check_telegram(app.settings, app.telegram)
        log.info("telegram: the token is the bot @%s's", name)
    for line in startup.unreached(app.settings.business, app.dispatcher.senders):
        log.warning("%s", line)


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).password
