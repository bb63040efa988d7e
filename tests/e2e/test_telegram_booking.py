"""A complete booking over Telegram through `serve`, for both drivers, by webhook and by long polling,
against the fake Bot API that checks every request against the official spec."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.app import App as Service
from storage.outbox import Outbox
from tests.fakes.telegram_api import FakeTelegram
from tests.sample import at
from tests.waiting import DEADLINE_S, until

TOKEN = "123456:TEST-token_for-the-fake"
SECRET = "s3cret-Token_for-webhooks"
CHAT = 501


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Customer:
    """Talks to the bot as a Telegram user: reads its keyboards in the fake, presses buttons, types."""

    def __init__(self, tg: FakeTelegram, deliver: Callable[[dict[str, Any]], Any], box: Outbox) -> None:
        self.tg, self.deliver, self.box = tg, deliver, box

    def _outputs(self) -> int:
        return sum(1 for method, params in self.tg.calls if method in ("sendMessage", "editMessageText"))

    async def _send(self, update: dict[str, Any]) -> None:
        before = self._outputs()
        await self.deliver(update)

        async def replied() -> bool:
            # Replied, and everything the reply queued has gone out (Telegram's pacing spreads it out).
            return self._outputs() > before and await self.box.pending() == 0

        await until(replied, f"a reply to {update}")

    async def say(self, text: str) -> None:
        await self._send(self.tg.message_update(CHAT, text, language_code="en"))

    async def tap(self, label: str) -> None:
        for message in reversed(self.tg.sent):
            if message["chat"]["id"] != CHAT:
                continue
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label):
                        await self._send(
                            self.tg.callback_update(CHAT, button["callback_data"], message["message_id"])
                        )
                        return
        raise AssertionError(f"no button {label!r}")

    def last_text(self) -> str:
        """The newest message with text (a calendar file is a document, captioned at most)."""
        return [m["text"] for m in self.tg.sent if m["chat"]["id"] == CHAT and "text" in m][-1]


async def test_a_complete_booking_over_telegram(
    running: tuple[FakeTelegram, Service, str], mode: str
) -> None:
    tg, service, url = running

    async def deliver(update: dict[str, Any]) -> None:
        if mode == "webhook":
            status, _ = await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram")
            assert status == 200
        else:
            tg.push_update(update)

    customer = Customer(tg, deliver, Outbox(service.db))
    await customer.say("/start")
    for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov", "11:00"):
        await customer.tap(label)
    await customer.say("Olha")
    await customer.say("+380 50 123 4567")
    await customer.tap("Confirm")
    assert "Booked!" in " ".join(m.get("text", "") for m in tg.sent if m["chat"]["id"] == CHAT)
    [booking] = await service.store.bookings()
    assert (booking.service, booking.specialist, booking.start, booking.status) == (
        "haircut",
        "anna",
        at(24, 11),
        "confirmed",
    )
    assert tg.commands, "commands registered with setMyCommands"
    assert tg.violations == []


async def test_webhook_refuses_forged_and_drops_replayed_updates(
    running: tuple[FakeTelegram, Service, str], mode: str
) -> None:
    if mode != "webhook":
        pytest.skip("webhook only")
    tg, service, url = running
    update = tg.message_update(CHAT, "/start", language_code="en")
    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:
        forged = await client.post(f"{url}/webhooks/telegram", json=update)
        wrong = await client.post(
            f"{url}/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        garbage = await client.post(
            f"{url}/webhooks/telegram",
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    assert (forged.status_code, wrong.status_code, garbage.status_code) == (403, 403, 400)
    assert tg.calls_to("sendMessage") == []
    assert (await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram"))[0] == 200
    await _settled(service)
    sent = len(tg.calls_to("sendMessage"))
    assert sent == 1  # the welcome with the menu
    assert (await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram"))[0] == 200  # a redelivery
    await _settled(service)
    assert len(tg.calls_to("sendMessage")) == sent
    assert await Outbox(service.db).pending() == 0


async def test_a_pressed_button_is_answered_in_the_webhook_answer_or_through_the_outbox(
    running: tuple[FakeTelegram, Service, str], mode: str
) -> None:
    tg, service, url = running
    box = Outbox(service.db)

    async def deliver(update: dict[str, Any]) -> tuple[int, str]:
        if mode == "webhook":
            return await tg.deliver_webhook(update, url=f"{url}/webhooks/telegram")
        tg.push_update(update)
        return 200, ""

    await deliver(tg.message_update(CHAT, "/start", language_code="en"))
    await tg.wait_for_calls("sendMessage")
    menu = tg.sent[-1]
    press = tg.callback_update(
        CHAT, menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"], menu["message_id"]
    )
    query_id = press["callback_query"]["id"]
    status, body = await deliver(press)
    await tg.wait_for_calls("editMessageText")
    await _settled(service)
    assert tg.answered_callbacks.keys() == {query_id}
    answers = [row for row in await box.all() if row["method"] == "answerCallbackQuery"]
    if mode == "polling":
        assert [row["status"] for row in answers] == ["sent"]
    else:
        assert (status, json.loads(body)) == (
            200,
            {"method": "answerCallbackQuery", "callback_query_id": query_id},
        )
        assert answers == []
        # Telegram redelivers an update whose answer it lost: answered again, and nothing else happens.
        rows, calls = await box.all(), len(tg.calls)
        assert await deliver(press) == (status, body)
        await _settled(service)
        assert await box.all() == rows
        assert [method for method, _ in tg.calls[calls:]] == ["answerCallbackQuery"]
    assert tg.violations == []


async def _settled(service: Service) -> None:
    box = Outbox(service.db)

    async def drained() -> bool:
        return await box.pending() == 0

    await until(drained, "the outbox to drain")
