"""The conversation, step by step, with no store and no server: the pure state machine and a fake runner."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from conversations import effects as fx
from conversations import flow
from conversations.booking import BOOKING
from conversations.events import Choice, Command, HoldDue, HoldFailed
from conversations.flow import IllegalTransition, recover, step
from conversations.replies import CALLBACK_DATA_LIMIT, WHATSAPP_TEXT_LIMIT, Reply
from conversations.session import Draft, Session, State, dumps, loads
from conversations.texts import LANGUAGES, text
from conversations.turn import Turn
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking


def new(lang: str = "en") -> Chatter:
    chatter = Chatter(salon(), NOW, Session(lang=lang))
    chatter.send(Command("start"))
    return chatter


def returning() -> Chatter:
    chatter = Chatter(salon(), NOW, Session(lang="en", name="Olha", phone="+380501234567", customer_id=1))
    chatter.send(Command("start"))
    return chatter


def holds(chatter: Chatter) -> list[fx.HoldSlot]:
    return [e for e in chatter.effects if isinstance(e, fx.HoldSlot)]


def test_a_new_customer_books_with_buttons() -> None:
    c = new()
    assert c.labels()[:2] == ["Book a visit", "My bookings"]
    c.tap("Book a visit")
    assert c.session.state == "service"
    c.tap("Haircut")
    assert c.session.state == "specialist" and c.labels()[0] == "Anyone available"
    c.tap("Anna")
    assert c.session.state == "day"
    c.tap("Tue 24 Nov")
    assert c.session.state == "time" and "09:00" in c.labels() and "13:00" not in c.labels()
    c.tap("11:00")
    assert c.session.state == "name"
    c.say("  Olha   Petrenko ")
    assert c.session.state == "phone"
    c.say("050 123 45 67")
    assert c.session.state == "confirm"
    assert "Olha Petrenko, +380501234567" in c.text() and "800 UAH" in c.text() and "Anna" in c.text()
    assert any(isinstance(e, fx.SaveCustomer) for e in c.effects)
    c.tap("Confirm")
    assert holds(c) == [fx.HoldSlot("haircut", "anna", at(24, 11))]
    assert any(isinstance(e, fx.ConfirmBooking) for e in c.effects)
    assert "Booked!" in c.text() and "ABCD2345" in c.text()
    assert c.session.state == "start"


def test_a_returning_customer_books_in_three_answers_after_the_service() -> None:
    c = returning()
    c.tap("Book a visit")
    c.tap("Haircut")
    answers = 0
    for label in ("Tue 24 Nov", "11:00", "Confirm"):
        c.tap(label)
        answers += 1
    assert answers == 3
    assert holds(c) == [fx.HoldSlot("haircut", None, at(24, 11))]
    assert "Booked!" in c.text()


def test_typed_numbers_answer_the_options() -> None:
    c = returning()
    c.say("1")  # Book a visit
    assert c.session.state == "service"
    c.say("1")  # the first service
    assert c.session.state == "day"
    c.say("99")  # no such option: not understood, still asking the day
    assert c.session.state == "day" and "didn't get that" in c.text()


def test_prepayment_puts_the_booking_on_hold_awaiting_payment() -> None:
    c = returning()
    c.tap("Book a visit")
    c.tap("Colouring")
    c.tap("Tue 24 Nov")
    c.tap("10:00")
    assert "A prepayment of 500 UAH" in c.text()
    c.tap("Confirm")
    assert c.session.state == "awaiting_payment"
    [asked] = [e for e in c.effects if isinstance(e, fx.RequestPrepayment)]
    assert (asked.booking_id, asked.amount) == (1, Decimal(500)) and "Colouring" in asked.description
    assert not any(isinstance(e, fx.ConfirmBooking) for e in c.effects)
    # The link, the amount, the deadline (a minute before the 30-minute hold ends) and the booking's code.
    [held] = [r for r in c.last if r.link]
    assert held.link == ("💳 Pay 500 UAH", "https://pay.example/ABCD2345")
    assert "500 UAH" in held.text and "10:29" in held.text and "ABCD2345" in held.text


def test_free_text_books_a_free_time_directly() -> None:
    c = returning()
    c.say("haircut tomorrow at 15:00")
    assert c.session.state == "confirm"
    assert c.session.draft.start == at(24, 15)


def test_free_text_for_a_taken_time_offers_the_nearest() -> None:
    c = returning()
    c.occupy("anna", "haircut", at(24, 15))
    c.occupy("boris", "haircut", at(24, 15))
    c.say("haircut tomorrow at 15:00")
    assert c.session.state == "time"
    assert "not available" in c.text()
    # 14:00 would run into the 15:00 booking (with its buffer); 16:15 is the first free time after it.
    assert c.labels()[0] == "Tue 24 Nov 16:15" and "Tue 24 Nov 15:00" not in c.labels()


def test_a_stale_button_gets_a_fresh_offer_and_books_nothing() -> None:
    c = returning()
    c.tap("Book a visit")
    c.tap("Haircut")
    c.tap("Tue 24 Nov")
    old_eleven = next(o.id for r in c.last for o in r.options if o.label == "11:00")
    c.tap("Another day")
    c.send(Choice(old_eleven))
    assert "earlier message" in c.text()
    assert c.session.state == "day"
    assert holds(c) == []


def test_a_time_taken_after_it_was_shown_is_not_booked() -> None:
    c = returning()
    c.tap("Book a visit")
    c.tap("Haircut")
    c.tap("Tue 24 Nov")
    c.occupy("anna", "haircut", at(24, 11))
    c.occupy("boris", "haircut", at(24, 11))
    c.tap("11:00")
    assert "no longer free" in c.text() and c.session.state == "time"
    assert holds(c) == []


def test_a_hold_lost_in_a_race_offers_the_nearest() -> None:
    c = returning()
    c.say("haircut tomorrow at 15:00")
    c.refuse = "taken"
    c.tap("Confirm")
    assert "just taken" in c.text()
    assert c.session.state == "time" and len(c.labels()) > 1


@pytest.mark.parametrize("phone", ["12", "hello", "+1 555", "0501234"])
def test_a_bad_phone_is_asked_again(phone: str) -> None:
    c = new()
    c.say("haircut tomorrow at 15:00")
    c.say("Olha")
    c.say(phone)
    assert c.session.state == "phone" and "doesn't look like a phone number" in c.text()
    assert c.session.phone == ""


def test_a_bad_name_is_asked_again() -> None:
    c = new()
    c.say("haircut tomorrow at 15:00")
    c.say("?")
    assert c.session.state == "name" and "write your name" in c.text()


def test_names_and_phones_are_not_read_as_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    # dateparser spends milliseconds failing on every name; a name or a phone is read by the rules alone.
    monkeypatch.setattr("conversations.understand.DateDataParser", None)
    c = new()
    c.say("haircut tomorrow at 15:00")
    c.say("Sofia May")
    assert c.session.state == "phone" and c.session.name == "Sofia May"
    c.say("+380501234567")
    assert c.session.state == "confirm"


def test_garbage_changes_nothing() -> None:
    c = returning()
    c.tap("Book a visit")
    before = c.session
    c.say("asdf qwerty zxcv")
    assert "didn't get that" in c.text()
    assert c.session.state == before.state and c.session.draft == before.draft
    assert c.effects == []


def test_help_and_start_over_from_any_state() -> None:
    c = returning()
    c.tap("Book a visit")
    c.tap("Haircut")
    c.say("help")
    assert "reschedule" in c.text() and c.session.state == "day"
    c.say("start over")
    assert c.session.state == "start" and c.session.draft.service is None


def test_a_greeting_starts_the_conversation_and_later_asks_again() -> None:
    c = Chatter(salon(), NOW, Session(lang="en"))
    c.send(Command("start", language="en"))  # the app's language: a Ukrainian greeting does not change it
    c.say("Привіт")
    assert c.session.state == "start" and "What would you like to do?" in c.text()
    assert "didn't get that" not in c.text()
    c.tap("Book a visit")
    c.tap("Haircut")
    state, draft = c.session.state, c.session.draft
    c.say("hello")
    assert (c.session.state, c.session.draft) == (state, draft) and c.effects == []


def test_the_app_language_is_used_and_can_be_switched() -> None:
    c = Chatter(salon(), NOW, Session(lang="uk"))
    c.send(Command("start", language="fr"))
    assert c.session.lang == "fr"
    c.send(Command("lang"))
    c.tap("Polski")
    assert c.session.lang == "pl"
    unknown = Chatter(salon(), NOW, Session(lang="uk"))
    unknown.send(Command("start", language="de"))
    assert unknown.session.lang == "uk"


def _with_booking(**changes: object) -> Chatter:
    c = returning()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11), **changes))
    return c


def test_reschedule_by_word_moves_the_only_booking() -> None:
    c = _with_booking(paid=Decimal(200))
    c.tap("Book a visit")
    c.say("reschedule")
    assert c.session.state == "move_day"
    c.tap("Fri 27 Nov")
    c.tap("Later times")
    c.tap("15:00")
    assert c.session.state == "move_confirm" and "to Fri 27 Nov at 15:00" in c.text()
    c.tap("Confirm")
    assert fx.MoveBooking(1, at(27, 15), "anna") in c.effects
    assert "moved to Fri 27 Nov at 15:00" in c.text()
    assert c.bookings[0].paid == Decimal(200) and c.bookings[0].status == "confirmed"


@pytest.mark.parametrize(
    ("changes", "now_shift", "expected"),
    [
        ({"moves": 2}, timedelta(0), "already been moved 2 times"),
        ({"origin": "package"}, timedelta(0), "can't be changed here"),
        ({}, timedelta(days=3, minutes=-60), "up to 3 hours before"),
    ],
    ids=["move-limit", "package", "notice"],
)
def test_moves_outside_the_rules_are_explained(changes: dict, now_shift: timedelta, expected: str) -> None:
    c = _with_booking(**changes)
    c.now = NOW + now_shift
    c.say("reschedule")
    assert expected in c.text() and "+380 44 000 00 00" in c.text()
    assert c.session.state == "start"
    assert not any(isinstance(e, fx.MoveBooking) for e in c.effects)


def test_cancel_early_refunds_the_prepayment() -> None:
    c = _with_booking(paid=Decimal(500))
    c.say("cancel")
    assert c.session.state == "cancel_confirm" and "will be refunded" in c.text()
    c.tap("Yes, cancel")
    assert fx.CancelBooking(1, refund=True, refund_amount=Decimal(500)) in c.effects
    assert "Cancelled" in c.text()


def test_cancel_late_keeps_the_prepayment() -> None:
    c = _with_booking(paid=Decimal(500))
    c.now = at(25, 14)  # 21 hours before; refunds need 24, cancelling needs 3
    c.say("cancel")
    assert "not refunded" in c.text()
    c.say("yes")
    assert fx.CancelBooking(1, refund=False, refund_amount=Decimal(0)) in c.effects


def test_cancel_too_close_to_the_visit_is_refused() -> None:
    c = _with_booking()
    c.now = at(26, 9)
    c.say("cancel")
    assert "up to 3 hours before" in c.text()
    assert not any(isinstance(e, fx.CancelBooking) for e in c.effects)


def test_cancel_with_no_bookings_says_so() -> None:
    c = returning()
    c.say("cancel")
    assert "no upcoming bookings" in c.text()


def test_the_active_bookings_limit_is_explained() -> None:
    c = returning()
    for day in (25, 26, 27):
        c.bookings.append(booking(c.business, "haircut", "anna", at(day, 11)))
    c.tap("Book a visit")
    assert "already have 3 upcoming bookings" in c.text() and c.session.state == "start"


def test_hold_failed_for_other_reasons_offers_days() -> None:
    c = returning()
    c.say("haircut tomorrow at 15:00")
    c.send(HoldFailed("too_late"))  # not expected in 'confirm': not understood, nothing changes
    assert c.session.state == "confirm"


def test_sessions_survive_serialisation() -> None:
    c = returning()
    c.say("haircut tomorrow at 15:00")
    assert loads(dumps(c.session)) == c.session


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_books_end_to_end_within_platform_limits(lang: str) -> None:
    c = Chatter(salon(), NOW, Session(lang=lang))
    seen = list(c.send(Command("start")))
    for answer in ("1", "1", "1", "1", "1", "Olha", "+380501234567", "1"):
        seen += c.say(answer)
    assert holds(c), f"no booking made in {lang}: {c.text()}"
    assert c.session.state == "start"
    for reply in seen:
        assert 0 < len(reply.text) <= WHATSAPP_TEXT_LIMIT
        assert "{" not in reply.text
        for option in reply.options:
            assert len(option.id.encode()) <= CALLBACK_DATA_LIMIT
            assert option.label


def test_sessions_stored_before_the_state_enum_still_load() -> None:
    stored = '{"state":"day","lang":"uk","draft":{"service":"haircut"},"offer":[],"seq":3}'
    session = loads(stored)
    assert session.state is State.DAY and session.state == "day" and session.seq == 3
    assert json.loads(dumps(session))["state"] == "day"
    assert Session(state="name").state is State.NAME  # type: ignore[arg-type]
    # A state this version does not know (stored by a newer or older one): the menu, with nothing half-done.
    unknown = loads('{"state":"reminded","draft":{"service":"haircut"}}')
    assert unknown.state is State.START and unknown.draft == Draft()


# ---------------------------------------------------------------- the table's promises


def test_a_handler_leading_where_its_row_does_not_allow_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    row = flow.TABLE[(State.SERVICE, "svc")]
    monkeypatch.setitem(flow.TABLE, (State.SERVICE, "svc"), replace(row, handler=lambda t, _: State.BOOKINGS))
    c = returning()
    c.tap("Book a visit")
    with pytest.raises(IllegalTransition, match="service --svc--> bookings"):
        c.tap("Haircut")


def test_a_handler_that_sets_the_state_itself_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def sneaky(turn: Turn, _: object) -> State:
        turn.session = turn.session.go(State.LANGUAGE)
        return State.START

    monkeypatch.setitem(flow.TABLE, (flow.ANY, "command:help"), flow.Row(sneaky, (State.START,)))
    with pytest.raises(IllegalTransition, match="set the state"):
        returning().send(Command("help"))


def test_the_next_question_is_the_first_field_missing() -> None:
    assert [f.state for f in BOOKING.fields] == [
        State.SERVICE,
        State.SPECIALIST,
        State.DAY,
        State.TIME,
        State.NAME,
        State.PHONE,
        State.CONFIRM,
    ]
    c = new()
    asked = []
    for draft in (Draft(), Draft(service="haircut"), Draft(service="haircut", specialist="anna")):
        turn = Turn(replace(c.session, draft=draft), NOW, c.view())
        asked.append(BOOKING.next(turn))
    assert asked == [State.SERVICE, State.SPECIALIST, State.DAY]
    chosen = Draft(service="haircut", specialist="anna", start=at(24, 11), slot_specialist="anna")
    assert BOOKING.next(Turn(replace(c.session, draft=chosen), NOW, c.view())) == State.NAME
    known = Turn(Session(name="Olha", phone="+380501234567", draft=chosen), NOW, c.view())
    assert BOOKING.next(known) == State.CONFIRM


def test_help_while_awaiting_payment_keeps_the_hold() -> None:
    c = _awaiting_payment()
    c.say("help")
    assert c.session.state == "awaiting_payment" and c.session.draft.booking_id == 1
    assert "waiting for your prepayment of 500 UAH" in c.text() and c.labels() == ["Cancel"]


# ---------------------------------------------------------------- a hold that runs out


def _awaiting_payment(lang: str = "en") -> Chatter:
    c = Chatter(salon(), NOW, Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1))
    c.send(Command("start"))
    c.send(Command("book"))
    for answer in ("3", "2", "1", "1"):  # Colouring (a prepayment is due), tomorrow, the first time, Confirm
        c.say(answer)
    assert c.session.state == "awaiting_payment", c.text()
    return c


def _unpaid_too_long(lang: str = "en") -> Chatter:
    c = _awaiting_payment(lang)
    c.now = NOW + timedelta(minutes=31)  # 30 minutes to pay
    return c


def test_a_hold_due_unpaid_is_expired_and_nothing_is_said_yet() -> None:
    c = _unpaid_too_long()
    assert step(c.session, HoldDue(c.bookings[0]), c.now, c.view()) == (c.session, [], [fx.ExpireHold(1)])


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "confirmed", "expires_at": None, "paid": Decimal(500)},
        {"status": "cancelled"},
        {"expires_at": NOW + timedelta(minutes=40)},  # a job that came due early: still time to pay
    ],
    ids=["paid", "cancelled", "not-yet"],
)
def test_a_hold_due_that_is_no_unpaid_hold_past_its_time_does_nothing(changes: dict) -> None:
    c = _unpaid_too_long()
    stored = replace(c.bookings[0], **changes)
    assert step(c.session, HoldDue(stored), c.now, c.view()) == (c.session, [], [])


def test_an_expired_hold_offers_to_book_the_same_again() -> None:
    c = _unpaid_too_long()
    c.send(HoldDue(c.bookings[0]))
    assert fx.ExpireHold(1) in c.effects and c.bookings[0].status == "expired"
    assert "The hold for Colouring, Tue 24 Nov at 09:00, ran out and the time was freed." in c.text()
    assert c.session.state == "start" and c.labels()[:3] == ["Book again", "Book a visit", "My bookings"]
    c.tap("Book again")
    assert c.session.state == "day" and "Colouring (Anna)" in c.text()
    assert (c.session.draft.service, c.session.draft.specialist) == ("colouring", "anna")


def test_an_expired_hold_while_busy_elsewhere_asks_the_current_question_again() -> None:
    c = _unpaid_too_long()
    held = c.bookings[0]
    c.say("haircut tomorrow")
    state, draft = c.session.state, c.session.draft
    assert state == "time"
    c.send(HoldDue(held))
    assert "ran out and the time was freed" in c.text() and "Free times" in c.text()
    assert "Book again" not in c.labels() and "11:00" in c.labels()
    assert (c.session.state, c.session.draft) == (state, draft)


def test_an_expiry_refused_because_it_was_paid_meanwhile_says_nothing() -> None:
    c = _unpaid_too_long()
    due = c.bookings[0]  # still unpaid when the job read it
    c.bookings[0] = replace(due, status="confirmed", expires_at=None, paid=Decimal(500))
    before = c.session
    assert c.send(HoldDue(due)) == []
    assert fx.ExpireHold(1) in c.effects and c.session == before


def test_an_expiry_refused_for_any_reason_says_nothing_anywhere() -> None:
    c = _unpaid_too_long()
    c.say("my bookings")
    before, c.refuse = c.session, "not_found"
    assert c.send(HoldDue(c.bookings[0])) == [] and c.session == before


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_expired_hold_is_told_in_the_customers_language(lang: str) -> None:
    c = _unpaid_too_long(lang)
    held, turn = c.bookings[0], Turn(c.session, c.now, c.view())
    replies = c.send(HoldDue(held))
    when, service = turn.when(held.start), turn.service_name("colouring")
    assert replies[0].text == text(lang, "hold_expired", service=service, when=when)
    assert c.labels()[0] == text(lang, "book_again")
    _within_limits(replies)


# ---------------------------------------------------------------- after a bug


@pytest.mark.parametrize("lang", LANGUAGES)
def test_recover_apologises_and_shows_the_menu(lang: str) -> None:
    c = Chatter(salon(), NOW, Session(lang=lang, customer_id=1))
    c.send(Command("start"))
    c.send(Command("book"))
    c.say("1")  # a service: now half-way through the form
    before = c.session
    view = replace(c.view(), bookings=None)  # whatever the runner had loaded when the step failed
    session, replies, effects = recover(before, c.now, view)
    assert replies[0].text == text(lang, "something_went_wrong") and effects == []
    assert replies[-1].options[0].label == text(lang, "menu_book")
    assert session.state is State.START and session.draft == Draft() and session.lang == lang
    assert session.seq > before.seq  # the buttons of the failed question are stale now
    _within_limits(replies)


def _within_limits(replies: list[Reply]) -> None:
    for reply in replies:
        assert 0 < len(reply.text) <= WHATSAPP_TEXT_LIMIT and "{" not in reply.text
        assert all(len(option.id.encode()) <= CALLBACK_DATA_LIMIT for option in reply.options)
