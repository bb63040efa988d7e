"""A new booking, as one form: service → specialist → day → time → name → phone → the summary to confirm.

BOOKING lists the questions in order; whatever fills a field returns `BOOKING.next(turn)`, the first one
still missing (a returning customer is never asked their name again; "haircut tomorrow at 3" skips to the
name or the summary). `show_*` put a question on screen, `choose_*`/`take_*` take an answer; each returns the
state it leaves the conversation in, and the table in conversations/flow.py says which it may be.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from conversations import days, phones, prepay
from conversations.effects import CancelBooking, HoldSlot, SaveCustomer
from conversations.events import ContactShared
from conversations.form import Field, Form, never
from conversations.menu import restart, show_menu
from conversations.replies import Reply
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


def show_which(turn: Turn, choices: tuple[str, ...]) -> State:
    """A word that fits several services ("haircut"): which of them, rather than a guess."""
    turn.ask(turn.t("ask_which_service"), [(f"svc:{s}", _service_label(turn, s)) for s in choices])
    return State.SERVICE


def _service_label(turn: Turn, service_id: str) -> str:
    service = turn.business.service(service_id)
    return f"{turn.service_name(service_id)} · {turn.money(service.price)}"


def choose_service(turn: Turn, service_id: str) -> State:
    set_service(turn, service_id)
    draft = turn.session.draft
    returning = bool(turn.session.name and turn.session.phone)
    wished = draft.day or draft.at or draft.from_day or draft.earliest or draft.latest
    if draft.specialist is None and (returning or wished):
        # A returning customer, or one who said when: anyone (they can still pick one on the day screen).
        turn.session = turn.session.with_draft(specialist="*")
    return BOOKING.next(turn)


def set_service(turn: Turn, service_id: str) -> None:
    """The service, with the specialist chosen before if they do it ("anyone" too), or its only one; the day
    and what the customer said about when stay."""
    staff = turn.business.service(service_id).staff
    chosen = turn.session.draft.specialist
    specialist = chosen if chosen == "*" or chosen in staff else (staff[0] if len(staff) == 1 else None)
    turn.session = turn.session.with_draft(service=service_id, specialist=specialist, start=None)


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


# The name and phone questions serve another form too (joining the waitlist): `form`, BOOKING if None.


def show_name(turn: Turn, form: Form | None = None) -> State:
    turn.ask(turn.t("ask_name"), [])  # no options: a number typed now is a name, not an old option
    return (form or BOOKING).state_of("name")


def take_name(turn: Turn, raw: str, form: Form | None = None) -> State:
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 80 or not any(ch.isalpha() for ch in name):
        turn.say("bad_name")
        return (form or BOOKING).state_of("name")
    turn.session = replace(turn.session, name=name)
    return (form or BOOKING).next(turn)


def show_phone(turn: Turn, form: Form | None = None) -> State:
    question = turn.t("ask_phone", example=phones.example(turn.business.phone_region))
    turn.ask(question, [], share_contact=turn.t("share_phone"))
    return (form or BOOKING).state_of("phone")


def take_phone(turn: Turn, raw: str, form: Form | None = None) -> State:
    """A typed number: contact data for this booking, never proof of who the customer is."""
    phone = phones.normalise(raw, turn.business.phone_region)
    if phone is None:
        turn.say("bad_phone", example=phones.example(turn.business.phone_region))
        return (form or BOOKING).state_of("phone")
    return _phone_taken(turn, phone, form or BOOKING, proven=False)


def take_contact(turn: Turn, shared: ContactShared, form: Form | None = None) -> State:
    """A number shared through the platform's button: proven only when it is the sender's own contact."""
    return _phone_taken(turn, shared.phone, form or BOOKING, proven=shared.own)


def _phone_taken(turn: Turn, phone: str, form: Form, *, proven: bool) -> State:
    turn.session = replace(turn.session, phone=phone, phone_proven=proven)
    turn.replies.append(Reply(turn.t("phone_noted", phone=phone), done_sharing=True))
    turn.do(SaveCustomer(turn.session.name, phone, turn.lang, proven=proven))
    return form.next(turn)


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
    amount = prepay.asked(turn, service.id, draft.start)
    if amount > 0:
        lines.append(turn.t("summary_prepayment", amount=turn.money(amount)))
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
    session = turn.session
    if session.customer_id is None:  # the phone came from the platform (WhatsApp): nobody saved them yet
        turn.do(SaveCustomer(session.name, session.phone, turn.lang, proven=session.phone_proven))
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
    """The customer drops a hold awaiting payment: whatever it keeps (a payment that came in a moment ago,
    before the customer heard of it) goes back whole."""
    booking_id = turn.session.draft.booking_id
    assert booking_id is not None  # held() put it there
    held = turn.view.booking(booking_id)
    kept = held.paid if held is not None else Decimal(0)
    turn.do(CancelBooking(booking_id, refund=kept > 0, refund_amount=kept))
    return State.CANCELLING


# ---------------------------------------------------------------- one question back


def back(turn: Turn, _: Any = None) -> State:
    """ "back": the question before this one again, its answer dropped. The summary and the name go back to
    the day's times (the last choice made); the first question, to the menu."""
    state, draft = turn.session.state, turn.session.draft
    if state in (State.CONFIRM, State.NAME) and draft.start is not None:
        turn.session = turn.session.with_draft(day=turn.local(draft.start).date(), start=None)
        return days.show_time(turn, BOOKING, after=days.minutes(draft.start))  # the page with that time
    if state == State.PHONE:
        turn.session = replace(turn.session, name="")
        return show_name(turn)
    if state == State.TIME:
        turn.session = turn.session.with_draft(day=None, start=None)
        return days.show_day(turn, BOOKING)
    several = draft.service is not None and len(turn.business.service(draft.service).staff) > 1
    if state == State.DAY and several:
        return show_specialist(turn)
    if state in (State.DAY, State.SPECIALIST):
        turn.session = turn.session.with_draft(service=None, specialist=None, day=None, start=None)
        return show_service(turn)
    return restart(turn)


