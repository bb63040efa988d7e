"""The schema of prepayments: a service's rule (`prepayment: 200`, `{percent: 20}` or `{per_hour: 150}`) and
the business-wide `prepayment:` section (the default rule, who is exempt, and periods when a rule applies).

Only the data: storage/business.py's PrepaymentRule and PrepaymentPolicy, for the payments code to apply.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainValidator, ValidationInfo, model_validator

from bot.config_refs import Phones, service_ids, some_of
from bot.config_section import Mistakes, Section, mistake
from bot.config_values import Day, Money, Percent, Text, amount, whole
from storage.business import PrepaymentPeriod, PrepaymentPolicy, PrepaymentRule

LIQPAY_CURRENCIES = ("UAH", "EUR", "USD")  # what online prepayments are taken in


class ShareOfPrice(Section):
    percent: Percent | None = None
    per_hour: Money | None = None  # so much for every hour the service lasts

    @model_validator(mode="after")
    def _one_form(self) -> ShareOfPrice:
        if (self.percent is None) == (self.per_hour is None):
            raise mistake("needs percent or per_hour (one of them), e.g. {percent: 20} or {per_hour: 150}")
        return self

    def rule(self) -> PrepaymentRule:
        if self.percent is not None:
            return PrepaymentRule("percent", self.percent)
        return PrepaymentRule("per_hour", self.per_hour or Decimal(0))


def prepayment_rule(raw: Any) -> PrepaymentRule:
    """A fixed amount (`200`), a share of the price (`{percent: 20}`) or per hour (`{per_hour: 150}`)."""
    if isinstance(raw, dict):
        return ShareOfPrice.model_validate(raw).rule()
    return PrepaymentRule("amount", amount(raw))


Prepayment = Annotated[PrepaymentRule, PlainValidator(prepayment_rule)]


_listed_services = some_of("service", service_ids)


def _services(raw: Any, info: ValidationInfo) -> tuple[str, ...]:
    """Service ids, or `all` (also when left out): every service."""
    if isinstance(raw, str) and raw.strip().lower() == "all":
        return ()
    return _listed_services(raw, info)


class Exemptions(Section):
    phones: Phones = frozenset()  # club members; read in business.phone_region
    min_visits: Annotated[int, whole("visits", 0)] = 0  # regulars: past visits, not no-shows; 0: nobody


class Period(Section):
    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    services: Annotated[tuple[str, ...], PlainValidator(_services)] = ()  # empty: every service
    rule: Prepayment = Field(description="what to ask for in these dates, e.g. {percent: 30} or 200")
    note: Text = ""

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        mistakes = Mistakes()
        if self.end < self.start:
            mistakes.add(("to",), f"{self.end} is before the start {self.start}")
        mistakes.check()
        return self

    def period(self) -> PrepaymentPeriod:
        return PrepaymentPeriod(self.start, self.end, self.rule, self.services)


class PrepaymentSection(Section):
    default: Prepayment = PrepaymentRule()  # for services without their own `prepayment`
    exempt: Exemptions
    periods: tuple[Period, ...] = ()

    def policy(self) -> PrepaymentPolicy:
        return PrepaymentPolicy(
            default=self.default,
            exempt_phones=self.exempt.phones,
            exempt_min_visits=self.exempt.min_visits,
            periods=tuple(period.period() for period in self.periods),
        )
