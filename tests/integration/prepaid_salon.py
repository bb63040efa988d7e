"""A salon that takes prepayments through LiqPay, for tests of the paid time-hold through runner and store.

`Bot` is one running bot: the runner over the store, the real aiohttp app serving /webhooks/liqpay on
loopback, a spec-checking FakeLiqPay that calls it back, a Scheduler for jobs and a clock the test moves.
One Telegram customer talks to it (`send`, `tap`); `messages` reads what the outbox holds for a chat (the
customer's, or Anna's as staff). `restart` stands for a new process after the old one died: a new runner
and scheduler over a fresh store on the same database, serving the same webhook URL.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientTimeout
from aiohttp.test_utils import TestServer

from bot.app import _booking_of
from bot.channels.base import Inbound, Outgoing, Renderer
from bot.jobs import Scheduler
from bot.notify import staff_notifier
from bot.runner import Runner
from bot.web import LiqPayHook, make_app
from conversations.events import Choice, Command, Text
from payments.liqpay import LiqPayAccount
from payments.liqpay_api import LiqPayApi
from storage.business import Business, Contact
from storage.db import Database
from storage.health import Health
from storage.jobs import Jobs
from storage.outbox import Outbox
from storage.store import Store
from tests.fakes.liqpay_api import DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, FakeLiqPay
from tests.sample import Clock, salon
from tests.talk import PlainRenderer, option, receive
from tests.waiting import until

CHAT = "777000"
STAFF = "4040"  # Anna, who does colourings
API_TIMEOUT = ClientTimeout(total=1.5)  # a stalled LiqPay gives up soon in tests


@dataclass
class Bot:
    runner: Runner
    scheduler: Scheduler
    liqpay: FakeLiqPay
    clock: Clock
    db: Database
    account: LiqPayAccount
    api: LiqPayApi
    update: int = 0

    @property
    def store(self) -> Store:
        return self.runner.store

    async def send(self, event: Any) -> list[Outgoing]:
        """The customer writes or taps; what they were sent in answer."""
        self.update += 1
        inbound = Inbound("telegram", CHAT, event, dedup_id=str(self.update), language="en")
        return await receive(self.runner, inbound)

    async def tap(self, label: str) -> list[Outgoing]:
        """A button of the last message with buttons the customer got (an answer, or news from LiqPay)."""
        return await self.send(Choice(option(await self.shown(), label)))

    async def shown(self) -> list[Outgoing]:
        """Every message the customer was sent, in order."""
        rows = [r for r in await Outbox(self.db).all() if r["chat_id"] == CHAT]
        return [Outgoing("telegram", CHAT, r["method"], json.loads(r["params"])) for r in rows]

    def link(self, shown: list[Outgoing]) -> str:
        return next(m.params["link"][1] for m in reversed(shown) if m.params.get("link"))

    async def messages(self, chat: str = CHAT) -> list[str]:
        return [json.loads(r["params"])["text"] for r in await Outbox(self.db).all() if r["chat_id"] == chat]

    async def staff(self) -> list[str]:
        return await self.messages(STAFF)

    def restart(self, store: Store | None = None) -> None:
        """A new process takes over (the old one died): its own runner, scheduler and store."""
        business = self.runner.business
        store = store or Store(self.db, business)
        self.runner = _runner(store, self.clock, "p2", self.account)
        self.scheduler = Scheduler(Jobs(self.db), self.runner, self.clock, "p2", liqpay=self.api)

    async def hold(self) -> str:
        """Book a colouring up to the payment link, and open it; the order id the link is for."""
        await self.send(Command("start", "en"))
        for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00"):
            await self.tap(label)
        await self.send(Text("Olha"))
        await self.send(Text("+380501234567"))
        await self.tap("Confirm")
        return await self.open_link()

    async def run_jobs(self) -> None:
        """Every job due now, and those they make due now (a refund job after a payment that goes back)."""
        while await self.scheduler.run_due():
            pass

    async def cancel(self) -> str:
        """The customer cancels their colouring; what they were asked before confirming."""
        await self.tap("My bookings")
        await self.tap("Colouring")
        [question] = [m.params["text"] for m in await self.tap("Cancel booking")]
        await self.tap("Yes, cancel")
        return str(question)

    async def refunds_called_back(self, order: str) -> None:
        """Wait until LiqPay's `reversed` callback for each refund it made of `order` has been answered."""
        fake = self.liqpay.order(order)
        heard = lambda: sum(c.status == "reversed" for c in fake.callbacks) >= len(fake.refunds)  # noqa: E731
        await until(heard, f"LiqPay's refund callbacks for {order}")

    async def open_link(self) -> str:
        """The customer opens the last link they were sent; the order id it is for."""
        link = self.link(await self.shown())
        status, _ = await self.liqpay.open(link)
        assert status == 200
        [data] = parse_qs(urlsplit(link).query)["data"]
        return str(json.loads(base64.b64decode(data))["order_id"])


class SpecLiqPay(FakeLiqPay):
    """A LiqPay whose status answers carry only the fields its API description lists: a refunded payment
    says `reversed`, not how much went back."""

    def _status(self, params: Mapping[str, Any]) -> dict[str, Any]:
        answer = super()._status(params)
        answer.pop("refund_amount", None)
        return answer


def business(**rules: Any) -> Business:
    """The sample salon in English too (staff are told in English), Anna reachable on Telegram; `rules`
    replace booking rules."""
    salon_ = salon()
    anna = replace(salon_.staff[0], contacts=(Contact("telegram", STAFF),))
    return replace(
        salon_,
        staff=(anna, *salon_.staff[1:]),
        languages=("en", *salon_.languages),
        staff_language="en",
        rules=replace(salon_.rules, **rules),
    )


def _runner(store: Store, clock: Clock, owner: str, account: LiqPayAccount) -> Runner:
    notify = staff_notifier(store.business)
    renderers: dict[str, Renderer] = {"telegram": PlainRenderer()}
    return Runner(store, clock, owner, renderers=renderers, notify=notify, liqpay=account)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(
    database: Database,
    salon_: Business | None = None,
    *,
    store: Callable[[Database, Business], Store] = Store,
    liqpay: FakeLiqPay | None = None,
) -> AsyncIterator[Bot]:
    """The bot, serving /webhooks/liqpay on loopback, until the block ends; then LiqPay saw nothing wrong."""
    clock = Clock()
    salon_ = salon_ or business()
    async with liqpay or FakeLiqPay(clock=clock) as fake:
        fake.clock = clock
        port = _free_port()
        account = LiqPayAccount(
            DEFAULT_PUBLIC_KEY,
            DEFAULT_PRIVATE_KEY,
            sandbox=True,
            server_url=f"http://127.0.0.1:{port}/webhooks/liqpay",
            api_base=fake.base_url,
        )
        api = LiqPayApi(account, timeout=API_TIMEOUT)
        first = _runner(store(database, salon_), clock, "p1", account)
        scheduler = Scheduler(Jobs(database), first, clock, "p1", liqpay=api)
        bot = Bot(first, scheduler, fake, clock, database, account, api)

        async def enter(inbound: Inbound) -> object:
            return await bot.runner.enter(inbound)  # whichever process serves now

        async def booking_of(order_id: str) -> Any:
            return await _booking_of(bot.store)(order_id)

        async def healthy() -> Health:
            raise AssertionError("not asked")

        app = make_app(healthy=healthy, liqpay_hook=LiqPayHook(account, booking_of, enter))
        server = TestServer(app, host="127.0.0.1", port=port)
        await server.start_server()
        try:
            yield bot
        finally:
            await api.aclose()
            await server.close()
        fake.assert_no_violations()
