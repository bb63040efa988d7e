"""Booking steps: service → specialist → day → time → name → phone → summary → hold.

`show_*` functions put a question on screen for their state; `on_*` functions take the customer's answer.
The transition table in conversations/flow.py says which answer leads where.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from conversations import phones
from conversations.effects import HoldSlot, SaveCustomer
from conversations.rules import booking_limit_reached
from conversations.turn import Turn
from conversations.view import ViewMiss
from storage.availability import Slot

DAYS_SHOWN = 7
TIMES_SHOWN = 40  # a full day at a 15-minute step; Telegram allows 100 buttons
NEAREST_SHOWN = 6
_SEARCH_DAYS = 21  # how far ahead "the nearest free times" and "the next days" look


# ---------------------------------------------------------------- what the next question is


def next_question(turn: Turn) -> None:
    """Ask whatever the draft still lacks, or show the summary when it lacks nothing."""
    draft, session = turn.session.draft, turn.session
    if draft.service is None:
        show_service(turn)
    elif draft.specialist is None:
        show_specialist(turn)
    elif draft.start is None:
        show_time(turn) if draft.day else show_day(turn)
    elif not session.name:
        show_name(turn)
    elif not session.phone:
        show_phone(turn)
    else:
        show_summary(turn)


def begin(turn: Turn) -> None:
    if booking_limit_reached(turn.business, turn.view.live_bookings()):
        turn.say("limit_active", limit=turn.business.rules.max_active_bookings)
        turn.session = turn.session.go("start")
        show_menu(turn)
        return
    next_question(turn)


def show_menu(turn: Turn) -> None:
    turn.session = turn.session.go("start")
    options = [("m:book", turn.t("menu_book")), ("m:my", turn.t("menu_my")), ("m:help", turn.t("menu_help"))]
    if len(turn.business.languages) > 1:
        options.append(("m:lang", turn.t("menu_language")))
    turn.ask(turn.t("menu", business=turn.business.name), options)


# ---------------------------------------------------------------- service and specialist


def show_service(turn: Turn) -> None:
    turn.session = turn.session.go("service")
    options = [(f"svc:{s.id}", _service_label(turn, s.id)) for s in turn.business.services]
    turn.ask(turn.t("ask_service"), options)


def _service_label(turn: Turn, service_id: str) -> str:
    service = turn.business.service(service_id)
    return f"{turn.service_name(service_id)} · {turn.money(service.price)}"


def choose_service(turn: Turn, service_id: str) -> None:
    service = turn.business.service(service_id)
    returning = bool(turn.session.name and turn.session.phone)
    # One specialist, or a returning customer: no need to ask (they can still pick one on the day screen).
    specialist = service.staff[0] if len(service.staff) == 1 else ("*" if returning else None)
    turn.session = turn.session.with_draft(service=service_id, specialist=specialist, start=None)
    next_question(turn)


def show_specialist(turn: Turn) -> None:
    service = turn.business.service(_service_id(turn))
    turn.session = turn.session.go("specialist")
    options = [("stf:*", turn.t("anyone"))] + [(f"stf:{s}", turn.specialist_name(s)) for s in service.staff]
    turn.ask(turn.t("ask_specialist", service=turn.service_name(service.id)), options)


def choose_specialist(turn: Turn, specialist: str) -> None:
    service = turn.business.service(_service_id(turn))
    if specialist != "*" and specialist not in service.staff:
        show_specialist(turn)
        return
    turn.session = turn.session.with_draft(specialist=specialist, start=None)
    next_question(turn)


def _service_id(turn: Turn) -> str:
    service = turn.session.draft.service
    assert service is not None
    return service


# ---------------------------------------------------------------- day and time


def free_days(turn: Turn, first: date, count: int) -> list[date]:
    """Up to `count` days from `first` with at least one free slot, within the snapshot and the window."""
    draft, found = turn.session.draft, list[date]()
    window_end = turn.today() + timedelta(
        days=turn.business.window_for(turn.business.service(_service_id(turn)))
    )
    day = first
    while len(found) < count and day <= window_end:
        try:
            if turn.view.has_time(_service_id(turn), day, draft.specialist, _fits(turn)):
                found.append(day)
        except ViewMiss:
            if day == first:
                raise
            break
        day += timedelta(days=1)
    return found


def show_day(turn: Turn, first: date | None = None, key: str = "ask_day") -> None:
    turn.session = turn.session.go(_phase(turn, "day"))
    start = first or turn.today()
    days = free_days(turn, start, DAYS_SHOWN)
    if not days:
        turn.say("no_free_days", service=turn.service_name(_service_id(turn)))
        show_menu(turn)
        return
    options = [(f"day:{d:%Y%m%d}", turn.day_name(d)) for d in days]
    options.append((f"more:{days[-1] + timedelta(days=1):%Y%m%d}", turn.t("later_days")))
    if turn.session.state == "day" and len(turn.business.service(_service_id(turn)).staff) > 1:
        options.append(("m:specialist", turn.t("choose_specialist")))
    who = turn.specialist_name(turn.session.draft.specialist)
    turn.ask(turn.t(key, service=turn.service_name(_service_id(turn)), specialist=who), options)


def choose_day(turn: Turn, day: date) -> None:
    turn.session = turn.session.with_draft(day=day, start=None)
    show_time(turn)


def show_time(turn: Turn) -> None:
    draft = turn.session.draft
    assert draft.day is not None
    turn.session = turn.session.go(_phase(turn, "time"))
    slots = _fitting(turn, turn.view.slots(_service_id(turn), draft.day, draft.specialist))
    if not slots:
        turn.say("no_times_that_day", day=turn.day_name(draft.day))
        turn.session = turn.session.with_draft(earliest=None, latest=None)
        show_day(turn, draft.day + timedelta(days=1))
        return
    options = [(f"t:{_minutes(s.start)}", _time_label(turn, s)) for s in slots[:TIMES_SHOWN]]
    options.append(("m:otherday", turn.t("other_day")))
    turn.ask(turn.t("ask_time", day=turn.day_name(draft.day)), options)


def _fitting(turn: Turn, slots: list[Slot]) -> list[Slot]:
    """The slots within the customer's "after 5" / "in the morning", if they said so."""
    fits = _fits(turn)
    return [s for s in slots if fits(int(s.start.timestamp()))]


