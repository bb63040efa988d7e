"""Calendar files over WhatsApp through `serve`: the real twilio library against FakeTwilio, which fetches
each MediaUrl from the running app as Twilio does. A booking and its cancellation each send a link to the
booking's file after the text; the link serves the file (one event, then cancelled) until the visit ends."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.app import App as Service
from bot.app import build
from bot.config import Settings, TwilioSettings
from bot.serve import run
from storage.outbox import Outbox
from tests.fakes.twilio_api import DEFAULT_WHATSAPP_NUMBER, FakeTwilio, SentMessage
from tests.ics import checked, utc
from tests.sample import NOW, at, salon
from tests.waiting import DEADLINE_S, finished, until

CUSTOMER = "+380501234567"
SECRET = "5ec2e7-5ec2e7-5ec2e7-5ec2e7-5ec2e7"
_OPTION = re.compile(r"(\d+)\. (.+)")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    tw: FakeTwilio
    service: Service
    url: str  # where the app listens, which is also its public URL here
    clock: list[datetime]

    async def say(self, text: str) -> None:
        """A WhatsApp message from the customer, signed as Twilio signs it; back once the replies are out."""
        before = len(self.tw.messages)
        form = self.tw.inbound_form(CUSTOMER, text)
        status, _ = await self.tw.deliver(f"{self.url}/webhooks/twilio", form)
        assert status == 200
        box = Outbox(self.service.db)

        async def replied() -> bool:
            return len(self.tw.messages) > before and await box.pending() == 0

        await until(replied, f"a reply to {text!r}")

    async def choose(self, label: str) -> None:
        """Type the number of the option `label` in the last numbered list."""
        for message in reversed(self.tw.messages):
            for line in (message.body or "").splitlines():
                option = _OPTION.fullmatch(line)
                if option and option[2].startswith(label):
                    return await self.say(option[1])
        raise AssertionError(f"no option {label!r}")

    def with_files(self) -> list[SentMessage]:
        return [message for message in self.tw.messages if message.media_urls]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    async with FakeTwilio(fetch_media=True) as tw:
        port, stop, clock = _port(), asyncio.Event(), [NOW]
        url = f"http://127.0.0.1:{port}"
        settings = Settings(
            business=salon(),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            twilio=TwilioSettings(
                account_sid=tw.account_sid,
                auth_token=tw.auth_token,
                from_number=DEFAULT_WHATSAPP_NUMBER,
                public_url=url,
                link_secret=SECRET,
                api_base=tw.base_url,
            ),
        )
        service = await build(settings, clock=lambda: clock[0])
        task = asyncio.create_task(run(service, host="127.0.0.1", port=port, stop=stop))
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def healthy() -> bool:
                try:
                    return (await client.get(f"{url}/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(healthy, "serve to answer /healthz")
        try:
            yield Running(tw, service, url, clock)
        finally:
            stop.set()
            await finished(task, "serve to stop")


async def test_a_booking_and_its_cancellation_each_link_the_calendar_file(running: Running) -> None:
    await running.say("hi")
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        await running.choose(label)
    await running.say("Olha")
    await running.choose("Confirm")
    [booked] = running.with_files()
    # The link goes in a message of its own, right after the one that tells the news.
    told = running.tw.messages[running.tw.messages.index(booked) - 1]
    assert (told.body or "").startswith("Booked! Haircut with Anna")
    assert booked.body is None and booked.status == "queued"
    [link] = booked.media_urls
    assert link.startswith(f"{running.url}/calendar/") and link.endswith(".ics")
    [fetched] = booked.media  # Twilio fetched it from the running app
    assert (fetched.status, fetched.content_type) == (200, "text/calendar")
    first = checked(fetched.body)
    [booking] = await running.service.store.bookings()
    assert (utc(first, "DTSTART"), first["STATUS"], first.decoded("SEQUENCE")) == (at(24, 11), "CONFIRMED", 0)
    assert booking.code in first["DESCRIPTION"]

    await running.say("cancel")
    await running.choose("Yes, cancel")
    _, cancelled_message = running.with_files()
    told = running.tw.messages[running.tw.messages.index(cancelled_message) - 1]
    assert (told.body or "").startswith("Cancelled: Haircut, Anna")
    [fetched] = cancelled_message.media
    cancelled = checked(fetched.body)
    assert (cancelled["UID"], cancelled["STATUS"], cancelled.decoded("SEQUENCE")) == (
        first["UID"],
        "CANCELLED",
        1,
    )

    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:
        again = await client.get(link)  # the first link now serves the booking as it is: cancelled
        assert again.status_code == 200 and again.headers["content-type"] == "text/calendar; charset=utf-8"
        assert checked(again.content)["STATUS"] == "CANCELLED"
        assert (await client.get(link.replace("/calendar/", "/calendar/9"))).status_code == 404
        running.clock[0] = booking.end  # the visit is over: the link ends with it
        assert (await client.get(link)).status_code == 404
    running.tw.assert_no_violations()
