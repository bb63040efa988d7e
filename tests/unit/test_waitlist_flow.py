"""The waitlist in the pure flow (issue 13): joined where a new booking's day is full or its time taken, seen
and left among the customer's bookings, a freed time offered wherever the customer is (they keep their
place), "Book it" holding it through the ordinary hold, and the news that it has gone to someone else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from conversations import effects as fx
from conversations.events import Choice, Command, Text, WaitlistOffer
from conversations.session import Session, State
from conversations.texts import text
from storage.business import Business, DayOverride, TimeRange
from storage.waiting import ANYONE, Entry, Wish
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking

TUESDAY = date(2026, 11, 24)


def short_tuesday() -> Business:
    """Tuesday's hours are 11:00-12:00 for everyone: one manicure fills Anna's day."""
    business = salon()
    override = DayOverride(TUESDAY, (TimeRange(11 * 60, 12 * 60),))
    return replace(business, overrides={**business.overrides, TUESDAY: override})


def returning(business: Business | None = None) -> Chatter:
    session = Session(lang="en", name="Olha", phone="+380501234567", customer_id=1)
    chatter = Chatter(business or salon(), NOW, session)
    chatter.send(Command("start"))
    return chatter


def joins(chatter: Chatter) -> list[fx.JoinWaitlist]:
    return [e for e in chatter.effects if isinstance(e, fx.JoinWaitlist)]


def full_tuesday() -> Chatter:
    """A returning customer asks for a manicure on Tuesday, which someone else's manicure fills."""
    c = returning(short_tuesday())
    c.occupy("anna", "manicure", at(24, 11))
    c.say("manicure tomorrow")
    return c


# ---------------------------------------------------------------- joining


def test_a_full_day_offers_the_waitlist_besides_the_next_free_days() -> None:
    c = full_tuesday()
    assert "No free times Tue 24 Nov." in c.text() and c.session.state == State.DAY
    assert c.labels()[0] == "Wed 25 Nov" and c.labels()[-1] == "Join the waitlist for Tue 24 Nov"
    c.tap("Join the waitlist")
    assert c.session.state == State.WAITLIST_WHEN
    assert "The waitlist for Manicure, Anna, Tue 24 Nov" in c.text()
    assert c.labels() == [
        "Any time that day",
        "Morning (before 12:00)",
        "Afternoon (12:00–17:00)",
        "Evening (after 17:00)",
        "Cancel",
    ]
    c.tap("Any time that day")
    assert joins(c) == [fx.JoinWaitlist(Wish("manicure", "anna", TUESDAY))]
    assert "You're on the waitlist: Manicure, Anna, Tue 24 Nov." in c.text()
    assert c.session.state == State.START and c.labels()[0] == "Book a visit"


def test_a_taken_time_offers_the_waitlist_for_that_time_or_a_part_of_the_day() -> None:
    c = returning()
    c.occupy("anna", "haircut", at(24, 15))
    c.occupy("boris", "haircut", at(24, 15))
    c.say("haircut tomorrow at 15:00")
    assert "is not available" in c.text() and c.session.state == State.TIME
    assert c.labels()[-2:] == ["Another day", "Join the waitlist for Tue 24 Nov"]
    c.tap("Join the waitlist")
    assert c.labels()[:2] == ["Only 15:00", "Any time that day"]
    assert c.text().startswith("The waitlist for Haircut, Tue 24 Nov: which times")
    c.tap("Only 15:00")
    assert joins(c) == [fx.JoinWaitlist(Wish("haircut", ANYONE, TUESDAY, time(15), time(15)))]
    assert "You're on the waitlist: Haircut, Tue 24 Nov at 15:00." in c.text()


def test_a_full_after_5_is_the_first_choice_and_words_answer_the_question_too() -> None:
    c = returning()
    for hour in (17, 18, 19):
        c.occupy("boris", "haircut", at(24, hour))
    c.occupy("anna", "haircut", at(24, 17))
    c.say("haircut tomorrow after 17:00")
    assert "Tue 24 Nov, after 17:00: no free times" in c.text()
    c.tap("Join the waitlist")
    assert c.labels()[:2] == ["After 17:00", "Any time that day"]  # the evening is the same times: once
    assert "Evening (after 17:00)" not in c.labels()
    c.say("after 6pm")
    assert joins(c) == [fx.JoinWaitlist(Wish("haircut", ANYONE, TUESDAY, time(18), None))]
    assert c.session.state == State.START


