"""The `slotbot` command: `serve`, `chat`, `db upgrade|status|backup`, `services`, `slots`, `bookings`,
`cancel`, `jobs`, `prepayment`, `report prepayments`.

What keeps a command from running is said in one line, with no traceback: a config mistake, a refusal at
start, and the database's own condition (which file, and what is wrong with it), handled here once for all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings, load_settings
from bot.startup import CannotStart
from storage.attempt import STATES
from storage.faults import explain, is_fault
from storage.migrate import SchemaOutdated

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slotbot", description="Booking assistant for service businesses.")
    parser.add_argument(
        "--config",
        default=os.environ.get("SLOTBOT_CONFIG", "config.yaml"),
        help="the business's config file (default: $SLOTBOT_CONFIG or ./config.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db = commands.add_parser("db", help="database schema, and backups: `db backup PATH`")
    db.add_argument("action", choices=["upgrade", "status", "backup"])
    where = "backup: the file to write, or a folder to write it in"
    db.add_argument("path", nargs="?", type=Path, metavar="PATH", help=where)
    services = commands.add_parser("services", help="list the services on offer")
    services.add_argument("--json", action="store_true")
    slots = commands.add_parser("slots", help="free slots of a service, in the business's time zone")
    slots.add_argument("--service", required=True, metavar="ID")
    slots.add_argument("--staff", metavar="ID", help="one specialist (default: anyone who performs it)")
    slots.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="first day (default: today)")
    slots.add_argument("--days", type=_days, default=1, metavar="N", help="how many days (default: 1)")
    slots.add_argument("--json", action="store_true")
    for name, text in (
        ("chat", "talk to the bot in this terminal (one message per line when piped)"),
        ("start", "start the bot on the configured channels; the terminal chat when no token is set"),
    ):
        chat = commands.add_parser(name, help=text)
        chat.add_argument("--lang", help="the customer's language (en, uk, pl, fr, el, ru)")
        chat.add_argument("--as", dest="who", default="you", metavar="NAME", help="who is chatting")
    serve = commands.add_parser("serve", help="run the bot: HTTP webhooks, Telegram polling, the outbox")
    serve.add_argument("--host", default=os.environ.get("SLOTBOT_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("SLOTBOT_PORT", "8080")))
    jobs = commands.add_parser("jobs", help="pending and failed jobs (hold expiries...); `jobs retry ID`")
    jobs.add_argument("action", nargs="?", choices=["list", "retry"], default="list")
    jobs.add_argument("id", nargs="?", type=int, help="the job to run again (with retry)")
    jobs.add_argument("--kind", help="only jobs of this kind (hold_expiry, reminder, refund...)")
    jobs.add_argument("--failed", action="store_true", help="only jobs that failed for good")
    jobs.add_argument("--limit", type=int, help="list at most this many (default 50; all with --json)")
    jobs.add_argument("--json", action="store_true")
    cancel = commands.add_parser("cancel", help="cancel a booking for the business; the customer is told")
    cancel.add_argument("code", metavar="CODE", help="the booking's code (any case)")
    cancel.add_argument("--reason", default="", metavar="TEXT", help="told to the customer, as written")
    cancel.add_argument(
        "--full-refund", action="store_true", help="give back all that was paid, whatever the refund window"
    )
    cancel.add_argument("--json", action="store_true")
    bookings = commands.add_parser("bookings", help="list bookings")
    bookings.add_argument("--all", action="store_true", help="include past, cancelled and expired ones")
    bookings.add_argument("--json", action="store_true")
    _payment_commands(commands)
    return parser


def _payment_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    day = "YYYY-MM-DD"
    prepayment = commands.add_parser("prepayment", help="what a booking would ask to prepay, and why")
    prepayment.add_argument("--service", required=True, metavar="ID")
    prepayment.add_argument("--phone", required=True, metavar="PHONE", help="the customer's phone number")
    prepayment.add_argument("--date", type=_date, metavar=day, help="the visit's day (default: today)")
    prepayment.add_argument("--json", action="store_true")
    tag = commands.add_parser("tag", help="put a tag on a customer (no-prepay: never asked to prepay)")
    tag.add_argument("tag", metavar="TAG", help="e.g. no-prepay")
    whom = tag.add_mutually_exclusive_group(required=True)
    whom.add_argument("--phone", metavar="PHONE", help="every customer with this phone number")
    whom.add_argument("--booking", metavar="CODE", help="the customer of this booking")
    tag.add_argument("--remove", action="store_true", help="take the tag off instead")
    report = commands.add_parser("report", help="reports for the operator: `report prepayments`")
    report.add_argument("what", choices=["prepayments"])
    started = "payment attempts started on or {} this day, in the business's time zone"
    report.add_argument("--from", dest="since", type=_date, metavar=day, help=started.format("after"))
    report.add_argument("--to", dest="until", type=_date, metavar=day, help=started.format("before"))
    states = ", ".join(STATES)
    report.add_argument("--status", action="append", type=_state, metavar="S", help=f"{states} (repeatable)")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the report to FILE as CSV")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _state(value: str) -> str:
    if value not in STATES:
        raise argparse.ArgumentTypeError(f"status must be one of {', '.join(STATES)}, got {value!r}")
    return value


def _days(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 366:
        raise argparse.ArgumentTypeError(f"days must be a whole number from 1 to 366, got {value!r}")
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"slotbot: {args.config} has mistakes:\n{error}", file=sys.stderr)
        return 2
    command = _commands()[args.command]
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(command(settings, args))
    except SchemaOutdated as error:
        print(f"slotbot: {error}", file=sys.stderr)
        return 3
    except CannotStart as error:
        print(f"slotbot: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if not is_fault(error):
            raise
        print(f"slotbot: {explain(settings.database_url, error)}", file=sys.stderr)
        return 1


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (Linux, macOS): the same asyncio, at a fraction of the CPU
    per request; the standard loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _commands() -> dict[str, Command]:
    from bot import cli_commands, cli_prepayment, cli_report

    return {
        "db": cli_commands.db,
        "services": cli_commands.services,
        "slots": cli_commands.slots,
        "bookings": cli_commands.bookings,
        "jobs": cli_commands.jobs,
        "cancel": cli_commands.cancel,
        "chat": cli_commands.chat,
        "start": cli_commands.start,
        "serve": cli_commands.serve,
        "prepayment": cli_prepayment.prepayment,
        "tag": cli_prepayment.tag,
        "report": cli_report.report,
    }


def now_utc() -> datetime:
    return datetime.now(UTC)


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.business.timezone)


def unknown(kind: str, value: str, known: list[str]) -> int:
    """A name the business does not have, said with the ones it has; the status of a usage error."""
    print(f"slotbot: unknown {kind} {value!r}; known: {', '.join(known)}", file=sys.stderr)
    return 2


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
