"""How much prepayment, for whom: every rule, period and exemption, alone and together, as one table."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pytest

from payments.prepayment import NO_PREPAY_TAG, Exemption, Source, explain, prepayment_for
from storage.business import Business, PrepaymentPeriod, PrepaymentPolicy, PrepaymentRule, Service

D = Decimal
MEMBER = "+380501112233"
STRANGER = "+380679998877"
DAY = date(2026, 12, 1)
NEW_YEAR = PrepaymentPeriod(date(2026, 12, 15), date(2026, 12, 31), PrepaymentRule("percent", D(30)))


def fixed(value: str) -> PrepaymentRule:
    return PrepaymentRule("amount", D(value))


def percent(value: str) -> PrepaymentRule:
    return PrepaymentRule("percent", D(value))


def per_hour(value: str) -> PrepaymentRule:
    return PrepaymentRule("per_hour", D(value))


def service(
    sid: str, price: str, minutes: int, own: PrepaymentRule | None, default: PrepaymentRule
) -> Service:
    """As bot/config_services.py builds it: without a rule of its own, the default rule itself."""
    rule = own or default
    return Service(
        sid,
        {"en": sid},
        minutes,
        D(price),
        ("anna",),
        prepayment_rule=rule,
        prepayment=rule.amount_for(D(price), minutes),
    )


@dataclass(frozen=True)
class Case:
    default: PrepaymentRule = field(default_factory=lambda: percent("20"))
    own: PrepaymentRule | None = None  # the service's own rule
    price: str = "800"
    minutes: int = 60
    periods: tuple[PrepaymentPeriod, ...] = ()
    min_visits: int = 0
    phone: str | None = STRANGER
    visits: int = 0
    tags: tuple[str, ...] = ()
    day: date = DAY
    # what is expected
    amount: str = "0"
    source: Source = Source.DEFAULT
    exemption: Exemption | None = None
    by_rule: str | None = None  # None: the same as amount


CASES = {
    # the rule's kinds, and rounding to whole units
    "default, fixed": Case(default=fixed("200"), amount="200"),
    "default, share of the price": Case(amount="160"),
    "default, share rounded half up": Case(default=percent("15"), price="850", amount="128"),
    "default, share rounded down": Case(default=percent("15"), price="822", amount="123"),
    "default, per hour of 90 minutes": Case(default=per_hour("150"), minutes=90, amount="225"),
    "default, per hour of 50 minutes": Case(default=per_hour("130"), minutes=50, amount="108"),
    "fixed above the price: the price": Case(default=fixed("1000"), amount="800"),
    "per hour above the price: the price": Case(default=per_hour("1000"), minutes=120, amount="800"),
    "a price with cents: never above it": Case(default=fixed("100"), price="99.50", amount="99"),
    "fixed with cents: whole units": Case(default=fixed("199.50"), amount="200"),
    "default asks nothing": Case(default=fixed("0"), amount="0"),
    # the service's own rule over the default
    "own fixed over a default share": Case(own=fixed("500"), amount="500", source=Source.SERVICE),
    "own share over a default fixed": Case(
        default=fixed("200"), own=percent("50"), amount="400", source=Source.SERVICE
    ),
    "own nothing (paid on site) over a default": Case(
        default=fixed("200"), own=fixed("0"), amount="0", source=Source.SERVICE
    ),
    "own rule the same as the default: the default": Case(own=percent("20"), amount="160"),
    # periods
    "a period for every service": Case(
        periods=(NEW_YEAR,), day=date(2026, 12, 20), amount="240", source=Source.PERIOD
    ),
    "a period's first day": Case(
        periods=(NEW_YEAR,), day=date(2026, 12, 15), amount="240", source=Source.PERIOD
    ),
    "a period's last day": Case(
        periods=(NEW_YEAR,), day=date(2026, 12, 31), amount="240", source=Source.PERIOD
    ),
    "the day before a period": Case(periods=(NEW_YEAR,), day=date(2026, 12, 14), amount="160"),
    "the day after a period": Case(periods=(NEW_YEAR,), day=date(2027, 1, 1), amount="160"),
    "a period over the service's own rule": Case(
        own=fixed("500"), periods=(NEW_YEAR,), day=date(2026, 12, 20), amount="240", source=Source.PERIOD
    ),
    "a period for this service": Case(
        periods=(replace(NEW_YEAR, services=("cut", "colour")),),
        day=date(2026, 12, 20),
        amount="240",
        source=Source.PERIOD,
    ),
    "a period for other services only": Case(
        periods=(replace(NEW_YEAR, services=("colour",)),), day=date(2026, 12, 20), amount="160"
    ),
    "overlapping periods: the first listed": Case(
        periods=(replace(NEW_YEAR, rule=fixed("300")), NEW_YEAR),
        day=date(2026, 12, 20),
        amount="300",
        source=Source.PERIOD,
    ),
    "a promotion that asks nothing": Case(
        periods=(replace(NEW_YEAR, rule=fixed("0")),),
        day=date(2026, 12, 20),
        amount="0",
        source=Source.PERIOD,
    ),
    # exemptions
    "a club member": Case(phone=MEMBER, amount="0", exemption=Exemption.CLUB_MEMBER, by_rule="160"),
    "not a club member": Case(phone=STRANGER, amount="160"),
    "no phone known": Case(phone=None, amount="160"),
    "a regular, exactly enough visits": Case(
        min_visits=5, visits=5, amount="0", exemption=Exemption.REGULAR, by_rule="160"
    ),
    "one visit short of a regular": Case(min_visits=5, visits=4, amount="160"),
    "regulars not exempt (min_visits 0)": Case(min_visits=0, visits=100, amount="160"),
    "tagged by staff": Case(tags=(NO_PREPAY_TAG,), amount="0", exemption=Exemption.STAFF_TAG, by_rule="160"),
    "tagged by staff, other spelling": Case(
        tags=("vip", " No-Prepay "), amount="0", exemption=Exemption.STAFF_TAG, by_rule="160"
    ),
    "other tags only": Case(tags=("vip", "no-show"), amount="160"),
    # together
    "a club member in a period": Case(
        periods=(NEW_YEAR,),
        day=date(2026, 12, 20),
        phone=MEMBER,
        amount="0",
        source=Source.PERIOD,
        exemption=Exemption.CLUB_MEMBER,
        by_rule="240",
    ),
    "a regular with the service's own rule": Case(
        own=fixed("500"),
        min_visits=3,
        visits=7,
        amount="0",
        source=Source.SERVICE,
        exemption=Exemption.REGULAR,
        by_rule="500",
    ),
    "tagged, a member and a regular: the tag": Case(
        tags=(NO_PREPAY_TAG,),
        phone=MEMBER,
        min_visits=1,
        visits=9,
        amount="0",
        exemption=Exemption.STAFF_TAG,
        by_rule="160",
    ),
    "a member and a regular: the membership": Case(
        phone=MEMBER, min_visits=1, visits=9, amount="0", exemption=Exemption.CLUB_MEMBER, by_rule="160"
    ),
    "nothing to ask: no exemption recorded": Case(default=fixed("0"), phone=MEMBER, tags=(NO_PREPAY_TAG,)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_prepayment(case: Case) -> None:
    business = Business(
        "Salon",
        "Europe/Kyiv",
        prepayment=PrepaymentPolicy(
            default=case.default,
            exempt_phones=frozenset({MEMBER}),
            exempt_min_visits=case.min_visits,
            periods=case.periods,
        ),
    )
    cut = service("cut", case.price, case.minutes, case.own, case.default)
    decision = prepayment_for(
        business, cut, phone=case.phone, visits=case.visits, day=case.day, tags=case.tags
    )
    assert decision.amount == D(case.amount) and decision.amount == decision.amount.to_integral_value()
    assert decision.asked is (decision.amount > 0)
    assert decision.by_rule == D(case.by_rule or case.amount)
    assert (decision.reason.source, decision.reason.exemption) == (case.source, case.exemption)
    expected_rule = decision.reason.period.rule if decision.reason.period else case.own or case.default
    assert decision.rule == expected_rule
    assert (decision.reason.period is not None) is (case.source is Source.PERIOD)


def test_negative_visits_are_a_mistake() -> None:
    business = Business("Salon", "Europe/Kyiv")
    cut = service("cut", "800", 60, None, PrepaymentRule())
    with pytest.raises(ValueError, match="negative"):
        prepayment_for(business, cut, phone=None, visits=-1, day=DAY)


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (Case(), "160 UAH: 20% of the price 800 UAH (the business default)"),
        (Case(own=fixed("500")), "500 UAH: a fixed 500 UAH (the service's own rule)"),
        (
            Case(default=per_hour("150"), minutes=90),
            "225 UAH: 150 UAH per hour of 90 minutes (the business default)",
        ),
        (
            Case(periods=(replace(NEW_YEAR, services=("cut",)),), day=date(2026, 12, 20)),
            "240 UAH: 30% of the price 800 UAH (the period 2026-12-15 to 2026-12-31, for cut)",
        ),
        (Case(default=fixed("0")), "nothing: no prepayment (the business default)"),
        (
            Case(phone=MEMBER),
            "nothing: a club member "
            "(the rule would ask 160 UAH: 20% of the price 800 UAH (the business default))",
        ),
        (
            Case(min_visits=2, visits=3),
            "nothing: a regular (3 past visits) (the rule would ask 160 UAH: 20% of",
        ),
        (Case(tags=(NO_PREPAY_TAG,)), "nothing: tagged 'no-prepay' by staff (the rule would ask 160 UAH"),
    ],
)
def test_a_decision_in_words(case: Case, words: str) -> None:
    business = Business(
        "Salon",
        "Europe/Kyiv",
        prepayment=PrepaymentPolicy(
            default=case.default,
            exempt_phones=frozenset({MEMBER}),
            exempt_min_visits=case.min_visits,
            periods=case.periods,
        ),
    )
    cut = service("cut", case.price, case.minutes, case.own, case.default)
    decision = prepayment_for(
        business, cut, phone=case.phone, visits=case.visits, day=case.day, tags=case.tags
    )
    assert explain(decision, cut, "UAH").startswith(words)


@pytest.mark.parametrize(
    "module", ["payments.prepayment", "payments.statuses", "payments.liqpay", "storage.attempt"]
)
def test_pure_payments_modules_import_no_database_or_http(module: str) -> None:
    heavy = ("sqlalchemy", "aiosqlite", "asyncpg", "aiohttp", "requests", "liqpay", "pydantic")
    probe = (
        f"import sys, {module}\n"
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "", f"importing {module} loads {loaded.stdout.strip()}"
