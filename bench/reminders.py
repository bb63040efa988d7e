"""Reminders at scale: 100,000 future bookings with their reminders as jobs, some falling due at a steady
rate. How late do reminders go out (median, p99, max), and how much CPU does the scheduler take idle and busy?

    python bench/reminders.py [--database-url URL] [--bookings 100000] [--rate 20] [--busy 60] [--idle 30]

Each booking is a confirmed booking made from a chat of its own, by a customer known in that chat, and its
reminders are written by the store's own code (`remind` in storage/transactions.py, as a confirmation writes
them): 24 hours and 2 hours before, no quiet hours. `--rate` × `--busy` of them start so that their 2-hour
reminder falls due during the busy phase, `--rate` each second; the rest are spread over the next 60 days,
their reminders pending in the same table. The clock runs at real speed from a fixed Monday morning.

The scheduler is the one `slotbot serve` runs (bot/jobs.py): it claims due jobs, re-checks each booking and
enters the reminder through the runner's one entry, which writes the session and the outbox in one
transaction (nothing is sent: the platforms are not what is measured). A reminder's lateness is from the
second it is due to the commit of its turn. CPU is this process's time over wall time in each phase (on
PostgreSQL the server's own work, in its own processes, is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection, func, insert, select

from bench.fixtures import KYIV, NOW, business
from bot.channels.base import Inbound
from bot.channels.telegram import TelegramRenderer
from bot.jobs import Scheduler
from bot.runner import Runner, Turned
from conversations import events as ev
from storage import transactions as tx
from storage.booking import Booking
from storage.business import Business, ReminderPolicy
from storage.db import Database, open_database
from storage.jobs import REMINDER, Jobs
from storage.migrate import upgrade
from storage.models import bookings, customers, identities, jobs
from storage.store import Store

CHUNK = 5_000
FIELDS = set(Booking.__dataclass_fields__)


class Clock:
    """Real speed from a fixed moment: `start()` sets when the measurement's time zero is."""

    def __init__(self, at: datetime) -> None:
        self.at, self.zero = at, time.monotonic()

    def start(self) -> None:
        self.zero = time.monotonic()

    def __call__(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self.zero)


