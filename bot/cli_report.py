"""`slotbot report prepayments`: every payment attempt with its booking, customer, service, visit time, money
in and out, and the totals; a table on stdout, and with `--csv FILE` a file a spreadsheet opens as it is.

The CSV is UTF-8 with a BOM (without it Excel reads the file in the computer's old code page), times are the
business's local time, and numbers use the decimal separator of the business's default language: a comma
for uk, pl, fr, el and ru, with `;` between fields as spreadsheets in those locales expect, a point for en.
A cell that a spreadsheet would take for a formula (=, +, -, @ first: a customer may name themselves so, and
a phone starts with +) gets an apostrophe in front, which spreadsheets read as "this is text".
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import open_store
from bot.cli import zone
from bot.config import Settings
from storage.business import Business
from storage.payments_report import Line, Totals, lines, totals

COMMA_LANGUAGES = frozenset({"uk", "pl", "fr", "el", "ru"})  # every language offered but English
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Style:
    """How the report writes times and money: the business's zone and decimal separator."""

    zone: ZoneInfo
    decimal: str

    def money(self, amount: Decimal) -> str:
        return f"{amount:.2f}".replace(".", self.decimal)

    def time(self, moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(self.zone):%Y-%m-%d %H:%M}"


def style_of(business: Business) -> Style:
    comma = business.default_language in COMMA_LANGUAGES
    return Style(ZoneInfo(business.timezone), "," if comma else ".")


Cell = Callable[[Line, Style], str]
COLUMNS: dict[str, Cell] = {
    "order": lambda line, s: line.order_id,
    "booking": lambda line, s: line.booking_code,
    "customer": lambda line, s: line.customer,
    "phone": lambda line, s: line.phone or "",
    "service": lambda line, s: line.service,
    "specialist": lambda line, s: line.specialist,
    "visit": lambda line, s: s.time(line.start),
    "amount": lambda line, s: s.money(line.amount),
    "currency": lambda line, s: line.currency,
    "status": lambda line, s: line.state,
    "liqpay status": lambda line, s: line.status or "",
    "paid": lambda line, s: s.money(line.paid),
    "paid at": lambda line, s: s.time(line.paid_at),
    "refunded": lambda line, s: s.money(line.refunded),
    "refunded at": lambda line, s: s.time(line.refunded_at),
    "started": lambda line, s: s.time(line.created_at),
}
# On stdout: the columns that fit a wide terminal, and their widths (negative: aligned right); the order
# id is the booking's code and the attempt's number, `K7QX2M9A-2`.
TABLE = {"order": 11, "customer": 20, "phone": 16, "service": 14, "visit": 16, "amount": -9}
TABLE |= {"currency": 3, "status": 8, "paid": -9, "paid at": 16, "refunded": -9, "refunded at": 16}
SHORT = {"currency": ""}  # headers too wide for their column


async def report(settings: Settings, args: argparse.Namespace) -> int:
    since, until = args.since, args.until
    if since and until and until < since:
        print(f"slotbot: --to {until} is before --from {since}", file=sys.stderr)
        return 2
    found = await read_lines(settings, since, until, args.status or ())
    style = style_of(settings.business)
    print_table(found, style.zone, sys.stdout)
    if args.csv is not None:
        try:
            with args.csv.open("w", encoding="utf-8-sig", newline="") as file:
                write_csv(found, style, file)
        except OSError as error:
            print(f"slotbot: cannot write {args.csv}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"written to {args.csv} ({len(found)} attempts, decimal separator {style.decimal!r})")
    return 0


async def read_lines(
    settings: Settings, since: date | None, until: date | None, states: Sequence[str]
) -> list[Line]:
    start, end = day_bounds(since, until, zone(settings))
    async with open_store(settings) as store:
        return await store.db.query(lambda conn: lines(conn, since=start, until=end, states=states))


def day_bounds(
    since: date | None, until: date | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The local days `since` to `until`, both included, as [start, end) moments (None: open)."""
    start = None if since is None else datetime.combine(since, time(), tz)
    end = None if until is None else datetime.combine(until + timedelta(days=1), time(), tz)
    return start, end


def print_table(found: Sequence[Line], tz: ZoneInfo, out: TextIO) -> None:
    """The attempts for reading in a terminal; amounts with a point, as in the rest of `slotbot`'s output
    (a comma would read as a list's in "paid 450,50, refunded 0,00")."""
    style = Style(tz, ".")
    if not found:
        out.write("no payment attempts\n")
        return
    out.write(f"times in {style.zone.key}\n")
    out.write(_row([SHORT.get(name, name) for name in TABLE], TABLE) + "\n")
    for line in found:
        out.write(_row([COLUMNS[name](line, style) for name in TABLE], TABLE) + "\n")
    for total in totals(found):
        out.write(f"{_totals_words(total, style)}\n")


def _row(cells: list[str], widths: dict[str, int]) -> str:
    shown = []
    for cell, width in zip(cells, widths.values(), strict=True):
        cell = cell if len(cell) <= abs(width) else cell[: abs(width) - 1] + "…"
        shown.append(cell.rjust(-width) if width < 0 else cell.ljust(width))
    return "  ".join(shown).rstrip()


def _totals_words(total: Totals, style: Style) -> str:
    money = {name: style.money(getattr(total, name)) for name in ("asked", "paid", "refunded", "kept")}
    return f"total {total.currency}: " + ", ".join(f"{name} {value}" for name, value in money.items())


def write_csv(found: Sequence[Line], style: Style, file: TextIO) -> None:
    """Every attempt, one row each, then a blank row and a row of totals per currency."""
    writer = csv.writer(file, delimiter=";" if style.decimal == "," else ",")
    writer.writerow(COLUMNS)
    for line in found:
        writer.writerow([_as_text(cell(line, style)) for cell in COLUMNS.values()])
    writer.writerow([])
    for total in totals(found):
        row = dict.fromkeys(COLUMNS, "") | {"order": "total", "currency": total.currency}
        row |= {"amount": style.money(total.asked), "paid": style.money(total.paid)}
        row |= {"refunded": style.money(total.refunded)}
        writer.writerow(row.values())


def _as_text(cell: str) -> str:
    return f"'{cell}" if cell.startswith(FORMULA_FIRST) else cell
