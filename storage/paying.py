"""The money side of a booking, as transactions: start a payment attempt, record what LiqPay reports together
with what it means for the booking, and decide refunds. Plain functions of a connection (storage/store.py
runs them), each under the effect's idempotency key, so that a report handled again after a crash finds what
it already did.

A payment that arrives confirms its booking in the same transaction (a late one takes the time back if it is
still free); when it cannot (the time was taken, the booking was cancelled), the money is marked to go back
and a refund job is written in that same transaction: money is never silently kept for a booking that does
not exist. Jobs then ask LiqPay (bot/jobs.py), whose answers come back here as reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from storage import applied, jobs, payments
from storage import transactions as tx
from storage.attempt import OPEN, Attempt, Change, Paying, Report
from storage.business import Business

ZERO = Decimal(0)
# What a report came to that the customer and staff hear of (storage/attempt.py's Change).
TOLD = (
    *(Change.PAID, Change.TOO_LATE, Change.FOR_NOTHING, Change.PAID_TWICE, Change.MISMATCH),
    *(Change.FAILED, Change.REFUNDED),
)
CHECK_TOLD_AFTER = timedelta(minutes=1)  # past a dead process's lease on the conversation (10 s)


def start(
    conn: Connection,
    booking_id: int,
    amount: Decimal,
    currency: str,
    pay_by: datetime,
    now: datetime,
    key: str | None,
) -> Attempt:
    """The attempt the customer is to pay: the open one still payable if there is one (a link asked for
    again), else a new one; with a status check written for `pay_by`, when LiqPay stops taking it."""
    done = applied.find(conn, key)
    if done is not None and done.booking_id is not None:
        return payments.attempts(conn, done.booking_id)[-1]
    ongoing = [a for a in payments.attempts(conn, booking_id) if a.state == OPEN and a.amount == amount]
    if ongoing and ongoing[-1].pay_by == pay_by:
        attempt = ongoing[-1]
    else:
        attempt = payments.start(conn, booking_id, amount, currency, pay_by, now)
        jobs.drop(conn, booking_id, jobs.PAYMENT_CHECK, order="")  # one check asks about every open attempt
        jobs.schedule(conn, jobs.PAYMENT_CHECK, pay_by, now, booking_id=booking_id)
    applied.record(conn, key, now, booking_id=booking_id)
    return attempt


def record(conn: Connection, business: Business, report: Report, now: datetime, key: str | None) -> Paying:
    """What LiqPay reported, recorded, and what it means for the booking, in one transaction."""
    done = applied.find(conn, key)
    if done is not None:
        return _again(conn, report.order_id, Change(done.outcome or Change.NOTHING))
    recorded = payments.record(conn, report, now)
    attempt = recorded.attempt
    if attempt is None:
        return Paying(Change.UNKNOWN_ORDER)
    change = recorded.change
    if change == Change.PAID:
        change = _confirm(conn, business, attempt, now)
    if change in (Change.TOO_LATE, Change.FOR_NOTHING, Change.PAID_TWICE, Change.MISMATCH):
        attempt = _give_back(conn, attempt, attempt.paid, now)
    if change in TOLD:
        _check_told(conn, attempt, now)
    applied.record(conn, key, now, booking_id=attempt.booking_id, outcome=change)
    return Paying(change, tx.current(conn, attempt.booking_id), payments.find(conn, attempt.order_id))


def refund(conn: Connection, booking_id: int, amount: Decimal, now: datetime) -> Decimal:
    """Decide that `amount` of what a booking's payments keep goes back (a cancellation inside or outside
    its refund window); the refunds themselves are jobs. Never more than is kept; the amount decided."""
    left = amount
    for attempt in payments.attempts(conn, booking_id):
        take = min(attempt.kept, left)
        if take > 0:
            _give_back(conn, attempt, attempt.refund_wanted + take, now)
            left -= take
    return amount - left


def _confirm(conn: Connection, business: Business, attempt: Attempt, now: datetime) -> Change:
    """The money is in: the booking is confirmed (a hold that ran out takes its time back if it is free)."""
    try:
        with conn.begin_nested():
            tx.confirm(conn, business, attempt.booking_id, now, None, late_ok=True)
    except tx.Refused as refused:
        return Change.FOR_NOTHING if refused.reason == tx.CANCELLED else Change.TOO_LATE
    except IntegrityError:  # the database refused the time: someone else has it now
        return Change.TOO_LATE
    return Change.PAID


def _give_back(conn: Connection, attempt: Attempt, total: Decimal, now: datetime) -> Attempt:
    """`total` of the attempt to go back, and the job that does it (once per attempt with money due)."""
    wanted = payments.want_refund(conn, attempt.order_id, total, now)
    if wanted.refund_due > 0:
        jobs.drop(conn, attempt.booking_id, jobs.REFUND, order=attempt.order_id)
        payload = {"order_id": attempt.order_id}
        jobs.schedule(conn, jobs.REFUND, now, now, booking_id=attempt.booking_id, payload=payload)
    return wanted


def _check_told(conn: Connection, attempt: Attempt, now: datetime) -> None:
    """The customer and staff are told in the turn saved after this commits, and a process that dies in
    between leaves them untold, with the hold's own status checks dropped by the confirmation. So LiqPay is
    asked about the order once more, a little later: its answer is the same event under the same key,
    which tells what was recorded if the turn died, and is only a repeat if it was saved."""
    payload = {"order_id": attempt.order_id}
    jobs.schedule(
        conn, jobs.PAYMENT_CHECK, now + CHECK_TOLD_AFTER, now, booking_id=attempt.booking_id, payload=payload
    )


def _again(conn: Connection, order: str, change: Change) -> Paying:
    """A report handled before (the process died before its turn was saved): what it came to, as now."""
    attempt = payments.find(conn, order)
    booking = tx.current(conn, attempt.booking_id) if attempt is not None else None
    return Paying(change, booking, attempt)
