"""`slotbot prepayment` and `slotbot report prepayments` as an operator runs them: on the shipped config.yaml
with prepayment rules, a period and exemptions added, and a fresh SQLite file that the test fills through
the store (bookings, past visits, payment attempts) before the command reads it."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.app import open_store
from bot.config import Settings, load_settings
from storage import payments
from storage.attempt import Report, Verdict
from storage.store import Store
from tests.e2e.test_cli import ROOT, slotbot

REGULAR = "+380501234567"  # two past visits with the number proven, one more with it typed
TYPED = "+380631112233"  # two past visits, each with the number typed: proves nobody
CLUB = "+380677654321"  # a club member, written in the config as "067 765 43 21"
STRANGER = "+380991234567"
PREPAYMENT = {
    "default": {"percent": 10},
    "exempt": {"phones": ["067 765 43 21"], "min_visits": 2},
    "periods": [
        {"from": "2030-12-15", "to": "2030-12-31", "rule": {"percent": 30}, "services": ["colouring"]}
    ],
}


def configured(workdir: Path, **business: str) -> Path:
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["prepayment"] = PREPAYMENT
    data["business"] |= business
    for service in data["services"]:
        if service["id"] == "pedicure":
            service["prepayment"] = {"per_hour": 200}
    (workdir / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return workdir


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return configured(tmp_path)


def settings(workdir: Path) -> Settings:
    return load_settings(workdir / "config.yaml", environ={})  # the SQLite file beside the config


def run(work: Any) -> Any:
    return asyncio.run(work)


async def past_visit(store: Store, phone: str, proven: bool, weeks_ago: int) -> None:
    """A confirmed booking that has ended: held and confirmed back then, as the bot did it."""
    day = datetime.now(UTC).date() - timedelta(weeks=weeks_ago)
    then = datetime.combine(day - timedelta(days=3), datetime.min.time(), UTC)
    slot = next(iter(await store.slots("mens-haircut", now=then, start_day=day, days=7)))
    customer = await store.add_customer(now=then, name="Client", phone=phone, proven=proven)
    held = await store.hold(service="mens-haircut", start=slot.start, now=then, customer_id=customer)
    assert held.booking is not None, held.reason
    assert (await store.confirm(held.booking.id, now=then)).ok


async def visits(workdir: Path) -> None:
    async with open_store(settings(workdir)) as store:
        for weeks, phone, proven in ((3, REGULAR, True), (4, REGULAR, True), (5, REGULAR, False)):
            await past_visit(store, phone, proven, weeks)
        for weeks in (3, 4):
            await past_visit(store, TYPED, False, weeks)


def decided(workdir: Path, service: str, phone: str, day: str) -> dict[str, Any]:
    done = slotbot(workdir, "prepayment", "--service", service, "--phone", phone, "--date", day, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


# ---------------------------------------------------------------- slotbot prepayment


@pytest.mark.parametrize(
    ("service", "day", "amount", "source", "words"),
    [
        ("manicure", "2030-06-03", "60", "default", "10% of the price 600 UAH (the business default)"),
        ("colouring", "2030-06-03", "500", "service", "500 UAH: a fixed 500 UAH (the service's own rule)"),
        ("pedicure", "2030-06-03", "250", "service", "250 UAH: 200 UAH per hour of 75 minutes"),
        ("colouring", "2030-12-20", "660", "period", "30% of the price 2200 UAH (the period 2030-12-15"),
        ("manicure", "2030-12-20", "60", "default", "(the business default)"),  # the period is colouring's
    ],
)
def test_the_rule_that_applies_and_where_it_comes_from(
    workdir: Path, service: str, day: str, amount: str, source: str, words: str
) -> None:
    facts = decided(workdir, service, STRANGER, day)
    assert (facts["amount"], facts["currency"], facts["asked"]) == (amount, "UAH", True)
    assert facts["source"] == source
    assert facts["exemption"] is None and words in facts["explanation"]
    assert Decimal(facts["amount"]) == Decimal(facts["by_rule"])


def test_club_members_and_regulars_are_exempt_and_typed_numbers_prove_nobody(workdir: Path) -> None:
    run(visits(workdir))
    club = decided(workdir, "colouring", "067 765 43 21", "2030-12-20")  # as written in the config
    assert (club["phone"], club["amount"], club["by_rule"]) == (CLUB, "0", "660")
    assert club["exemption"] == "club_member"
    assert club["club_member"] is True and club["explanation"].startswith("nothing: a club member")
    regular = decided(workdir, "colouring", "050 123 45 67", "2030-06-03")
    assert (regular["amount"], regular["exemption"], regular["visits"]) == ("0", "regular", 2)
    assert (regular["visits_typed_phone"], regular["regular_from"]) == (1, 2)
    assert "a regular (2 past visits)" in regular["explanation"]
    typed = decided(workdir, "colouring", TYPED, "2030-06-03")
    assert (typed["amount"], typed["exemption"]) == ("500", None)
    assert (typed["visits"], typed["visits_typed_phone"]) == (0, 2)
    assert typed["staff_tags"] == []  # nobody has tagged this number


def test_the_decision_in_words(workdir: Path) -> None:
    run(visits(workdir))
    done = slotbot(workdir, "prepayment", "--service", "colouring", "--phone", TYPED, "--date", "2030-12-20")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"colouring (Фарбування волосся) on 2030-12-20 for {TYPED}"
    assert lines[1].split() == ["asks:", "660", "UAH"]
    assert "30% of the price 2200 UAH (the period 2030-12-15 to 2030-12-31, for colouring)" in lines[2]
    assert lines[3].split() == ["club", "member:", "no"]
    assert "0 (a regular from 2); 2 more under this number typed in, not counted" in lines[4]
    assert lines[5].split() == ["staff", "tags:", "none"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--service", "tattoo", "--phone", REGULAR), "unknown service 'tattoo'; known: womens-haircut, "),
        (("--service", "manicure", "--phone", "12345"), "not a phone number: '12345'"),
        (("--service", "manicure", "--phone", REGULAR, "--date", "2030-02-30"), "not a date"),
        (("--service", "manicure"), "--phone"),
    ],
)
def test_prepayment_mistakes_get_a_clear_message(workdir: Path, args: tuple[str, ...], message: str) -> None:
    done = slotbot(workdir, "prepayment", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_staff_tag_exempts_the_numbers_owner_and_comes_off_again(workdir: Path) -> None:
    async def owner() -> None:
        async with open_store(settings(workdir)) as store:
            await past_visit(store, STRANGER, True, 2)  # once, proven: not yet a regular

    run(owner())
    assert decided(workdir, "manicure", STRANGER, "2030-06-03")["amount"] == "60"
    done = slotbot(workdir, "tag", "no-prepay", "--phone", "099 123 45 67")
    assert done.returncode == 0 and "put on 1 customer" in done.stdout, done.stderr
    exempt = decided(workdir, "manicure", STRANGER, "2030-06-03")
    assert (exempt["amount"], exempt["exemption"], exempt["staff_tags"]) == ("0", "staff_tag", ["no-prepay"])
    assert "no-prepay" in slotbot(workdir, "prepayment", "--service", "manicure", "--phone", STRANGER).stdout
    assert slotbot(workdir, "tag", "no-prepay", "--phone", STRANGER, "--remove").returncode == 0
    assert decided(workdir, "manicure", STRANGER, "2030-06-03")["amount"] == "60"
    nobody = slotbot(workdir, "tag", "no-prepay", "--booking", "NOSUCH00")
    assert nobody.returncode == 1 and "no customer of booking NOSUCH00" in nobody.stderr
    assert slotbot(workdir, "tag", "two words", "--phone", STRANGER).returncode == 2


# ---------------------------------------------------------------- slotbot report prepayments


async def attempts(workdir: Path) -> list[str]:
    """Two bookings a week ahead; Olha's first attempt fails and her second is paid, Jean's is still open."""
    async with open_store(settings(workdir)) as store:
        now = datetime.now(UTC)
        booked = []
        for name in ("Ольга Петренко", "Jean Dupont"):
            week = await store.slots("colouring", now=now, start_day=now.date() + timedelta(days=7), days=7)
            slot = week[0]
            customer = await store.add_customer(now=now, name=name, phone=REGULAR, proven=True)
            held = await store.hold(service="colouring", start=slot.start, now=now, customer_id=customer)
            assert held.booking is not None, held.reason
            booked.append(held.booking.id)
        failed = await _attempt(store, booked[0], now)
        await _tell(store, Report(failed, "failure", Verdict.FAILED, raw="{}"), now)
        still_open = await _attempt(store, booked[1], now + timedelta(seconds=1))
        paid = await _attempt(store, booked[0], now + timedelta(seconds=2))
        said = Report(paid, "success", Verdict.PAID, Decimal(500), "UAH", raw='{"status": "success"}')
        await _tell(store, said, now + timedelta(seconds=3))
        return [failed, still_open, paid]


async def _attempt(store: Store, booking_id: int, now: datetime) -> str:
    pay_by = now + timedelta(minutes=30)
    work = lambda conn: payments.start(conn, booking_id, Decimal(500), "UAH", pay_by, now)  # noqa: E731
    return str((await store.db.transaction(work)).order_id)


async def _tell(store: Store, report: Report, now: datetime) -> None:
    await store.db.transaction(lambda conn: payments.record(conn, report, now))


@pytest.fixture
def attempted(workdir: Path) -> Iterator[list[str]]:
    yield run(attempts(workdir))


def test_the_report_lists_every_attempt_and_the_totals(workdir: Path, attempted: list[str]) -> None:
    done = slotbot(workdir, "report", "prepayments")
    assert done.returncode == 0, done.stderr
    zone, header, *rows, total = done.stdout.splitlines()
    assert zone == "times in Europe/Kyiv" and header.split()[:4] == ["order", "customer", "phone", "service"]
    assert [row.split()[0] for row in rows] == attempted
    assert all(REGULAR in row and "colouring" in row for row in rows)
    assert ["Ольга Петренко" in rows[0], "Jean Dupont" in rows[1], "Ольга Петренко" in rows[2]] == [True] * 3
    assert [" failed " in rows[0], " open " in rows[1], " paid " in rows[2]] == [True] * 3
    assert total == "total UAH: asked 1500.00, paid 500.00, refunded 0.00, kept 500.00"
    paid = slotbot(workdir, "report", "prepayments", "--status", "paid", "--status", "failed").stdout
    assert [row.split()[0] for row in paid.splitlines()[2:4]] == [attempted[0], attempted[2]]
    assert paid.splitlines()[4].startswith("total UAH: asked 1000.00, paid 500.00")
    assert slotbot(workdir, "report", "prepayments", "--to", "2020-01-01").stdout == "no payment attempts\n"


def test_the_csv_opens_in_a_spreadsheet_of_the_businesss_locale(workdir: Path, attempted: list[str]) -> None:
    today = datetime.now(ZoneInfo("Europe/Kyiv")).date()  # a day either side: the test may cross midnight
    since, until = (str(today + timedelta(days=days)) for days in (-1, 1))
    target = workdir / "prepayments.csv"
    done = slotbot(workdir, "report", "prepayments", "--from", since, "--to", until, "--csv", str(target))
    assert done.returncode == 0, done.stderr
    assert f"written to {target}" in done.stdout
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8's BOM: Excel reads the file as UTF-8
    with target.open(encoding="utf-8-sig", newline="") as file:
        header, *rows, blank, total = csv.reader(file, delimiter=";")  # uk: decimal comma, `;` between
    attempts = [dict(zip(header, row, strict=True)) for row in rows]
    assert [row["order"] for row in attempts] == attempted
    assert [row["status"] for row in attempts] == ["failed", "open", "paid"]
    paid = attempts[2]
    assert (paid["amount"], paid["paid"], paid["refunded"]) == ("500,00", "500,00", "0,00")
    assert paid["currency"] == "UAH"
    assert (paid["customer"], paid["phone"]) == ("Ольга Петренко", f"'{REGULAR}")
    booked = json.loads(slotbot(workdir, "bookings", "--json").stdout)
    [start] = [b["start"] for b in booked if b["code"] == paid["booking"]]  # local, with its UTC offset
    assert paid["visit"] == start[:16].replace("T", " ")
    assert paid["paid at"][:10] == paid["started"][:10] and paid["refunded at"] == ""
    assert blank == [] and total[0] == "total" and "1500,00" in total


def test_an_english_business_gets_points_and_commas(tmp_path: Path) -> None:
    workdir = configured(tmp_path, default_language="en")
    run(attempts(workdir))
    target = workdir / "prepayments.csv"
    assert slotbot(workdir, "report", "prepayments", "--csv", str(target)).returncode == 0
    with target.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["amount"] for row in rows] == ["500.00", "500.00", "500.00", "1500.00"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--status", "pending"), "status must be one of open, paid, failed, refunded, got 'pending'"),
        (("--from", "2026-12-02", "--to", "2026-12-01"), "--to 2026-12-01 is before --from 2026-12-02"),
        (("--from", "yesterday"), "not a date"),
        (("--csv", "no/such/folder/report.csv"), "cannot write no/such/folder/report.csv"),
    ],
)
def test_report_mistakes_get_a_clear_message(workdir: Path, args: tuple[str, ...], message: str) -> None:
    done = slotbot(workdir, "report", "prepayments", *args)
    assert done.returncode in (1, 2)
    assert message in done.stderr and "Traceback" not in done.stderr
