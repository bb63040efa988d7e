"""How much prepayment a booking asks, and why: the rule that applies, and who is exempt from it.

Pure (no I/O, no clock, no SQLAlchemy), so the conversation can ask it as it writes the summary: the caller
brings what it knows of the customer (phone, past visits that were not no-shows, the tags staff gave them)
and the local date of the visit. The rule is a period's, where one covers that date and service (the first
listed), else the service's own, else the business default; an exemption then asks nothing. `explain` puts
a decision in words for operators (`slotbot prepayment`); what customers read lives in conversations/texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from storage.business import Business, PrepaymentPeriod, PrepaymentRule, Service

NO_PREPAY_TAG = "no-prepay"  # a customer staff tagged so is never asked to prepay


class Source(StrEnum):
    """Where the rule came from."""

    PERIOD = "period"
    SERVICE = "service"  # the service's own rule
    DEFAULT = "default"  # the business default (also when a service's own rule is the same)


class Exemption(StrEnum):
    """Why a customer is not asked at all; checked in this order."""

    STAFF_TAG = "staff_tag"
    CLUB_MEMBER = "club_member"
    REGULAR = "regular"


@dataclass(frozen=True)
class Reason:
    source: Source
    period: PrepaymentPeriod | None = None
    exemption: Exemption | None = None
    visits: int = 0  # the customer's past visits, for a regular's exemption


@dataclass(frozen=True)
class Prepayment:
    """What to ask: `amount` in the business currency, whole units; 0 means nothing is paid online."""

    amount: Decimal
    rule: PrepaymentRule
    reason: Reason
    by_rule: Decimal  # what the rule alone gives, before an exemption

    @property
    def asked(self) -> bool:
        return self.amount > 0


def prepayment_for(
    business: Business,
    service: Service,
    *,
    phone: str | None,
    visits: int,
    day: date,
    tags: Iterable[str] = (),
) -> Prepayment:
    """The prepayment for `service` on the local `day`; `phone` in E.164 as the store keeps it, `visits`
    the customer's past visits that were not no-shows, `tags` what staff tagged the customer with."""
    if visits < 0:
        raise ValueError(f"past visits cannot be negative: {visits}")
    source, period, rule = _rule(business, service, day)
    by_rule = _whole(rule.amount_for(service.price, service.duration), service.price)
    exemption = _exemption(business, phone, visits, tags) if by_rule > 0 else None
    amount = Decimal(0) if exemption else by_rule
    return Prepayment(amount, rule, Reason(source, period, exemption, visits), by_rule)


def _rule(
    business: Business, service: Service, day: date
) -> tuple[Source, PrepaymentPeriod | None, PrepaymentRule]:
    for period in business.prepayment.periods:
        if period.covers(day, service.id):
            return Source.PERIOD, period, period.rule
    # bot/config_services.py gives a service without a rule of its own the default rule itself.
    own = service.prepayment_rule != business.prepayment.default
    return (Source.SERVICE if own else Source.DEFAULT), None, service.prepayment_rule


def _exemption(business: Business, phone: str | None, visits: int, tags: Iterable[str]) -> Exemption | None:
    policy = business.prepayment
    if NO_PREPAY_TAG in {tag.strip().casefold() for tag in tags}:
        return Exemption.STAFF_TAG
    if phone is not None and phone in policy.exempt_phones:
        return Exemption.CLUB_MEMBER
    if policy.exempt_min_visits > 0 and visits >= policy.exempt_min_visits:
        return Exemption.REGULAR
    return None


def _whole(amount: Decimal, price: Decimal) -> Decimal:
    """Whole units of currency, never above the price, never below nothing."""
    rounded = amount.quantize(Decimal(1), ROUND_HALF_UP)
    return max(min(rounded, price.quantize(Decimal(1), ROUND_FLOOR)), Decimal(0))


# ---------------------------------------------------------------- in words, for operators


def explain(decision: Prepayment, service: Service, currency: str) -> str:
    """E.g. "160 UAH: 20% of the price 800 UAH (the business default)", or "nothing: a club member (the
    rule would ask 160 UAH: …)"."""
    reason = decision.reason
    rule = f"{_rule_words(decision.rule, service, currency)} ({_source_words(reason)})"
    if reason.exemption is not None:
        return (
            f"nothing: {_exemption_words(reason)} (the rule would ask {decision.by_rule} {currency}: {rule})"
        )
    if not decision.asked:
        return f"nothing: {rule}"
    return f"{decision.amount} {currency}: {rule}"


def _rule_words(rule: PrepaymentRule, service: Service, currency: str) -> str:
    if rule.kind == "percent":
        return f"{rule.value}% of the price {service.price} {currency}"
    if rule.kind == "per_hour":
        return f"{rule.value} {currency} per hour of {service.duration} minutes"
    return f"a fixed {rule.value} {currency}" if rule.value > 0 else "no prepayment"


def _source_words(reason: Reason) -> str:
    if reason.period is not None:
        period = reason.period
        which = ", ".join(period.services) if period.services else "every service"
        return f"the period {period.start} to {period.end}, for {which}"
    return "the service's own rule" if reason.source is Source.SERVICE else "the business default"


def _exemption_words(reason: Reason) -> str:
    if reason.exemption is Exemption.STAFF_TAG:
        return f"tagged {NO_PREPAY_TAG!r} by staff"
    if reason.exemption is Exemption.CLUB_MEMBER:
        return "a club member"
    return f"a regular ({reason.visits} past visits)"
