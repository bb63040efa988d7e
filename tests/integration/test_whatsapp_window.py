"""Messages the business starts on WhatsApp: free-form within 24 hours of the customer's last message,
the approved template outside it (WhatsApp would not deliver free-form text then: error 63016)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.window import WhatsAppWindow, business_initiated
from storage import identities
from storage.db import Database
from storage.outbox import Message
from tests.sample import NOW

SID = "HX" + "0123456789abcdef" * 2
NUMBER = "+380501234567"


def _queued() -> Message:
    return Message(
        1,
        "whatsapp",
        NUMBER,
        "message",
        business_initiated("New booking: Olha", "staff_notification", {"1": "New booking: Olha"}),
        0,
    )


async def _wrote(database: Database, ago: timedelta) -> None:
    await database.transaction(
        lambda conn: identities.touch(conn, "whatsapp", NUMBER, NOW - ago, customer_id=None, language="uk")
    )


@pytest.mark.parametrize(
    ("ago", "templated"), [(timedelta(hours=23, minutes=59), False), (timedelta(hours=24, minutes=1), True)]
)
async def test_the_window_decides_at_send_time(database: Database, ago: timedelta, templated: bool) -> None:
    await _wrote(database, ago)
    ready = await WhatsAppWindow(database, {"staff_notification": SID}, lambda: NOW).prepare(_queued())
    if templated:
        assert ready.params == {"ContentSid": SID, "ContentVariables": json.dumps({"1": "New booking: Olha"})}
    else:
        assert ready.params == {"Body": "New booking: Olha"}


async def test_someone_who_never_wrote_gets_the_template(database: Database) -> None:
    ready = await WhatsAppWindow(database, {"staff_notification": SID}, lambda: NOW).prepare(_queued())
    assert ready.params["ContentSid"] == SID


async def test_without_a_template_the_body_goes_and_nothing_unknown_is_sent(database: Database) -> None:
    ready = await WhatsAppWindow(database, {}, lambda: NOW).prepare(_queued())
    assert ready.params == {"Body": "New booking: Olha"}


async def test_replies_to_the_customer_are_left_alone(database: Database) -> None:
    reply = Message(2, "whatsapp", NUMBER, "message", {"Body": "1. Book"}, 0)
    assert await WhatsAppWindow(database, {"staff_notification": SID}, lambda: NOW).prepare(reply) == reply