def test_a_new_customer_gives_their_name_and_phone_to_join() -> None:
    c = Chatter(short_tuesday(), NOW, Session(lang="en"))
    c.send(Command("start"))
    c.occupy("anna", "manicure", at(24, 11))
    c.say("manicure tomorrow")
    c.tap("Join the waitlist")
    assert c.session.state == State.WAITLIST_NAME and text("en", "ask_name") in c.text()
    c.say("Back")  # "back" is not a name: to the booking's days
    assert c.session.state == State.DAY and "Tue 24 Nov" not in c.labels()
    c.say("manicure tomorrow")
    c.tap("Join the waitlist")
    c.say("Olha")
    assert c.session.state == State.WAITLIST_PHONE
    c.say("1")  # not a phone number: asked again
    assert c.session.state == State.WAITLIST_PHONE
    c.say("050 123 45 67")
    assert c.session.state == State.WAITLIST_WHEN and any(isinstance(e, fx.SaveCustomer) for e in c.effects)
    c.tap("Morning")
    assert joins(c) == [fx.JoinWaitlist(Wish("manicure", "anna", TUESDAY, None, time(12)))]


def test_joining_can_be_dropped() -> None:
    c = full_tuesday()
    c.tap("Join the waitlist")
    c.tap("Cancel")
    assert c.session.state == State.START and joins(c) == []


def test_a_day_nobody_works_or_a_time_while_moving_offers_no_waitlist() -> None:
    c = returning()
    c.say("haircut on sunday")  # closed on Sundays: nothing would free up
    assert "No free times Sun 29 Nov." in c.text()
    assert not any(label.startswith("Join the waitlist") for label in c.labels())
    moving = returning()
    moving.bookings.append(booking(moving.business, "haircut", "anna", at(25, 11)))
    moving.occupy("anna", "haircut", at(24, 15))
    moving.say("reschedule to tomorrow at 15:00")
    assert moving.session.state == State.MOVE_TIME and "is not available" in moving.text()
    assert not any(label.startswith("Join the waitlist") for label in moving.labels())


def test_help_while_the_nearest_times_are_offered_keeps_the_waitlist_button() -> None:
    c = returning()
    c.occupy("anna", "haircut", at(24, 15))
    c.occupy("boris", "haircut", at(24, 15))
    c.say("haircut tomorrow at 15:00")
    offered = c.labels()
    c.say("help")
    assert c.labels() == offered
    c.tap("Join the waitlist")
    assert c.labels()[0] == "Only 15:00"


def test_a_join_button_for_a_day_that_has_passed_joins_nothing() -> None:
    c = full_tuesday()
    c.now = NOW + timedelta(days=2)
    c.tap("Join the waitlist")
    assert text("en", "stale_button") in c.text() and joins(c) == []


# ---------------------------------------------------------------- seeing and leaving


def test_entries_are_listed_with_the_bookings_and_can_be_left() -> None:
    c = full_tuesday()
    c.tap("Join the waitlist")
    c.tap("Afternoon")
    c.tap("My bookings")
    assert c.session.state == State.BOOKINGS
    assert "You have no upcoming bookings." in c.text()
    assert "On the waitlist:\n• Manicure, Anna, Tue 24 Nov, 12:00–17:00" in c.text()
    assert c.labels() == ["Leave the waitlist: Manicure Tue 24 Nov", "Book a visit"]
    c.tap("Leave the waitlist")
    assert fx.LeaveWaitlist(1) in c.effects and c.waitlist == []
    assert "You left the waitlist for Manicure, Anna, Tue 24 Nov, 12:00–17:00." in c.text()
    assert "You have no upcoming bookings." in c.text() and c.session.state == State.START


def test_an_entry_whose_day_passed_is_not_listed() -> None:
    c = returning()
    c.waitlist.append(entry(day=TUESDAY))
    c.tap("My bookings")
    assert "On the waitlist" in c.text()
    c.now = NOW + timedelta(days=2)
    c.tap("Book a visit")
    c.send(Command("my"))
    assert "On the waitlist" not in c.text() and c.session.state == State.START


# ---------------------------------------------------------------- a freed time offered


