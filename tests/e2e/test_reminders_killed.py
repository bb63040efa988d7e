"""Two `slotbot serve` processes on one PostgreSQL, each killed (as by kill -9) and started again at random
while reminders fall due: every reminder is queued exactly once, none for a cancelled booking, and each
reaches WhatsApp once.

The bookings are written straight into the database with their reminders (by the store's own `remind`, as a
confirmation writes them), starting a little over two hours from now, so that their 2-hour reminders fall
due a few a second while the processes die and come back. The customers never wrote: WhatsApp takes only
the approved template, which the fake Twilio checks.

The outbox delivers at least once (docs/architecture.md): a process killed between Twilio's answer and
marking the message sent leaves it to be sent again. Such a repeat is counted only when a kill came right
after the first copy reached Twilio; any other repeat fails the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, func, insert, select

from bot.config import load_settings
from storage import transactions as tx
from storage.booking import Booking
from storage.business import Business
from storage.db import Database, open_database
from storage.models import bookings, customers, identities, jobs
from storage.outbox import Outbox
from tests.conftest import _create_database, _to_async
from tests.fakes.twilio_api import FakeTwilio
from tests.waiting import DEADLINE_S, until

ROOT = Path(__file__).parents[2]
PUBLIC = "https://bot.example.com"
REMINDER_SID = "HX" + "7a" * 16
CUSTOMERS, EACH = 12, 3  # three bookings each: one conversation gets several reminders
CANCELLED = (4, 17, 30)  # bookings cancelled before their reminder: never reminded
SPACING_S = 0.4  # between one reminder's moment and the next
LEAD_S = 6.0  # from writing the bookings to the first reminder's moment
REPEAT_WINDOW_S = 2.0  # a kill this soon after a message reached Twilio may leave it unmarked

pytestmark = pytest.mark.postgres


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Arrivals(FakeTwilio):
    """The fake Twilio, noting when each message arrived (its own times are whole seconds)."""

    arrived: dict[str, float]

    def _new_message(self, params: dict[str, str], media: list[str]) -> Any:
        message = super()._new_message(params, media)
        self.arrived[message.sid] = time.time()
        return message


@pytest.fixture
async def twilio() -> AsyncIterator[Arrivals]:
    async with Arrivals() as fake:
        fake.arrived = {}
        yield fake


class Serving:
    """`slotbot serve` processes sharing one database, killed and started again at will."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir, self.env = workdir, env
        self.procs: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []
        self.started = 0
        self.kills: list[float] = []

    def start(self, index: int | None = None) -> None:
        log = open(self.workdir / f"serve{self.started}.log", "wb")  # noqa: SIM115
        self.started += 1
        port = _port()
        command = [sys.executable, "-m", "bot.cli", "--config", "config.yaml", "serve", "--port", str(port)]
        proc = subprocess.Popen(command, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if index is None:
            self.procs.append(proc)
            self.ports.append(port)
        else:
            self.procs[index], self.ports[index] = proc, port

    async def up(self, index: int) -> None:
        """Until the process answers: at work (its scheduler and outbox sender run from the start)."""
        async with httpx.AsyncClient(timeout=DEADLINE_S) as client:

            async def answers() -> bool:
                assert self.procs[index].poll() is None, "a serve process exited by itself"
                try:
                    url = f"http://127.0.0.1:{self.ports[index]}/healthz"
                    return (await client.get(url)).status_code == 200
                except httpx.TransportError:
                    return False

            await until(answers, "serve to start")

    def kill(self, index: int) -> None:
        proc = self.procs[index]
        self.kills.append(time.time())
        proc.kill()  # SIGKILL: nothing of the process runs after it
        proc.wait(timeout=DEADLINE_S)
        self.start(index)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=DEADLINE_S)


@pytest.fixture
async def serving(pg_server: str, twilio: Arrivals, tmp_path: Path) -> AsyncIterator[tuple[Serving, str]]:
    name = f"slotbot_reminders_{secrets.token_hex(4)}"
    await _create_database(pg_server, name)
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    config = (ROOT / "config.yaml").read_text()
    (tmp_path / "config.yaml").write_text(config.replace('quiet_hours: "21:00-09:00"', "quiet_hours: off", 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "TWILIO_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SLOTBOT_DATABASE_URL": url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE": twilio.base_url,
        "TWILIO_CONTENT_REMINDER": REMINDER_SID,
        "SLOTBOT_PUBLIC_URL": PUBLIC,
    }
    command = [sys.executable, "-m", "bot.cli", "--config", "config.yaml", "db", "upgrade"]
    upgraded = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True)
    assert upgraded.returncode == 0, upgraded.stderr
    running = Serving(tmp_path, env)
    running.start()
    running.start()
    try:
        await running.up(0)
        await running.up(1)
        yield running, url
    finally:
        running.stop()


