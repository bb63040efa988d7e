"""The paid time-hold end to end (issue 12): serve's app running in this process, on Telegram (both drivers,
webhook and long polling, against the spec-checking fake Bot API) and on WhatsApp (through the spec-checking
fake Twilio), with the spec-checking fake LiqPay as www.liqpay.ua (its base_url is the app's
liqpay.api_base) calling back the app's own /webhooks/liqpay.

A customer books a colouring (it asks 500 UAH of 2,400 beforehand), gets the checkout link (a URL button
on Telegram, a line of the message on WhatsApp), opens it and pays; LiqPay calls back; the customer gets
the receipt (paid, what remains for the visit, the booking code, the business and its contact), staff get
the paid-hold notice, and it is the same booking row that was held. A callback LiqPay repeats tells nobody
anything again; a callback LiqPay never makes is found by the running bot's own status check.

And `slotbot serve` itself (config.yaml's business, WhatsApp, LiqPay in sandbox mode) killed as by kill -9
between LiqPay's callback and the customer being told (tests/e2e/dying/sitecustomize.py: right after the
payment and its booking's confirmation commit; right after the turn that tells them commits, before a
message is sent): once restarted, and called again by LiqPay, the booking is paid once, and the customer and
staff are told once.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import App as Service
from bot.config import LiqPaySettings, Settings, TwilioSettings, load_settings
from conversations.texts import catalogue
from storage.business import Business, Contact
from storage.db import open_database
from storage.outbox import Outbox
from storage.store import Store
from tests.e2e.conftest import TOKEN, _port, serving, telegram_ready, telegram_settings
from tests.e2e.test_killed_serve import ADMIN, ADMINS, CUSTOMER, ROOT, Serve, _post, _to
from tests.fakes.liqpay_api import DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, FakeLiqPay
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import DEFAULT_WHATSAPP_NUMBER, FakeTwilio
from tests.sample import Clock, salon
from tests.waiting import DEADLINE_S, until

CUSTOMER_CHAT = 701  # on Telegram
PHONE = "+380501234567"  # the customer's; on WhatsApp also their address
STAFF_CHAT = 4040  # Anna, the colourist, on Telegram
STAFF_WHATSAPP = "+380441112233"  # ... or on WhatsApp
STAFF_TEMPLATE = "HX" + "5" * 32  # the approved template for staff notices (WhatsApp's 24 hours)
PUBLIC = "https://bot.example.com"
PAID = Decimal(500)


def _business(staff: Contact) -> Business:
    business = salon()
    anna = replace(business.staff[0], contacts=(staff,))
    return replace(business, staff=(anna, *business.staff[1:]))


def _liqpay(fake: FakeLiqPay, port: int) -> LiqPaySettings:
    return LiqPaySettings(
        public_key=DEFAULT_PUBLIC_KEY,
        private_key=DEFAULT_PRIVATE_KEY,  # type: ignore[arg-type]
        sandbox=True,
        server_url=f"http://127.0.0.1:{port}/webhooks/liqpay",
        api_base=fake.base_url,
    )


def _lead(lang: str, key: str) -> str:
    """A catalogue sentence up to its first placeholder: how a message of that kind begins."""
    return str(catalogue(lang).TEXTS[key]).split("{", 1)[0]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def liqpay(clock: Clock) -> AsyncIterator[FakeLiqPay]:
    async with FakeLiqPay(clock=clock) as fake:
        yield fake
    fake.assert_no_violations()


@dataclass
class Bot:
    """The running bot, the customer talking to it, and what each side received."""

    service: Service
    url: str
    send: Callable[[str], Awaitable[None]]  # the customer writes (on WhatsApp a number chooses)
    choose: Callable[[str], Awaitable[None]]  # the customer picks the option whose label starts so
    to_customer: Callable[[], list[str]]
    to_staff: Callable[[], list[str]]
    pay_link: Callable[[], str]
    lang: str

    async def settled(self) -> None:
        box = Outbox(self.service.db)

        async def drained() -> bool:
            return await box.pending() == 0

        await until(drained, "the outbox to drain")


# ---------------------------------------------------------------------------------------------------------
# Telegram
# ---------------------------------------------------------------------------------------------------------


class TelegramCustomer:
    def __init__(self, tg: FakeTelegram, url: str, mode: str, box: Outbox) -> None:
        self.tg, self.url, self.mode, self.box = tg, url, mode, box

    def mine(self) -> list[dict[str, Any]]:
        return [m for m in self.tg.sent if m["chat"]["id"] == CUSTOMER_CHAT]

    async def _send(self, update: dict[str, Any]) -> None:
        def outputs() -> int:
            return sum(1 for c in self.tg.calls if c[0] in ("sendMessage", "editMessageText"))

        before = outputs()
        if self.mode == "webhook":
            status, _ = await self.tg.deliver_webhook(update, url=f"{self.url}/webhooks/telegram")
            assert status == 200
        else:
            self.tg.push_update(update)

        async def replied() -> bool:
            return outputs() > before and await self.box.pending() == 0

        await until(replied, f"a reply to {update}")

    async def say(self, text: str) -> None:
        await self._send(self.tg.message_update(CUSTOMER_CHAT, text, language_code="en"))

    async def tap(self, label: str) -> None:
        for message in reversed(self.mine()):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label) and "callback_data" in button:
                        update = self.tg.callback_update(
                            CUSTOMER_CHAT, button["callback_data"], message["message_id"]
                        )
                        await self._send(update)
                        return
        raise AssertionError(f"no button {label!r} in {self.mine()[-1:]}")

    def pay_link(self) -> str:
        """The URL button's link, as the Bot API accepted it (a call the fake answered ok)."""
        for method, params in reversed(self.tg.calls):
            if method not in ("sendMessage", "editMessageText") or params["chat_id"] != CUSTOMER_CHAT:
                continue
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if "url" in button:
                        return str(button["url"])
        raise AssertionError("no URL button was accepted by the Bot API")


