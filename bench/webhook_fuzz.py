"""A seeded fuzzer for `slotbot serve`'s webhooks (issue 11, "No 5xx on any input").

    python bench/webhook_fuzz.py                       # 12,000 requests, seed 11
    python bench/webhook_fuzz.py --requests 50000 --seed 3

Starts the light fake Telegram and Twilio of bench/load.py and the spec-checking fake LiqPay of tests/fakes on
127.0.0.1, runs `slotbot db upgrade` and `slotbot serve --config config.yaml` on a fresh SQLite file (Telegram
in webhook mode, WhatsApp through Twilio, LiqPay in sandbox mode calling back /webhooks/liqpay), and sends
requests of the classes below over raw sockets (so that header bytes no HTTP library would send can be
sent), a few at a time. It prints the status codes per class, what the serve process logged as errors, the
calls the fake platforms refused, what the fake LiqPay found wrong in the bot's requests, and whether the
money in the store is what LiqPay took; it exits 1 if any request got a 5xx or no answer, or the serve
process logged an error.

Classes (each request is one of them, chosen at random):
  telegram valid     Updates as Telegram sends them: odd text, commands, the buttons last offered, others
  telegram shape     authenticated Updates of the wrong shape: message/chat/from/text/ids of any JSON type
  telegram json      authenticated bodies that are not Updates: any JSON, bytes, nesting 100,000 deep
  telegram forged    a wrong or missing secret, or header bytes that are not ASCII
  telegram unicode   Updates whose text is unicode digits, emoji, combining marks, escapes of lone
                     surrogates, other scripts, up to 5,000 characters
  telegram replay    an Update already sent, sent again
  twilio valid       signed WhatsApp messages: odd bodies, numbers, the options last offered, buttons
  twilio shape       signed forms of any fields and values
  twilio forged      unsigned, wrongly signed, a signature of bytes that are not ASCII
  twilio body        bodies that are not a URL-encoded UTF-8 form: other types, charsets, bytes, multipart
  twilio unicode     signed messages whose Body is as for telegram unicode
  twilio replay      a signed message already sent, sent again
  http broken        requests aiohttp cannot read as sent: header lines without a colon, broken chunks,
                     a Content-Encoding the body does not have
  liqpay valid       callbacks as LiqPay makes them for real orders (the checkout links the bot sent, opened
                     in the fake LiqPay): paid, failed, pending, and again once paid or refunded
  liqpay replay      a callback already sent, sent again
  liqpay forged      no signature or no data, a signature of other data, tampered data, bytes
  liqpay resigned    a callback signed with another shop's private key (and its public key)
  liqpay malformed   signed with the shop's key, data that is no payment document: not base64, not JSON,
                     not an object, fields missing or of any type, amounts and dates out of range, nesting
  liqpay body        bodies that are not a URL-encoded ASCII form: other types, bytes, 70 KB, 1,000 fields
  liqpay unknown     signed callbacks for orders that do not exist
  liqpay amount      signed callbacks paying a real order another amount or in another currency
  liqpay unicode     signed callbacks with unicode in every text field, lone surrogates among them
  twilio prepaid     (not drawn at random) --paying customers on WhatsApp numbers of their own, one a
                     second, who book a service with a prepayment up to the checkout link: the real orders
                     that the liqpay classes pay, fail, repeat and report with another amount

Expected: 2xx for what is authenticated and makes any sense as an update, a form or a payment document, 4xx
for the rest, never a 5xx. Every request is answered; the run stops by itself (--max-seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import inspect
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    CONFIG,
    PUBLIC_URL,
    SECRET_HEADER,
    TELEGRAM_SECRET,
    TWILIO_TOKEN,
    WHATSAPP_FROM,
    BotMessage,
    Chats,
    TelegramSink,
    TwilioSink,
    free_port,
    serve_processes,
)
from bot.config import load_settings  # noqa: E402
from conversations.texts import catalogue  # noqa: E402
from tests.fakes.liqpay_api import DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, FakeLiqPay, FakeOrder  # noqa: E402
from tests.fakes.liqpay_api import sign as liqpay_sign  # noqa: E402
from tests.fakes.twilio_api import sign  # noqa: E402

TWILIO_URL = f"{PUBLIC_URL}/webhooks/twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
FORM = "application/x-www-form-urlencoded"
CLASSES = (
    "telegram valid", "telegram shape", "telegram json", "telegram forged", "telegram unicode",
    "telegram replay", "twilio valid", "twilio shape", "twilio forged", "twilio body", "twilio unicode",
    "twilio replay", "http broken", "liqpay valid", "liqpay replay", "liqpay forged", "liqpay resigned",
    "liqpay malformed", "liqpay body", "liqpay unknown", "liqpay amount", "liqpay unicode",
)  # fmt: skip
SHOWN = (*CLASSES, "twilio prepaid")  # and the customers who book a prepaid service (class Paying)
NEEDS_ORDER = ("liqpay valid", "liqpay amount")  # sent only once a customer has opened a checkout link
LIQPAY_PATH = "/webhooks/liqpay"
OTHER_PUBLIC_KEY, OTHER_PRIVATE_KEY = "sandbox_i99999999", "sandbox_another0shops0private0key"
PAID = ("success", "sandbox", "reversed")  # what the fake LiqPay has taken money under
FAILED = ("failure", "error", "try_again")
PENDING = ("processing", "prepared", "wait_secure", "3ds_verify", "otp_verify", "wait_accept", "hold_wait")
CHECKOUT_LINK = re.compile(r"https?://\S+/api/3/checkout\?\S+")
ODD = (
    "²", "①", "⑦", "٣", "３", "½", "0", "-1", "99", "1.5", "hi", "help", "/start", "/book", "/my", "/help",
    "/lang", "/unknown", "book", "cancel", "reschedule", "my bookings", "start over", "yes", "no", "back",
    "haircut tomorrow at 3", "manicure friday 10:00", "стрижка завтра о 15", "in 3 days", "after 5",
    "2099-12-31 10:00", "31.02", "December 5 at 9", "Olha", "050 123 45 67", "+380501234567", "", " ",
)  # fmt: skip
UNICODE = (
    "😀👍🏽", "\u202eevil\u202c", "a\u0301\u0302\u0303" * 50, "ǅ", "ﷺ", "𝟙𝟚𝟛", "Ⅻ", "\u0000", "\ufeff",
    "中文预约明天", "العربية ٣", "עברית", "ελληνικά", "ąęłńśźż", "\u200b" * 100, "￼", "\U0010ffff",
)  # fmt: skip
ACTIONS = (
    "m:book", "m:my", "m:help", "m:lang", "m:ok", "m:otherday", "m:abandon", "svc:nope", "day:abc", "t:0",
    "day:20200101", "more:20991231", "bk:x", "lang:xx", "stf:*", "t:99999999999999", "",
)  # fmt: skip


class Last(Chats):
    """What the fake platforms received, kept as each chat's last message with options (for pressing)."""

    def __init__(self) -> None:
        super().__init__(lambda body: BotMessage(body, ()))
        self.telegram_buttons: dict[int, list[tuple[int, str]]] = {}
        self.whatsapp_numbers: dict[str, int] = {}
        self.links: list[str] = []  # checkout links the bot sent (a URL button, a line on WhatsApp)
        self.link_messages: Counter[str] = Counter()
        self.whatsapp_last: dict[str, str] = {}  # each number's last message, and how many it got
        self.whatsapp_seen: Counter[str] = Counter()

    def telegram(self, chat_id: int | str, message_id: int, text: str, markup: dict[str, Any] | None) -> None:
        pressed = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
        buttons = [b["callback_data"] for b in pressed if "callback_data" in b]
        if buttons:
            self.telegram_buttons[int(chat_id)] = [(message_id, data) for data in buttons]
        self.links += [b["url"] for b in pressed if "url" in b]
        self.link_messages["telegram"] += any("url" in b for b in pressed)
        self.received["telegram"] += 1

    def whatsapp(self, to: str, body: str) -> None:
        listed = re.findall(r"(?m)^(\d+)\. ", body)
        if listed:
            self.whatsapp_numbers[to.removeprefix("whatsapp:")] = int(listed[-1])
        self.links += CHECKOUT_LINK.findall(body)
        self.link_messages["whatsapp"] += bool(CHECKOUT_LINK.search(body))
        number = to.removeprefix("whatsapp:")
        self.whatsapp_last[number] = body
        self.whatsapp_seen[number] += 1
        self.received["whatsapp"] += 1


