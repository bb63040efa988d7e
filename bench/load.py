"""Load: N simulated customers book at once through `slotbot serve`'s real webhooks, on loopback (issue 4).

    python bench/load.py --customers 1000
    python bench/load.py --customers 1000 --database-url postgresql://USER@HOST/DB --processes 2

Starts a fake Telegram Bot API and a fake Twilio on 127.0.0.1, runs `slotbot db upgrade` and then
`slotbot serve` (`--config config.yaml`, the shipped example business) on free ports, in webhook mode for
Telegram. Half the customers write on WhatsApp (signed Twilio form POSTs to /webhooks/twilio), half on
Telegram (Update JSON POSTs to /webhooks/telegram with the secret header); with several processes every
request goes to the next process in turn, as a round-robin load balancer would send it.

Each customer converses like a person: it reads the bot's last message in its chat as the fake platform
received it (Telegram: text and inline keyboard; WhatsApp: the body with its numbered list), thinks for a
moment (--think-min/--think-max seconds), and answers with a button it was offered (Telegram callback_query)
or the option's number (WhatsApp), its name and (on Telegram) its phone when asked, and confirms, until it
sees "booked". Customers spread over the services without prepayment and over later weeks ("Later dates");
a time taken meanwhile makes the bot offer others, and the customer takes one of those.

Reply latency: from sending an inbound message to the arrival at the fake platform of the first bot message
(sendMessage / editMessageText, or a Twilio message) for that chat after it. A Bot API call in the webhook's
answer (answerCallbackQuery for a pressed button) is carried out by the fake like any other call and counted
among the Telegram calls, but it is no message to the chat, so it does not end the wait for a reply.

By default the fakes are light "sinks" written here: they answer like the real APIs (enough for aiogram and
the twilio library) but check nothing, so that they take little of the machine's two cores. --strict-fakes
uses the spec-checking fakes of tests/fakes instead and reports their violations.

--telegram-per-second / --whatsapp-per-second set config.yaml's sending rates (telegram.messages_per_second,
default 30; twilio.messages_per_second, default none) through their environment variables, and
--profile DIR writes a cProfile of the first serve process.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from conversations.texts import catalogue  # noqa: E402
from conversations.texts import text as catalogue_text  # noqa: E402
from storage.business import Business  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, callback_update, message_update  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio, SentMessage, inbound_form, sign  # noqa: E402

CONFIG = ROOT / "config.yaml"
PUBLIC_URL = "https://bot.example.com"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_TOKEN = "123456789:AAFakeTokenForTheSlotbotLoadBench-01234"
TELEGRAM_SECRET = "load-bench-webhook-secret"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "fa4e5ecre7f0r7e57s0123456789abcd"
WHATSAPP_FROM = "whatsapp:+14155238886"
TELEGRAM_LANGUAGE = "en"  # Telegram customers' app language; WhatsApp says none, so the business default
BOT_ID, BOT_USERNAME, BOT_NAME = 123456789, "slotbot_load_bot", "Slotbot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": BOT_NAME, "username": BOT_USERNAME}
NAMES = ("Olha", "Taras", "Iryna", "Marta", "Dmytro", "Sofia", "Andrii", "Oksana", "Pavlo", "Kateryna")
DAYS_SHOWN = 7  # conversations.booking.DAYS_SHOWN: a full page of days means later ones may exist
PICK_AMONG = 3  # a customer takes one of the first few times offered: days fill up without many gaps
MAX_INBOUND = 60  # per customer: a conversation longer than this is stuck
NO_FREE_TIME = "found no free time in any service"
TIME_LABEL = re.compile(r"\d{1,2}:\d{2}(?: \(\d+\))?$")
NUMBERED = re.compile(r"(\d+)\. (.*)")


# ---- what the platforms received from the bot -------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    label: str
    key: str  # the action (svc:ID, day:…, t:…, m:ok): from callback_data on Telegram, the label on WhatsApp
    answer: str  # what the customer sends to choose it: the callback_data, or the option's number


@dataclass(frozen=True)
class BotMessage:
    text: str
    options: tuple[Option, ...]
    message_id: int | None = None  # Telegram: the message a button press refers to
    markup: dict[str, Any] | None = None  # Telegram: its keyboard, which a callback_query quotes


class Inbox:
    """One chat's bot messages, in arrival order; times the first message after each inbound one."""

    def __init__(self, latencies: list[float], timeline: list[tuple[float, float]]) -> None:
        self._messages: list[BotMessage] = []
        self._arrived = asyncio.Event()
        self._latencies = latencies
        self._timeline = timeline
        self._sent_at: float | None = None

    def sent(self) -> None:
        self._sent_at = time.perf_counter()

    @property
    def unanswered(self) -> bool:
        """The last inbound message has had no reply yet."""
        return self._sent_at is not None

    def put(self, message: BotMessage) -> None:
        if self._sent_at is not None:
            latency = time.perf_counter() - self._sent_at
            self._latencies.append(latency)
            self._timeline.append((self._sent_at, latency))
            self._sent_at = None
        self._messages.append(message)
        self._arrived.set()

    async def get(self, timeout: float) -> BotMessage:
        while not self._messages:
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), timeout)
        return self._messages.pop(0)


