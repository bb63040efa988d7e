"""WhatsApp's 24-hour window, decided when a message the business starts is actually sent.

A message the bot starts (a staff notification, a reminder; later confirmations) is queued with both a
free-form body and the template to use instead. Just before sending, the customer's last inbound message
decides: within 24 hours the free-form body goes; outside it the approved template, since WhatsApp would not
deliver free-form text (Twilio error 63016). Deciding at send time matters: the outbox may hold a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.channels.whatsapp_twilio import TEMPLATE, template_for, within_session
from storage.db import Database
from storage.models import identities
from storage.outbox import Message

log = logging.getLogger("slotbot.window")


def business_initiated(
    body: str, kind: str, variables: Mapping[str, str], language: str = ""
) -> dict[str, Any]:
    """Params for a WhatsApp message the business starts: the free-form body and its template fallback
    (in `language`, where the template is configured in several)."""
    return {"Body": body, TEMPLATE: {"kind": kind, "variables": dict(variables), "language": language}}


class WhatsAppWindow:
    def __init__(self, db: Database, templates: Mapping[str, str], clock: Callable[[], datetime]) -> None:
        self.db, self.templates, self.clock = db, templates, clock

    async def prepare(self, message: Message) -> Message:
        template = message.params.get(TEMPLATE)
        if message.channel != "whatsapp" or template is None:
            return message
        free_form = {k: v for k, v in message.params.items() if k != TEMPLATE}
        if within_session(await self._last_inbound(message.chat_id), self.clock()):
            return replace(message, params=free_form)
        try:
            return replace(
                message,
                params=template_for(
                    template["kind"], template["variables"], self.templates, template.get("language", "")
                ),
            )
        except KeyError as missing:
            log.warning(
                "whatsapp %s: outside the 24-hour window and %s; sending free-form, which WhatsApp may "
                "not deliver (error 63016)",
                message.chat_id,
                missing.args[0],
            )
            return replace(message, params=free_form)

    async def _last_inbound(self, chat_id: str) -> datetime | None:
        query = select(identities.c.last_inbound_at).where(
            identities.c.channel == "whatsapp", identities.c.chat_id == chat_id
        )
        return await self.db.query(lambda conn: conn.execute(query).scalar())
