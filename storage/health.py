"""What the store can actually do, for /healthz and for start-up: it takes writes, and the outbox and the jobs
are moving.

"Takes writes" means a write of the size of a long reply is committed: on SQLite the probe is larger than a
page, so it needs room to grow the file and finds a full disk ("database or disk is full") or a read-only
file; on PostgreSQL it is a real write too, which a read-only server refuses. The probe row goes in and out
of the outbox in the same transaction, so nobody ever sees it (no table of its own: no migration for it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, delete, func, insert, select

from storage.db import Database
from storage.faults import reason
from storage.models import jobs, outbox

LATE_S = 300  # a due message or job waiting longer than this: the sender or the scheduler is stuck
TIMEOUT_S = 10.0  # a check that has not answered by then has failed
PROBE_CHAT = "health-probe"
PROBE = "x" * 8192  # a long reply in Cyrillic; larger than a page, so the file must be able to grow


@dataclass(frozen=True)
class Check:
    ok: bool
    facts: dict[str, Any] = field(default_factory=dict)  # what was found, as JSON values


@dataclass(frozen=True)
class Health:
    checks: dict[str, Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": {name: {"ok": c.ok, **c.facts} for name, c in self.checks.items()}}


async def health(db: Database, now: datetime, *, late_s: int = LATE_S) -> Health:
    """Every check, each on its own: one failing says nothing about the others."""
    now_ts = int(now.timestamp())
    return Health(
        {
            "database": await _checked(lambda: _writes(db, now)),
            "outbox": await _checked(lambda: _oldest_due(db, outbox.c.not_before, now_ts, late_s)),
            "jobs": await _checked(lambda: _oldest_due(db, jobs.c.run_at, now_ts, late_s)),
        }
    )


async def write_probe(db: Database, now: datetime) -> None:
    """Commit a long reply's worth of writing (and take it back); raises the database's error if it cannot."""
    row = {
        "channel": "health",
        "chat_id": PROBE_CHAT,
        "method": "probe",
        "params": PROBE,
        "status": "sent",  # never pending: no sender ever looks at it
        "not_before": int(now.timestamp()),
        "created_at": now,
    }

    def work(conn: Connection) -> None:
        conn.execute(insert(outbox).values(row))
        conn.execute(delete(outbox).where(outbox.c.channel == "health", outbox.c.chat_id == PROBE_CHAT))

    await db.transaction(work)


async def _writes(db: Database, now: datetime) -> Check:
    await write_probe(db, now)
    return Check(True)


async def _oldest_due(db: Database, due: Column[int], now_ts: int, late_s: int) -> Check:
    """How long the oldest pending row already due (by its `due` column, epoch seconds) has waited."""
    query = select(func.min(due)).where(due.table.c.status == "pending", due <= now_ts)
    oldest = await db.query(lambda conn: conn.execute(query).scalar())
    waited = None if oldest is None else now_ts - int(oldest)
    return Check(waited is None or waited <= late_s, {"oldest_due_s": waited, "limit_s": late_s})


async def _checked(check: Callable[[], Any]) -> Check:
    try:
        async with asyncio.timeout(TIMEOUT_S):
            result: Check = await check()
            return result
    except TimeoutError:
        return Check(False, {"error": f"no answer within {TIMEOUT_S:.0f} s"})
    except Exception as error:
        return Check(False, {"error": reason(error)})