class Chats:
    """Routes what the fake platforms received to the customers' inboxes ("telegram:ID", "whatsapp:+NUM")."""

    def __init__(self, whatsapp_labels: Callable[[str], BotMessage]) -> None:
        self.inboxes: dict[str, Inbox] = {}
        self.received: Counter[str] = Counter()  # bot messages that reached the platforms, by channel
        self.refused: Counter[str] = Counter()  # calls the light fakes refused (wrong credentials)
        self.telegram_calls: Counter[str] = Counter()  # Bot API calls carried out, by method
        self.webhook_answers: Counter[str] = Counter()  # ... of which were made in webhook answers
        self.strangers = 0  # messages to chats that are not ours (staff notifications)
        self._whatsapp_labels = whatsapp_labels

    def telegram(self, chat_id: int | str, message_id: int, text: str, markup: dict[str, Any] | None) -> None:
        options: list[Option] = []
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data:  # "<message sequence number>|<action>"
                    options.append(Option(button["text"], data.partition("|")[2], data))
        self.received["telegram"] += 1
        self._put(f"telegram:{chat_id}", BotMessage(text, tuple(options), message_id, markup))

    def whatsapp(self, to: str, body: str) -> None:
        self.received["whatsapp"] += 1
        self._put(to, self._whatsapp_labels(body))

    def _put(self, key: str, message: BotMessage) -> None:
        inbox = self.inboxes.get(key)
        if inbox is None:
            self.strangers += 1
        else:
            inbox.put(message)


# ---- the fake platforms ----------------------------------------------------------------------------------


class TelegramSink:
    """A light Bot API server: answers the methods `serve` calls as Telegram does, records nothing else."""

    def __init__(self, chats: Chats) -> None:
        self.chats = chats
        self._message_ids: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self.base_url = await _serve_app(self._runner)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TELEGRAM_TOKEN:
            self.chats.refused["telegram"] += 1
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        self.chats.telegram_calls[request.match_info["method"]] += 1
        method = request.match_info["method"].lower()
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {key: value for key, value in (await request.post()).items() if isinstance(value, str)}
        result: Any = True
        if method in ("sendmessage", "editmessagetext"):
            chat_id = int(params["chat_id"])
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup
            if method == "sendmessage":
                message_id = self._message_ids.get(chat_id, 0) + 1
                self._message_ids[chat_id] = message_id
            else:
                message_id = int(params["message_id"])
            result = {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
                "date": int(time.time()),
                "text": params["text"],
            }
            if markup and "inline_keyboard" in markup:  # a Message carries only an inline keyboard
                result["reply_markup"] = markup
            self.chats.telegram(chat_id, message_id, params["text"], markup)
        elif method == "senddocument":  # a calendar file: a Message with the document, not a reply to time
            chat_id = int(params["chat_id"])
            message_id = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = message_id
            result = {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
                "date": int(time.time()),
                "document": {
                    "file_id": f"BQAC{chat_id}x{message_id}",
                    "file_unique_id": f"{chat_id}x{message_id}",
                },
            }
        elif method == "getme":
            result = BOT_USER
        return web.json_response({"ok": True, "result": result})

    async def take_webhook_answer(self, status: int, content_type: str, body: bytes) -> str | None:
        """The Bot API call in a webhook's answer, which Telegram makes for the bot (counted, not checked)."""
        if status != 200 or content_type != "application/json" or body == b"{}":
            return None
        answer = json.loads(body)
        method = answer.get("method") if isinstance(answer, dict) else None
        if not isinstance(method, str):
            return None
        self.chats.telegram_calls[method] += 1
        return method


class TwilioSink:
    """A light Twilio Messages API: creates messages (201 with a Message resource), checks the credentials."""

    def __init__(self, chats: Chats) -> None:
        self.chats = chats
        self._auth = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        self._sids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self.base_url = await _serve_app(self._runner)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _create(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != self._auth or request.match_info["account"] != TWILIO_SID:
            self.chats.refused["whatsapp"] += 1
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sid = f"SM{next(self._sids):032x}"
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        resource = {
            "account_sid": TWILIO_SID,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": str(form.get("From", "")),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}/Media.json"},
            "to": to,
            "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
        }
        self.chats.whatsapp(to, body)
        return web.json_response(resource, status=201)