@pytest.fixture
async def telegram(
    driver: str, mode: str, tmp_path: Path, clock: Clock, liqpay: FakeLiqPay
) -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    async with FakeTelegram(TOKEN) as tg:
        port = _port()
        settings = Settings(
            business=_business(Contact("telegram", str(STAFF_CHAT))),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            telegram=telegram_settings(tg, driver, mode),
            liqpay=_liqpay(liqpay, port),
        )
        async with serving(settings, port=port, clock=clock) as (service, url):
            await telegram_ready(tg, mode)
            customer = TelegramCustomer(tg, url, mode, Outbox(service.db))
            yield (
                Bot(
                    service,
                    url,
                    customer.say,
                    customer.tap,
                    lambda: [m.get("text") or m.get("caption") or "" for m in customer.mine()],
                    lambda: [m["text"] for m in tg.sent if m["chat"]["id"] == STAFF_CHAT],
                    customer.pay_link,
                    "en",
                ),
                tg,
            )
        assert tg.violations == [] and tg.errors == []


async def _book_on_telegram(bot: Bot) -> None:
    await bot.send("/start")
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00"):
        await bot.choose(label)
    await bot.send("Olha")
    await bot.send("+380 50 123 4567")
    await bot.choose("Confirm")


async def test_a_paid_hold_on_telegram(telegram: tuple[Bot, FakeTelegram], liqpay: FakeLiqPay) -> None:
    bot, tg = telegram
    await _book_on_telegram(bot)
    await _pay_and_be_told(bot, liqpay)
    [calendar] = [m["document"] for m in tg.sent if m["chat"]["id"] == CUSTOMER_CHAT and "document" in m]
    assert calendar["file_name"].endswith(".ics")  # the paid visit's calendar file comes with the receipt


@pytest.mark.parametrize("driver", ["ptb"])
@pytest.mark.parametrize("mode", ["polling"])
async def test_a_lost_callback_is_found_by_the_running_bots_status_check_on_telegram(
    telegram: tuple[Bot, FakeTelegram], liqpay: FakeLiqPay, clock: Clock
) -> None:
    bot, _ = telegram
    await _book_on_telegram(bot)
    await _lost_callback_found(bot, liqpay, clock)


# ---------------------------------------------------------------------------------------------------------
# WhatsApp
# ---------------------------------------------------------------------------------------------------------

NUMBERED = re.compile(r"(?m)^(\d+)\. (.+)$")


