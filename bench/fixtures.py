"""A large synthetic business for the benchmarks: 20 specialists, a 60-minute service, long hours."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert

from storage.availability import claims_for
from storage.business import BookingRules, Business, Schedule, Service, Specialist, TimeRange
from storage.db import Database
from storage.models import bookings, claims

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday, 08:00 in Kyiv


def business(staff_count: int = 20) -> Business:
    week = {day: (TimeRange(9 * 60, 19 * 60),) for day in range(6)}
    lunch = {day: (TimeRange(13 * 60, 14 * 60),) for day in range(6)}
    staff = tuple(
        Specialist(f"s{i:02d}", f"Specialist {i}", Schedule(week, lunch)) for i in range(staff_count)
    )
    ids = tuple(s.id for s in staff)
    services = (
        Service("consult", {"en": "Consultation"}, 60, Decimal(500), ids, buffer_after=10),
        Service("quick", {"en": "Quick visit"}, 30, Decimal(300), ids),
    )
    rules = BookingRules(slot_step=15, min_notice=0, max_advance_days=90)
    return Business("Bench clinic", "Europe/Kyiv", staff=staff, services=services, rules=rules)


async def fill(db: Database, biz: Business, count: int, days: int = 60, seed: int = 7) -> int:
    """Insert `count` confirmed 30-minute bookings spread over `days`, directly (no overlap by design)."""
    rng = random.Random(seed)
    quick = biz.service("quick")
    taken: set[tuple[str, datetime]] = set()
    booking_rows, claim_rows = [], []
    day0 = NOW.astimezone(KYIV).date()
    while len(booking_rows) < count:
        day = day0 + timedelta(days=rng.randrange(days))
        if day.weekday() == 6:
            continue
        staff = rng.choice(biz.staff).id
        half_hour = rng.choice([h for h in range(18, 38) if h not in (26, 27)])  # 09:00..18:30, not lunch
        start = datetime.combine(day, datetime.min.time(), KYIV) + timedelta(minutes=30 * half_hour)
        if (staff, start) in taken:
            continue
        taken.add((staff, start))
        booking_id = len(booking_rows) + 1
        booking_rows.append(_booking(booking_id, staff, start))
        for resource, lo, hi in claims_for(biz, quick, staff, start):
            claim_rows.append(
                {
                    "booking_id": booking_id,
                    "resource": resource,
                    "seat": 0,
                    "capacity": 1,
                    "start_ts": lo,
                    "end_ts": hi,
                    "active": True,
                    "expires_ts": None,
                }
            )

    def insert_all(conn: Connection) -> None:
        conn.execute(insert(bookings), booking_rows)
        conn.execute(insert(claims), claim_rows)

    await db.transaction(insert_all)
    return count


def _booking(booking_id: int, staff: str, start: datetime) -> dict[str, object]:
    return {
        "id": booking_id,
        "code": f"B{booking_id:07d}",
        "service": "quick",
        "specialist": staff,
        "customer_id": None,
        "start": start,
        "end": start + timedelta(minutes=30),
        "status": "confirmed",
        "expires_at": None,
        "moves": 0,
        "price": Decimal(300),
        "paid": Decimal(0),
        "note": "",
        "origin": "direct",
        "created_at": NOW,
        "updated_at": NOW,
    }
