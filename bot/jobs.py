"""The durable scheduler: claims due jobs from the store and carries each out through the runner's one entry.

A job is a row (storage/jobs.py), so it survives a restart and several `serve` processes share them: each
claims due jobs with a lease. Running one means turning it into an event for the conversation it concerns,
re-checked against the booking as it is now (a job for a booking that was paid, cancelled or moved meanwhile
does nothing), and entering it like a customer's message, keyed by the job's id and run: a job that ran but
was not marked done (the process died in between) is a duplicate when claimed again, and only marked done.
A job that fails is retried with a growing pause, and after several tries left for an operator
(`slotbot jobs`, `slotbot jobs retry ID`). Payments and reminders add job kinds here, not loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.channels import liqpay
from bot.channels.base import JOB, NOWHERE, Inbound
from bot.nap import nap
from bot.runner import Runner
from conversations import events as ev
from payments.liqpay_api import LiqPayApi, Unavailable
from storage import waitlist
from storage.attempt import OPEN, Attempt, Report, Verdict
from storage.availability import Slot
from storage.booking import Booking
from storage.jobs import HOLD_EXPIRY, PAYMENT_CHECK, REFUND, REMINDER, Job, Jobs
from storage.reminders import skip_reason
from storage.waiting import PASSED, Entry

log = logging.getLogger("slotbot.jobs")

IDLE_WAIT_S = 1.0  # how often to look for due jobs when nothing woke us (and none is due sooner)
PENDING_RECHECK = timedelta(minutes=10)  # how often to ask again about a payment LiqPay still verifies
PENDING_FOR = timedelta(days=1)  # ... and for how long
CLAIM_LIMIT = 20

Handler = Callable[["Scheduler", Job], Awaitable[None]]


class NotYet(Exception):
    """The job came early (its booking's time moved later, or clocks differ): run it again at `when`."""

    def __init__(self, when: datetime) -> None:
        super().__init__(when.isoformat())
        self.when = when


class Scheduler:
    def __init__(
        self,
        jobs: Jobs,
        runner: Runner,
        clock: Callable[[], datetime],
        owner: str,
        *,
        liqpay: LiqPayApi | None = None,
    ) -> None:
        self.jobs, self.runner, self.clock, self.owner = jobs, runner, clock, owner
        self.liqpay = liqpay  # status checks and refunds; None: no online payments
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Carry out due jobs until `stop` is set."""
        while not stop.is_set():
            self._wake.clear()
            wait = IDLE_WAIT_S
            try:
                while await self.run_due():
                    pass
                wait = await self.until_next()
            except Exception:  # the database went away for a moment: the jobs are still there
                log.exception("jobs: could not claim due jobs; trying again shortly")
            await nap(self._wake, stop, wait)

    async def until_next(self) -> float:
        """Seconds until the next job falls due, if sooner than the next look: a reminder due in 300 ms goes
        out then, not up to a second later."""
        now = self.clock()
        due = await self.jobs.next_due(after=now)
        return IDLE_WAIT_S if due is None else min(IDLE_WAIT_S, max(due - now.timestamp(), 0.0))

    async def run_due(self) -> int:
        """Claim the jobs due now and carry them out; how many were claimed."""
        claimed = await self.jobs.claim(owner=self.owner, now=self.clock(), limit=CLAIM_LIMIT)
        for job in claimed:
            await self._run(job)
        return len(claimed)

    async def _run(self, job: Job) -> None:
        handler = HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            await handler(self, job)
        except NotYet as early:
            await self.jobs.postpone(job, early.when, owner=self.owner, now=self.clock())
            return
        except Exception as error:
            log.exception("job %s (%s) failed", job.id, job.kind)
            with contextlib.suppress(Exception):  # the lease runs out and someone tries again anyway
                await self.jobs.retry(
                    job, f"{type(error).__name__}: {error}", owner=self.owner, now=self.clock()
                )
            return
        await self.jobs.done(job, owner=self.owner, now=self.clock())


async def _hold_expiry(scheduler: Scheduler, job: Job) -> None:
    """An unpaid hold's time ran out: the conversation decides, from the booking as it is now. A payment
    whose callback was lost is asked about first: paid in time is paid, not expired."""
    if job.booking_id is None:
        return
    booking = await scheduler.runner.store.booking(job.booking_id)
    if booking is None or booking.status != "held":
        return  # paid, cancelled or already expired meanwhile
    if booking.expires_at is not None and booking.expires_at > scheduler.clock():
        raise NotYet(booking.expires_at)
    try:
        await _check_payments(scheduler, booking.id)
    except LiqPayUnavailable as away:  # the hold expires all the same; a late payment is still honoured
        log.warning("job %s: payments of booking %s not checked before expiry: %s", job.id, booking.id, away)
    booking = await scheduler.runner.store.booking(job.booking_id)
    if booking is None or booking.status != "held":
        return
    await scheduler.runner.enter(
        Inbound(
            channel=booking.channel or NOWHERE,
            chat_id=booking.chat_id or f"booking-{booking.id}",
            event=ev.HoldDue(booking),
            dedup_id=job.key,
            source=JOB,
        )
    )


class LiqPayUnavailable(Exception):
    """LiqPay did not answer (network, 5xx, a timeout): the job is retried later."""


async def _payment_check(scheduler: Scheduler, job: Job) -> None:
    """Callbacks get lost: ask LiqPay about every attempt of the booking still open (or about the one order
    the job names: a report recorded, whose telling may have died with its process; storage/paying.py), and
    act on each answer as on a callback (the same event: a callback that does come later is a repeat)."""
    if job.booking_id is None:
        return
    order = job.payload.get("order_id")
    await _check_payments(scheduler, job.booking_id, [str(order)] if order else None)
    if order:
        return
    # An attempt LiqPay still verifies (3-D Secure, a bank's review) may end paid after the hold, and its
    # callback may be lost: asked again every PENDING_RECHECK until it settles, for at most PENDING_FOR.
    now = scheduler.clock()
    for attempt in await scheduler.runner.store.open_payments(job.booking_id):
        heard, started = attempt.status is not None and attempt.state == OPEN, attempt.pay_by or now
        if heard and now - started < PENDING_FOR:
            raise NotYet(now + PENDING_RECHECK)


async def _check_payments(scheduler: Scheduler, booking_id: int, orders: list[str] | None = None) -> None:
    api, store = scheduler.liqpay, scheduler.runner.store
    if api is None:
        return
    if orders is None:
        orders = [attempt.order_id for attempt in await store.open_payments(booking_id)]
    for order in orders:
        answer = await api.status(order)
        if isinstance(answer, Unavailable):
            raise LiqPayUnavailable(answer.reason)
        attempt = await store.payment(order)
        if isinstance(answer, Report) and attempt is not None:
            await _enter(scheduler, _amount_known(answer, attempt))


def _amount_known(report: Report, attempt: Attempt) -> Report:
    """A status answer that says the payment was refunded but not how much (LiqPay's API description lists
    no amount there), with the amount we know of: the refunds recorded, or the one asked for whose answer
    was lost. Left without one, it would count as everything paid (a partial refund taken for a whole one)
    and be another event than the refund it repeats."""
    if report.verdict is not Verdict.REFUNDED or report.refunded is not None:
        return report
    return replace(report, refunded=max(attempt.refunded, attempt.refund_wanted) or None)


async def _refund(scheduler: Scheduler, job: Job) -> None:
    """Send back what an attempt is to return: once (LiqPay is asked first whether an earlier refund whose
    answer was lost went through), never more than was paid; retried until LiqPay answers."""
    api, order = scheduler.liqpay, str(job.payload.get("order_id", ""))
    attempt = await scheduler.runner.store.payment(order)
    if api is None or attempt is None or attempt.refund_due <= 0:
        return
    known = await api.status(order)
    if isinstance(known, Unavailable):  # an earlier refund may have gone through: never send one blind
        raise LiqPayUnavailable(known.reason)
    if isinstance(known, Report):
        known = _amount_known(known, attempt)
    if isinstance(known, Report) and (known.refunded or Decimal(0)) > attempt.refunded:
        await _enter(scheduler, known)  # an earlier refund went through: recorded now
        attempt = await scheduler.runner.store.payment(order)
        if attempt is None or attempt.refund_due <= 0:
            return
    answer = await api.refund(order, attempt.refund_due, before=attempt.refunded)
    if isinstance(answer, Unavailable):
        raise LiqPayUnavailable(answer.reason)
    if not isinstance(answer, Report):
        raise RuntimeError(f"LiqPay refused the refund of {order}: {answer}")
    await _enter(scheduler, answer)


async def _enter(scheduler: Scheduler, report: Report) -> None:
    """What LiqPay said, into the conversation of the booking it is about."""
    store = scheduler.runner.store
    attempt = await store.payment(report.order_id)
    booking = await store.booking(attempt.booking_id) if attempt is not None else None
    if booking is not None:
        await scheduler.runner.enter(liqpay.inbound(report, booking))


async def _waitlist_offer(scheduler: Scheduler, job: Job) -> None:
    """A time was freed: everyone waiting on its day is offered the free time within their wish, among those
    overlapping the one freed, nearest to it, as free now (it may be taken again already), each through
    their own conversation; none is offered a time they were offered before. (A join's job: that entry
    alone, any time of its day.)"""
    runner, now = scheduler.runner, scheduler.clock()
    zone, payload = ZoneInfo(runner.business.timezone), job.payload
    start, end = (datetime.fromtimestamp(int(payload[bound]), UTC) for bound in ("start", "end"))
    near = datetime.fromtimestamp(int(payload.get("near", payload["start"])), UTC)
    days = {start.astimezone(zone).date(), (end - timedelta(seconds=1)).astimezone(zone).date()}
    entries = await runner.waitlist.waiting_on(sorted(days), today=now.astimezone(zone).date())
    entries = [entry for entry in entries if payload.get("entry", entry.id) == entry.id]
    found = []
    for entry in entries:
        free = await _free(runner, entry, now)
        fitting = [slot.start for slot in free if slot.start < end and slot.end > start]  # overlapping it
        if fitting:
            found.append((entry, min(fitting, key=lambda moment: abs(moment - near))))
    for offer in await runner.waitlist.offer(found, job=job.key, now=now):
        entry, key = offer.entry, f"{job.key}:{offer.id}"
        event = ev.WaitlistOffer(entry, offer.start)
        await runner.enter(Inbound(entry.channel, entry.chat_id, event, dedup_id=key, source=JOB))


async def _free(runner: Runner, entry: Entry, now: datetime) -> list[Slot]:
    """The entry's free slots on its day, within the times it waits for."""
    zone, business = ZoneInfo(runner.business.timezone), runner.business
    if entry.service not in {service.id for service in business.services}:
        return []  # no longer offered (the config changed): nothing frees up for it
    slots = await runner.store.slots(entry.service, now=now, start_day=entry.day, specialist=entry.who)
    return [slot for slot in slots if entry.fits(slot.start.astimezone(zone).time())]


async def _waitlist_end(scheduler: Scheduler, job: Job) -> None:
    """An entry's day is over: it ends (reads have ignored it since midnight already)."""
    await scheduler.runner.waitlist.end(int(job.payload["entry"]), PASSED, now=scheduler.clock())


async def _reminder(scheduler: Scheduler, job: Job) -> None:
    """A reminder of a visit, if the booking is still as it was when the reminder was written (confirmed, at
    that time, not moved or cancelled since) and it still helps (one due while the service was down goes
    out late only before the visit, outside quiet hours and before the next reminder, else it is skipped).
    Entered once per booking, time and offset, whichever job or run carries it: the key says which."""
    store, now = scheduler.runner.store, scheduler.clock()
    booking = await store.booking(job.booking_id) if job.booking_id is not None else None
    if booking is None or not _as_written(booking, job.payload):
        return  # cancelled or moved meanwhile: the move wrote reminders of its own
    due = datetime.fromtimestamp(job.run_at, UTC)
    if now < due:
        raise NotYet(due)
    offset = int(job.payload["offset"])
    try:
        why = skip_reason(store.business, store.business.service(booking.service), booking.start, offset, now)
    except KeyError:
        why = f"the service {booking.service!r} is no longer offered"
    if why:
        late = int((now - due).total_seconds())
        log.warning("reminder %s of booking %s skipped, %d s late: %s", offset, booking.code, late, why)
        return
    await scheduler.runner.enter(
        Inbound(
            channel=booking.channel or NOWHERE,
            chat_id=booking.chat_id or f"booking-{booking.id}",
            event=ev.ReminderDue(booking, offset),
            dedup_id=f"reminder:{booking.id}:{booking.revision}:{offset}",
            source=JOB,
        )
    )


def _as_written(booking: Booking, payload: dict[str, object]) -> bool:
    written = (payload.get("start"), payload.get("revision"))
    return booking.status == "confirmed" and written == (int(booking.start.timestamp()), booking.revision)


HANDLERS: dict[str, Handler] = {
    HOLD_EXPIRY: _hold_expiry,
    PAYMENT_CHECK: _payment_check,
    REFUND: _refund,
    waitlist.OFFER: _waitlist_offer,
    waitlist.END: _waitlist_end,
    REMINDER: _reminder,
}
