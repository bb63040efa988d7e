"""LiqPay's callbacks against `slotbot serve` (issue 12): how many a second it handles, and how long from a
callback to the customer's confirmation (the receipt) reaching the platform.

    python bench/liqpay_callbacks.py                  # 400 holds awaiting payment, 8 callbacks at a time
    python bench/liqpay_callbacks.py --holds 400 --concurrency 32
    python bench/liqpay_callbacks.py --rate 50        # callbacks at a steady 50 a second instead

Starts the light fake Telegram and Twilio of bench/load.py and the spec-checking fake LiqPay of tests/fakes on
127.0.0.1, runs `slotbot db upgrade` and `slotbot serve` on a fresh SQLite file with config.yaml's business
(one admin added, on WhatsApp, so that staff are told too; the admin writes first, so that the 24-hour
window is open), LiqPay in sandbox mode calling back /webhooks/liqpay. Then:

1. Holds: --holds WhatsApp customers (signed Twilio forms, --book-concurrency at a time) book a colouring or
   a facial (prepayments of 500 and 300 UAH) up to the checkout link, and open it in the fake LiqPay. Each is
   a hold awaiting payment, its conversation waiting on it.
2. Callbacks: every order is paid in the fake, and its callback (the signed form LiqPay would POST) is sent to
   serve, --concurrency at a time (or at --rate a second). Callbacks handled per second: all of them over
   the time from the first sent to the last answered. Callback to receipt: from sending a callback to the
   arrival at the fake Twilio of the customer's "paid and booked" message (the receipt). Serve's CPU over the
   phase is read from /proc.
3. Repeats: every callback once more (LiqPay may call more than once): each is answered and nothing is sent.

Afterwards the store is checked: every booking confirmed and paid once, one receipt per customer, one paid
notice per booking to the admin, nothing left in the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession, ClientTimeout, TCPConnector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    CONFIG,
    PUBLIC_URL,
    TWILIO_TOKEN,
    WHATSAPP_FROM,
    BotMessage,
    Chats,
    TelegramSink,
    TwilioSink,
    cpu_seconds,
    free_port,
    percentile,
    serve_processes,
)
from bot.config import load_settings  # noqa: E402
from conversations.texts import catalogue  # noqa: E402
from tests.fakes.liqpay_api import DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, FakeLiqPay  # noqa: E402
from tests.fakes.twilio_api import sign  # noqa: E402

TWILIO_URL = f"{PUBLIC_URL}/webhooks/twilio"
ADMIN = "+380441112233"
CHECKOUT_LINK = re.compile(r"https?://\S+/api/3/checkout\?\S+")
NUMBERED = re.compile(r"(?m)^(\d+)\. (.+)$")
PICK_AMONG = 4  # a customer takes one of the first few days or times offered


class Phones(Chats):
    """What the fake Twilio received: each number's last message, and when each receipt arrived."""

    def __init__(self, receipt: str, notice: str) -> None:
        super().__init__(lambda body: BotMessage(body, ()))
        self.receipt, self.notice = receipt, notice
        self.last: dict[str, str] = {}
        self.seen: Counter[str] = Counter()
        self.receipts: dict[str, list[float]] = {}  # number → arrival times of its receipts
        self.notices, self.last_notice = 0, 0.0
        self.changed = asyncio.Event()

    def whatsapp(self, to: str, body: str) -> None:
        number = to.removeprefix("whatsapp:")
        self.received["whatsapp"] += 1
        self.last[number] = body
        self.seen[number] += 1
        if self.receipt in body:
            self.receipts.setdefault(number, []).append(time.perf_counter())
        if number == ADMIN and self.notice in body:
            self.notices += 1
            self.last_notice = time.perf_counter()
        self.changed.set()

    async def reply_to(self, number: str, seen: int, timeout: float) -> str | None:
        deadline = time.perf_counter() + timeout
        while self.seen[number] <= seen:
            self.changed.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return self.last[number]