def _fits(turn: Turn) -> Callable[[int], bool]:
    """Whether a start (epoch seconds) is within the customer's "after 5" / "in the morning", if said."""
    earliest, latest, zone = turn.session.draft.earliest, turn.session.draft.latest, turn.zone
    if earliest is None and latest is None:
        return lambda _: True

    def fits(start: int) -> bool:
        local = datetime.fromtimestamp(start, zone).time()
        return (earliest is None or local >= earliest) and (latest is None or local <= latest)

    return fits


def _time_label(turn: Turn, slot: Slot) -> str:
    label = f"{turn.local(slot.start):%H:%M}"
    return f"{label} ({slot.seats_left})" if slot.seats_left > 1 else label


def _minutes(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def slot_at(turn: Turn, start: datetime) -> Slot | None:
    draft = turn.session.draft
    day = turn.local(start).date()
    return next(
        (s for s in turn.view.slots(_service_id(turn), day, draft.specialist) if s.start == start), None
    )


def choose_time(turn: Turn, minutes: int) -> None:
    start = datetime.fromtimestamp(minutes * 60, tz=turn.now.tzinfo).astimezone(turn.zone)
    slot = slot_at(turn, start)
    if slot is None:
        turn.say("time_gone", when=turn.when(start))
        offer_nearest(turn, start)
        return
    take_slot(turn, slot)


def take_slot(turn: Turn, slot: Slot) -> None:
    turn.session = turn.session.with_draft(start=slot.start, slot_specialist=slot.specialist, day=None)
    if turn.session.state.startswith("move"):
        from conversations.manage import show_move_summary

        show_move_summary(turn)
        return
    next_question(turn)


def offer_nearest(turn: Turn, wanted: datetime) -> None:
    """The free times closest to `wanted`: that day first, then the next days."""
    draft, found = turn.session.draft, []
    day = turn.local(wanted).date()
    for offset in range(_SEARCH_DAYS):
        try:
            found += turn.view.slots(_service_id(turn), day + timedelta(days=offset), draft.specialist)
        except ViewMiss:
            break
        if len(found) >= NEAREST_SHOWN * 2:
            break
    if not found:
        turn.say("no_free_days", service=turn.service_name(_service_id(turn)))
        show_menu(turn)
        return
    nearest = sorted(
        sorted(found, key=lambda s: abs((s.start - wanted).total_seconds()))[:NEAREST_SHOWN], key=_start
    )
    turn.session = turn.session.go(_phase(turn, "time"), draft=turn.session.draft)
    options = [
        (f"t:{_minutes(s.start)}", f"{turn.day_name(turn.local(s.start).date())} {_time_label(turn, s)}")
        for s in nearest
    ]
    options.append(("m:otherday", turn.t("other_day")))
    turn.ask(turn.t("nearest_times"), options)


def _start(slot: Slot) -> datetime:
    return slot.start


def _phase(turn: Turn, step: str) -> str:
    """Day and time questions serve both a new booking and a move."""
    return f"move_{step}" if turn.session.state.startswith("move") else step


# ---------------------------------------------------------------- a time asked for in words


def wish(turn: Turn, day: date | None, at: time | None, earliest: time | None, latest: time | None) -> None:
    """The customer said when: offer that time if free, else the nearest; or the times of the day asked."""
    turn.session = turn.session.with_draft(earliest=earliest, latest=latest, start=None)
    if turn.session.draft.specialist is None:
        turn.session = turn.session.with_draft(specialist="*")
    if at is not None:
        wanted = _nearest_moment(turn, day, at)
        slot = slot_at(turn, wanted)
        if slot is not None:
            take_slot(turn, slot)
            return
        turn.say("time_taken", when=turn.when(wanted))
        offer_nearest(turn, wanted)
        return
    turn.session = turn.session.with_draft(day=day or turn.today())
    show_time(turn)


def _nearest_moment(turn: Turn, day: date | None, at: time) -> datetime:
    """A time with no day means the next time the clock shows it: today if still ahead, else tomorrow."""
    local = datetime.combine(day or turn.today(), at, turn.zone)
    if day is None and local <= turn.now:
        local += timedelta(days=1)
    return local


# ---------------------------------------------------------------- name, phone, summary


def show_name(turn: Turn) -> None:
    turn.session = turn.session.go("name")
    turn.say("ask_name")


def take_name(turn: Turn, raw: str) -> None:
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 80 or not any(ch.isalpha() for ch in name):
        turn.say("bad_name")
        return
    turn.session = turn.session.go("name", name=name)
    next_question(turn)


def show_phone(turn: Turn) -> None:
    turn.session = turn.session.go("phone")
    turn.say("ask_phone", example=_example_phone(turn))


def _example_phone(turn: Turn) -> str:
    return phones.example(turn.business.phone_region)


def take_phone(turn: Turn, raw: str) -> None:
    phone = phones.normalise(raw, turn.business.phone_region)
    if phone is None:
        turn.say("bad_phone", example=_example_phone(turn))
        return
    turn.session = turn.session.go("phone", phone=phone)
    turn.do(SaveCustomer(turn.session.name, phone, turn.lang))
    next_question(turn)


def show_summary(turn: Turn) -> None:
    draft = turn.session.draft
    assert draft.service is not None and draft.start is not None
    service = turn.business.service(draft.service)
    turn.session = turn.session.go("confirm")
    lines = [
        turn.t(
            "summary",
            service=turn.service_name(service.id),
            specialist=turn.specialist_name(draft.slot_specialist),
            when=turn.when(draft.start),
            minutes=service.duration,
            price=turn.money(service.price),
            name=turn.session.name,
            phone=turn.session.phone,
        )
    ]
    if service.prepayment > 0:
        lines.append(turn.t("summary_prepayment", amount=turn.money(service.prepayment)))
    options = [
        ("m:ok", turn.t("confirm")),
        ("m:otherday", turn.t("change_time")),
        ("m:abandon", turn.t("abandon")),
    ]
    turn.ask("\n".join(lines), options)


def hold(turn: Turn) -> None:
    draft = turn.session.draft
    assert draft.service is not None and draft.start is not None
    if booking_limit_reached(turn.business, turn.view.live_bookings()):
        turn.say("limit_active", limit=turn.business.rules.max_active_bookings)
        show_menu(turn)
        return
    turn.session = turn.session.go("holding")
    # "Anyone" stays open to the last moment: if the first free specialist is taken meanwhile, the next one.
    specialist = None if draft.specialist in (None, "*") else draft.specialist
    turn.do(HoldSlot(draft.service, specialist, draft.start))