class WhatsAppCustomer:
    def __init__(self, twilio: FakeTwilio, url: str, box: Outbox) -> None:
        self.twilio, self.url, self.box = twilio, url, box
        self.sid = 0

    def mine(self) -> list[str]:
        return [m.body or "" for m in self.twilio.messages if m.to == f"whatsapp:{PHONE}"]

    async def say(self, body: str) -> None:
        self.sid += 1
        form = self.twilio.inbound_form(PHONE, body, message_sid=f"SM{self.sid:032d}", profile_name="Olha")
        before = len(self.mine())
        status, _ = await self.twilio.deliver(
            f"{self.url}/webhooks/twilio", form, public_url=f"{PUBLIC}/webhooks/twilio"
        )
        assert status == 200

        async def replied() -> bool:
            return len(self.mine()) > before and await self.box.pending() == 0

        await until(replied, f"a reply to {body!r}")

    async def choose(self, label: str) -> None:
        options = NUMBERED.findall(self.mine()[-1])
        number = next((n for n, shown in options if shown.startswith(label)), None)
        assert number is not None, f"no option {label!r} in {self.mine()[-1]!r}"
        await self.say(number)

    def pay_link(self) -> str:
        found = re.findall(r"https?://\S+/api/3/checkout\?\S+", self.mine()[-1])
        assert found, f"no checkout link in {self.mine()[-1]!r}"
        return str(found[-1])


@pytest.fixture
async def whatsapp(tmp_path: Path, clock: Clock, liqpay: FakeLiqPay) -> AsyncIterator[tuple[Bot, FakeTwilio]]:
    async with FakeTwilio() as twilio:
        port = _port()
        settings = Settings(
            business=_business(Contact("whatsapp", STAFF_WHATSAPP)),
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,  # type: ignore[arg-type]
                from_number=DEFAULT_WHATSAPP_NUMBER,
                public_url=PUBLIC,
                api_base=twilio.base_url,
                content={"staff_notification": STAFF_TEMPLATE},
            ),
            liqpay=_liqpay(liqpay, port),
        )
        async with serving(settings, port=port, clock=clock) as (service, url):
            customer = WhatsAppCustomer(twilio, url, Outbox(service.db))

            def to_staff() -> list[str]:
                # Staff never write to the bot: their notices go as the approved template, the text its {{1}}.
                return [
                    str((m.content_variables or {}).get("1", m.body))
                    for m in twilio.messages
                    if m.to == f"whatsapp:{STAFF_WHATSAPP}"
                ]

            bot = Bot(
                service,
                url,
                customer.say,
                customer.choose,
                customer.mine,
                to_staff,
                customer.pay_link,
                service.settings.business.default_language,
            )
            yield bot, twilio
        twilio.assert_no_violations()
        assert all(m.status == "queued" for m in twilio.messages), "WhatsApp would not deliver one"


async def _book_on_whatsapp(bot: Bot) -> None:
    await bot.send("привіт")
    menu = catalogue(bot.lang).TEXTS
    await bot.choose(str(menu["menu_book"]))
    await bot.choose("Фарбування")
    await bot.send("1")  # the first day with a free time
    await bot.send("1")  # and its first time
    await bot.send("Olha")
    await bot.choose(str(menu["confirm"]))


async def test_a_paid_hold_on_whatsapp(whatsapp: tuple[Bot, FakeTwilio], liqpay: FakeLiqPay) -> None:
    bot, twilio = whatsapp
    await _book_on_whatsapp(bot)
    await _pay_and_be_told(bot, liqpay)
    staff = [m for m in twilio.messages if m.to == f"whatsapp:{STAFF_WHATSAPP}"]
    assert staff and all(m.content_sid == STAFF_TEMPLATE for m in staff)


async def test_a_lost_callback_is_found_by_the_running_bots_status_check_on_whatsapp(
    whatsapp: tuple[Bot, FakeTwilio], liqpay: FakeLiqPay, clock: Clock
) -> None:
    bot, _ = whatsapp
    await _book_on_whatsapp(bot)
    await _lost_callback_found(bot, liqpay, clock)


# ---------------------------------------------------------------------------------------------------------
# What both channels must show
# ---------------------------------------------------------------------------------------------------------


