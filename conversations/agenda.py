"""A staff chat's agenda: one day's bookings, everyone's for an admin, their own for a specialist.

Only a chat the platform proves to be a staff contact has one (`View.staff`: the runner compares the chat with
config.yaml's contacts; nothing typed counts). It asks with /today, /tomorrow or /agenda [day], or with the
word for today, tomorrow or the agenda alone, in the staff language or English (lexicon.AGENDA_WORDS).
Anything else it writes is the ordinary conversation. The agenda is written in the staff language, times in
the business's zone, in messages that fit WhatsApp's 1,600 characters (Telegram joins them up to 4,096),
with buttons for the day before and after, said beside whatever the chat was doing, like a reminder.
Cancelled and expired bookings are not listed, only counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversations import again
from conversations.lexicon import AGENDA_WORDS
from conversations.replies import WHATSAPP_TEXT_LIMIT
from conversations.session import Session, State
from conversations.turn import Turn
from conversations.understand import fold, parse_when
from conversations.view import DayBookings, View, Visitor
from storage.booking import LIVE, Booking
from storage.business import Business, StaffChat

ACTION = "ag"  # a button's action: ag:<yyyymmdd>, the agenda of that day
PART_LIMIT = WHATSAPP_TEXT_LIMIT - 100  # a message's text, with room for the numbered buttons under the last
MAX_PARTS = 6  # messages at most; the rest of a long day is "… N more"
SHOWN_NAME = 64  # characters of a customer's name or phone shown: one entry always fits a message
_COMMAND = re.compile(r"\s*/(today|tomorrow|agenda)(?:@\w+)?(?:\s+(.*))?", re.IGNORECASE | re.DOTALL)
_NOT_WORDS = re.compile(r"[^\w\s']+")


@dataclass(frozen=True)
class Asked:
    """A staff chat asked for the agenda of `day`; `unread`: words after /agenda that named no day."""

    day: date
    unread: str = ""


# ---------------------------------------------------------------- what a staff chat asks


def asked(turn: Turn, said: str, *, typing: bool = False) -> Asked | None:
    """The day a staff chat asks the agenda of; None for anyone else, and for anything else a staff chat
    writes. While a name or phone is asked, only the commands count."""
    if turn.view.staff is None:
        return None
    today = turn.today()
    command = _COMMAND.fullmatch(said)
    if command is not None:
        rest = (command[2] or "").strip()
        name = command[1].lower()
        if name != "agenda" or not rest:
            return Asked(today + timedelta(days=1 if name == "tomorrow" else 0))
        day = _day(turn, rest)
        return Asked(day) if day is not None else Asked(today, unread=rest[:40])
    return None if typing else _in_words(turn, said, today)


def _in_words(turn: Turn, said: str, today: date) -> Asked | None:
    words = " ".join(_NOT_WORDS.sub(" ", fold(said)).split())
    for lang in dict.fromkeys((turn.business.staff_language, "en")):
        known = AGENDA_WORDS.get(lang, {})
        if words in _folded(known.get("today", ())):
            return Asked(today)
        if words in _folded(known.get("tomorrow", ())):
            return Asked(today + timedelta(days=1))
        for word in _folded(known.get("agenda", ())):
            if words == word:
                return Asked(today)
            if words.startswith(word + " "):
                day = _day(turn, words[len(word) + 1 :])
                return Asked(day) if day is not None else None
    return None


def _folded(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(" ".join(_NOT_WORDS.sub(" ", fold(word)).split()) for word in words)


def _day(turn: Turn, words: str) -> date | None:
    lang = turn.business.staff_language
    wish = parse_when(words, lang=lang, now=turn.local(turn.now), day_first=turn.business.day_first)
    return None if wish is None else wish.day or wish.from_day


# ---------------------------------------------------------------- the handler


def show(turn: Turn, asked_for: Asked | str) -> State:
    """The agenda of the day asked (a button's yyyymmdd), beside the question on screen; to a chat that is not
    staff's, an agenda button is only one from an earlier message."""
    staff, wanted = turn.view.staff, _wanted(asked_for)
    if staff is None or wanted is None:
        return again.stale(turn)
    words = staff_words(turn.business, turn.now)
    parts = render(turn.business, staff, turn.view.day_bookings(wanted.day), turn.now, unread=wanted.unread)
    for part in parts[:-1]:
        turn.tell(part)
    before, after = wanted.day - timedelta(days=1), wanted.day + timedelta(days=1)
    buttons = [
        (f"{ACTION}:{before:%Y%m%d}", words.t("agenda_before", day=words.day_name(before))),
        (f"{ACTION}:{after:%Y%m%d}", words.t("agenda_after", day=words.day_name(after))),
    ]
    turn.ask(parts[-1], buttons, aside=True)
    # An agenda's buttons work from any earlier message of a staff chat (flow._current): no need to keep them.
    earlier = tuple(option for option in turn.session.earlier if not is_agenda_button(option))
    turn.session = replace(turn.session, earlier=earlier)
    return turn.session.state


def _wanted(asked_for: Asked | str) -> Asked | None:
    if isinstance(asked_for, Asked):
        return asked_for
    day = button_day(asked_for)
    return Asked(day) if day is not None else None


def is_agenda_button(option: str) -> bool:
    return option.partition("|")[2].startswith(f"{ACTION}:")


def button_day(arg: str) -> date | None:
    """The day an agenda button names; None for data we never sent."""
    try:
        return datetime.strptime(arg, "%Y%m%d").date() if arg.isdecimal() and len(arg) == 8 else None
    except ValueError:
        return None


# ---------------------------------------------------------------- the listing


def staff_words(business: Business, now: datetime) -> Turn:
    """A turn that speaks the staff language: its catalogue, day names and money, nothing else of a turn."""
    today = now.astimezone(ZoneInfo(business.timezone)).date()
    return Turn(Session(lang=business.staff_language), now, View(business, now, today, today))


def render(
    business: Business, staff: StaffChat, day: DayBookings, now: datetime, *, unread: str = ""
) -> list[str]:
    """The agenda's messages, each at most PART_LIMIT characters: a heading, then the day's live bookings that
    `staff` sees, by time, then how many cancelled or expired ones are not listed."""
    words = staff_words(business, now)
    mine = sorted(
        (b for b in day.bookings if staff.sees(b.specialist) and words.local(b.start).date() == day.day),
        key=lambda b: (b.start, b.end, b.specialist, b.id),
    )
    listed = [b for b in mine if b.state(now) in LIVE]
    heading = words.t(
        "agenda_heading" if staff.admin else "agenda_heading_own",
        day=words.day_name(day.day),
        count=len(listed),
    )
    head = [words.t("agenda_unread", words=unread)] if unread else []
    head += [heading] if listed else [heading, words.t("agenda_empty")]
    named = staff.admin or len(staff.specialists) > 1  # whose visit each is, unless all are the chat's own
    entries = [_entry(words, b, day.visitors.get(b.customer_id or 0), named) for b in listed]
    gone = len(mine) - len(listed)
    tail = words.t("agenda_not_listed", count=gone) if gone else ""
    return _messages("\n".join(head), entries, tail, lambda n: words.t("agenda_more", count=n))


def _entry(words: Turn, booking: Booking, visitor: Visitor | None, named: bool) -> str:
    start, end = words.local(booking.start), words.local(booking.end)
    coming = booking.customer_confirmed_at is not None
    mark = "⏳ " if booking.status == "held" else "✅ " if coming else ""
    what = f"{mark}{start:%H:%M}–{end:%H:%M} {_service(words, booking.service)}"
    if named:
        what += f" · {_specialist(words, booking.specialist)}"
    name = _one_line(visitor.name if visitor else "") or "—"  # as typed: never a line that looks like ours
    phone = _one_line(visitor.phone if visitor else "") or "—"
    who = words.t("agenda_who", customer=name, phone=phone, code=booking.code)
    return "\n".join((what, who, _status(words, booking, coming)))


def _one_line(said: str) -> str:
    return " ".join(said.split())[:SHOWN_NAME]


def _status(words: Turn, booking: Booking, coming: bool) -> str:
    if booking.status == "held":
        until = f"{words.local(booking.expires_at):%H:%M}" if booking.expires_at else "—"
        said = [words.t("agenda_held", time=until)]
    else:
        said = [words.t("agenda_confirmed")]
    if coming:
        said.append(words.t("agenda_coming"))
    left = max(booking.price - booking.paid, Decimal(0))
    if booking.paid > 0 and left > 0:
        said.append(words.t("agenda_paid", paid=words.money(booking.paid), left=words.money(left)))
    elif booking.paid > 0:
        said.append(words.t("agenda_paid_full", paid=words.money(booking.paid)))
    elif left > 0:
        said.append(words.t("agenda_to_pay", left=words.money(left)))
    return " · ".join(said)


def _service(words: Turn, service_id: str) -> str:
    try:
        return words.service_name(service_id)
    except KeyError:  # a service taken out of config.yaml since it was booked
        return service_id


def _specialist(words: Turn, specialist_id: str) -> str:
    try:
        return words.specialist_name(specialist_id)
    except KeyError:
        return specialist_id


def _messages(head: str, entries: list[str], tail: str, more: Callable[[int], str]) -> list[str]:
    """The heading, the entries and the tail in at most MAX_PARTS messages of PART_LIMIT characters, an entry
    never split; what does not fit ends the last message as "… N more"."""
    parts: list[list[str]] = [[head]]
    for index, entry in enumerate(entries):
        if _fits(parts[-1], entry):
            parts[-1].append(entry)
        elif len(parts) < MAX_PARTS:
            parts.append([entry])
        else:
            left = len(entries) - index
            while not _fits(parts[-1], more(left)):
                parts[-1].pop()
                left += 1
            parts[-1].append(more(left))
            break
    if tail and _fits(parts[-1], tail):
        parts[-1].append(tail)
    elif tail and len(parts) < MAX_PARTS:
        parts.append([tail])
    return ["\n\n".join(blocks) for blocks in parts]


def _fits(blocks: list[str], block: str) -> bool:
    return sum(len(b) + 2 for b in blocks) + len(block) <= PART_LIMIT
