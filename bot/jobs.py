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
from datetime import UTC, datetime
from decimal import Decimal

from bot.channels import liqpay
from bot.channels.base import JOB, NOWHERE, Inbound
from bot.runner import Runner
from conversations import events as ev
from payments.liqpay_api import LiqPayApi, Unavailable
from storage.attempt import Report
from storage.booking import Booking
from storage.jobs import HOLD_EXPIRY, PAYMENT_CHECK, REFUND, REMINDER, Job, Jobs
from storage.reminders import skip_reason

log = logging.getLogger("slotbot.jobs")

IDLE_WAIT_S = 1.0  # how often to look for due jobs when nothing woke us (and none is due sooner)
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
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

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
    """Callbacks get lost: ask LiqPay about every attempt of the booking still open, and act on each answer
    as on a callback (the same event: a callback that does come later is a repeat)."""
    if job.booking_id is not None:
        await _check_payments(scheduler, job.booking_id)


async def _check_payments(scheduler: Scheduler, booking_id: int) -> None:
    api, store = scheduler.liqpay, scheduler.runner.store
    if api is None:
        return
    for attempt in await store.open_payments(booking_id):
        answer = await api.status(attempt.order_id)
        if isinstance(answer, Unavailable):
            raise LiqPayUnavailable(answer.reason)
        if isinstance(answer, Report):
            await _enter(scheduler, answer)


async def _refund(scheduler: Scheduler, job: Job) -> None:
    """Send back what an attempt is to return: once (LiqPay is asked first whether an earlier refund whose
    answer was lost went through), never more than was paid; retried until LiqPay answers."""
    api, order = scheduler.liqpay, str(job.payload.get("order_id", ""))
    attempt = await scheduler.runner.store.payment(order)
    if api is None or attempt is None or attempt.refund_due <= 0:
        return
    known = await api.status(order)
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
    REMINDER: _reminder,
}