def _starts(count: int, rate: int, busy_from: datetime, seed: int = 7) -> list[datetime]:
    """When each booking starts: the first rate × busy seconds two hours after their reminder's second in
    the busy phase, `rate` a second; the rest at a quarter hour of a working day in the next 60 days."""
    rng = random.Random(seed)
    starts = []
    for i in range(count):
        if i < rate * ARGS.busy:
            starts.append(busy_from + timedelta(seconds=i // rate, hours=2))
            continue
        day = NOW.astimezone(KYIV).date() + timedelta(days=rng.randrange(2, 61))
        minute = 9 * 60 + 15 * rng.randrange(40)
        starts.append(datetime.combine(day, datetime.min.time(), KYIV) + timedelta(minutes=minute))
    return starts


def _rows(first: int, starts: list[datetime]) -> tuple[list[dict[str, Any]], ...]:
    people, chats, made = [], [], []
    for n, start in enumerate(starts, first):
        people.append({"id": n, "name": f"Customer {n}", "phone": f"+38050{n:07d}", "language": "en"})
        people[-1]["created_at"] = NOW
        chats.append(
            {"channel": "telegram", "chat_id": str(10_000_000 + n), "customer_id": n, "language": "en"}
        )
        made.append(
            {
                "id": n,
                "code": f"R{n:07d}",
                "service": "quick",
                "specialist": f"s{n % 20:02d}",
                "customer_id": n,
                "start": start,
                "end": start + timedelta(minutes=30),
                "status": "confirmed",
                "moves": 0,
                "price": Decimal(300),
                "paid": Decimal(0),
                "channel": "telegram",
                "chat_id": str(10_000_000 + n),
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return people, chats, made


async def fill(db: Database, biz: Business, starts: list[datetime], written_at: datetime) -> None:
    """The bookings, their customers and chats, and their reminders as the store writes them."""
    for first in range(0, len(starts), CHUNK):
        people, chats, made = _rows(first + 1, starts[first : first + CHUNK])

        def write(conn: Connection, people: Any = people, chats: Any = chats, made: Any = made) -> None:
            conn.execute(insert(customers), people)
            conn.execute(insert(identities), chats)
            conn.execute(insert(bookings), made)
            for row in made:
                booking = Booking(expires_at=None, **{k: v for k, v in row.items() if k in FIELDS})
                tx.remind(conn, biz, booking, written_at)

        await db.transaction(write)


class Measured(Runner):
    """The runner, noting how late each reminder's turn commits after its due second."""

    late: list[float]

    async def enter(self, inbound: Inbound) -> Turned:
        turned = await super().enter(inbound)
        event = inbound.event
        if isinstance(event, ev.ReminderDue):
            due = event.booking.start - timedelta(minutes=event.offset)
            self.late.append((self.clock() - due).total_seconds())
        return turned


def _cpu_share(started: tuple[float, float]) -> float:
    wall, cpu = time.monotonic() - started[0], time.process_time() - started[1]
    return 100 * cpu / wall


def _marks() -> tuple[float, float]:
    return time.monotonic(), time.process_time()


async def main(url: str) -> None:
    db = open_database(url)
    await upgrade(db)
    biz = replace(business(20), reminders=ReminderPolicy((24 * 60, 2 * 60), None))
    clock = Clock(NOW)
    busy_from = NOW + timedelta(seconds=ARGS.idle + 1)
    starts = _starts(ARGS.bookings, ARGS.rate, busy_from)
    print(f"backend: {db.dialect}; writing {ARGS.bookings:,} bookings and their reminders…", flush=True)
    began = time.perf_counter()
    await fill(db, biz, starts, NOW - timedelta(minutes=1))
    pending = await db.query(lambda conn: conn.execute(select(func.count()).select_from(jobs)).scalar_one())
    print(f"  {pending:,} reminder jobs pending, written in {time.perf_counter() - began:.0f} s", flush=True)

    runner = Measured(Store(db, biz), clock, "bench", renderers={"telegram": TelegramRenderer()})
    runner.late = []
    scheduler = Scheduler(Jobs(db), runner, clock, "bench")
    stop = asyncio.Event()
    clock.start()
    task = asyncio.create_task(scheduler.run(stop))
    idle = _marks()
    await asyncio.sleep(ARGS.idle)
    idle_cpu = _cpu_share(idle)
    busy = _marks()
    expected = ARGS.rate * ARGS.busy
    deadline = time.monotonic() + ARGS.busy + 120
    while len(runner.late) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    busy_cpu, busy_wall = _cpu_share(busy), time.monotonic() - busy[0]
    stop.set()
    await task
    done = await db.query(
        lambda conn: conn.execute(
            select(func.count()).select_from(jobs).where(jobs.c.kind == REMINDER, jobs.c.status == "done")
        ).scalar_one()
    )
    await db.dispose()
    report(runner.late, expected, done, idle_cpu, busy_cpu, busy_wall)


def report(
    late: list[float], expected: int, done: int, idle_cpu: float, busy_cpu: float, wall: float
) -> None:
    print(f"reminders: {len(late):,} of {expected:,} sent ({done:,} jobs done) in {wall:.0f} s")
    if late:
        ordered = sorted(late)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"  late after their due second: median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
        )
    print(f"  CPU of this process: idle {idle_cpu:.1f}% of a core, busy ({ARGS.rate}/s) {busy_cpu:.1f}%")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=20, help="reminders falling due each second when busy")
    parser.add_argument("--busy", type=int, default=60, help="seconds of reminders falling due")
    parser.add_argument("--idle", type=int, default=30, help="seconds with nothing due, before")
    ARGS = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(ARGS.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"))