def _number(customer: int) -> str:
    return f"+38067{customer:07d}"


async def _write_bookings(db: Database, business: Business, first_due: datetime) -> dict[int, str]:
    """The bookings (code by number), each made from its customer's WhatsApp chat and confirmed, with its
    reminders; some cancelled at once."""
    now = datetime.now(UTC)
    rows = []
    for n in range(CUSTOMERS * EACH):
        customer = n % CUSTOMERS + 1
        start = (first_due + timedelta(seconds=n * SPACING_S, hours=2)).replace(microsecond=0)
        rows.append(
            {
                "id": n + 1,
                "code": f"RMD{n:05d}",
                "service": "womens-haircut",
                "specialist": "olena",
                "customer_id": customer,
                "start": start,
                "end": start + timedelta(minutes=60),
                "status": "confirmed",
                "moves": 0,
                "price": Decimal(800),
                "paid": Decimal(0),
                "channel": "whatsapp",
                "chat_id": _number(customer),
                "created_at": now,
                "updated_at": now,
            }
        )

    def write(conn: Connection) -> None:
        people = [
            {"id": c, "name": f"Customer {c}", "phone": _number(c), "phone_proven": True}
            for c in range(1, CUSTOMERS + 1)
        ]
        conn.execute(insert(customers), [{**p, "language": "uk", "created_at": now} for p in people])
        chats = [
            {"channel": "whatsapp", "chat_id": _number(c), "customer_id": c} for c in range(1, CUSTOMERS + 1)
        ]
        conn.execute(insert(identities), chats)
        conn.execute(insert(bookings), rows)
        for row in rows:
            fields = {k: v for k, v in row.items() if k in Booking.__dataclass_fields__}
            tx.remind(conn, business, Booking(expires_at=None, **fields), now)
        for n in CANCELLED:
            tx.cancel(conn, n + 1, now, None)

    await db.transaction(write)
    return {row["id"]: row["code"] for row in rows}


async def _count(db: Database, status: str) -> int:
    query = select(func.count()).select_from(jobs).where(jobs.c.kind == "reminder", jobs.c.status == status)
    return int(await db.query(lambda conn: conn.execute(query).scalar_one()))


def _queued(rows: list[dict[str, Any]]) -> Counter[str]:
    """Reminders written to the outbox, by booking code (the template's variable 7)."""
    found: Counter[str] = Counter()
    for row in rows:
        template = json.loads(row["params"]).get("template") or {}
        if template.get("kind") == "reminder":
            found[template["variables"]["7"]] += 1
    return found


async def test_every_reminder_goes_out_once_while_processes_are_killed_at_random(
    serving: tuple[Serving, str], twilio: Arrivals
) -> None:
    running, url = serving
    settings = load_settings(running.workdir / "config.yaml", running.env)
    db = open_database(_to_async(url))
    rng = random.Random(os.environ.get("SLOTBOT_TEST_SEED") or secrets.randbits(32))
    try:
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        codes = await _write_bookings(db, settings.business, first_due)
        live = {code for n, code in codes.items() if n - 1 not in CANCELLED}
        assert await _count(db, "pending") == len(live)
        last_due = time.time() + LEAD_S + len(codes) * SPACING_S
        while time.time() < last_due + 2:  # kill one or the other, at work, while reminders fall due
            victim = rng.randrange(2)
            await running.up(victim)
            await asyncio.sleep(rng.uniform(0.05, 1.5))
            running.kill(victim)
        during = sum(1 for at in twilio.arrived.values() if at < running.kills[-1])
        box = Outbox(db)

        async def all_sent() -> bool:
            return await _count(db, "done") == len(live) and await box.pending() == 0

        # A dead process's jobs wait out its lease (a minute) before another takes them.
        await until(all_sent, "every reminder to be carried out and sent", deadline=DEADLINE_S * 3)
        queued = _queued(await box.all())
    finally:
        await db.dispose()
    assert queued == Counter({code: 1 for code in live}), "queued once each, none for a cancelled booking"
    reached: dict[str, list[float]] = {}
    for message in twilio.messages:
        assert message.content_sid == REMINDER_SID and message.body is None  # outside the 24 hours
        code = (message.content_variables or {})["7"]
        reached.setdefault(code, []).append(twilio.arrived[message.sid])
    assert set(reached) == live
    repeats = {code: times for code, times in reached.items() if len(times) > 1}
    unexplained = {
        code: times
        for code, times in repeats.items()
        if len(times) > 2 or not any(times[0] <= kill <= times[0] + REPEAT_WINDOW_S for kill in running.kills)
    }
    assert unexplained == {}, f"sent twice with no kill right after the first: {unexplained}"
    kills = len(running.kills)
    print(f"{len(live)} reminders ({during} sent by the last kill), {kills} kills, {len(repeats)} resent")
    assert twilio.violations == []