# ---- making requests -------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    """JSON as LiqPay writes it: amounts (Decimal here) as numbers."""
    return json.dumps(value, default=float)


Request = tuple[str, bytes, list[tuple[bytes, bytes]], bytes | None]  # path, body, headers, raw override


class Maker:
    """Seeded requests of every class."""

    def __init__(self, rng: random.Random, last: Last, liqpay: FakeLiqPay) -> None:
        self.rng = rng
        self.last = last
        self.liqpay = liqpay
        self.opened = 0  # of last.links, opened in the fake LiqPay (as the customer's browser does)
        self.sent_callbacks: list[bytes] = []
        self.update_id = 1_000_000
        self.sid = 0
        self.sent_updates: list[bytes] = []
        self.sent_forms: list[tuple[bytes, bytes]] = []
        # Few enough chats that their conversations go on for dozens of messages each.
        self.chats = [380_500_000_000 + n for n in range(40)] + [-1_001_234_567_000 - n for n in range(4)]
        self.numbers = [f"+38050{n:07d}" for n in range(40)]

    async def make(self, kind: str) -> tuple[str, Request]:
        """A request of `kind` (one needing a real order becomes another kind while there is none)."""
        if kind.startswith("liqpay"):
            await self._open_links()
        if kind in NEEDS_ORDER and not self.liqpay.orders:
            kind = self.rng.choice([k for k in CLASSES if k not in NEEDS_ORDER])
        maker: Callable[[], Request | Awaitable[Request]] = getattr(self, "_" + kind.replace(" ", "_"))
        made = maker()
        return kind, await made if inspect.isawaitable(made) else made

    # -- Telegram

    def _telegram(self, update: Any, secret: bytes | None = TELEGRAM_SECRET.encode()) -> Request:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = [(b"Content-Type", b"application/json")]
        if secret is not None:
            headers.append((SECRET_HEADER.encode(), secret))
        return "/webhooks/telegram", body, headers, None

    def _next_id(self) -> int:
        self.update_id += 1
        return self.update_id

    def _message(self, chat: int, said: Any, **extra: Any) -> dict[str, Any]:
        message = {
            "message_id": self.rng.randint(1, 10**6),
            "from": {
                "id": abs(chat) % 10**10 or 1,
                "is_bot": False,
                "first_name": "Fuzz",
                "language_code": "en",
            },
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
            "date": int(time.time()),
            "text": said,
            **extra,
        }
        return {"update_id": self._next_id(), "message": message}

    def _press(self, chat: int, message_id: int, data: Any) -> dict[str, Any]:
        query = {
            "id": str(self.rng.randint(1, 10**12)),
            "from": {"id": abs(chat) % 10**10 or 1, "is_bot": False, "first_name": "Fuzz"},
            "chat_instance": "1",
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": "…",
            },
            "data": data,
        }
        return {"update_id": self._next_id(), "callback_query": query}

    def _telegram_valid(self) -> Request:
        rng, chat = self.rng, self.rng.choice(self.chats)
        offered = self.last.telegram_buttons.get(chat)
        if offered and rng.random() < 0.6:
            update = self._press(chat, *rng.choice(offered))
        elif rng.random() < 0.2:
            update = self._press(chat, rng.randint(1, 50), f"{rng.randint(0, 9)}|{rng.choice(ACTIONS)}")
        else:
            update = self._message(chat, rng.choice(ODD))
        self.sent_updates.append(json.dumps(update).encode())
        return self._telegram(update)

    def _telegram_shape(self) -> Request:
        rng, chat = self.rng, self.rng.choice(self.chats)
        update = (
            self._message(chat, rng.choice(ODD)) if rng.random() < 0.5 else self._press(chat, 41, "1|m:book")
        )
        holder = update.get("message") or update["callback_query"]
        target = rng.choice([
            "message", "chat", "chat.id", "from", "from.id", "text", "message_id", "query.id",
            "query.message", "query.data", "update_id", "from.first_name",
        ])  # fmt: skip
        value = self._json(2)
        if target == "message":
            update = {"update_id": update["update_id"], rng.choice(["message", "callback_query"]): value}
        elif target == "update_id":
            update["update_id"] = rng.choice([10**40, -5, 2**53, value])
        elif target.startswith("query."):
            if "callback_query" in update:
                update["callback_query"][target[6:]] = value
        elif target == "chat.id":
            (holder.get("chat") or holder["message"]["chat"])["id"] = rng.choice(
                ["", "abc", 10**30, 0, 1.5, value]
            )
        elif target == "from.id":
            holder["from"]["id"] = value
        elif target == "from.first_name":
            holder["from"]["first_name"] = value
        elif rng.random() < 0.3:
            holder.pop(target, None)
        else:
            holder[target] = value
        return self._telegram(update)

    def _json(self, depth: int) -> Any:
        rng = self.rng
        kind = rng.randrange(8 if depth > 0 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rng.choice([True, False])
        if kind == 2:
            return rng.choice([0, -1, 1, 2**31, 2**63, 10**40, rng.randint(-(10**9), 10**9)])
        if kind == 3:
            return rng.choice([0.5, -1e308, 1e308])
        if kind in (4, 5):
            return rng.choice(ODD + UNICODE + ("x" * 70,))
        if kind == 6:
            return [self._json(depth - 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(["id", "text", "chat", "from", "a", ""]): self._json(depth - 1) for _ in range(3)}

    def _telegram_json(self) -> Request:
        rng = self.rng
        choice = rng.randrange(6)
        if choice == 0:
            body = rng.randbytes(rng.randint(0, 400))
        elif choice == 1:
            depth = rng.choice([1000, 10_000, 100_000])
            body = b"[" * depth + b"]" * depth
        elif choice == 2:
            body = b'{"update_id": 1, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001
        elif choice == 3:
            body = json.dumps({"update_id": rng.choice([1, "1", None, True, 1.5])}).encode()
        else:
            body = json.dumps(self._json(3)).encode()
        return self._telegram(body)

    def _telegram_forged(self) -> Request:
        rng, chat = self.rng, self.rng.choice(self.chats)
        secret = rng.choice([
            None, b"", b"wrong", TELEGRAM_SECRET.encode() + b"x", b"\xff", TELEGRAM_SECRET.encode() + b"\xc3",
            "é".encode() * 5, bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 300))),
        ])  # fmt: skip
        return self._telegram(self._message(chat, rng.choice(ODD)), secret)

    def _unicode_text(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return (rng.choice(UNICODE) * 5000)[: rng.choice([1600, 4096, 4097, 5000])]
        return "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 5)))

    def _telegram_unicode(self) -> Request:
        update = self._message(self.rng.choice(self.chats), "PLACEHOLDER")
        body = json.dumps(update).encode()
        text = json.dumps(self._unicode_text()).encode()
        if self.rng.random() < 0.2:
            text = rb'"Ol\ud800ha \udfff"'  # lone surrogates: JSON can say them, UTF-8 cannot
        return self._telegram(body.replace(b'"PLACEHOLDER"', text))

    def _telegram_replay(self) -> Request:
        if not self.sent_updates:
            return self._telegram_valid()
        return self._telegram(self.rng.choice(self.sent_updates))

    # -- Twilio

    def _twilio(self, pairs: list[tuple[str, str]], signature: bytes | None = b"sign") -> Request:
        body = urlencode(pairs).encode()
        headers = [(b"Content-Type", FORM.encode())]
        if signature == b"sign":
            signature = sign(TWILIO_URL, pairs, TWILIO_TOKEN).encode()
        if signature is not None:
            headers.append((SIGNATURE_HEADER.encode(), signature))
        return "/webhooks/twilio", body, headers, None

    def _form(self, number: str, body: str, **extra: str) -> list[tuple[str, str]]:
        self.sid += 1
        sid = f"SM{self.rng.getrandbits(96):024x}{self.sid:08x}"
        pairs = [
            ("SmsMessageSid", sid), ("NumMedia", "0"), ("ProfileName", "Fuzz"), ("MessageType", "text"),
            ("WaId", number.lstrip("+")), ("Body", body), ("To", WHATSAPP_FROM), ("NumSegments", "1"),
            ("MessageSid", sid), ("AccountSid", "AC" + "0" * 32), ("From", f"whatsapp:{number}"),
            ("ApiVersion", "2010-04-01"),
        ]  # fmt: skip
        return pairs + list(extra.items())

    def _twilio_valid(self) -> Request:
        rng, number = self.rng, self.rng.choice(self.numbers)
        listed = self.last.whatsapp_numbers.get(number)
        if listed and rng.random() < 0.6:
            pairs = self._form(number, str(rng.randint(1, listed)))
        elif rng.random() < 0.15:
            pairs = self._form(number, "", ButtonPayload=f"{rng.randint(0, 9)}|{rng.choice(ACTIONS)}")
        else:
            pairs = self._form(number, rng.choice(ODD))
        self.sent_forms.append((urlencode(pairs).encode(), sign(TWILIO_URL, pairs, TWILIO_TOKEN).encode()))
        return self._twilio(pairs)

    def _twilio_shape(self) -> Request:
        rng = self.rng
        names = [
            "From",
            "To",
            "Body",
            "MessageSid",
            "ButtonPayload",
            "ListId",
            "MessageStatus",
            "NumMedia",
            "",
        ]
        values = [
            f"whatsapp:{rng.choice(self.numbers)}", rng.choice(self.numbers), "whatsapp:", "whatsapp:+0",
            "SM" + "x" * 80, "SM1", "", *ODD[:10], *UNICODE[:5],
        ]  # fmt: skip
        if rng.random() < 0.5:
            pairs = self._form(rng.choice(self.numbers), rng.choice(ODD))
            index = rng.randrange(len(pairs))
            pairs[index] = (pairs[index][0], rng.choice(values))
        else:
            pairs = [(rng.choice(names), rng.choice(values)) for _ in range(rng.randint(0, 8))]
        return self._twilio(pairs)

    def _twilio_forged(self) -> Request:
        rng = self.rng
        pairs = self._form(rng.choice(self.numbers), rng.choice(ODD))
        signature = rng.choice([
            None, b"", b"wrong", sign(TWILIO_URL, pairs, "another-token").encode(),
            sign(TWILIO_URL + "x", pairs, TWILIO_TOKEN).encode(), b"\xff", "é".encode() * 14,
            base64.b64encode(rng.randbytes(20)) + b"\x80",
        ])  # fmt: skip
        return self._twilio(pairs, signature)

    def _twilio_body(self) -> Request:
        rng = self.rng
        content_type, body = rng.choice([
            (FORM, b"Body=%ff%fe&From=whatsapp%3A%2B380501234567"),
            (FORM, b"Body=\xff\xfe"),
            (FORM + "; charset=nonexistent", b"Body=hi"),
            (FORM + "; charset=utf-16", b"Body=hi"),
            ("multipart/form-data", b"garbage"),
            ("multipart/form-data; boundary=xyz", b"garbage"),
            ("application/json", b'{"Body": "hi"}'),
            ("text/plain", b"Body=hi"),
            (FORM, b"&".join(b"f%d=1" % n for n in range(1000))),
            (FORM, rng.randbytes(rng.randint(0, 300))),
        ])  # fmt: skip
        return "/webhooks/twilio", body, [(b"Content-Type", content_type.encode())], None

    def _twilio_unicode(self) -> Request:
        return self._twilio(self._form(self.rng.choice(self.numbers), self._unicode_text()))

    def _twilio_replay(self) -> Request:
        if not self.sent_forms:
            return self._twilio_valid()
        body, signature = self.rng.choice(self.sent_forms)
        headers = [(b"Content-Type", FORM.encode()), (SIGNATURE_HEADER.encode(), signature)]
        return "/webhooks/twilio", body, headers, None

    # -- HTTP itself

    def _http_broken(self) -> Request:
        rng = self.rng
        secret = f"{SECRET_HEADER}: {TELEGRAM_SECRET}\r\n".encode()
        update = json.dumps(self._message(rng.choice(self.chats), "hi")).encode()
        truncated = zlib.compress(update)[:-3]
        raw = rng.choice([
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\n" + secret
            + b"Bad Header\r\nContent-Length: 2\r\n\r\n{}",
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\n" + secret
            + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\n" + secret
            + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(update) + update,
            b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode()
            + b"\r\nContent-Encoding: deflate\r\nContent-Length: 5\r\n\r\nnotgz",
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\n" + secret
            + b"Content-Encoding: deflate\r\nContent-Length: %d\r\n\r\n" % len(truncated) + truncated,
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\n" + secret + b"Content-Length: -5\r\n\r\n",
            b"GET /webhooks/telegram HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /webhooks/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n" + secret + b"\r\n"
            + b"x" * 2_000_000,
        ])  # fmt: skip
        return "", b"", [], raw

    # -- LiqPay

    async def _open_links(self) -> None:
        while self.opened < len(self.last.links):
            self.opened += 1
            await self.liqpay.open(self.last.links[self.opened - 1])

    def _liqpay(self, form: list[tuple[str, str]] | bytes, content_type: str = FORM) -> Request:
        body = form if isinstance(form, bytes) else urlencode(form).encode()
        return LIQPAY_PATH, body, [(b"Content-Type", content_type.encode())], None

    def _signed(self, document: Any, key: str = DEFAULT_PRIVATE_KEY, *, raw: str | None = None) -> Request:
        """A callback's form: `document` as LiqPay writes it (amounts as JSON numbers), or `raw` as is."""
        text = raw if raw is not None else _dumps(document)
        data = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
        return self._liqpay([("data", data), ("signature", liqpay_sign(data, key))])

    def _remember(self, request: Request) -> Request:
        self.sent_callbacks.append(request[1])
        return request

    def _order(self, unpaid: bool = False) -> FakeOrder:
        orders = list(self.liqpay.orders.values())
        waiting = [o for o in orders if o.status not in PAID]
        return self.rng.choice(waiting if unpaid and waiting else orders)

    def _made_up(self) -> dict[str, Any]:
        """A payment document for an order nobody made (or a real one's, when there is one)."""
        if self.liqpay.orders and self.rng.random() < 0.5:
            order = self._order()
            if order.status is not None:
                return self.liqpay.document(order)
        code = "".join(self.rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
        return {
            "payment_id": self.rng.randint(1, 10**9), "action": "pay", "status": "sandbox", "version": 3,
            "type": "buy", "public_key": DEFAULT_PUBLIC_KEY, "order_id": f"{code}-{self.rng.randint(1, 3)}",
            "amount": 500.0, "currency": "UAH", "description": "Фарбування",
            "end_date": int(time.time() * 1000),
        }  # fmt: skip

    async def _liqpay_valid(self) -> Request:
        """What LiqPay sends for a real order: the customer pays, fails or waits; a paid one is sent again."""
        rng, order = self.rng, self._order(unpaid=True)
        if order.status not in PAID:
            roll, late = rng.random(), order.expires is not None and datetime.now(UTC) > order.expires
            if roll < 0.6:
                await self.liqpay.pay(order.order_id, callbacks=0, late=late)
            else:
                status = rng.choice(FAILED if roll < 0.85 else PENDING)
                await self.liqpay.fail(order.order_id, status, callbacks=0)
        return self._remember(self._liqpay(list(self.liqpay.signed(self.liqpay.document(order)).items())))

    async def _liqpay_replay(self) -> Request:
        if not self.sent_callbacks:
            return await self._liqpay_valid() if self.liqpay.orders else self._liqpay_unknown()
        return self._liqpay(self.rng.choice(self.sent_callbacks))

    def _liqpay_forged(self) -> Request:
        rng, document = self.rng, self._made_up()
        form = self.liqpay.signed(document)
        data, signature = form["data"], form["signature"]
        tampered = base64.b64encode(_dumps({**document, "amount": 1.0}).encode()).decode()
        other = self.liqpay.signed({**document, "order_id": "ZZZZZZZZ-1"})["signature"]
        pairs = rng.choice([
            [("data", data)], [("signature", signature)], [("data", ""), ("signature", "")], [],
            [("data", data), ("signature", base64.b64encode(rng.randbytes(20)).decode())],
            [("data", data), ("signature", other)], [("data", tampered), ("signature", signature)],
            [("data", data), ("signature", signature.lower())],
            [("data", data + "\n"), ("signature", signature)],
            [("data", data), ("signature", signature.rstrip("="))], [("data", data), ("signature", "é" * 28)],
            [("data", data), ("data", tampered), ("signature", signature)],
        ])  # fmt: skip
        if rng.random() < 0.1:  # a signature of bytes that are not ASCII, as sent
            return self._liqpay(f"data={data}&signature=".encode() + rng.randbytes(28))
        return self._liqpay(pairs)

    def _liqpay_resigned(self) -> Request:
        document = self._made_up()
        if self.rng.random() < 0.5:
            document = {**document, "public_key": OTHER_PUBLIC_KEY}
        return self._signed(document, OTHER_PRIVATE_KEY)

    def _liqpay_malformed(self) -> Request:
        rng, document = self.rng, self._made_up()
        field = rng.choice(["amount", "currency", "order_id", "status", "payment_id", "end_date",
                            "refund_amount", "public_key"])  # fmt: skip
        value = rng.choice([
            None, True, "", "abc", "NaN", "-Infinity", -5, 0, 1.5, 10**30, 10**400, -(10**20), [1], {"a": 1},
            "1e999999", "0x10", "５００", 2**63, -1, "1" * 5000,
        ])  # fmt: skip
        raw = rng.choice([
            None, None, None, "[]", "1", '"x"', "null", "{}", "[" * 100_000 + "]" * 100_000,
            '{"order_id": ' * 2000 + "1" + "}" * 2000, "not json", "{\"status\": \"sandbox\"}",
            _dumps({**document, "amount": 1e400}).replace("Infinity", "1e400"),
            _dumps({**document, "end_date": "9" * 30}).replace('"' + "9" * 30 + '"', "9" * 30),
        ])  # fmt: skip
        if raw is None:
            shaped = dict(document)
            if value is None and rng.random() < 0.5:
                shaped.pop(field, None)
            else:
                shaped[field] = value
            raw = _dumps(shaped)
        if rng.random() < 0.15:  # not base64 at all, or base64 of bytes that are not UTF-8, signed
            garbage = base64.b64encode(rng.randbytes(60)).decode()
            data = rng.choice(["not base64!", rng.randbytes(30).hex() + "=", garbage])
            return self._liqpay([("data", data), ("signature", liqpay_sign(data, DEFAULT_PRIVATE_KEY))])
        if rng.random() < 0.1:  # line-wrapped base64, signed as wrapped
            data = base64.encodebytes(raw.encode()).decode()
            return self._liqpay([("data", data), ("signature", liqpay_sign(data, DEFAULT_PRIVATE_KEY))])
        return self._signed(None, raw=raw)

    def _liqpay_body(self) -> Request:
        rng = self.rng
        form = self.liqpay.signed(self._made_up())
        content_type, body = rng.choice([
            ("application/json", _dumps(form).encode()),
            (FORM, rng.randbytes(rng.randint(0, 300))),
            (FORM, b""),
            (FORM, b"data=" + b"A" * 70_000 + b"&signature=x"),
            (FORM, b"&".join(b"f%d=1" % n for n in range(1000))),
            (FORM, b"data=%ff%fe&signature=%80"),
            (FORM, f"data={form['data']}&signature={form['signature']}".encode()),  # '+' not encoded
            ("multipart/form-data; boundary=xyz", b"--xyz\r\ngarbage"),
            ("text/plain", urlencode(form).encode()),
            (FORM, urlencode([("data", "e30="), *form.items()]).encode()),  # the last of two is read
        ])  # fmt: skip
        return self._liqpay(body, content_type)

    def _liqpay_unknown(self) -> Request:
        rng, document = self.rng, self._made_up()
        known = [o.order_id for o in self.liqpay.orders.values()]
        order = rng.choice([
            "ZZZZZZZZ-1", "-1", "x" * 300, "' OR 1=1 --", f"{known[0].split('-')[0]}-99" if known else "A-99",
            f"{rng.getrandbits(40):010X}-{rng.randint(1, 9)}",
        ])  # fmt: skip
        return self._signed({**document, "order_id": order, "status": rng.choice([*PAID, *FAILED, *PENDING])})

    async def _liqpay_amount(self) -> Request:
        """A real order paid (in the fake) and reported with another amount or currency."""
        rng, order = self.rng, self._order(unpaid=True)
        if order.status not in PAID:
            late = order.expires is not None and datetime.now(UTC) > order.expires
            await self.liqpay.pay(order.order_id, callbacks=0, late=late)
        document = self.liqpay.document(order)
        if rng.random() < 0.5:
            less = [Decimal("0.01"), Decimal(1), order.amount - 1, order.amount - Decimal("0.01")]
            document["amount"] = rng.choice(less)
        else:
            document["currency"] = rng.choice(["USD", "EUR", "uah", "XXX", ""])
        return self._remember(self._liqpay(list(self.liqpay.signed(document).items())))

    def _liqpay_unicode(self) -> Request:
        rng, document = self.rng, self._made_up()
        field = rng.choice(
            ["description", "err_description", "order_id", "status", "currency", "sender_first_name"]
        )
        if rng.random() < 0.3:  # a lone surrogate: JSON can say it, UTF-8 cannot
            raw = _dumps({**document, field: "LONE"}).replace('"LONE"', r'"Ol\ud800ha \udfff"')
            return self._signed(None, raw=raw)
        return self._signed({**document, field: self._unicode_text()})


# ---- customers who pay -----------------------------------------------------------------------------------


class Paying:
    """WhatsApp customers (numbers of their own) who book a service with a prepayment up to the checkout
    link, a few seconds apart through the run: the real orders that the liqpay classes pay, fail and report
    wrongly. Their messages are counted as `twilio prepaid`."""

    def __init__(self, maker: Maker, last: Last, count: int) -> None:
        business = load_settings(CONFIG, {}).business
        lang = business.default_language
        words = catalogue(lang).TEXTS
        self.maker, self.last, self.count = maker, last, count
        self.services = [s.title(lang, lang) for s in business.services if s.prepayment > 0]
        self.buttons = [str(words["menu_book"]), str(words["confirm"])]

    async def run(self, send_one: Callable[[str, Request], Awaitable[None]], spacing: float) -> None:
        async def customer(n: int) -> None:
            await asyncio.sleep(n * spacing)
            await self.book(f"+38067{n:07d}", send_one)

        await asyncio.gather(*(customer(n) for n in range(self.count)))

    async def book(self, number: str, send_one: Callable[[str, Request], Awaitable[None]]) -> None:
        said = "привіт"
        for _ in range(15):
            seen = self.last.whatsapp_seen[number]
            await send_one("twilio prepaid", self.maker._twilio(self.maker._form(number, said)))
            for _ in range(500):  # up to 10 s for the reply
                if self.last.whatsapp_seen[number] > seen:
                    break
                await asyncio.sleep(0.02)
            else:
                return
            body = self.last.whatsapp_last[number]
            if CHECKOUT_LINK.search(body):
                return
            said = self.answer(body)

    def answer(self, body: str) -> str:
        """The prepaid service, Book and Confirm when offered; a name when no options are; else the first."""
        options = re.findall(r"(?m)^(\d+)\. (.+)$", body)
        for wanted in (*self.services, *self.buttons):
            for number, label in options:
                if label.startswith(wanted):
                    return str(number)
        return "1" if options else "Olha"


# ---- sending ---------------------------------------------------------------------------------------------


async def send(host: str, port: int, request: Request, timeout: float) -> int:
    """The status of one request over a fresh connection; 0 if the server closed it without an answer."""
    path, body, headers, raw = request
    reader, writer = await asyncio.open_connection(host, port)
    try:
        if raw is None:
            lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {host}:{port}".encode()]
            lines += [name + b": " + value for name, value in headers]
            lines.append(b"Content-Length: %d" % len(body))
            raw = b"\r\n".join(lines) + b"\r\n\r\n" + body
        writer.write(raw)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if length:
            await asyncio.wait_for(reader.readexactly(int(length[1])), timeout)
        return status
    except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
        return 0
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    last = Last()
    workdir = Path(tempfile.mkdtemp(prefix="slotbot-fuzz-"))
    telegram, twilio = TelegramSink(last), TwilioSink(last)
    await telegram.start()
    await twilio.start()
    liqpay = FakeLiqPay()
    await liqpay.__aenter__()
    port = free_port()
    liqpay_env = {
        "LIQPAY_PUBLIC_KEY": DEFAULT_PUBLIC_KEY,
        "LIQPAY_PRIVATE_KEY": DEFAULT_PRIVATE_KEY,
        "LIQPAY_SANDBOX": "true",
        "LIQPAY_API_BASE": liqpay.base_url,
        "LIQPAY_SERVER_URL": f"http://127.0.0.1:{port}{LIQPAY_PATH}",
    }
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    settings = argparse.Namespace(
        processes=1, telegram_per_second=1000, whatsapp_per_second=None, profile=None
    )
    started = time.perf_counter()
    try:
        async with serve_processes(
            settings,
            f"sqlite:///{workdir / 'fuzz.db'}",
            telegram.base_url,
            twilio.base_url,
            workdir,
            ports=[port],
            extra_env=liqpay_env,
        ) as servers:
            host = servers.urls[0].removeprefix("http://").split(":")[0]
            maker = Maker(rng, last, liqpay)
            kinds = [rng.choice(CLASSES) for _ in range(args.requests)]
            queue: asyncio.Queue[str] = asyncio.Queue()
            for kind in kinds:
                queue.put_nowait(kind)
            deadline = started + args.max_seconds

            async def send_one(kind: str, request: Request) -> None:
                statuses[kind][await send(host, port, request, args.timeout)] += 1

            async def worker() -> None:
                while not queue.empty() and time.perf_counter() < deadline:
                    await send_one(*await maker.make(queue.get_nowait()))

            paying = Paying(maker, last, args.paying)
            await asyncio.gather(
                paying.run(send_one, args.paying_every), *(worker() for _ in range(args.concurrency))
            )
            await asyncio.sleep(2)  # the outbox sends what the last requests queued
    finally:
        await telegram.stop()
        await twilio.stop()
        await liqpay.__aexit__(None, None, None)
    elapsed = time.perf_counter() - started
    return report(args, statuses, last, workdir, elapsed, liqpay)


def report(
    args: argparse.Namespace,
    statuses: dict[str, Counter[int]],
    last: Last,
    workdir: Path,
    elapsed: float,
    liqpay: FakeLiqPay,
) -> int:
    total = sum(sum(c.values()) for c in statuses.values())
    print(f"== {total} requests, seed {args.seed}, concurrency {args.concurrency}, {elapsed:.0f} s")
    print(f"{'class':18} {'sent':>6}  status codes")
    every: Counter[int] = Counter()
    for kind in SHOWN:
        counts = statuses.get(kind, Counter())
        every += counts
        shown = ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(counts.items()))
        print(f"{kind:18} {sum(counts.values()):6}  {shown}")
    shown = ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(every.items()))
    print(f"{'all':18} {total:6}  {shown}")
    failures = sum(n for code, n in every.items() if code >= 500 or code == 0)
    log = (workdir / "serve0.log").read_text(errors="replace").splitlines()
    errors = [line for line in log if '"level": "error"' in line or '"level": "critical"' in line]
    warnings = sum('"level": "warning"' in line for line in log)
    print(f"5xx or no answer   {failures}")
    print(f"serve log          {len(log)} lines: {warnings} warnings, {len(errors)} errors")
    for line in errors[:5]:
        print(f"  {line[:300]}")
    print(f"bot messages       {dict(last.received)} delivered; refused by the fakes {dict(last.refused)}")
    with contextlib.closing(sqlite3.connect(workdir / "fuzz.db")) as db:
        bookings = dict(db.execute("SELECT status, count(*) FROM bookings GROUP BY status").fetchall())
        rows = db.execute("SELECT data FROM conversations WHERE data IS NOT NULL").fetchall()
    states = Counter(json.loads(data)["state"] for (data,) in rows)
    print(f"how far they got   bookings {bookings}; conversations by state {dict(states.most_common())}")
    wrong = money_report(workdir / "fuzz.db", liqpay, last)
    print(f"logs: {workdir}")
    return 1 if failures or errors or wrong else 0


