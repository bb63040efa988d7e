"""Calendar files over Telegram through `serve`, for both drivers: a booking, its move and its cancellation
each come with the booking's file as a document, uploaded as a file (multipart) to the fake Bot API, which
checks the call against the spec; the three files are one event, updated and then cancelled."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App as Service
from storage.outbox import Outbox
from tests.e2e.test_telegram_booking import CHAT, Customer
from tests.fakes.telegram_api import FakeTelegram, UploadedFile
from tests.ics import checked, utc
from tests.sample import at


@pytest.fixture
def mode() -> str:
    return "webhook"  # what is sent does not depend on how updates come; both drivers send


def documents(tg: FakeTelegram) -> list[UploadedFile]:
    files = [params["document"] for params in tg.calls_to("sendDocument")]
    assert all(isinstance(file, UploadedFile) for file in files), "a document not uploaded as a file"
    return files


async def test_booking_moving_and_cancelling_each_send_the_calendar_file(
    running: tuple[FakeTelegram, Service, str],
) -> None:
    tg, service, url = running

    async def deliver(update: dict[str, Any]) -> None:
        status, _ = await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram")
        assert status == 200

    customer = Customer(tg, deliver, Outbox(service.db))
    await customer.say("/start")
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        await customer.tap(label)
    await customer.say("Olha")
    await customer.say("+380 50 123 4567")
    await customer.tap("Confirm")
    [booked] = documents(tg)
    [booking] = await service.store.bookings()
    assert booked.filename == f"booking-{booking.code}.ics"
    first = checked(booked.data)
    assert (utc(first, "DTSTART"), first["STATUS"], first.decoded("SEQUENCE")) == (at(24, 11), "CONFIRMED", 0)

    await customer.say("reschedule")
    for label in ("Wed 25 Nov", "Later times", "15:00", "Confirm"):
        await customer.tap(label)
    await customer.say("cancel")
    await customer.tap("Yes, cancel")

    _, moved, cancelled = (checked(file.data) for file in documents(tg))
    assert (utc(moved, "DTSTART"), moved["STATUS"], moved.decoded("SEQUENCE")) == (at(25, 15), "CONFIRMED", 1)
    assert (cancelled["STATUS"], cancelled.decoded("SEQUENCE")) == ("CANCELLED", 2)
    assert first["UID"] == moved["UID"] == cancelled["UID"]
    # Each file is a message of its own in the chat, right after the text that tells the news.
    sent = [m for m in tg.sent if m["chat"]["id"] == CHAT]
    told = [sent[i - 1].get("text", "") for i, m in enumerate(sent) if "document" in m]
    assert len(told) == 3
    assert all(
        text.startswith(news) for text, news in zip(told, ("Booked!", "Done!", "Cancelled:"), strict=True)
    )
    assert all(m["document"]["mime_type"] == "text/calendar" for m in sent if "document" in m)
    assert tg.violations == []
