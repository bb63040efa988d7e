"""`slotbot prepayment`: what a booking of a service would ask a customer to prepay on a day, and why.

The decision is payments/prepayment.py's; this gathers what it needs and shows each part of it. Past visits
count only for customers whose phone the platform proved (a WhatsApp sender, a Telegram user's own contact):
a typed number proves nobody, and counting it would let anyone make a number a regular's by typing it into
bookings. Such visits are shown beside the count, never in it. The store marks no no-shows yet, so every
past confirmed booking is a visit. Staff's tags (`slotbot tag no-prepay --phone P`) count for the number's
owner, as its visits do.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime

from bot.app import open_store
from bot.cli import now_utc, print_json, unknown, zone
from bot.config import Settings
from conversations.phones import example, normalise
from payments.prepayment import Prepayment, explain, prepayment_for
from storage.business import Business, PrepaymentPeriod, Service
from storage.payments_report import Visits, past_visits
from storage.store import Store


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
        tags = await _proven_tags(store, phone, now)
    decision = prepayment_for(business, service, phone=phone, visits=visits.proven, day=day, tags=tags)
    facts = _facts(business, service, phone, day, visits, decision) | {"staff_tags": list(tags)}
    if args.json:
        print_json(facts)
    else:
        _print(facts, business, service)
    return 0


async def _proven_tags(store: Store, phone: str, now: datetime) -> tuple[str, ...]:
    """The tags staff put on the number's owner (customers whose phone the platform proved)."""
    proven = await store.customers_with(phone=phone, proven=True)
    found: list[str] = []
    for customer in proven:
        found += (await store.history(customer, now=now))[1]
    return tuple(dict.fromkeys(found))


async def tag(settings: Settings, args: argparse.Namespace) -> int:
    """`slotbot tag TAG (--phone P | --booking CODE) [--remove]`: what staff say of a customer; `no-prepay`
    means never asked to prepay."""
    tag_ = args.tag.strip().casefold()
    if not tag_ or any(ch.isspace() for ch in tag_):
        print(f"slotbot: a tag is one word, like no-prepay; got {args.tag!r}", file=sys.stderr)
        return 2
    phone = None
    if args.phone is not None:
        phone = normalise(args.phone, settings.business.phone_region)
        if phone is None:
            return _bad_phone(args.phone, settings.business.phone_region)
    async with open_store(settings) as store:
        whom = await store.customers_with(phone=phone, booking_code=args.booking)
        if whom:
            await store.tag(whom, tag_, on=not args.remove)
    if not whom:
        whose = f"with phone {phone}" if phone else f"of booking {args.booking}"
        print(f"slotbot: no customer {whose}", file=sys.stderr)
        return 1
    done = "taken off" if args.remove else "put on"
    print(f"tag {tag_!r} {done} {len(whom)} customer{'s' if len(whom) > 1 else ''}")
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
        "staff_tags": [],
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
    tags = facts["staff_tags"]
    print(f"  staff tags:   {', '.join(tags) if isinstance(tags, list) and tags else 'none'}")


def _visits_words(facts: dict[str, object]) -> str:
    regular_from = facts["regular_from"]
    regulars = f"a regular from {regular_from}" if regular_from else "no regulars exempt"
    words = f"{facts['visits']} ({regulars})"
    typed = facts["visits_typed_phone"]
    if typed:
        words += f"; {typed} more under this number typed in, not counted: a typed number proves nobody"
    return words
