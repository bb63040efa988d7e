"""The conversation attaches the booking's calendar entry to the reply that tells a confirmation, a receipt,
a move or a cancellation, and to nothing else."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from conversations.events import Command, PaymentReported
from conversations.replies import CalendarEntry, Reply
from conversations.session import Session
from storage.attempt import Report, Verdict
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking


def returning(lang: str = "en") -> Chatter:
    session = Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1)
    chatter = Chatter(replace(salon(), address="Kyiv, 1 Khreshchatyk St."), NOW, session)
    chatter.send(Command("start"))
    return chatter


def calendars(replies: list[Reply]) -> list[tuple[str, CalendarEntry]]:
    return [(reply.text, reply.calendar) for reply in replies if reply.calendar is not None]


def test_a_confirmation_carries_the_booking_in_the_customers_language() -> None:
    c = returning("uk")
    for answer in ("1", "1", "1", "1", "1"):  # book, haircut, the first day, the first time, confirm
        c.say(answer)
    [(said, entry)] = calendars(c.last)
    [made] = c.bookings
    assert said.startswith("Готово, ви записані!")  # the reply that tells it, not the menu after it
    assert (entry.booking_id, entry.code, entry.revision, entry.cancelled) == (made.id, made.code, 0, False)
    assert (entry.start, entry.end, entry.stamp, entry.language) == (made.start, made.end, NOW, "uk")
    assert entry.summary.startswith("Стрижка") and entry.location == "Kyiv, 1 Khreshchatyk St."


def test_nothing_before_the_booking_is_confirmed_carries_one() -> None:
    c = returning()
    said: list[Reply] = []
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        said += c.tap(label)
    assert c.session.state == "awaiting_payment" and calendars(said) == []


def test_the_receipt_carries_the_paid_booking() -> None:
    c = returning()
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        c.tap(label)
    report = Report("ABCD2345-1", "success", Verdict.PAID, Decimal(500), "UAH")
    [(said, entry)] = calendars(c.send(PaymentReported(report)))
    assert said.startswith("Paid and booked!")
    assert (entry.start, entry.cancelled, entry.summary) == (
        at(24, 10),
        False,
        "Colouring with Anna, Test salon",
    )


def test_a_move_carries_the_booking_at_its_new_time() -> None:
    c = returning()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11), revision=1))
    c.say("reschedule")
    for label in ("Fri 27 Nov", "Later times", "15:00", "Confirm"):
        c.tap(label)
    [(said, entry)] = calendars(c.last)
    assert "moved to Fri 27 Nov at 15:00" in said
    assert (entry.start, entry.revision, entry.cancelled) == (at(27, 15), c.bookings[0].revision, False)


def test_a_cancellation_carries_the_booking_cancelled() -> None:
    c = returning()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("cancel")
    c.tap("Yes, cancel")
    [(said, entry)] = calendars(c.last)
    assert said.startswith("Cancelled") and entry.cancelled and entry.start == at(26, 11)


def test_a_hold_dropped_before_it_was_paid_carries_nothing() -> None:
    c = returning()
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        c.tap(label)
    c.tap("Cancel")  # never confirmed: never in the customer's calendar
    assert c.bookings[0].status == "cancelled" and "Cancelled" in c.text()
    assert calendars(c.last) == []


def test_listing_bookings_carries_nothing() -> None:
    c = returning()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    assert calendars(c.tap("My bookings")) == []
