"""What each `slotbot` subcommand does; the argument parsing lives in bot/cli.py."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bot.app import build, open_store
from bot.channels.base import NOWHERE, STAFF, Inbound
from bot.cli import now_utc, print_json, unknown, zone
from bot.config import Settings
from bot.console import chat as console_chat
from bot.runner import ConversationBusy
from conversations import events as ev
from conversations.phones import masked
from storage.availability import Slot
from storage.backup import BackupRefused, backup
from storage.booking import Booking
from storage.db import Database, open_database
from storage.health import write_probe
from storage.jobs import REFUND, Jobs, Listed
from storage.migrate import current_revision, head_revision, upgrade
from storage.store import Customer

log = logging.getLogger("slotbot.cli")


async def db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "backup":
        return await _backup(settings, args.path)
    database = open_database(settings.database_url)
    try:
        if args.action == "upgrade":
            await upgrade(database)
        current, head = await current_revision(database), head_revision()
    finally:
        await database.dispose()
    state = "up to date" if current == head else f"needs `slotbot db upgrade` (latest is {head})"
    print(f"database schema at revision {current or 'none'}: {state}")
    return 0


async def _backup(settings: Settings, path: Path | None) -> int:
    """A consistent copy of the SQLite file, safe while the bot runs; PostgreSQL's tools are named instead."""
    if path is None:
        print("slotbot: db backup needs a PATH, the file to write or a folder for it", file=sys.stderr)
        return 2
    try:
        copied = await asyncio.to_thread(backup, settings.database_url, path, now_utc())
    except BackupRefused as error:
        print(f"slotbot: {error}", file=sys.stderr)
        return 2
    print(f"backed up {copied.source} to {copied.target} ({copied.pages} pages, {copied.size:,} bytes)")
    return 0


async def services(settings: Settings, args: argparse.Namespace) -> int:
    business = settings.business
    lang = business.default_language
    rows = [
        {
            "id": s.id,
            "name": s.title(lang),
            "duration_minutes": s.duration,
            "price": str(s.price),
            "currency": business.currency,
            "staff": list(s.staff),
            "capacity": s.capacity,
        }
        for s in business.services
    ]
    if args.json:
        print_json(rows)
        return 0
    for s in business.services:
        seats = f", class of {s.capacity}" if s.is_class else ""
        print(
            f"{s.id:<20} {s.title(lang):<32} {s.duration:>4} min "
            f"{s.price:>8} {business.currency}{seats}  ({', '.join(s.staff)})"
        )
    return 0


async def slots(settings: Settings, args: argparse.Namespace) -> int:
    business = settings.business
    known = [s.id for s in business.services]
    if args.service not in known:
        return unknown("service", args.service, known)
    service = business.service(args.service)
    if args.staff and args.staff not in service.staff:
        return unknown(f"specialist for {service.id}", args.staff, list(service.staff))
    async with open_store(settings) as store:
        found = await store.slots(
            service.id, now=now_utc(), start_day=args.date, days=args.days, specialist=args.staff
        )
    if args.json:
        print_json([_slot_json(slot, settings) for slot in found])
        return 0
    _print_slots(found, settings)
    return 0


def _local(moment: datetime, settings: Settings) -> datetime:
    return moment.astimezone(zone(settings))


def _slot_json(slot: Slot, settings: Settings) -> dict[str, object]:
    return {
        "service": slot.service,
        "start": _local(slot.start, settings).isoformat(),
        "end": _local(slot.end, settings).isoformat(),
        "specialist": slot.specialist,
        "specialists": list(slot.specialists or (slot.specialist,)),
        "seats_left": slot.seats_left,
    }


def _print_slots(found: list[Slot], settings: Settings) -> None:
    business = settings.business
    if not found:
        print("no free slots in that period")
        return
    names = {s.id: s.name for s in business.staff}
    by_day: dict[str, list[Slot]] = defaultdict(list)
    for slot in found:
        by_day[_local(slot.start, settings).strftime("%a %d %b %Y")].append(slot)
    print(f"times in {business.timezone}")
    for day, day_slots in by_day.items():
        print(day)
        for slot in day_slots:
            who = ", ".join(names.get(s, s) for s in slot.specialists or (slot.specialist,))
            seats = f"  ({slot.seats_left} seats left)" if slot.seats_left > 1 else ""
            print(f"  {_local(slot.start, settings):%H:%M}-{_local(slot.end, settings):%H:%M}  {who}{seats}")


