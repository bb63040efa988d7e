"""Delivers the outbox within each platform's limits, and keeps what it could not deliver for later.

Telegram allows about one message a second per chat and thirty a second across chats, and answers 429 with
`retry_after` past that; Twilio answers 429 or 5xx when busy. Either way the message stays in the outbox
with a time to try again, and the chat's later messages wait behind it so that order is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

from bot.channels.base import Delivery, Outgoing, Sender
from bot.nap import nap
from storage.outbox import LEASE_S, Message, Outbox

log = logging.getLogger("slotbot.outbox")

PER_CHAT_INTERVAL_S = {"telegram": 1.0}
PER_SECOND = {"telegram": 30}  # Twilio queues on its side what exceeds a sender's throughput
IDLE_WAIT_S = 0.5  # how often to look for messages queued by others (other processes, retries come due)
CLAIM_LIMIT = 100
BACKLOG_LIMIT = 1000  # messages held in memory; past it, new ones wait in the store for a later claim


class RateLimit:
    """At most `per_second` sends in any one-second window. No lock and no queue: each caller reserves the
    earliest moment that keeps the window within the limit and sleeps until then."""

    def __init__(
        self,
        per_second: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self._clock, self._sleep = clock, sleep
        self._reserved: deque[float] = deque(maxlen=per_second)  # the latest `per_second` send times

    async def wait(self) -> None:
        now = self._clock()
        reserved = self._reserved
        at = max(now, reserved[0] + 1.0) if len(reserved) == self.per_second else now
        reserved.append(at)
        if at > now:
            await self._sleep(at - now)


class Dispatcher:
    """Sends each chat's messages in order, chats side by side, as soon as they are queued.

    A turn's messages come straight from the runner (`submit`), already claimed in the transaction that wrote
    them; `run` also claims from the store what others queued or what came due again. Each chat has its own
    worker, so one chat waiting out its pacing or a retry holds up no other chat. Delivered messages are
    marked sent in batches."""

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
        self._last_sent: dict[tuple[str, str], float] = {}
        self._queues: dict[tuple[str, str], deque[Message]] = {}
        self._workers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._held: set[int] = set()  # ids queued or being sent here
        self._delivered: list[int] = []
        self._marking: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._claim_after_marking = False

    @property
    def accepting(self) -> bool:
        """Whether new messages may be handed over directly rather than left in the store."""
        return len(self._held) < BACKLOG_LIMIT

    def wake(self) -> None:
        """Something was queued in the store: look now rather than at the next idle tick."""
        self._wake.set()

    def submit(self, messages: Iterable[Message]) -> None:
        """Send these messages, which this sender has claimed; each chat's in id order."""
        for message in sorted(messages, key=lambda m: m.id):
            if message.id in self._held:
                continue
            self._held.add(message.id)
            key = (message.channel, message.chat_id)
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = deque()
            queue.append(message)
            if key not in self._workers:
                self._workers[key] = asyncio.create_task(self._work(key, queue), name=f"outbox {key[0]}")

    async def run(self, stop: asyncio.Event) -> None:
        renew_at = time.monotonic() + LEASE_S / 3
        while not stop.is_set():
            self._wake.clear()
            try:
                await self._claim()
                if time.monotonic() >= renew_at:
                    renew_at = time.monotonic() + LEASE_S / 3
                    await self._renew()
            except Exception:  # the database went away for a moment: the rows are still there
                log.exception("outbox: could not claim messages; trying again shortly")
            await nap(self._wake, stop, IDLE_WAIT_S)

    async def drain_once(self) -> int:
        """Claim what is due, deliver it and everything already in hand, and record the results."""
        claimed = await self._claim()
        await self.settle()
        return claimed

    async def settle(self) -> None:
        """Wait until every message in hand is delivered (or held back) and marked."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
        while self._marking is not None and not self._marking.done():
            await self._marking

    async def close(self) -> None:
        """Stop sending: give back what is still in hand for another sender (or the next start) to take."""
        for worker in list(self._workers.values()):
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if self._marking is not None:
            await asyncio.gather(self._marking, return_exceptions=True)
        await self._mark()
        if self._held:
            await self.box.release(sorted(self._held), owner=self.owner)
            self._held.clear()

    async def _claim(self) -> int:
        room = BACKLOG_LIMIT - len(self._held)
        if room <= 0:
            return 0
        messages = await self.box.claim(owner=self.owner, now=self.clock(), limit=min(CLAIM_LIMIT, room))
        self.submit(messages)
        if not messages and self._workers:
            # What was queued may be waiting behind a message of ours that is not marked sent yet.
            self._claim_after_marking = True
        return len(messages)

    async def _renew(self) -> None:
        if self._held:
            await self.box.renew(sorted(self._held), owner=self.owner, now=self.clock())

    async def _work(self, key: tuple[str, str], queue: deque[Message]) -> None:
        try:
            while queue:
                message = queue[0]
                delivered = await self._deliver(message)
                queue.popleft()
                self._held.discard(message.id)
                if not delivered:  # held back in the store (Outbox.later), and the rest of the chat with it
                    for waiting in queue:
                        self._held.discard(waiting.id)
                    queue.clear()
        finally:
            del self._workers[key]
            if not queue:
                del self._queues[key]

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
        # Telegram's limits are about new messages; answering a button or editing a message is not one.
        if message.channel == "telegram" and not message.method.startswith("send"):
            return
        key = (message.channel, message.chat_id)
        interval = PER_CHAT_INTERVAL_S.get(message.channel, 0.0)
        if interval:
            wait = self._last_sent.get(key, float("-inf")) + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        limit = self._limits.get(message.channel)
        if limit is not None:
            await limit.wait()
        if interval:
            self._last_sent[key] = time.monotonic()
            if len(self._last_sent) > 4 * BACKLOG_LIMIT:
                self._forget_paces()

    def _forget_paces(self) -> None:
        horizon = time.monotonic() - max(PER_CHAT_INTERVAL_S.values(), default=0.0)
        self._last_sent = {key: at for key, at in self._last_sent.items() if at > horizon}

    async def _record(self, message: Message, result: Delivery) -> bool:
        now = self.clock()
        if result.ok:
            self._delivered.append(message.id)
            if self._marking is None or self._marking.done():
                self._marking = asyncio.create_task(self._mark_loop(), name="outbox marking")
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

    async def _mark_loop(self) -> None:
        # One transaction marks whatever was delivered while the previous one ran.
        while self._delivered:
            try:
                await self._mark()
            except Exception:
                log.exception("outbox: could not mark messages sent; trying again shortly")
                await asyncio.sleep(IDLE_WAIT_S)
        if self._claim_after_marking:
            self._claim_after_marking = False
            self.wake()

    async def _mark(self) -> None:
        ids, self._delivered = self._delivered, []
        if not ids:
            return
        try:
            await self.box.sent_many(ids, now=self.clock())
        except BaseException:
            self._delivered[:0] = ids
            raise


def _backoff(attempts: int) -> float:
    return float(min(2 ** (attempts + 1), 300))