def entry(day: date = TUESDAY, service: str = "haircut", specialist: str = ANYONE) -> Entry:
    return Entry(1, "telegram", "42", 1, service, specialist, day, None, None, NOW)


def test_an_offer_finds_the_customer_busy_and_they_keep_their_place() -> None:
    c = returning()
    c.waitlist.append(entry())
    c.tap("Book a visit")
    c.tap("Manicure")
    c.tap("Wed 25 Nov")
    times = c.labels()
    draft = c.session.draft
    c.send(WaitlistOffer(entry(), at(24, 11)))
    assert "Good news: a time has just become free — Haircut, Tue 24 Nov at 11:00!" in c.text()
    assert c.session.state == State.TIME and c.session.draft == draft
    assert c.labels() == ["Book it", *times]
    c.tap("09:00")  # they carry on with what they were doing
    assert c.session.state == State.CONFIRM and "Manicure" in c.text()


def test_book_it_holds_the_time_and_books_it() -> None:
    c = returning()
    c.waitlist.append(entry())
    c.send(WaitlistOffer(entry(), at(24, 11)))
    assert c.session.state == State.START and c.labels()[:2] == ["Book it", "Book a visit"]
    c.say("1")  # a typed number answers the options as shown: "Book it" is the first
    assert fx.TakeOffer(1, at(24, 11)) in c.effects
    assert "Booked! Haircut with Anna, Tue 24 Nov at 11:00" in c.text()
    assert c.session.state == State.START


def test_book_it_for_a_prepaid_service_asks_for_the_prepayment() -> None:
    c = returning()
    c.waitlist.append(colouring := entry(service="colouring", specialist="anna"))
    c.send(WaitlistOffer(colouring, at(24, 11)))
    c.tap("Book it")
    assert c.session.state == State.AWAITING_PAYMENT and "500 UAH" in c.text()


def test_book_it_too_late_says_it_has_gone_and_the_customer_stays_on_the_list() -> None:
    c = returning()
    c.waitlist.append(entry())
    c.send(WaitlistOffer(entry(), at(24, 11)))
    c.refuse = "taken"  # someone else pressed first
    c.tap("Book it")
    assert c.text().startswith("Sorry, that time has already gone. You stay on the waitlist")
    assert c.session.state == State.START and c.waitlist == [entry()]


def test_book_it_after_the_time_has_passed_holds_nothing() -> None:
    c = returning()
    c.waitlist.append(entry())
    c.send(WaitlistOffer(entry(), at(23, 11)))
    c.now = at(23, 11, 30)
    c.tap("Book it")
    assert "already gone" in c.text() and not any(isinstance(e, fx.TakeOffer) for e in c.effects)


def test_an_offer_at_the_name_question_brings_its_own_button() -> None:
    c = Chatter(salon(), NOW, Session(lang="en", customer_id=1))
    c.waitlist.append(entry())
    c.send(Command("start"))
    c.tap("Book a visit")
    c.tap("Manicure")
    c.tap("Wed 25 Nov")
    c.tap("09:00")
    assert c.session.state == State.NAME
    c.send(WaitlistOffer(entry(), at(24, 11)))
    assert c.session.state == State.NAME and c.labels() == ["Book it"]
    assert c.last[0].options and text("en", "ask_name") in c.last[-1].text
    c.say("Olha")  # a name is still a name
    assert c.session.state == State.PHONE


@pytest.mark.parametrize("lang", ["uk", "pl", "fr", "el", "ru"])
def test_the_offer_speaks_the_customer_s_language(lang: str) -> None:
    c = returning()
    c.session = replace(c.session, lang=lang)
    c.waitlist.append(entry())
    c.send(WaitlistOffer(entry(), at(24, 11)))
    assert c.labels()[0] == text(lang, "book_it")
    c.send(Choice(c.session.offer[0]))
    assert any(isinstance(e, fx.TakeOffer) for e in c.effects)


def test_a_typed_number_after_the_offer_still_answers_the_question_below_it() -> None:
    c = returning()
    c.waitlist.append(entry())
    c.tap("Book a visit")
    c.send(WaitlistOffer(entry(), at(24, 11)))
    assert c.labels()[0] == "Book it" and c.session.state == State.SERVICE
    c.send(Text("2"))  # the first service, below "Book it"
    assert c.session.state == State.DAY and "Haircut" in c.text()