async def bookings(settings: Settings, args: argparse.Namespace) -> int:
    now = now_utc()
    async with open_store(settings) as store:
        found = await store.bookings() if args.all else await store.bookings(since=now, live_at=now)
        who = await store.customers([b.customer_id for b in found if b.customer_id is not None])
    if args.json:
        print_json([_booking_json(b, settings, now, who.get(b.customer_id or 0)) for b in found])
        return 0
    if not found:
        print("no bookings" if args.all else "no upcoming bookings (--all shows past and cancelled ones)")
    for b in found:
        customer = who.get(b.customer_id or 0)
        name, phone = (customer.name or "?", customer.phone or "-") if customer else ("-", "-")
        print(
            f"{b.code}  {_local(b.start, settings):%Y-%m-%d %H:%M}  {b.service:<16} "
            f"{b.specialist:<12} {b.state(now):<10} {_coming(b):<8} {name} {phone} ({b.channel or 'no chat'})"
        )
    return 0


def _coming(b: Booking) -> str:
    """Whether the customer confirmed they are coming (answering a reminder)."""
    return "coming" if b.customer_confirmed_at is not None else "-"


def _booking_json(
    b: Booking, settings: Settings, now: datetime, customer: Customer | None
) -> dict[str, object]:
    return {
        "id": b.id,
        "code": b.code,
        "service": b.service,
        "specialist": b.specialist,
        "start": _local(b.start, settings).isoformat(),
        "end": _local(b.end, settings).isoformat(),
        "status": b.state(now),
        "price": str(b.price),
        "paid": str(b.paid),
        "moves": b.moves,
        # When the customer confirmed they are coming (answering a reminder); None: not (yet).
        "customer_confirmed_at": _local(b.customer_confirmed_at, settings).isoformat()
        if b.customer_confirmed_at
        else None,
        "customer_id": b.customer_id,
        "customer": customer.name if customer else None,
        "phone": customer.phone if customer else None,
        "channel": b.channel,
    }


JOBS_LISTED = 50  # `slotbot jobs` lists this many unless told otherwise


async def jobs(settings: Settings, args: argparse.Namespace) -> int:
    """What the scheduler has to do and what it could not (`slotbot jobs [--json]`), and running a failed job
    again (`slotbot jobs retry ID`)."""
    if args.action == "retry":
        if args.id is None:
            print("slotbot: jobs retry needs the job's id (see `slotbot jobs`)", file=sys.stderr)
            return 2
        async with open_store(settings) as store:
            again = await Jobs(store.db).rerun(args.id, now=now_utc())
        if not again:
            print(f"slotbot: no failed job {args.id} (only a failed job can be run again)", file=sys.stderr)
            return 1
        print(f"job {args.id} is due again now; a running `slotbot serve` carries it out")
        return 0
    statuses = ("failed",) if args.failed else ("pending", "failed")
    limit = args.limit if args.limit is not None or args.json else JOBS_LISTED
    async with open_store(settings) as store:
        found = await Jobs(store.db).listed(statuses, kind=args.kind, limit=limit)
        counts = await Jobs(store.db).counts(statuses)
    rows = [_job_json(job, settings) for job in found]
    if args.json:
        print_json(rows)
        return 0
    if not counts:
        print("no failed jobs" if args.failed else "no pending or failed jobs")
        return 0
    for status in statuses:  # e.g. "pending: 198800 reminder, 3 hold_expiry"
        of = sorted(((n, k) for (s, k), n in counts.items() if s == status), reverse=True)
        if of:
            print(f"{status}: " + ", ".join(f"{n} {k}" for n, k in of))
    for row in rows:
        error = f"  {row['last_error']}" if row["last_error"] else ""
        print(
            f"{row['id']:>6}  {row['status']:<8} {row['kind']:<14} {row['booking'] or '-':<9} "
            f"{row['due']}  attempts {row['attempts']}{error}"
        )
    total = sum(n for (_, k), n in counts.items() if args.kind in (None, k))
    if len(rows) < total:
        print(f"... {total - len(rows)} more not listed (--limit N, --kind KIND, --failed, --json)")
    return 0


def _job_json(job: Listed, settings: Settings) -> dict[str, object]:
    due = datetime.fromtimestamp(job.run_at, zone(settings))
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "booking": job.booking_code,
        "due": due.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "attempts": job.attempts,
        "last_error": job.last_error,
    }


async def cancel(settings: Settings, args: argparse.Namespace) -> int:
    """`slotbot cancel CODE [--reason TEXT] [--full-refund] [--json]`: staff cancel a booking. It enters the
    customer's conversation like any event (bot/runner.py), keyed by the booking and its revision, so the
    same command run again for the booking as it was changes nothing; what it says to the customer and to
    staff is left in the outbox for the running bot to send."""
    now = now_utc()
    # The terminal's renderer too (a booking made in `slotbot chat`); nothing is sent from here.
    app = await build(settings, clock=now_utc, console=sys.stdout, deliver=False)
    try:
        booking = await app.store.booking_by_code(args.code)
        refused = _not_to_cancel(booking, args.code, now)
        if refused is not None or booking is None:
            return refused or 2
        try:
            await app.runner.enter(staff_cancels(booking, args.reason.strip(), args.full_refund))
        except ConversationBusy:
            busy = f"the conversation of booking {booking.code} is busy; nothing changed, try again"
            print(f"slotbot: {busy}", file=sys.stderr)
            return 1
        after = await app.store.booking(booking.id)
        queued = await _refund_jobs(app.store.db, booking.code)
        found = await app.store.customers([booking.customer_id] if booking.customer_id is not None else [])
    finally:
        await app.close()
    if after is None or after.status != "cancelled":
        state = after.state(now_utc()) if after is not None else "gone"
        print(f"slotbot: booking {booking.code} was not cancelled (it is {state} now)", file=sys.stderr)
        return 1
    customer = found.get(booking.customer_id or 0)
    done = _cancelled_json(booking, after, customer, queued, settings)
    log.info("staff cancelled booking %s of %s", booking.code, masked(customer.phone if customer else None))
    if args.json:
        print_json(done)
    else:
        _print_cancelled(done, settings)
    return 0


