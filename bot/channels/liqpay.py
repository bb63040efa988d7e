"""LiqPay's server-to-server callback (/webhooks/liqpay): a form POST of `data` and `signature`.

The signature is checked in constant time before anything is decoded (payments/liqpay.py); a forged or
malformed callback gets a 4xx and one log line. A genuine one becomes an `Inbound` for the conversation its
booking was made from, keyed by order and status (LiqPay may call more than once, in any order; a status
check that learns the same is the same event), and enters the runner's one way in: the store records it
with what it means for the booking, and the customer and staff are told. An unknown order is acknowledged
and logged: there is nobody to tell, and LiqPay would only call again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.channels.base import NOWHERE, Inbound
from conversations.events import PaymentReported
from payments.liqpay import BadCallback, LiqPayAccount, verify_callback
from storage.attempt import Report, Verdict
from storage.booking import Booking

log = logging.getLogger(__name__)

LIQPAY = "liqpay"  # the source of its events
FORM_LIMIT = 64 * 1024  # a callback's form is a few kilobytes

Handle = Callable[[Inbound], Awaitable[Any]]
BookingOf = Callable[[str], Awaitable[Booking | None]]


def report_key(report: Report) -> str:
    """The deduplication key of what LiqPay said: the order and its status (and, for money gone back, how
    much in all, so that a second partial refund is news). The amount is written one way whoever reports it
    (a refund's answer 500.00, a callback's JSON 500.0), so the same refund heard twice is one event."""
    key = f"{report.order_id}:{report.status}"
    if report.verdict != Verdict.REFUNDED:
        return key
    refunded = "all" if report.refunded is None else f"{report.refunded.normalize():f}"
    return f"{key}:{refunded}"


def inbound(report: Report, booking: Booking) -> Inbound:
    """What LiqPay said, as an event for the conversation the booking was made from."""
    return Inbound(
        channel=booking.channel or NOWHERE,
        chat_id=booking.chat_id or f"booking-{booking.id}",
        event=PaymentReported(report),
        dedup_id=report_key(report)[:64],
        source=LIQPAY,
    )


async def webhook(
    request: web.Request, account: LiqPayAccount, booking_of: BookingOf, handle: Handle
) -> web.Response:
    body = await request.content.read(FORM_LIMIT + 1)
    if len(body) > FORM_LIMIT:
        log.warning("liqpay callback refused from %s: a body over %d bytes", request.remote, FORM_LIMIT)
        return web.Response(status=413)
    try:
        form = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        log.warning("liqpay callback refused from %s: not a form", request.remote)
        return web.Response(status=400, text="not a form")
    checked = verify_callback(account, form.get("data"), form.get("signature"))
    if isinstance(checked, BadCallback):
        log.warning(
            "liqpay callback refused from %s: %s (%s)", request.remote, checked.reason, checked.detail
        )
        status = 403 if checked.reason in ("signature", "foreign") else 400
        return web.Response(status=status, text=checked.reason)
    booking = await booking_of(checked.order_id)
    if booking is None:
        log.warning(
            "liqpay callback for an unknown order %s (%s): acknowledged", checked.order_id, checked.status
        )
        return web.Response(text="unknown order")
    await handle(inbound(checked, booking))
    return web.Response(text="ok")