async def _opened(bot: Bot, liqpay: FakeLiqPay) -> tuple[str, int]:
    """The customer opens the link they were sent: the order LiqPay shows, and the held booking's id."""
    [held] = await bot.service.store.bookings()
    assert (held.status, held.service) == ("held", "colouring")
    status, page = await liqpay.open(bot.pay_link())
    assert status == 200, page
    [order] = liqpay.orders.values()
    assert order.order_id.startswith(held.code)
    assert (order.amount, order.params["currency"]) == (PAID, "UAH")
    assert order.params["server_url"] == f"{bot.url}/webhooks/liqpay"
    return order.order_id, held.id


async def _pay_and_be_told(bot: Bot, liqpay: FakeLiqPay) -> None:
    order, held = await _opened(bot, liqpay)
    [delivery] = await liqpay.pay(order)
    assert delivery.http_status == 200, delivery
    await _told_once(bot, order, held)
    # LiqPay calls again (it may): acknowledged, and nobody is told anything twice.
    customer, staff = bot.to_customer(), bot.to_staff()
    again = await liqpay.send_callback(order)
    assert again.http_status == 200, again
    await bot.settled()
    assert (bot.to_customer(), bot.to_staff()) == (customer, staff)
    await _told_once(bot, order, held)


async def _lost_callback_found(bot: Bot, liqpay: FakeLiqPay, clock: Clock) -> None:
    order, held = await _opened(bot, liqpay)
    assert await liqpay.pay(order, callbacks=0) == []  # LiqPay never calls back
    checkout_ends = liqpay.order(order).expires
    [booking] = await bot.service.store.bookings()
    assert checkout_ends is not None and booking.expires_at is not None
    clock.now = checkout_ends + timedelta(seconds=1)  # the status check falls due; the hold still lives
    assert clock.now < booking.expires_at
    await until(lambda: any(_receipt(bot, t) for t in bot.to_customer()), "the receipt")
    assert any(r.get("action") == "status" and r.get("order_id") == order for r in liqpay.requests)
    await _told_once(bot, order, held)


def _receipt(bot: Bot, text: str) -> bool:
    return _lead(bot.lang, "booked_paid") in text


async def _told_once(bot: Bot, order: str, held: int) -> None:
    """Paid exactly once, in the row that was held; the customer's receipt and staff's notice, once each."""
    await until(lambda: any(_receipt(bot, t) for t in bot.to_customer()), "the receipt")
    await until(lambda: any(_lead("uk", "staff_paid") in t for t in bot.to_staff()), "the paid-hold notice")
    await bot.settled()
    [booking] = await bot.service.store.bookings()
    assert (booking.id, booking.status, booking.paid) == (held, "confirmed", PAID)
    attempt = await bot.service.store.payment(order)
    assert attempt is not None and (attempt.booking_id, attempt.paid, attempt.refund_due) == (held, PAID, 0)
    [receipt] = [t for t in bot.to_customer() if _receipt(bot, t)]
    business = bot.service.settings.business
    for shown in ("500 UAH", "1 900 UAH", booking.code, business.name, business.contact):
        assert shown in receipt, (shown, receipt)
    [notice] = [t for t in bot.to_staff() if _lead("uk", "staff_paid") in t]
    assert "500 UAH" in notice and booking.code in notice and "Olha" in notice


# ---------------------------------------------------------------------------------------------------------
# kill -9 between LiqPay's callback and the customer being told
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
async def serve_paying(tmp_path: Path) -> AsyncIterator[tuple[Serve, FakeTwilio, FakeLiqPay]]:
    """`slotbot serve` processes on config.yaml's business (its colouring asks 500 UAH beforehand) with
    WhatsApp through the fake Twilio and LiqPay (sandbox) at the fake LiqPay, on the real clock."""
    async with FakeTwilio(enforce_session_window=False) as twilio, FakeLiqPay() as liqpay:
        config = (ROOT / "config.yaml").read_text()
        (tmp_path / "config.yaml").write_text(config.replace("admins: []", ADMINS, 1))
        serve = Serve(tmp_path, twilio)
        serve.env = {k: v for k, v in serve.env.items() if not k.startswith("LIQPAY_")} | {
            "LIQPAY_PUBLIC_KEY": DEFAULT_PUBLIC_KEY,
            "LIQPAY_PRIVATE_KEY": DEFAULT_PRIVATE_KEY,
            "LIQPAY_SANDBOX": "true",
            "LIQPAY_API_BASE": liqpay.base_url,
            "LIQPAY_SERVER_URL": f"{serve.url}/webhooks/liqpay",
        }
        try:
            yield serve, twilio, liqpay
        finally:
            serve.stop()
        liqpay.assert_no_violations()