class Bench:
    def __init__(self, args: argparse.Namespace, url: str, phones: Phones, liqpay: FakeLiqPay) -> None:
        business = load_settings(CONFIG, {}).business
        lang = business.default_language
        words = catalogue(lang).TEXTS
        self.args, self.url, self.phones, self.liqpay = args, url, phones, liqpay
        self.services = [s.title(lang, lang) for s in business.services if s.prepayment > 0]
        self.buttons = [str(words["menu_book"]), str(words["confirm"])]
        self.http = ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=args.timeout))
        self.sid = 0
        self.orders: dict[str, str] = {}  # order id → the customer's number
        self.statuses: Counter[int] = Counter()

    async def say(self, number: str, body: str) -> int:
        self.sid += 1
        sid = f"SM{self.sid:032x}"
        form = {"From": f"whatsapp:{number}", "To": WHATSAPP_FROM, "Body": body, "MessageSid": sid}
        form |= {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Olha", "WaId": number.lstrip("+")}
        form |= {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01"}
        headers = {"X-Twilio-Signature": sign(TWILIO_URL, form, TWILIO_TOKEN)}
        async with self.http.post(f"{self.url}/webhooks/twilio", data=form, headers=headers) as response:
            return response.status

    async def book(self, number: str, service: str) -> str | None:
        """Book `service` on WhatsApp up to the checkout link; the link, None if it did not come."""
        said, rng = "привіт", random.Random(number)
        for _ in range(30):
            seen = self.phones.seen[number]
            await self.say(number, said)
            body = await self.phones.reply_to(number, seen, self.args.timeout)
            if body is None:
                return None
            link = CHECKOUT_LINK.search(body)
            if link:
                return link[0]
            said = self.answer(body, service, rng)
        return None

    def answer(self, body: str, service: str, rng: random.Random) -> str:
        """The service, Book and Confirm when offered; a name when nothing is; else one of the first few
        days or times (as people do, and so that customers booking at once rarely want the same time)."""
        options = NUMBERED.findall(body)
        for wanted in (service, *self.buttons):
            for number, label in options:
                if label.startswith(wanted):
                    return str(number)
        dated = [number for number, label in options if re.search(r"\d", label)]  # not "Later dates"
        return rng.choice(dated[:PICK_AMONG] or [n for n, _ in options[:1]] or ["Olha"])

    async def holds(self) -> int:
        """Customers book up to the link and open it; how many holds await payment."""
        gate = asyncio.Semaphore(self.args.book_concurrency)

        async def customer(n: int) -> None:
            number = f"+38063{n:07d}"
            async with gate:
                link = await self.book(number, self.services[n % len(self.services)])
            if link is None:
                return
            status, _ = await self.liqpay.open(link)
            if status == 200:
                data = parse_qs(urlsplit(link).query)["data"][0]
                self.orders[json.loads(base64.b64decode(data))["order_id"]] = number

        await asyncio.gather(*(customer(n) for n in range(self.args.holds)))
        return len(self.orders)

    async def callbacks(
        self, forms: dict[str, dict[str, str]]
    ) -> tuple[dict[str, float], list[float], float]:
        """Send each order's callback; when each was sent, the answer times, and the phase's length."""
        sent: dict[str, float] = {}
        answered: list[float] = []
        queue = list(forms)
        started = time.perf_counter()

        async def one(order: str) -> None:
            sent[order] = time.perf_counter()
            async with self.http.post(f"{self.url}/webhooks/liqpay", data=forms[order]) as response:
                await response.read()
                self.statuses[response.status] += 1
            answered.append(time.perf_counter() - sent[order])

        if self.args.rate:
            tasks = []
            for index, order in enumerate(queue):
                await asyncio.sleep(max(0.0, started + index / self.args.rate - time.perf_counter()))
                tasks.append(asyncio.create_task(one(order)))
            await asyncio.gather(*tasks)
        else:

            async def worker() -> None:
                while queue:
                    await one(queue.pop(0))

            await asyncio.gather(*(worker() for _ in range(self.args.concurrency)))
        return sent, answered, time.perf_counter() - started


async def run(args: argparse.Namespace) -> int:
    business = load_settings(CONFIG, {}).business
    words = catalogue(business.default_language).TEXTS
    receipt = str(words["booked_paid"]).split("{", 1)[0]
    notice = str(catalogue(business.staff_language).TEXTS["staff_paid"]).split("{", 1)[0]
    phones = Phones(receipt, notice)
    workdir = Path(tempfile.mkdtemp(prefix="slotbot-liqpay-"))
    config = workdir / "config.yaml"
    admins = f'admins: [{{name: Owner, whatsapp: "{ADMIN}"}}]'
    config.write_text(CONFIG.read_text().replace("admins: []", admins, 1))
    telegram, twilio = TelegramSink(phones), TwilioSink(phones)
    await telegram.start()
    await twilio.start()
    port = free_port()
    settings = argparse.Namespace(
        processes=1, telegram_per_second=None, whatsapp_per_second=None, profile=args.profile
    )
    try:
        async with FakeLiqPay() as liqpay:
            env = {
                "LIQPAY_PUBLIC_KEY": DEFAULT_PUBLIC_KEY,
                "LIQPAY_PRIVATE_KEY": DEFAULT_PRIVATE_KEY,
                "LIQPAY_SANDBOX": "true",
                "LIQPAY_API_BASE": liqpay.base_url,
                "LIQPAY_SERVER_URL": f"http://127.0.0.1:{port}/webhooks/liqpay",
            }
            database = workdir / "bench.db"
            async with serve_processes(
                settings,
                f"sqlite:///{database}",
                telegram.base_url,
                twilio.base_url,
                workdir,
                ports=[port],
                extra_env=env,
                config=config,
            ) as servers:
                bench = Bench(args, servers.urls[0], phones, liqpay)
                try:
                    return await _measure(args, bench, phones, liqpay, servers.pids[0], database)
                finally:
                    await bench.http.close()
    finally:
        await telegram.stop()
        await twilio.stop()
        print(f"logs: {workdir}")


async def _measure(
    args: argparse.Namespace, bench: Bench, phones: Phones, liqpay: FakeLiqPay, pid: int, database: Path
) -> int:
    await bench.say(ADMIN, "привіт")  # staff wrote: their 24-hour window is open, notices go free-form
    started = time.perf_counter()
    holds = await bench.holds()
    print(
        f"== {holds} holds awaiting payment ({args.holds} customers), {time.perf_counter() - started:.0f} s"
    )
    forms = {}
    for order in bench.orders:
        await liqpay.pay(order, callbacks=0)
        forms[order] = liqpay.signed(liqpay.document(liqpay.order(order)))
    await asyncio.sleep(2)  # the holds' own messages are all out
    cpu = cpu_seconds(pid)
    sent, answered, elapsed = await bench.callbacks(forms)
    await _told(phones, bench.orders, args.timeout)
    cpu = cpu_seconds(pid) - cpu
    to_receipt = [
        phones.receipts[number][0] - sent[order]
        for order, number in bench.orders.items()
        if number in phones.receipts
    ]
    last = max((times[0] for times in phones.receipts.values()), default=time.perf_counter())
    first = min(sent.values())
    mode = f"{args.rate:g}/s" if args.rate else f"{args.concurrency} at a time"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"callbacks          {len(forms)}, {mode}: answered {dict(bench.statuses)}; load average {load}")
    print(
        f"handled            {len(forms) / elapsed:.0f} callbacks/s "
        f"({elapsed:.2f} s from the first sent to the last answered)"
    )
    print(f"callback answered  {_ms(answered)}")
    print(f"callback → receipt {_ms(to_receipt)}")
    print(
        f"all told           receipts {last - first:.2f} s after the first callback, staff's "
        f"{phones.notices} notices (one chat, in order) {phones.last_notice - first:.2f} s"
    )
    print(f"serve CPU          {cpu:.1f} s, {cpu / len(forms) * 1000:.1f} ms a callback (all it caused)")
    bench.statuses.clear()
    before = phones.received["whatsapp"]
    _, repeated, again = await bench.callbacks(forms)
    await asyncio.sleep(2)
    print(
        f"repeats            {len(forms) / again:.0f}/s, answered {dict(bench.statuses)} {_ms(repeated)}; "
        f"{phones.received['whatsapp'] - before} messages sent"
    )
    return _check(database, bench, phones)


async def _told(phones: Phones, orders: dict[str, str], timeout: float) -> None:
    """Until every customer has their receipt and staff every paid notice (or `timeout` passes)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and not (
        all(n in phones.receipts for n in orders.values()) and phones.notices >= len(orders)
    ):
        await asyncio.sleep(0.01)


def _check(database: Path, bench: Bench, phones: Phones) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        bookings = Counter(
            dict(db.execute("SELECT status, count(*) FROM bookings GROUP BY status").fetchall())
        )
        paid = db.execute("SELECT order_id, state, paid, amount FROM payments").fetchall()
        outbox = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    wrong = [
        f"{o}: {state} {p} of {a}"
        for o, state, p, a in paid
        if state != "paid" or Decimal(str(p)) != Decimal(str(a))
    ]
    twice = [n for n, times in phones.receipts.items() if len(times) != 1]
    print(
        f"store              bookings {dict(bookings)}; payments not paid once {len(wrong)}; outbox {outbox}"
    )
    print(
        f"told               {len(phones.receipts)} customers ({len(twice)} more than once), "
        f"{phones.notices} paid notices to staff"
    )
    ok = (
        not wrong
        and not twice
        and phones.notices == len(bench.orders)
        and len(phones.receipts) == len(bench.orders)
    )
    ok = ok and bookings["confirmed"] == len(bench.orders) and set(outbox) <= {"sent"}
    print("check              " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def _ms(values: list[float]) -> str:
    if not values:
        return "none"
    p50, p95, p99 = (percentile(values, q) * 1000 for q in (0.5, 0.95, 0.99))
    top = max(values) * 1000
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {top:.1f} ms ({len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--holds", type=int, default=400, help="customers who hold a time and await payment")
    parser.add_argument("--book-concurrency", type=int, default=40, help="customers booking at once")
    parser.add_argument("--concurrency", type=int, default=8, help="callbacks in flight at once")
    parser.add_argument("--rate", type=float, help="callbacks a second, sent on time whatever the answers")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one answer")
    parser.add_argument("--profile", help="write a cProfile of serve to DIR/serve0.prof")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
