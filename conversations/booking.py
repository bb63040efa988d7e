"""A new booking, as one form: service → specialist → day → time → name → phone → the summary to confirm.

BOOKING lists the questions in order; whatever fills a field returns `BOOKING.next(turn)`, the first one
still missing (a returning customer is never asked their name again; "haircut tomorrow at 3" skips to the
name or the summary). `show_*` put a question on screen, `choose_*`/`take_*` take an answer; each returns the
state it leaves the conversation in, and the table in conversations/flow.py says which it may be.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conversations import days, phones
from conversations.effects import CancelBooking, HoldSlot, SaveCustomer
from conversations.form import Field, Form, never
from conversations.menu import restart, show_menu
from conversations.rules import booking_limit_reached
from conversations.session import Draft, State
from conversations.turn import Turn
from conversations.understand import Understanding

# ---------------------------------------------------------------- beginning


def book(turn: Turn, _: Any = None) -> State:
    turn.session = replace(turn.session, draft=Draft())
    return begin(turn)


def rebook(turn: Turn, _: Any = None) -> State:
    """ "Book again" after a hold ran out: the same service and specialist (kept in the draft), a new time."""
    draft = turn.session.draft
    turn.session = replace(turn.session, draft=Draft(service=draft.service, specialist=draft.specialist))
    return begin(turn)


def begin(turn: Turn) -> State:
    if booking_limit_reached(turn.business, turn.view.live_bookings()):
        turn.say("limit_active", limit=turn.business.rules.max_active_bookings)
        return BOOKING.give_up(turn)
    return BOOKING.next(turn)


# ---------------------------------------------------------------- service and specialist


def show_service(turn: Turn) -> State:
    options = [(f"svc:{s.id}", _service_label(turn, s.id)) for s in turn.business.services]
    turn.ask(turn.t("ask_service"), options)
    return State.SERVICE


def _service_label(turn: Turn, service_id: str) -> str:
    service = turn.business.service(service_id)
    return f"{turn.service_name(service_id)} · {turn.money(service.price)}"


def choose_service(turn: Turn, service_id: str) -> State:
    service = turn.business.service(service_id)
    returning = bool(turn.session.name and turn.session.phone)
    # One specialist, or a returning customer: no need to ask (they can still pick one on the day screen).
    specialist = service.staff[0] if len(service.staff) == 1 else ("*" if returning else None)
    turn.session = turn.session.with_draft(service=service_id, specialist=specialist, start=None)
    return BOOKING.next(turn)


def show_specialist(turn: Turn, _: Any = None) -> State:
    service = turn.business.service(days.service_id(turn))
    options = [("stf:*", turn.t("anyone"))] + [(f"stf:{s}", turn.specialist_name(s)) for s in service.staff]
    turn.ask(turn.t("ask_specialist", service=turn.service_name(service.id)), options)
    return State.SPECIALIST


def choose_specialist(turn: Turn, specialist: str) -> State:
    service = turn.business.service(days.service_id(turn))
    if specialist != "*" and specialist not in service.staff:
        return show_specialist(turn)
    turn.session = turn.session.with_draft(specialist=specialist, start=None)
    return BOOKING.next(turn)


# ---------------------------------------------------------------- name, phone, summary


def show_name(turn: Turn) -> State:
    turn.say("ask_name")
    return State.NAME


def take_name(turn: Turn, raw: str) -> State:
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 80 or not any(ch.isalpha() for ch in name):
        turn.say("bad_name")
        return State.NAME
    turn.session = replace(turn.session, name=name)
    return BOOKING.next(turn)


def show_phone(turn: Turn) -> State:
    turn.say("ask_phone", example=phones.example(turn.business.phone_region))
    return State.PHONE


def take_phone(turn: Turn, raw: str) -> State:
    phone = phones.normalise(raw, turn.business.phone_region)
    if phone is None:
        turn.say("bad_phone", example=phones.example(turn.business.phone_region))
        return State.PHONE
    turn.session = replace(turn.session, phone=phone)
    turn.do(SaveCustomer(turn.session.name, phone, turn.lang))
    return BOOKING.next(turn)


def show_summary(turn: Turn) -> State:
    draft = turn.session.draft
    assert draft.service is not None and draft.start is not None
    service = turn.business.service(draft.service)
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
    return State.CONFIRM


BOOKING: Form = Form(
    "booking",
    (
        Field("service", State.SERVICE, lambda s: s.draft.service, show_service),
        Field("specialist", State.SPECIALIST, lambda s: s.draft.specialist, show_specialist),
        Field("day", State.DAY, lambda s: s.draft.day or s.draft.start, lambda t: days.show_day(t, BOOKING)),
        Field("time", State.TIME, lambda s: s.draft.start, lambda t: days.show_time(t, BOOKING)),
        Field("name", State.NAME, lambda s: s.name, show_name),
        Field("phone", State.PHONE, lambda s: s.phone, show_phone),
        Field("confirm", State.CONFIRM, never, show_summary),
    ),
)


# ---------------------------------------------------------------- holding the time, or not


def hold(turn: Turn, _: Any = None) -> State:
    draft = turn.session.draft
    assert draft.service is not None and draft.start is not None
    if booking_limit_reached(turn.business, turn.view.live_bookings()):
        turn.say("limit_active", limit=turn.business.rules.max_active_bookings)
        return show_menu(turn)
    # "Anyone" stays open to the last moment: if the first free specialist is taken meanwhile, the next one.
    specialist = None if draft.specialist in (None, "*") else draft.specialist
    turn.do(HoldSlot(draft.service, specialist, draft.start))
    return State.HOLDING


def hold_failed(turn: Turn, reason: str) -> State:
    """The store did not hold the time: say why, and the nearest free times (taken) or the days."""
    draft = turn.session.draft
    known = ("taken", "too_late", "too_far", "outside_hours")
    turn.say(f"hold_{reason}" if reason in known else "hold_other")
    if reason == "taken" and draft.start is not None:
        return days.offer_nearest(turn, BOOKING, draft.start)
    return days.show_day(turn, BOOKING)


def abandon(turn: Turn, _: Any = None) -> State:
    """The customer drops the booking before it is held: nothing to undo."""
    turn.say("abandoned")
    return restart(turn)


def cancel_hold(turn: Turn, _: Any = None) -> State:
    """The customer drops a hold awaiting payment: nothing was paid, so nothing is refunded."""
    booking_id = turn.session.draft.booking_id
    assert booking_id is not None  # held() put it there
    turn.do(CancelBooking(booking_id, refund=False))
    return State.CANCELLING


# ---------------------------------------------------------------- a booking asked for in words


def from_words(turn: Turn, said: Understanding) -> State:
    """Free text naming a service, a time or "book": fills what it can, then the form's next question."""
    if turn.session.state not in BOOKING:
        turn.session = replace(turn.session, draft=Draft())
        if booking_limit_reached(turn.business, turn.view.live_bookings()):
            return begin(turn)
    if said.service:
        turn.session = turn.session.with_draft(service=said.service, start=None)
        staff = turn.business.service(said.service).staff
        if turn.session.draft.specialist is None and len(staff) == 1:
            turn.session = turn.session.with_draft(specialist=staff[0])
    when = said.when
    if when is None or turn.session.draft.service is None:
        if when is not None:
            turn.session = turn.session.with_draft(earliest=when.earliest, latest=when.latest)
        return BOOKING.next(turn)
    return days.wish(turn, BOOKING, when.day, when.at, when.earliest, when.latest)
