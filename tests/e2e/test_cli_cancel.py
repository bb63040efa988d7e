"""`slotbot cancel CODE` as staff run it, against a SQLite file a scripted `slotbot chat` booked in: the
booking is cancelled, the customer's message waits in the outbox for the running bot, a second run and an
unknown code are refused with a clear line and no traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.test_cli import ROOT, slotbot


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def _booked(workdir: Path) -> dict[str, str]:
    # The second day listed: today's first time may fall inside the minimum notice as the clock turns.
    script = "\n".join(["1", "1", "1", "2", "1", "Olha Petrenko", "050 123 45 67", "1", ""])
    done = slotbot(workdir, "chat", "--lang", "en", "--as", "olha", stdin=script)
    assert done.returncode == 0 and "Booked!" in done.stdout, done.stderr
    [booking] = json.loads(slotbot(workdir, "bookings", "--json").stdout)
    return dict(booking)


def _outbox(workdir: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(workdir / "slotbot.db") as conn:
        return conn.execute("SELECT chat_id, status, params FROM outbox ORDER BY id").fetchall()


def test_staff_cancel_a_booking_and_the_customers_message_waits_in_the_outbox(workdir: Path) -> None:
    booking = _booked(workdir)
    done = slotbot(workdir, "cancel", booking["code"].lower(), "--reason", "Olena is ill", "--json")
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert (said["code"], said["status"], said["customer"]) == (booking["code"], "cancelled", "Olha Petrenko")
    assert (said["phone"], said["refund"], said["refund_jobs"]) == ("+380501234567", "0.00", 0)
    [after] = json.loads(slotbot(workdir, "bookings", "--all", "--json").stdout)
    assert after["status"] == "cancelled"
    [told] = [json.loads(p)["text"] for chat, status, p in _outbox(workdir) if "cancelled your visit" in p]
    assert told.startswith("Lavanda Beauty Studio cancelled your visit: ") and "Reason: Olena is ill" in told
    assert [status for chat, status, p in _outbox(workdir) if "cancelled your visit" in p] == ["pending"]


def test_a_second_run_is_refused_and_changes_nothing(workdir: Path) -> None:
    booking = _booked(workdir)
    first = slotbot(workdir, "cancel", booking["code"])
    assert first.returncode == 0, first.stderr
    assert "the customer will be told by the running bot" in first.stdout and "Olha Petrenko" in first.stdout
    outbox = _outbox(workdir)
    again = slotbot(workdir, "cancel", booking["code"], "--full-refund")
    assert again.returncode == 1 and "is cancelled: nothing to cancel" in again.stderr
    assert "Traceback" not in again.stderr and _outbox(workdir) == outbox


def test_an_unknown_code_is_a_usage_error_with_no_traceback(workdir: Path) -> None:
    done = slotbot(workdir, "cancel", "NOSUCH12")
    assert done.returncode == 2 and "no booking with the code 'NOSUCH12'" in done.stderr
    assert "Traceback" not in done.stderr
