"""`slotbot db backup PATH` while the bot runs: every committed row is in the copy, the newest ones still in
the write-ahead log too, and the copy opens as a store (issue 11: copying slotbot.db alone lost them)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from storage.db import Database, open_database
from storage.migrate import upgrade
from storage.store import Store
from tests.sample import NOW, at, salon
from tests.waiting import DEADLINE_S, until

ROOT = Path(__file__).parents[2]
SHIPPED_URL = "url: ${SLOTBOT_DATABASE_URL:-sqlite:///slotbot.db}"


def _config(folder: Path, database: Path) -> Path:
    """The shipped config.yaml with its database at `database`."""
    text = (ROOT / "config.yaml").read_text()
    assert SHIPPED_URL in text
    folder.mkdir(exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(text.replace(SHIPPED_URL, f"url: sqlite:///{database}"))
    return config


def slotbot(config: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "TWILIO_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), *args],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )


def _count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:  # not even the table: it is still in the log
            return 0


class Writer(threading.Thread):
    """Another connection committing a customer row after another, until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.committed, self.stop = path, 0, threading.Event()

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=DEADLINE_S, isolation_level=None)) as conn:
            while not self.stop.is_set():
                conn.execute(
                    "INSERT INTO customers (name, created_at) VALUES (?, ?)", ("writer", NOW.isoformat())
                )
                self.committed += 1


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Path, Database]]:
    """The store as a running bot holds it open: what it commits stays in the write-ahead log until a
    checkpoint (the last connection to close would make one)."""
    path = tmp_path / "live" / "slotbot.db"
    path.parent.mkdir()
    db = open_database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    yield path, db
    await db.dispose()


async def test_a_backup_taken_while_the_bot_writes_holds_every_committed_row(
    running: tuple[Path, Database], tmp_path: Path
) -> None:
    path, db = running
    store = Store(db, salon())
    codes = set()
    for hour in (10, 12, 15):
        held = await store.hold(service="haircut", specialist="anna", start=at(24, hour), now=NOW)
        assert held.booking is not None
        codes.add(held.booking.code)
    plain = tmp_path / "plain-copy.db"
    shutil.copy(path, plain)
    assert _count(plain, "bookings") < 3, "a copy of the file alone misses what is in the log"

    writer = Writer(path)
    writer.start()
    await until(lambda: writer.committed >= 50, "the other connection to be writing")
    before = writer.committed  # committed before the backup began: all must be in it
    target = tmp_path / "backups" / "slotbot-copy.db"
    target.parent.mkdir()
    config = _config(tmp_path / "live-config", path)
    done = await asyncio.to_thread(slotbot, config, "db", "backup", str(target))
    writer.stop.set()
    writer.join()
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout and not target.with_name(target.name + ".partial").exists()

    with closing(sqlite3.connect(target)) as copy:
        ids = [row[0] for row in copy.execute("SELECT id FROM customers ORDER BY id")]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(ids) >= before, "every row committed before the backup is in it"
    assert ids == list(range(1, len(ids) + 1)), "one moment's rows: none missing in between"
    assert not Path(f"{target}-wal").exists(), "one self-contained file"

    listed = slotbot(_config(tmp_path / "restored", target), "bookings", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {booking["code"] for booking in json.loads(listed.stdout)} == codes


async def test_a_backup_into_a_folder_is_named_after_the_database_and_the_time(
    running: tuple[Path, Database], tmp_path: Path
) -> None:
    path, _ = running
    folder = tmp_path / "backups"
    folder.mkdir()
    done = await asyncio.to_thread(slotbot, _config(tmp_path / "cfg", path), "db", "backup", str(folder))
    assert done.returncode == 0, done.stderr
    [made] = folder.iterdir()
    assert made.name.startswith("slotbot-") and made.suffix == ".db"


def test_a_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    done = slotbot(_config(tmp_path, tmp_path / "none.db"), "db", "backup", str(tmp_path / "copy.db"))
    assert done.returncode == 2 and "no database file at" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "none.db").exists(), "looking for it did not create it"


def test_a_backup_of_postgresql_names_pg_dump_and_never_the_password(tmp_path: Path) -> None:
    url = "postgresql://slot:db-PASSWORD-1@db.example.com:5432/slotbot"
    done = slotbot(ROOT / "config.yaml", "db", "backup", "slotbot.dump", SLOTBOT_DATABASE_URL=url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pg_dump --format=custom --file=slotbot.dump 'postgresql://slot@db.example.com:5432/slotbot'" in (
        done.stderr
    )
    assert "pg_restore" in done.stderr and "db-PASSWORD-1" not in done.stderr