def money_report(path: Path, liqpay: FakeLiqPay, last: Last) -> int:
    """What LiqPay (the fake) took and gave back against what the store recorded; how many things are wrong:
    money recorded that LiqPay never took, more given back than paid, a booking's `paid` that is not what
    its attempts keep, a refund callback not answered 200, a request of the bot's LiqPay found against the
    spec."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        attempts = db.execute(
            "SELECT order_id, booking_id, state, paid, refund_wanted, refunded FROM payments"
        ).fetchall()
        booked = dict(db.execute("SELECT id, paid FROM bookings").fetchall())
        status = dict(db.execute("SELECT id, status FROM bookings").fetchall())
    taken = {o.order_id for o in liqpay.orders.values() if o.status in PAID}
    kept: Counter[int] = Counter()
    wrong = []
    for order, booking, _, paid, wanted, refunded in attempts:
        paid, wanted, refunded = (Decimal(str(v)) for v in (paid, wanted, refunded))
        kept[booking] += paid - max(wanted, refunded)  # type: ignore[assignment]
        if paid > 0 and order not in taken:
            wrong.append(f"{order}: {paid} recorded as paid, never taken by LiqPay")
        if not refunded <= paid or not wanted <= paid:
            wrong.append(f"{order}: paid {paid}, to go back {wanted}, given back {refunded}")
        if paid > 0 and wanted == 0 and status[booking] not in ("confirmed", "cancelled"):
            wrong.append(f"{order}: {paid} kept for booking {booking}, which is {status[booking]}")
    wrong += [
        f"booking {b}: paid {booked[b]}, its attempts keep {kept[b]}"
        for b in booked
        if Decimal(str(booked[b])) != kept[b]
    ]
    refund_calls = Counter(
        d.http_status for o in liqpay.orders.values() for d in o.callbacks if d.status == "reversed"
    )
    wrong += [f"a refund callback answered {code}" for code, n in refund_calls.items() if code != 200]
    wrong += [f"LiqPay API: {v}" for v in liqpay.violations]
    fake = Counter(str(o.status) for o in liqpay.orders.values())
    refunds = sum(len(o.refunds) for o in liqpay.orders.values())
    print(
        f"liqpay             checkout links in {dict(last.link_messages)} messages, "
        f"{len(liqpay.orders)} orders opened; "
        f"in the fake by status {dict(fake)}; {refunds} refunds made, their callbacks {dict(refund_calls)}"
    )
    states = Counter(state for _, _, state, *_ in attempts)
    print(f"payments stored    {dict(states)}; money wrong {len(wrong)}")
    for line in wrong[:10]:
        print(f"  {line}")
    return len(wrong)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one answer")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop sending after this")
    parser.add_argument("--paying", type=int, default=40, help="customers who book a prepaid service")
    parser.add_argument("--paying-every", type=float, default=1.0, help="seconds between their starts")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
