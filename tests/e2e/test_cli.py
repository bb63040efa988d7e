"""The `slotbot` command as a user runs it, on the shipped config.yaml and a fresh SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def slotbot(
    workdir: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    mine = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLOTBOT_", "TELEGRAM_", "LIQPAY_"))}
    env |= {"PYTHONPATH": str(ROOT), **mine}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=workdir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_services_lists_the_example_business(workdir: Path) -> None:
    done = slotbot(workdir, "services", "--json")
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)
    assert len(services) >= 5
    assert any(s["capacity"] == 6 for s in services)
    assert all(s["currency"] == "UAH" for s in services)


def test_slots_prints_free_times_in_the_business_time_zone(workdir: Path) -> None:
    service = json.loads(slotbot(workdir, "services", "--json").stdout)[0]["id"]
    first = date.today() + timedelta(days=7)
    done = slotbot(
        workdir, "slots", "--service", service, "--date", first.isoformat(), "--days", "3", "--json"
    )
    assert done.returncode == 0, done.stderr
    slots = json.loads(done.stdout)
    assert slots, "a salon open six days a week has free slots in three days"
    days = {first + timedelta(days=i) for i in range(3)}
    assert {date.fromisoformat(s["start"][:10]) for s in slots} <= days
    assert all(s["start"][-6:] in ("+02:00", "+03:00") for s in slots)  # Europe/Kyiv
    text = slotbot(workdir, "slots", "--service", service, "--date", first.isoformat())
    assert text.returncode == 0 and "Europe/Kyiv" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("slots", "--service", "tattoo"), "unknown service 'tattoo'"),
        (("slots", "--service", "manicure", "--date", "tomorrow"), "not a date"),
        (("slots", "--service", "manicure", "--days", "0"), "days must be"),
        (("slots", "--service", "manicure", "--staff", "nobody"), "unknown specialist"),
    ],
)
def test_bad_arguments_get_a_clear_message(workdir: Path, args: tuple[str, ...], message: str) -> None:
    done = slotbot(workdir, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_broken_config_is_reported_with_its_key_path(workdir: Path) -> None:
    config = workdir / "config.yaml"
    config.write_text(config.read_text().replace("timezone: Europe/Kyiv", "timezone: Europe/Kiev2"))
    done = slotbot(workdir, "services")
    assert done.returncode == 2
    assert "business.timezone" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_config_is_reported(tmp_path: Path) -> None:
    done = slotbot(tmp_path, "services")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_a_scripted_chat_makes_a_booking_that_bookings_lists(workdir: Path) -> None:
    assert json.loads(slotbot(workdir, "bookings", "--json").stdout) == []
    # The second day listed: today's first time may fall inside the minimum notice as the clock turns.
    script = "\n".join(["1", "1", "1", "2", "1", "Olha Petrenko", "050 123 45 67", "1", ""])
    done = slotbot(workdir, "chat", "--lang", "en", "--as", "olha", stdin=script)
    assert done.returncode == 0, done.stderr
    assert "Booked!" in done.stdout
    [booking] = json.loads(slotbot(workdir, "bookings", "--json").stdout)
    assert booking["status"] == "confirmed"
    # Who booked, and where from.
    assert (booking["customer"], booking["phone"], booking["channel"]) == (
        "Olha Petrenko",
        "+380501234567",
        "console",
    )
    listed = slotbot(workdir, "bookings").stdout
    assert "Olha Petrenko +380501234567 (console)" in listed
    assert (workdir / "slotbot.db").exists()


def test_chat_lang_switches_a_conversation_kept_from_an_earlier_run(workdir: Path) -> None:
    first = slotbot(workdir, "chat", "--lang", "uk", "--as", "olha", stdin="1\n")
    assert first.returncode == 0 and "Вітаю" in first.stdout, first.stderr
    again = slotbot(workdir, "chat", "--lang", "pl", "--as", "olha", stdin="1\n")
    assert again.returncode == 0, again.stderr
    assert "Dzień dobry" in again.stdout and "Вітаю" not in again.stdout
    # Without --lang the conversation keeps the language it was last given.
    kept = slotbot(workdir, "chat", "--as", "olha", stdin="1\n")
    assert "Dzień dobry" in kept.stdout


def test_db_status_and_upgrade(workdir: Path) -> None:
    done = slotbot(workdir, "db", "upgrade")
    assert done.returncode == 0 and "up to date" in done.stdout


def test_jobs_lists_a_holds_expiry_and_retry_refuses_what_did_not_fail(workdir: Path) -> None:
    assert slotbot(workdir, "jobs").stdout.strip() == "no pending or failed jobs"
    # A colouring asks for a prepayment (LiqPay in test mode), so its hold waits for the payment, with the
    # link in the chat, a status check before it expires and the expiry itself as jobs.
    liqpay = {"LIQPAY_PUBLIC_KEY": "sandbox_i000", "LIQPAY_PRIVATE_KEY": "secret", "LIQPAY_SANDBOX": "true"}
    script = "\n".join(["1", "3", "2", "1", "Olha Petrenko", "050 123 45 67", "1", ""])  # not today
    done = slotbot(workdir, "chat", "--lang", "en", "--as", "olha", stdin=script, env=liqpay)
    assert done.returncode == 0, done.stderr
    assert "https://www.liqpay.ua/api/3/checkout?data=" in done.stdout
    [booking] = json.loads(slotbot(workdir, "bookings", "--json").stdout)
    assert booking["status"] == "held"
    check, job = json.loads(slotbot(workdir, "jobs", "--json").stdout)
    assert (check["kind"], check["booking"]) == ("payment_check", booking["code"])
    assert (job["kind"], job["status"], job["booking"], job["attempts"]) == (
        "hold_expiry",
        "pending",
        booking["code"],
        0,
    )
    assert job["due"].endswith(("EET", "EEST"))  # the business's time zone
    listed = slotbot(workdir, "jobs")
    assert "hold_expiry" in listed.stdout and booking["code"] in listed.stdout
    assert listed.stdout.splitlines()[0] == "pending: 1 payment_check, 1 hold_expiry"
    # Filtered and cut short: a business with many reminders pending still reads what matters.
    [only] = json.loads(slotbot(workdir, "jobs", "--kind", "hold_expiry", "--json").stdout)
    assert only["id"] == job["id"]
    short = slotbot(workdir, "jobs", "--limit", "1").stdout
    assert "... 1 more not listed" in short and "hold_expiry" not in short.splitlines()[1]
    assert slotbot(workdir, "jobs", "--failed").stdout.strip() == "no failed jobs"
    again = slotbot(workdir, "jobs", "retry", str(job["id"]))
    assert again.returncode == 1 and "only a failed job" in again.stderr
