"""Who a Telegram customer is comes from Telegram, never from what they type (issue 11's release blocker).

Both drivers, webhook and polling, against the spec-checking fake Bot API: the phone question offers the
share-my-number button; a customer who shares their own contact is known by it; a stranger who types that
customer's number at the phone question books for themselves and can neither see, move nor cancel the
customer's booking.
"""

from __future__ import annotations

from typing import Any

from bot.app import App
from storage.outbox import Outbox
from tests.fakes.telegram_api import FakeTelegram
from tests.waiting import until

OLHA, MALLORY = 601, 602
PHONE = "+380501234567"


class User:
    """One Telegram user in a private chat with the bot."""

    def __init__(self, tg: FakeTelegram, url: str, mode: str, box: Outbox, chat: int) -> None:
        self.tg, self.url, self.mode, self.box, self.chat = tg, url, mode, box, chat

    def _mine(self) -> list[dict[str, Any]]:
        return [m for m in self.tg.sent if m["chat"]["id"] == self.chat]

    async def _send(self, update: dict[str, Any]) -> None:
        before = len([c for c in self.tg.calls if c[0] in ("sendMessage", "editMessageText")])
        if self.mode == "webhook":
            status, _ = await self.tg.deliver_webhook(update, url=f"{self.url}/webhooks/telegram")
            assert status == 200
        else:
            self.tg.push_update(update)

        async def replied() -> bool:
            calls = len([c for c in self.tg.calls if c[0] in ("sendMessage", "editMessageText")])
            return calls > before and await self.box.pending() == 0

        await until(replied, f"a reply to {update}")

    async def say(self, text: str) -> None:
        await self._send(self.tg.message_update(self.chat, text, language_code="en"))

    async def share_contact(self, phone: str, *, own: bool) -> None:
        update = self.tg.message_update(self.chat, "x", language_code="en")
        message = update["message"]
        del message["text"]
        owner = self.chat if own else 999_999
        message["contact"] = {"phone_number": phone.lstrip("+"), "first_name": "Olha", "user_id": owner}
        await self._send(update)

    async def tap(self, label: str) -> None:
        for message in reversed(self._mine()):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label):
                        update = self.tg.callback_update(
                            self.chat, button["callback_data"], message["message_id"]
                        )
                        await self._send(update)
                        return
        raise AssertionError(f"no button {label!r}")

    def texts(self) -> list[str]:
        return [m["text"] for m in self._mine() if "text" in m]  # not the documents (calendar files)

    def last(self) -> dict[str, Any]:
        return self._mine()[-1]

    async def to_phone_question(self, name: str) -> None:
        await self.say("/start")
        for label in ("Book a visit", "Haircut", "Anna", "Tue 24 Nov"):
            await self.tap(label)
        await self.tap("11:00" if self.chat == OLHA else "14:00")
        await self.say(name)


async def test_a_stranger_typing_a_customers_number_cannot_take_over_their_bookings(
    running: tuple[FakeTelegram, App, str], mode: str
) -> None:
    tg, app, url = running
    box = Outbox(app.db)
    olha = User(tg, url, mode, box, OLHA)
    await olha.to_phone_question("Olha")
    # The phone question offers Telegram's share-my-number button under the chat.
    asked = tg.calls_to("sendMessage")[-1]
    assert asked["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await olha.share_contact(PHONE, own=True)
    assert any(c.get("reply_markup", {}).get("remove_keyboard") for c in tg.calls_to("sendMessage"))
    await olha.tap("Confirm")
    assert any("Booked!" in t for t in olha.texts())

    mallory = User(tg, url, mode, box, MALLORY)
    await mallory.to_phone_question("Mallory")
    await mallory.say("050 123 45 67")  # Olha's number, typed
    await mallory.tap("Confirm")
    assert any("Booked!" in t for t in mallory.texts())
    await mallory.say("my bookings")
    listed = mallory.last()["text"]
    assert "14:00" in listed and "11:00" not in listed
    await mallory.say("cancel")
    assert "14:00" in mallory.last()["text"] and "11:00" not in mallory.last()["text"]
    await mallory.tap("Yes, cancel")

    bookings = {b.start.hour: b for b in await app.store.bookings()}
    assert bookings[9].status == "confirmed"  # Olha's 11:00 in Kyiv is 09:00 UTC: untouched
    assert bookings[12].status == "cancelled"  # Mallory's own (14:00 in Kyiv)
    assert bookings[9].customer_id != bookings[12].customer_id
    tg.assert_no_violations()


async def test_someone_elses_contact_proves_nothing(
    running: tuple[FakeTelegram, App, str], mode: str
) -> None:
    tg, app, url = running
    olha = User(tg, url, mode, Outbox(app.db), OLHA)
    await olha.to_phone_question("Olha")
    await olha.share_contact(PHONE, own=False)  # a contact forwarded from someone else
    await olha.tap("Confirm")
    [booking] = await app.store.bookings()
    assert await app.store.customer_by_phone(PHONE) is None  # nobody is found by that number
    assert booking.customer_id is not None
    tg.assert_no_violations()
