"""`slotbot prepayment` as an operator runs it: on the shipped config.yaml
with prepayment rules, a period and exemptions added, and a fresh SQLite file that the test fills through
the store (bookings, past visits) before the command reads it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import open_store
from bot.config import Settings, load_settings
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
    assert typed["staff_tags"] is None  # the store keeps none yet


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
    assert "the store keeps no staff tags yet" in lines[5]


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