def staff_cancels(booking: Booking, reason: str = "", full_refund: bool = False) -> Inbound:
    """Staff's cancellation as an event of the conversation the booking was made from (a booking with no
    chat: nowhere, where its effects and staff's notice happen and nothing is said). Its key is the booking
    and its revision: the same command for the booking as it was is a repeat; once cancelled, the revision
    has moved on and there is nothing left to cancel."""
    return Inbound(
        channel=booking.channel or NOWHERE,
        chat_id=booking.chat_id or f"booking-{booking.id}",
        event=ev.StaffCancels(booking, reason, full_refund),
        dedup_id=f"cancel:{booking.id}:{booking.revision}",
        source=STAFF,
    )


def _not_to_cancel(booking: Booking | None, code: str, now: datetime) -> int | None:
    """Why there is nothing to cancel, said, as the exit status: no such code (2), or a booking cancelled,
    expired or begun (1); None: it is live and to come."""
    if booking is None:
        print(f"slotbot: no booking with the code {code.strip().upper()!r}", file=sys.stderr)
        return 2
    if booking.is_live(now) and booking.start > now:
        return None
    state = booking.state(now)
    why = "past (its time has begun)" if state in ("held", "confirmed") else state
    print(f"slotbot: booking {booking.code} is {why}: nothing to cancel", file=sys.stderr)
    return 1


async def _refund_jobs(db: Database, code: str) -> int:
    """Refunds of the booking's payments waiting to go to LiqPay."""
    pending = await Jobs(db).listed(("pending",), kind=REFUND)
    return sum(1 for job in pending if job.booking_code == code)


def _cancelled_json(
    before: Booking, after: Booking, customer: Customer | None, refund_jobs: int, settings: Settings
) -> dict[str, object]:
    return {
        "code": after.code,
        "service": after.service,
        "specialist": after.specialist,
        "start": _local(after.start, settings).isoformat(),
        "status": after.status,
        "customer": customer.name if customer else None,
        "phone": customer.phone if customer else None,
        "channel": after.channel,
        "paid": str(before.paid),
        "refund": str(before.paid - after.paid),  # what the store decided goes back
        "currency": settings.business.currency,
        "refund_jobs": refund_jobs,
        "customer_told": bool(after.channel),
    }


def _print_cancelled(done: dict[str, object], settings: Settings) -> None:
    start = datetime.fromisoformat(str(done["start"]))
    print(f"cancelled {done['code']}: {done['service']} with {done['specialist']}, {start:%Y-%m-%d %H:%M}")
    print(f"  customer: {done['customer'] or '-'} {done['phone'] or '-'} ({done['channel'] or 'no chat'})")
    money, currency = done["refund"], settings.business.currency
    if Decimal(str(money)) > 0:
        queued = (
            "a refund job is queued" if done["refund_jobs"] else "no refund job (payments are not online)"
        )
        print(f"  refund:   {money} {currency} of {done['paid']} paid: {queued}")
    else:
        print(f"  refund:   none (paid {done['paid']} {currency})")
    if done["customer_told"]:
        print("  the customer will be told by the running bot (from the outbox); so will staff")
    else:
        print("  the booking has no chat: the customer is not told; staff will be, by the running bot")


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    if args.lang and args.lang not in settings.business.languages:
        known = ", ".join(settings.business.languages)
        print(f"slotbot: language {args.lang!r} is not offered by this business ({known})", file=sys.stderr)
        return 2
    async with open_store(settings) as store:  # a full disk or a read-only file: said now, not mid-booking
        await write_probe(store.db, now_utc())
    return await console_chat(settings, now_utc, who=args.who, lang=args.lang)


async def start(settings: Settings, args: argparse.Namespace) -> int:
    """The README's first command: the bot on Telegram when a token is set, else the terminal chat."""
    if settings.telegram.token or settings.twilio.enabled:
        args.host = os.environ.get("SLOTBOT_HOST", "127.0.0.1")
        args.port = int(os.environ.get("SLOTBOT_PORT", "8080"))
        return await serve(settings, args)
    return await chat(settings, args)


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve as run_service

    return await run_service(settings, host=args.host, port=args.port)
