"""Delivers the outbox within each platform's limits, and keeps what it could not deliver for later.

Telegram allows about one message a second per chat and thirty a second across chats, and answers 429 with
`retry_after` past that; Twilio answers 429 or 5xx when busy. Either way the message stays in the outbox
with a time to try again, and the chat's later messages wait behind it so that order is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from itertools import groupby

from bot.channels.base import Delivery, Outgoing, Sender
from storage.outbox import Message, Outbox

log = logging.getLogger("slotbot.outbox")

PER_CHAT_INTERVAL_S = {"telegram": 1.0}
PER_SECOND = {"telegram": 30, "whatsapp": 50}
IDLE_WAIT_S = 1.0


class RateLimit:
    """At most `per_second` sends in any one-second window."""

    def __init__(
        self,
        per_second: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self._clock()
            while self._sent and now - self._sent[0] >= 1.0:
                self._sent.popleft()
            if len(self._sent) >= self.per_second:
                await self._sleep(1.0 - (now - self._sent[0]))
                self._sent.popleft()
            self._sent.append(self._clock())


class Dispatcher:
    def __init__(
        self,
        box: Outbox,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        owner: str,
        prepare: Callable[[Message], Awaitable[Message]] | None = None,
        per_second: Mapping[str, int] | None = None,
    ) -> None:
        self.box = box
        self.prepare = prepare  # last-moment choices, such as WhatsApp's free-form or template
        self.senders = senders
        self.clock = clock
        self.owner = owner
        limits = {**PER_SECOND, **(per_second or {})}
        self._limits = {channel: RateLimit(n) for channel, n in limits.items()}
        self._last_sent: dict[tuple[str, str], float] = defaultdict(float)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: look at the outbox now rather than at the next idle tick."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delivered = await self.drain_once()
            except Exception:  # the database went away for a moment: the rows are still there
                log.exception("outbox: could not claim messages; trying again shortly")
                delivered = 0
            if delivered == 0:
                self._wake.clear()
                waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waiters, timeout=IDLE_WAIT_S, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()

    async def drain_once(self) -> int:
        """Claim the due messages and deliver them, chats side by side, each chat's messages in order."""
        messages = await self.box.claim(owner=self.owner, now=self.clock())
        chats = [list(group) for _, group in groupby(sorted(messages, key=_chat), key=_chat)]
        await asyncio.gather(*(self._deliver_chat(chat) for chat in chats))
        return len(messages)

    async def _deliver_chat(self, messages: list[Message]) -> None:
        for message in sorted(messages, key=lambda m: m.id):
            if not await self._deliver(message):
                return  # the rest of this chat waits behind it (Outbox.later held them back)

    async def _deliver(self, message: Message) -> bool:
        sender = self.senders.get(message.channel)
        if sender is None:
            await self.box.failed(message, f"no {message.channel} channel is configured", now=self.clock())
            return True
        await self._pace(message)
        try:
            ready = await self.prepare(message) if self.prepare else message
            result = await sender.send(Outgoing(ready.channel, ready.chat_id, ready.method, ready.params))
        except Exception as error:  # a bug or an unexpected library error: keep the message, try later
            log.exception("outbox: sending message %s failed", message.id)
            result = Delivery(ok=False, retry_after=_backoff(message.attempts), error=type(error).__name__)
        return await self._record(message, result)

    async def _pace(self, message: Message) -> None:
        # The per-chat limit is about new messages; answering a button or editing a message is not one.
        paced = message.method.startswith("send") or message.channel != "telegram"
        interval = PER_CHAT_INTERVAL_S.get(message.channel, 0.0) if paced else 0.0
        key = (message.channel, message.chat_id)
        wait = self._last_sent[key] + interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        limit = self._limits.get(message.channel)
        if limit is not None:
            await limit.wait()
        self._last_sent[key] = time.monotonic()

    async def _record(self, message: Message, result: Delivery) -> bool:
        now = self.clock()
        if result.ok:
            await self.box.sent(message, now=now)
            return True
        if result.retry_after is not None:
            log.warning(
                "outbox: %s message %s to retry in %.0f s", message.channel, message.id, result.retry_after
            )
            await self.box.later(message, seconds=result.retry_after, now=now, error=result.error or "")
            return False
        log.error("outbox: %s message %s failed for good: %s", message.channel, message.id, result.error)
        await self.box.failed(message, result.error or "failed", now=now)
        return True


def _chat(message: Message) -> tuple[str, str]:
    return (message.channel, message.chat_id)


def _backoff(attempts: int) -> float:
    return float(min(2 ** (attempts + 1), 300))
