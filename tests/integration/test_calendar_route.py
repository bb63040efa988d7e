"""/calendar/<token>.ics: a booking's calendar file as it is now, for a link this bot signed, until the visit
is over; 404 for anything else. Served by the web app over a real socket, from the real store (SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.calendar import CalendarLinks, Ticket
from bot.web import CalendarHook, make_app
from storage.booking import Booking
from storage.db import open_database
from storage.health import Health
from storage.migrate import ensure_schema
from storage.store import Store
from tests.ics import checked, utc
from tests.sample import NOW, at, salon

SECRET = "0123456789abcdef0123456789abcdef"
LINKS = CalendarLinks(SECRET, "https://bot.example.com")


@dataclass
class Served:
    client: TestClient[web.Request, web.Application]
    store: Store
    clock: list[datetime]

    async def get(self, token: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        async with self.client.request(method, f"/calendar/{token}.ics") as response:
            return response.status, dict(response.headers), await response.read()

    async def confirmed(self, start: datetime | None = None) -> Booking:
        start = start or at(24, 11)
        held = await self.store.hold(service="haircut", specialist="anna", start=start, now=NOW)
        assert held.ok and held.booking is not None
        done = await self.store.confirm(held.booking.id, now=NOW)
        assert done.ok and done.booking is not None
        return done.booking


async def _unhealthy() -> Health:
    raise AssertionError("not asked")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'slotbot.db'}")
    await ensure_schema(db)
    business = replace(salon(), address="Kyiv, 1 Khreshchatyk St.")
    store, clock = Store(db, business), [NOW]
    hook = CalendarHook(LINKS, store.booking, business, lambda: clock[0])
    app = make_app(healthy=_unhealthy, calendar_hook=hook)
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield Served(client, store, clock)
    finally:
        await db.dispose()


def token(booking: Booking, language: str = "en") -> str:
    return LINKS.token(Ticket(booking.id, booking.revision, language))


async def test_a_signed_link_serves_the_bookings_file(served: Served) -> None:
    booking = await served.confirmed()
    status, headers, body = await served.get(token(booking, "uk"))
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Content-Disposition"] == f'inline; filename="booking-{booking.code}.ics"'
    event = checked(body)
    assert (utc(event, "DTSTART"), utc(event, "DTEND")) == (at(24, 11), at(24, 12))
    assert (event["STATUS"], event.decoded("SEQUENCE"), event["LOCATION"]) == (
        "CONFIRMED",
        0,
        "Kyiv, 1 Khreshchatyk St.",
    )
    assert event["SUMMARY"] == "Стрижка, Anna — Test salon"  # in the language the link was made in
    assert booking.code in event["DESCRIPTION"]


async def test_twilio_may_ask_for_the_headers_first(served: Served) -> None:
    booking = await served.confirmed()
    status, headers, body = await served.get(token(booking), method="HEAD")
    assert (status, headers["Content-Type"], body) == (200, "text/calendar; charset=utf-8", b"")


async def test_an_older_link_serves_the_booking_as_it_is_now(served: Served) -> None:
    booking = await served.confirmed()
    first = token(booking)
    moved = await served.store.move(booking.id, start=at(25, 15), now=NOW)
    assert moved.ok and moved.booking is not None and moved.booking.revision == 1
    _, _, body = await served.get(first)
    event = checked(body)
    assert (utc(event, "DTSTART"), event.decoded("SEQUENCE")) == (at(25, 15), 1)
    cancelled = await served.store.cancel(booking.id, now=NOW)
    assert cancelled.booking is not None
    for link in (first, token(moved.booking), token(cancelled.booking)):
        status, _, body = await served.get(link)
        assert status == 200
        assert (checked(body)["STATUS"], checked(body).decoded("SEQUENCE")) == ("CANCELLED", 2)


async def test_a_link_ends_with_the_visit(served: Served) -> None:
    booking = await served.confirmed()
    served.clock[0] = booking.end - timedelta(seconds=1)
    assert (await served.get(token(booking)))[0] == 200
    served.clock[0] = booking.end
    assert (await served.get(token(booking)))[0] == 404


@pytest.mark.parametrize(
    "forge",
    [
        lambda booking: LINKS.token(Ticket(booking.id + 1, booking.revision, "en")).replace(
            f"{booking.id + 1}-", f"{booking.id}-", 1
        ),  # another booking's signature
        lambda booking: token(booking)[:-1] + ("0" if token(booking)[-1] != "0" else "1"),
        lambda booking: CalendarLinks("another-secret-another-secret-another", "https://x").token(
            Ticket(booking.id, booking.revision, "en")
        ),
        lambda booking: f"{booking.id}-{booking.revision}-en-" + "0" * 32,
        lambda booking: str(booking.id),
        lambda booking: "not-a-token",
    ],
    ids=["other-bookings-signature", "altered", "other-secret", "zeros", "bare-id", "nonsense"],
)
async def test_a_token_this_bot_did_not_sign_is_not_found(served: Served, forge: object) -> None:
    booking = await served.confirmed()
    assert callable(forge)
    status, _, body = await served.get(forge(booking))
    assert status == 404 and b"BEGIN:VCALENDAR" not in body


async def test_a_link_for_a_booking_that_is_not_there_is_not_found(served: Served) -> None:
    assert (await served.get(LINKS.token(Ticket(999, 0, "en"))))[0] == 404


async def test_a_link_to_a_hold_or_to_a_change_the_store_does_not_have_is_not_found(served: Served) -> None:
    held = await served.store.hold(service="haircut", specialist="anna", start=at(24, 11), now=NOW)
    assert held.booking is not None
    assert (await served.get(token(held.booking)))[0] == 404  # never confirmed: no link was given
    booking = await served.confirmed(at(24, 15))
    ahead = LINKS.token(Ticket(booking.id, booking.revision + 1, "en"))  # a restored backup, say
    assert (await served.get(ahead))[0] == 404


async def test_without_a_link_secret_nothing_is_served() -> None:
    app = make_app(healthy=_unhealthy)
    link = f"/calendar/{LINKS.token(Ticket(1, 0, 'en'))}.ics"
    async with TestClient(TestServer(app, host="127.0.0.1")) as client, client.get(link) as response:
        assert response.status == 404