# ---------------------------------------------------------------- a booking asked for in words


def from_words(turn: Turn, said: Understanding) -> State:
    """Free text naming a service, a specialist, a time or "book": fills what it can, then the form's next
    question, which first says what was understood ("Women's haircut, Thu 3 Dec, after 17:00 — …")."""
    if turn.session.state not in BOOKING:
        turn.session = replace(turn.session, draft=Draft())
        if booking_limit_reached(turn.business, turn.view.live_bookings()):
            return begin(turn)
    draft = turn.session.draft
    # A word that fits several services and the one being booked keeps that one ("haircut" on its day).
    service = said.service or (draft.service if draft.service in said.choices else None)
    if said.specialist:
        turn.session = turn.session.with_draft(specialist=said.specialist, start=None)
    if service:
        set_service(turn, service)
    elif said.specialist and draft.service:
        set_service(turn, draft.service)  # the specialist named does not do it: whoever does
    heard = len(turn.replies)
    after = _fill(turn, said, service)
    days.say_understood(turn, heard, after)
    return after


def _fill(turn: Turn, said: Understanding, service: str | None) -> State:
    when, draft = said.when, turn.session.draft
    if draft.service is None or (said.choices and not service):
        if when is not None:
            days.keep_wish(turn, when)
        chosen = turn.session.draft.specialist
        turn.understood = days.said_back(turn, days.draft_wish(turn), specialist=chosen)
        return show_which(turn, said.choices) if said.choices else BOOKING.next(turn)
    if when is None:
        if said.specialist:
            turn.understood = days.said_back(turn, days.draft_wish(turn), draft.service, draft.specialist)
        return BOOKING.next(turn)
    wished = replace(when, day=days.wished_day(turn, when))
    turn.understood = days.said_back(turn, wished, draft.service, said.specialist and draft.specialist)
    return days.wish(turn, BOOKING, wished)
