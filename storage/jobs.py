"""Durable jobs: work that falls due later, as rows, so that a restart or a second process carries it out.

A job is written by the transaction whose change makes it due (`schedule`, e.g. a hold writes its expiry),
claimed by one process at a time with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the one
writer serialises claims), and marked done, retried later with a growing pause, or failed for good. Running
a job happens through the runner's one entry (bot/jobs.py), keyed by the job's id and run: a job that ran
but was not marked done (a crash in between) is recognised as a duplicate when claimed again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from storage import leases
from storage.db import Database
from storage.models import bookings, jobs
from storage.prepared import Prepared

j = jobs.c
HOLD_EXPIRY = "hold_expiry"
PAYMENT_CHECK = "payment_check"  # ask LiqPay about a booking's open payments (callbacks can be lost)
REFUND = "refund"  # send back what a payment attempt is to return (payload: order_id)
# Remind the customer of a confirmed booking (payload: offset in minutes, and the start and revision it was
# written for: a booking moved or cancelled since is not reminded by it).
REMINDER = "reminder"
LEASE_S = 60
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    booking_id: int | None
    payload: dict[str, Any]
    run_at: int  # epoch seconds
    attempts: int
    run: int

    @property
    def key(self) -> str:
        """Its source key: one run of one job, whichever process carries it out."""
        return f"{self.id}:{self.run}"


@dataclass(frozen=True)
class Listed:
    """A job as an operator sees it (`slotbot jobs`)."""

    id: int
    kind: str
    status: str
    booking_code: str | None
    run_at: int
    attempts: int
    last_error: str | None


_INSERT = Prepared(insert(jobs))
_DROP = Prepared(
    update(jobs)
    .where(j.booking_id == bindparam("b_booking"), j.kind == bindparam("b_kind"), j.status == "pending")
    .where(j.lease_owner.is_(None))  # one being carried out finishes as it is
    .values(status="dropped")
)


def schedule(
    conn: Connection,
    kind: str,
    run_at: datetime,
    now: datetime,
    *,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Add a job inside the caller's transaction: it is due exactly when that change is committed."""
    row = {
        "kind": kind,
        "booking_id": booking_id,
        "payload": json.dumps(payload or {}, separators=(",", ":")),
        "run_at": math.ceil(run_at.timestamp()),  # never a moment before it is due
        "status": "pending",
        "attempts": 0,
        "run": 1,
        "created_at": now,
        "updated_at": now,
    }
    _INSERT.run(conn, row)


def drop(conn: Connection, booking_id: int, kind: str, *, order: str | None = None) -> None:
    """The booking's pending jobs of `kind` (about payment `order`, if given; "": about none in particular)
    are no longer needed: a hold confirmed or cancelled, a refund decided anew, a check asked for anew."""
    if order is None:
        _DROP.run(conn, {"b_booking": booking_id, "b_kind": kind})
        return
    payload = {"order_id": order} if order else {}  # "": the jobs about no order in particular
    about = j.payload == json.dumps(payload, separators=(",", ":"))
    query = update(jobs).where(j.booking_id == booking_id, j.kind == kind, j.status == "pending", about)
    conn.execute(query.where(j.lease_owner.is_(None)).values(status="dropped"))


class Jobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, *, owner: str, now: datetime, limit: int = 20, lease: int = LEASE_S) -> list[Job]:
        """Take up to `limit` due jobs, earliest first, for `lease` seconds."""
        return await self.db.transaction(lambda conn: _claim(conn, owner, int(now.timestamp()), limit, lease))

    async def next_due(self, after: datetime) -> int | None:
        """When the earliest pending job due after `after` falls due (epoch seconds), if any."""
        later = j.run_at > int(after.timestamp())
        query = select(j.run_at).where(j.status == "pending", later).order_by(j.run_at).limit(1)
        return await self.db.query(lambda conn: conn.execute(query).scalar())

    async def done(self, job: Job, *, owner: str, now: datetime) -> None:
        await self._finish(job, owner, {"status": "done", "updated_at": now, "last_error": None})

    async def retry(self, job: Job, error: str, *, owner: str, now: datetime) -> bool:
        """Try again later with a growing pause; after MAX_ATTEMPTS the job fails for good. True if it will
        be retried."""
        attempts = job.attempts + 1
        changes: dict[str, Any] = {"attempts": attempts, "last_error": error[:500], "updated_at": now}
        if attempts >= MAX_ATTEMPTS:
            changes["status"] = "failed"
        else:
            changes["run_at"] = int(now.timestamp()) + backoff(attempts)
        await self._finish(job, owner, changes)
        return attempts < MAX_ATTEMPTS

    async def postpone(self, job: Job, run_at: datetime, *, owner: str, now: datetime) -> None:
        """Run the job at `run_at` instead (it came early), without counting a failed attempt."""
        await self._finish(job, owner, {"run_at": math.ceil(run_at.timestamp()), "updated_at": now})

    async def rerun(self, job_id: int, *, now: datetime) -> bool:
        """An operator runs a failed job again (`slotbot jobs retry ID`): due now, as a new run."""
        statement = (
            update(jobs)
            .where(j.id == job_id, j.status == "failed")
            .values(
                status="pending",
                run_at=int(now.timestamp()),
                attempts=0,
                run=j.run + 1,
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
        )
        return bool(await self.db.transaction(lambda conn: conn.execute(statement).rowcount))

    async def listed(
        self,
        statuses: Sequence[str] = ("pending", "failed"),
        *,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[Listed]:
        """Jobs as an operator reads them: failed ones first, then by when they are due."""
        query = (
            select(j.id, j.kind, j.status, bookings.c.code, j.run_at, j.attempts, j.last_error)
            .select_from(jobs.outerjoin(bookings, bookings.c.id == j.booking_id))
            .where(j.status.in_(statuses))
            .order_by((j.status == "failed").desc(), j.run_at, j.id)
            .limit(limit)
        )
        if kind is not None:
            query = query.where(j.kind == kind)
        return await self.db.query(lambda conn: [Listed(*row) for row in conn.execute(query)])

    async def counts(self, statuses: Sequence[str] = ("pending", "failed")) -> dict[tuple[str, str], int]:
        """How many jobs of each kind are in each status: `(status, kind) -> count`."""
        query = select(j.status, j.kind, func.count()).where(j.status.in_(statuses))
        query = query.group_by(j.status, j.kind)
        return await self.db.query(lambda conn: {(s, k): n for s, k, n in conn.execute(query)})

    async def _finish(self, job: Job, owner: str, changes: dict[str, Any]) -> None:
        # Only while the lease is ours: a job whose lease ran out meanwhile belongs to whoever took it.
        statement = (
            update(jobs)
            .where(j.id == job.id, j.lease_owner == owner, j.status == "pending")
            .values(lease_owner=None, lease_until=None, **changes)
        )
        await self.db.transaction(lambda conn: conn.execute(statement))


def backoff(attempts: int) -> int:
    """Seconds before the next try: 10, 20, 40 ... at most an hour."""
    return min(10 * 2 ** (attempts - 1), 3600)


def _claim(conn: Connection, owner: str, now_ts: int, limit: int, lease: int) -> list[Job]:
    free = or_(j.lease_until.is_(None), j.lease_until <= now_ts)
    query = (
        select(j.id, j.kind, j.booking_id, j.payload, j.run_at, j.attempts, j.run)
        .where(j.status == "pending", j.run_at <= now_ts, free)
        .order_by(j.run_at, j.id)
        .limit(limit)
    )
    rows = leases.take(conn, jobs, query, owner, now_ts + lease)
    return [Job(r.id, r.kind, r.booking_id, json.loads(r.payload), r.run_at, r.attempts, r.run) for r in rows]