class StrictTelegram(FakeTelegram):
    """tests/fakes' spec-checking Bot API, telling the customers what it received."""

    chats: Chats | None = None

    def _new_message(self, chat_id: int | str, **content: Any) -> dict[str, Any]:
        message = super()._new_message(chat_id, **content)
        if self.chats is not None:
            self.chats.telegram(
                chat_id, message["message_id"], message.get("text") or "", content.get("reply_markup")
            )
        return message

    async def _m_editMessageText(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        result, description = await super()._m_editMessageText(p, request)
        if self.chats is not None and isinstance(result, dict):
            self.chats.telegram(
                p["chat_id"], p["message_id"], result.get("text") or "", result.get("reply_markup")
            )
        return result, description


class StrictTwilio(FakeTwilio):
    """tests/fakes' spec-checking Twilio, telling the customers what it received."""

    chats: Chats | None = None

    def _new_message(self, params: dict[str, str], media: list[str]) -> SentMessage:
        message = super()._new_message(params, media)
        if self.chats is not None:
            self.chats.whatsapp(message.to, message.body or "")
        return message


async def _serve_app(runner: web.AppRunner) -> str:
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


# ---- reading the bot's messages on WhatsApp --------------------------------------------------------------


class Labels:
    """Works out WhatsApp options' ids from their labels, as a person reads the numbered list."""

    def __init__(self, business: Business, lang: str) -> None:
        t = self._t = lambda key: catalogue_text(lang, key)
        self.keys: dict[str, str] = {
            t("menu_book"): "m:book",
            t("anyone"): "stf:*",
            t("later_days"): "more:",
            t("other_day"): "m:otherday",
            t("choose_specialist"): "m:specialist",
            t("confirm"): "m:ok",
            t("change_time"): "m:otherday",
            t("abandon"): "m:abandon",
        }
        self.keys |= {s.name: f"stf:{s.id}" for s in business.staff}
        self.waitlist = catalogue(lang).TEXTS["waitlist_join"].split("{", 1)[0]  # "Join the waitlist for "
        self.services = [
            (f"{s.title(lang, business.default_language)} · ", f"svc:{s.id}") for s in business.services
        ]

    def message(self, body: str) -> BotMessage:
        lines = body.split("\n")
        end = len(lines)
        while end > 0 and NUMBERED.fullmatch(lines[end - 1]):
            end -= 1
        listed = [NUMBERED.fullmatch(line) for line in lines[end:]]
        labels = [m[2] for m in listed if m]
        if [int(m[1]) for m in listed if m] != list(range(1, len(labels) + 1)):
            labels, end = [], len(lines)
        has_days = self._t("later_days") in labels
        options = tuple(
            Option(label, self._key(label, has_days), str(number)) for number, label in enumerate(labels, 1)
        )
        return BotMessage("\n".join(lines[:end]).strip(), options)

    def _key(self, label: str, has_days: bool) -> str:
        if label in self.keys:
            return self.keys[label]
        if label.startswith(self.waitlist):
            return f"wl:{label}"  # these customers take another day rather than wait
        for prefix, key in self.services:
            if label.startswith(prefix):
                return key
        if TIME_LABEL.search(label):
            return f"t:{label}"
        return f"day:{label}" if has_days else f"?:{label}"


def template(lang: str, key: str) -> re.Pattern[str]:
    """A catalogue sentence as a pattern: its {placeholders} match anything."""
    parts = re.split(r"\{\w+\}", catalogue(lang).TEXTS[key])
    return re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)


@dataclass(frozen=True)
class Phrases:
    booked: re.Pattern[str]
    ask_name: re.Pattern[str]
    ask_phone: re.Pattern[str]
    no_free_days: re.Pattern[str]
    taken: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, lang: str) -> Phrases:
        return cls(
            booked=template(lang, "booked"),
            ask_name=template(lang, "ask_name"),
            ask_phone=template(lang, "ask_phone"),
            no_free_days=template(lang, "no_free_days"),
            taken=tuple(template(lang, key) for key in ("hold_taken", "time_gone", "time_taken")),
        )


