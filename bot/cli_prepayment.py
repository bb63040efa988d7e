"""`slotbot prepayment`: what a booking of a service would ask a customer to prepay on a day, and why.

The decision is payments/prepayment.py's; this gathers what it needs and shows each part of it. Past visits
count only for customers whose phone the platform proved (a WhatsApp sender, a Telegram user's own contact):
a typed number proves nobody, and counting it would let anyone make a number a regular's by typing it into
bookings. Such visits are shown beside the count, never in it. The store marks no no-shows yet, so every
past confirmed booking is a visit; it keeps no staff tags yet, so none applies.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.app import open_store
from bot.cli import now_utc, print_json, unknown, zone
from bot.config import Settings
from conversations.phones import example, normalise
from payments.prepayment import Prepayment, explain, prepayment_for
from storage.business import Business, PrepaymentPeriod, Service
from storage.payments_report import Visits, past_visits

TAGS_UNKEPT = "none: the store keeps no staff tags yet"


async def prepayment(settings: Settings, args: argparse.Namespace) -> int:
    business = settings.business
    known = [s.id for s in business.services]
    if args.service not in known:
        return unknown("service", args.service, known)
    phone = normalise(args.phone, business.phone_region)
    if phone is None:
        return _bad_phone(args.phone, business.phone_region)
    service, now = business.service(args.service), now_utc()
    day: date = args.date or now.astimezone(zone(settings)).date()
    async with open_store(settings) as store:
        visits = await store.db.query(lambda conn: past_visits(conn, phone, now))
    decision = prepayment_for(business, service, phone=phone, visits=visits.proven, day=day)
    facts = _facts(business, service, phone, day, visits, decision)
    if args.json:
        print_json(facts)
    else:
        _print(facts, business, service)
    return 0


def _bad_phone(raw: str, region: str) -> int:
    print(
        f"slotbot: not a phone number: {raw!r} (a number without +country is read as {region}'s, "
        f"e.g. {example(region)})",
        file=sys.stderr,
    )
    return 2


def _facts(
    business: Business, service: Service, phone: str, day: date, visits: Visits, decision: Prepayment
) -> dict[str, object]:
    reason, policy = decision.reason, business.prepayment
    period = reason.period
    return {
        "service": service.id,
        "phone": phone,
        "date": day.isoformat(),
        "amount": str(decision.amount),
        "currency": business.currency,
        "asked": decision.asked,
        "by_rule": str(decision.by_rule),
        "rule": {"kind": decision.rule.kind, "value": str(decision.rule.value)},
        "source": str(reason.source),
        "period": None if period is None else _period_json(period),
        "exemption": None if reason.exemption is None else str(reason.exemption),
        "club_member": phone in policy.exempt_phones,
        "visits": visits.proven,
        "visits_typed_phone": visits.typed,
        "regular_from": policy.exempt_min_visits,
        "staff_tags": None,  # not kept by the store yet
        "explanation": explain(decision, service, business.currency),
    }


def _period_json(period: PrepaymentPeriod) -> dict[str, object]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "services": list(period.services)}


def _print(facts: dict[str, object], business: Business, service: Service) -> None:
    title = service.title(business.default_language)
    print(f"{service.id} ({title}) on {facts['date']} for {facts['phone']}")
    print(f"  asks:         {facts['amount']} {business.currency}")
    print(f"  why:          {facts['explanation']}")
    print(f"  club member:  {'yes' if facts['club_member'] else 'no'}")
    print(f"  past visits:  {_visits_words(facts)}")
    print(f"  staff tags:   {TAGS_UNKEPT}")


def _visits_words(facts: dict[str, object]) -> str:
    regular_from = facts["regular_from"]
    regulars = f"a regular from {regular_from}" if regular_from else "no regulars exempt"
    words = f"{facts['visits']} ({regulars})"
    typed = facts["visits_typed_phone"]
    if typed:
        words += f"; {typed} more under this number typed in, not counted: a typed number proves nobody"
    return words