async def _to_the_link(serve: Serve, twilio: FakeTwilio) -> str:
    """On WhatsApp: hello, book, colouring, the second day and its first time, a name, confirm: the link."""
    words = catalogue("uk").TEXTS
    answers: list[str | Callable[[str], str]] = [
        "привіт",
        lambda body: _numbered(body, words["menu_book"]),
        lambda body: _numbered(body, "Фарбування"),
        "2",  # the second day listed: today's first time may fall inside the minimum notice meanwhile
        "1",
        "Olha Petrenko",
        lambda body: _numbered(body, words["confirm"]),
    ]
    async with httpx.AsyncClient(timeout=DEADLINE_S) as client:
        for number, answer in enumerate(answers):
            said = answer if isinstance(answer, str) else answer(_to(twilio, CUSTOMER)[-1])
            seen = len(twilio.messages)
            assert await _post(client, serve, twilio, said, f"SM{number:032d}") == 200
            await until(lambda seen=seen: len(twilio.messages) > seen, f"a reply to {said!r}")
    await until(lambda: "/api/3/checkout?" in _to(twilio, CUSTOMER)[-1], "the checkout link")
    [link] = re.findall(r"https?://\S+/api/3/checkout\?\S+", _to(twilio, CUSTOMER)[-1])
    return str(link)


def _numbered(body: str, label: str) -> str:
    return next(n for n, shown in NUMBERED.findall(body) if shown.startswith(label))


@pytest.mark.parametrize("point", ["record_payment", "handoff"])
async def test_killed_between_the_callback_and_the_customer_being_told_pays_once_and_tells_once(
    serve_paying: tuple[Serve, FakeTwilio, FakeLiqPay], point: str
) -> None:
    serve, twilio, liqpay = serve_paying
    receipt, notice = _lead("uk", "booked_paid"), _lead("uk", "staff_paid")
    first = await serve.start()
    link = await _to_the_link(serve, twilio)
    first.terminate()  # a graceful stop: the next process is the one to die
    assert first.wait(timeout=DEADLINE_S) == 0
    dying = await serve.start(die_after=point)
    assert (await liqpay.open(link))[0] == 200
    [order] = liqpay.orders
    [delivery] = await liqpay.pay(order)
    assert delivery.http_status is None, delivery  # no answer: killed while handling it
    assert dying.wait(timeout=DEADLINE_S) == 137
    await serve.start()

    async def called_back() -> bool:  # LiqPay calls again until it is answered
        return (await liqpay.send_callback(order)).http_status == 200

    await until(called_back, "LiqPay's callback to be answered")
    await until(lambda: any(receipt in b for b in _to(twilio, CUSTOMER)), "the receipt")
    await until(lambda: any(notice in b for b in _to(twilio, ADMIN)), "the paid-hold notice")
    assert (await liqpay.send_callback(order)).http_status == 200  # and once more: only a repeat
    serve.stop()  # everything it had to send is sent, or back in the store
    db = open_database(f"sqlite+aiosqlite:///{serve.workdir / 'slotbot.db'}")
    try:
        store = Store(db, load_settings(serve.workdir / "config.yaml").business)
        [booking], attempt = await store.bookings(), await store.payment(order)
        pending = await Outbox(db).pending()
    finally:
        await db.dispose()
    assert (booking.status, booking.paid) == ("confirmed", PAID)
    assert attempt is not None and (attempt.paid, attempt.refund_due, attempt.refunded) == (PAID, 0, 0)
    assert pending == 0
    assert sum(receipt in b for b in _to(twilio, CUSTOMER)) == 1
    assert sum(notice in b for b in _to(twilio, ADMIN)) == 1