# ---- the customers ---------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"telegram": [], "whatsapp": []})
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent at, reply latency)
    inbound: Counter[str] = field(default_factory=Counter)
    sent_at: list[float] = field(default_factory=list)  # when each inbound message was sent
    answered: list[float] = field(default_factory=list)  # how long each webhook took to answer
    statuses: Counter[str] = field(default_factory=Counter)  # non-2xx webhook answers and transport errors
    outcomes: Counter[str] = field(default_factory=Counter)
    taken: int = 0  # "that time was just taken" and the like: the race was lost, another time offered
    unanswered: int = 0  # inbound messages still without a reply when the run ended
    service_switches: int = 0


class Lost(Exception):
    """The customer cannot go on: no reply, a reply it does not understand, or too long a conversation."""


@dataclass
class Plan:
    services: list[str]  # the first, then others to try if the first has no free days
    later: int  # how many times to press "Later dates" before choosing a day
    pressed: int = 0


Post = Callable[[str, str, Any, dict[str, str]], Awaitable[int]]
UPDATE_IDS = itertools.count(int(time.time()) * 1000)  # unique across runs on one database too


class Customer:
    """One person booking on `channel`: Telegram chat `chat_id`, or WhatsApp from `phone`."""

    def __init__(
        self,
        number: int,
        channel: str,
        plan: Plan,
        phrases: Phrases,
        post: Post,
        stats: Stats,
        args: argparse.Namespace,
    ) -> None:
        self.number, self.channel, self.plan, self.phrases = number, channel, plan, phrases
        self.post, self.stats, self.args = post, stats, args
        self.rng = random.Random(f"{args.seed}:{number}")
        self.name = f"{NAMES[number % len(NAMES)]} {chr(65 + number % 26)}"
        self.chat_id = 700_000_000 + number
        self.phone = f"+38050{2_000_000 + number}"
        self.key = f"telegram:{self.chat_id}" if channel == "telegram" else f"whatsapp:{self.phone}"
        self.inbox = Inbox(stats.latencies[channel], stats.timeline)
        self.sent = 0

    async def run(self) -> str:
        try:
            await asyncio.sleep(self.rng.uniform(0, self.args.ramp))
            await self.say("/start" if self.channel == "telegram" else "Привіт")
            while True:
                message = await self.next_question()
                if message is None:
                    return "booked"
                await asyncio.sleep(self.rng.uniform(self.args.think_min, self.args.think_max))
                await self.answer(message)
        except Lost as lost:
            return str(lost)

    async def next_question(self) -> BotMessage | None:
        """The next bot message that asks something (None once booked); says like "taken" are noted."""
        phrases = self.phrases
        while True:
            try:
                message = await self.inbox.get(self.args.reply_timeout)
            except TimeoutError:
                raise Lost("no reply") from None
            if phrases.booked.match(message.text):
                return None
            if phrases.no_free_days.match(message.text):
                self._next_plan()
            if any(p.match(message.text) for p in phrases.taken):
                self.stats.taken += 1
            if (
                message.options
                or phrases.ask_name.match(message.text)
                or phrases.ask_phone.match(message.text)
            ):
                return message

    def _next_plan(self) -> None:
        plan = self.plan
        if plan.pressed > 0:  # the later page was past the last free day: fewer presses next time
            plan.later, plan.pressed = plan.pressed - 1, 0
            return
        plan.services.pop(0)
        plan.pressed = 0
        self.stats.service_switches += 1
        if not plan.services:
            raise Lost(NO_FREE_TIME)

    async def answer(self, message: BotMessage) -> None:
        if self.phrases.ask_name.match(message.text):
            await self.say(self.name)
        elif self.phrases.ask_phone.match(message.text):
            await self.say(f"+38067{1_000_000 + self.number}")
        else:
            await self.choose(message, self.pick(message.options))

    def pick(self, options: tuple[Option, ...]) -> Option:
        by_kind: dict[str, list[Option]] = {}
        for option in options:
            by_kind.setdefault(option.key.split(":", 1)[0], []).append(option)
        plan = self.plan
        if "t" in by_kind:
            return self.rng.choice(by_kind["t"][:PICK_AMONG])
        if "day" in by_kind:
            if plan.pressed < plan.later and "more" in by_kind and len(by_kind["day"]) == DAYS_SHOWN:
                plan.pressed += 1
                return by_kind["more"][0]
            return self.rng.choice(by_kind["day"])
        wanted = f"svc:{plan.services[0]}"
        for option in by_kind.get("svc", []):
            if option.key == wanted:
                plan.pressed = 0
                return option
        if "stf" in by_kind:
            return self.rng.choice(by_kind["stf"])
        for key in ("m:ok", "m:book"):
            for option in options:
                if option.key == key:
                    return option
        raise Lost(f"did not understand options {[o.label for o in options]}")

    async def say(self, said: str) -> None:
        if self.channel == "telegram":
            update = message_update(
                self.chat_id, said, TELEGRAM_LANGUAGE, first_name=self.name, update_id=next(UPDATE_IDS)
            )
            await self._send(update)
        else:
            await self._send_form(said)

    async def choose(self, message: BotMessage, option: Option) -> None:
        if self.channel == "whatsapp":
            await self._send_form(option.answer)
            return
        assert message.message_id is not None
        update = callback_update(  # quoting the message the button is on, keyboard and all, as Telegram does
            self.chat_id,
            option.answer,
            message.message_id,
            language_code=TELEGRAM_LANGUAGE,
            first_name=self.name,
            message_text=message.text or "…",
            reply_markup=message.markup,
            update_id=next(UPDATE_IDS),
            bot_id=BOT_ID,
            bot_username=BOT_USERNAME,
            bot_first_name=BOT_NAME,
        )
        await self._send(update)

    async def _send(self, update: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
        await self._deliver("/webhooks/telegram", json.dumps(update), headers)

    async def _send_form(self, body: str) -> None:
        form = inbound_form(self.phone, body, profile_name=self.name, account_sid=TWILIO_SID)
        signature = sign(f"{PUBLIC_URL}/webhooks/twilio", form, TWILIO_TOKEN)
        await self._deliver("/webhooks/twilio", form, {"X-Twilio-Signature": signature})

    async def _deliver(self, path: str, data: Any, headers: dict[str, str]) -> None:
        self.sent += 1
        if self.sent > MAX_INBOUND:
            raise Lost("conversation too long")
        self.stats.inbound[self.channel] += 1
        self.stats.sent_at.append(time.perf_counter())
        self.inbox.sent()
        posted = time.perf_counter()
        status = await self.post(self.channel, path, data, headers)
        self.stats.answered.append(time.perf_counter() - posted)
        if not 200 <= status < 300:
            self.stats.statuses[f"{self.channel} {status}"] += 1
            raise Lost(f"webhook answered {status}")


def plans(business: Business, count: int, rng: random.Random) -> Iterator[Plan]:
    """Services without prepayment (a prepaid booking waits for a payment no customer here makes), weighted
    roughly by how many bookings each can take, and 0-7 presses of "Later dates"."""
    weights = {"womens-haircut": 3, "mens-haircut": 3, "beard-trim": 4, "stretching": 1}
    bookable = [s.id for s in business.services if s.prepayment == 0]
    deck = [s for s in bookable for _ in range(weights.get(s, 2))]
    for number in range(count):
        first = deck[number % len(deck)]
        others = [s for s in bookable if s != first]
        rng.shuffle(others)
        yield Plan([first, *others], later=rng.randint(0, 7))


# ---- serve processes -------------------------------------------------------------------------------------

BOOTSTRAP = """\
import cProfile, os, sys
from bot.cli import main
profile = os.environ.get("LOAD_BENCH_PROFILE")
if not profile:
    sys.exit(main())
profiler = cProfile.Profile()
code = profiler.runcall(main)
profiler.dump_stats(profile)
sys.exit(code)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Servers:
    urls: list[str]
    pids: list[int]


@contextlib.asynccontextmanager
async def serve_processes(
    args: argparse.Namespace,
    database_url: str,
    telegram_api: str,
    twilio_api: str,
    workdir: Path,
    *,
    ports: list[int] | None = None,
    extra_env: dict[str, str] | None = None,
    config: Path = CONFIG,
) -> AsyncIterator[Servers]:
    """`slotbot serve` processes on `ports` (free ones by default), with `extra_env` (LiqPay's, say)."""
    prefixes = ("SLOTBOT_", "TELEGRAM_", "TWILIO_", "LIQPAY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env |= extra_env or {}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SLOTBOT_DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_URL": f"{PUBLIC_URL}/webhooks/telegram",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE": telegram_api,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_API_BASE": twilio_api,
        "SLOTBOT_PUBLIC_URL": PUBLIC_URL,
    }
    cli = [sys.executable, "-m", "bot.cli", "--config", str(config)]
    upgrade = subprocess.run([*cli, "db", "upgrade"], env=env, capture_output=True, text=True, cwd=workdir)
    if upgrade.returncode != 0:
        raise SystemExit(f"slotbot db upgrade failed:\n{upgrade.stderr}")
    if args.telegram_per_second:
        env["TELEGRAM_MESSAGES_PER_SECOND"] = str(args.telegram_per_second)
    if args.whatsapp_per_second:
        env["TWILIO_MESSAGES_PER_SECOND"] = str(args.whatsapp_per_second)
    bootstrap = workdir / "serve_bootstrap.py"
    bootstrap.write_text(BOOTSTRAP)
    ports = ports or [free_port() for _ in range(args.processes)]
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    for index, port in enumerate(ports):
        command = [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)]
        child_env = dict(env)
        if args.profile and index == 0:
            command = [sys.executable, str(bootstrap), *command[3:]]
            child_env["LOAD_BENCH_PROFILE"] = str(Path(args.profile).resolve() / "serve0.prof")
        log = open(workdir / f"serve{index}.log", "wb")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with ClientSession() as session:
            for index, url in enumerate(urls):
                for _ in range(300):
                    with contextlib.suppress(ClientError):
                        async with session.get(f"{url}/healthz") as response:
                            if response.status == 200:
                                break
                    if procs[index].poll() is not None:
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise SystemExit(f"serve {index} did not start:\n{tail(workdir / f'serve{index}.log')}")
                if procs[index].poll() is not None:
                    raise SystemExit(f"serve {index} exited:\n{tail(workdir / f'serve{index}.log')}")
        yield Servers(urls, [p.pid for p in procs])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for index, proc in enumerate(procs):
            try:
                code = await asyncio.to_thread(proc.wait, 60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            if code != 0:
                print(f"serve {index} exited with {code}:\n{tail(workdir / f'serve{index}.log')}")
        for log in logs:
            log.close()


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the database afterwards -----------------------------------------------------------------------------


@dataclass
class Integrity:
    bookings: Counter[str]
    overlapping_bookings: int  # two live bookings of one specialist overlapping (not seats of one class)
    overlapping_claims: int  # two live claims on one resource and seat overlapping
    classes_overfull: int  # class sessions with more live bookings than seats
    outbox: Counter[str]


def integrity_queries(business: Business, now_ts: int) -> dict[str, str]:
    classes = [s for s in business.services if s.capacity > 1]
    class_ids = ", ".join(f"'{s.id}'" for s in classes) or "''"
    live = "status IN ('held', 'confirmed')"
    overfull = " + ".join(
        f"""(SELECT count(*) FROM (SELECT 1 FROM bookings WHERE {live} AND service = '{s.id}'
             GROUP BY specialist, "start" HAVING count(*) > {s.capacity}) AS x{i})"""
        for i, s in enumerate(classes)
    )

    def claim_live(alias: str) -> str:
        return f"{alias}.active AND ({alias}.expires_ts IS NULL OR {alias}.expires_ts > {now_ts})"

    return {
        "bookings": "SELECT status, count(*) FROM bookings GROUP BY status",
        "outbox": "SELECT status, count(*) FROM outbox GROUP BY status",
        "overlapping_bookings": f"""
            SELECT count(*) FROM bookings a JOIN bookings b
              ON a.specialist = b.specialist AND a.id < b.id AND a."start" < b."end" AND b."start" < a."end"
            WHERE a.{live} AND b.{live}
              AND NOT (a.service = b.service AND a."start" = b."start" AND a.service IN ({class_ids}))""",
        "overlapping_claims": f"""
            SELECT count(*) FROM claims a JOIN claims b
              ON a.resource = b.resource AND a.seat = b.seat AND a.id < b.id
                 AND a.start_ts < b.end_ts AND b.start_ts < a.end_ts
            WHERE {claim_live("a")} AND {claim_live("b")}""",
        "classes_overfull": f"SELECT {overfull or '0'}",
    }


async def check_database(url: str, business: Business) -> Integrity:
    queries = integrity_queries(business, int(time.time()))
    rows: dict[str, list[tuple[Any, ...]]] = {}
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as conn:
            rows = {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    else:
        import asyncpg

        conn = await asyncpg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", url))
        try:
            rows = {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in queries.items()}
        finally:
            await conn.close()
    return Integrity(
        bookings=Counter({str(k): int(v) for k, v in rows["bookings"]}),
        overlapping_bookings=int(rows["overlapping_bookings"][0][0]),
        overlapping_claims=int(rows["overlapping_claims"][0][0]),
        classes_overfull=int(rows["classes_overfull"][0][0]),
        outbox=Counter({str(k): int(v) for k, v in rows["outbox"]}),
    )


# ---- the run ---------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else float("nan")
    )


def by_window(timeline: list[tuple[float, float]], started: float, window: float = 15.0) -> str:
    """Inbound messages a second and reply latency p99, per `window` seconds of the run by sending time."""
    windows: dict[int, list[float]] = {}
    for sent, latency in timeline:
        windows.setdefault(int((sent - started) // window), []).append(latency)
    parts = []
    for k, latencies in sorted(windows.items()):
        p99 = percentile(latencies, 0.99) * 1000
        rate = len(latencies) / window
        parts.append(f"{k * window:g}-{(k + 1) * window:g} s: {rate:.0f}/s p99 {p99:.0f} ms")
    return "; ".join(parts)


def peak_rate(times: list[float], window: float = 5.0) -> float:
    ordered, best, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best / window


async def run(args: argparse.Namespace) -> int:
    business = load_settings(CONFIG, {}).business
    chats = Chats(Labels(business, business.default_language).message)
    stats = Stats()
    workdir = Path(tempfile.mkdtemp(prefix="slotbot-load-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'load.db'}"
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)

    telegram: TelegramSink | StrictTelegram
    twilio: TwilioSink | StrictTwilio
    if args.strict_fakes:
        telegram, twilio = StrictTelegram(token=TELEGRAM_TOKEN), StrictTwilio(TWILIO_SID, TWILIO_TOKEN)
        telegram.chats = twilio.chats = chats
    else:
        telegram, twilio = TelegramSink(chats), TwilioSink(chats)
    await telegram.start()
    await twilio.start()
    try:
        async with serve_processes(
            args, database_url, telegram.base_url, twilio.base_url, workdir
        ) as servers:
            before = await check_database(database_url, business)
            result = await _drive(args, business, servers, chats, stats, telegram, twilio)
        after = await check_database(database_url, business)
    finally:
        await telegram.stop()
        await twilio.stop()
    if isinstance(telegram, StrictTelegram) and isinstance(twilio, StrictTwilio):
        result["violations"] = telegram.violations + twilio.violations
        chats.telegram_calls = Counter(method for method, _ in telegram.calls)
    report(args, stats, chats, result, before, after)
    print(f"logs: {workdir}")
    return 0


async def _drive(
    args: argparse.Namespace,
    business: Business,
    servers: Servers,
    chats: Chats,
    stats: Stats,
    telegram: TelegramSink | StrictTelegram,
    twilio: TwilioSink | StrictTwilio,
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    phrases = {"telegram": Phrases.of(TELEGRAM_LANGUAGE), "whatsapp": Phrases.of(business.default_language)}
    turn = itertools.count()
    connector = TCPConnector(limit=0, limit_per_host=0)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=args.reply_timeout)) as session:

        async def post(channel: str, path: str, data: Any, headers: dict[str, str]) -> int:
            url = servers.urls[next(turn) % len(servers.urls)] + path
            if isinstance(telegram, StrictTelegram) and channel == "telegram":
                telegram._remember(json.loads(data))  # so that it knows the callback queries answered
            if isinstance(twilio, StrictTwilio) and channel == "whatsapp":
                twilio.record_inbound(data["From"])  # WhatsApp's 24-hour window opens
            try:
                async with session.post(url, data=data, headers=headers) as response:
                    body = await response.read()
                    if channel == "telegram":
                        method = await telegram.take_webhook_answer(
                            response.status, response.content_type, body
                        )
                        if method is not None:
                            chats.webhook_answers[method] += 1
                    return response.status
            except (ClientError, TimeoutError) as error:
                stats.statuses[f"{channel} {type(error).__name__}"] += 1
                return 599

        customers = [
            Customer(i, channel, plan, phrases[channel], post, stats, args)
            for i, plan in enumerate(plans(business, args.customers, rng))
            for channel in ["whatsapp" if i % 2 else "telegram"]
        ]
        for customer in customers:
            chats.inboxes[customer.key] = customer.inbox
        cpu_before = [cpu_seconds(pid) for pid in servers.pids]
        own_before = time.process_time()
        started = time.perf_counter()
        tasks = [asyncio.create_task(c.run()) for c in customers]
        _, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
        elapsed = time.perf_counter() - started
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        cpu = [cpu_seconds(pid) - b for pid, b in zip(servers.pids, cpu_before, strict=True)]
        own = time.process_time() - own_before
    for task in tasks:
        stats.outcomes["stopped by --max-seconds" if task in pending else task.result()] += 1
    stats.unanswered = sum(c.inbox.unanswered for c in customers)
    last = max(stats.sent_at, default=started)
    return {
        "elapsed": elapsed,
        "active": max(last - started, 1e-9),
        "cpu": cpu,
        "own_cpu": own,
        "started": started,
    }


def ms(values: list[float]) -> str:
    if not values:
        return "none"
    p50, p95, p99 = (percentile(values, q) * 1000 for q in (0.5, 0.95, 0.99))
    top = max(values) * 1000
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {top:.0f} ms ({len(values)})"


def report(
    args: argparse.Namespace,
    stats: Stats,
    chats: Chats,
    result: dict[str, Any],
    before: Integrity,
    after: Integrity,
) -> None:
    inbound, outbound = sum(stats.inbound.values()), sum(chats.received.values())
    active, elapsed, own = result["active"], result["elapsed"], result["own_cpu"]
    peak = peak_rate(stats.sent_at)
    overrides = {"telegram": args.telegram_per_second, "whatsapp": args.whatsapp_per_second}
    limits = ", ".join(f"{k} {v}/s" for k, v in overrides.items() if v) or "as shipped"
    unfinished = args.customers - stats.outcomes["booked"] - stats.outcomes[NO_FREE_TIME]
    made = {k: after.bookings[k] - before.bookings[k] for k in after.bookings}
    doubles = after.overlapping_bookings + after.overlapping_claims + after.classes_overfull
    cpu = ", ".join(f"{c:.0f} s ({c / elapsed:.0%})" for c in result["cpu"])
    where = re.sub(r"//[^@/]*@", "//", args.database_url) if args.database_url else "a SQLite file"
    lines = [
        f"== {args.customers} customers, {args.processes} serve process(es) on {where}",
        f"   think {args.think_min:g}-{args.think_max:g} s, outbox limits {limits}, "
        + ("strict fakes (tests/fakes)" if args.strict_fakes else "light fake platforms"),
        "customers          " + ", ".join(f"{n} {what}" for what, n in stats.outcomes.most_common()),
        f"inbound messages   {inbound} ({stats.inbound['telegram']} Telegram, {stats.inbound['whatsapp']} "
        f"WhatsApp) in {active:.1f} s; {stats.unanswered} still unanswered at the end",
        f"inbound msgs/s     {inbound / active:.0f} on average, {peak:.0f} at the peak (5 s)",
        f"bot messages       {outbound} delivered, {outbound / elapsed:.0f}/s {dict(chats.received)}",
        f"Telegram calls     {sum(chats.telegram_calls.values())} {dict(chats.telegram_calls)}, "
        f"{sum(chats.webhook_answers.values())} of them in webhook answers",
        f"reply latency      {ms(stats.latencies['telegram'] + stats.latencies['whatsapp'])}",
        f"  Telegram         {ms(stats.latencies['telegram'])}",
        f"  WhatsApp         {ms(stats.latencies['whatsapp'])}",
        f"  by sending time  {by_window(stats.timeline, result['started'])}",
        f"webhook answered   {ms(stats.answered)}",
        f"errors             {sum(stats.statuses.values())} webhook answers not 2xx {dict(stats.statuses)}, "
        f"{unfinished} customers unfinished",
        f"races lost         {stats.taken} times taken meanwhile (others offered); "
        f"{stats.service_switches} service switches for lack of free days",
        f"bookings made      {made}",
        f"double bookings    {doubles} (specialist overlaps {after.overlapping_bookings}, claim overlaps "
        f"{after.overlapping_claims}, classes over capacity {after.classes_overfull})",
        f"outbox afterwards  {dict(after.outbox)}",
        f"CPU                serve {cpu}; this script {own:.0f} s ({own / elapsed:.0%})",
    ]
    if chats.refused:
        lines.append(f"refused by fakes   {dict(chats.refused)} (wrong credentials)")
    if chats.strangers:
        lines.append(f"other chats        {chats.strangers} bot messages to chats of no customer (staff)")
    if "violations" in result:
        lines.append(f"API violations     {len(result['violations'])} {result['violations'][:5]}")
    print("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--processes", type=int, default=1, help="serve processes behind the round robin")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop the customers after this")
    parser.add_argument("--think-min", type=float, default=1.0, help="seconds a customer takes to answer")
    parser.add_argument("--think-max", type=float, default=5.0)
    parser.add_argument("--ramp", type=float, default=5.0, help="customers start within this many seconds")
    parser.add_argument("--reply-timeout", type=float, default=60.0, help="a customer gives up after this")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--strict-fakes", action="store_true", help="tests/fakes' spec-checking servers")
    parser.add_argument(
        "--telegram-per-second", type=int, help="telegram.messages_per_second (TELEGRAM_MESSAGES_PER_SECOND)"
    )
    parser.add_argument(
        "--whatsapp-per-second", type=int, help="twilio.messages_per_second (TWILIO_MESSAGES_PER_SECOND)"
    )
    parser.add_argument(
        "--profile", help="bench-only: write a cProfile of serve process 0 into this directory"
    )
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
