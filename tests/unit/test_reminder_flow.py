"""Reminders in the pure conversation: what a reminder says, and every answer to it, by button and by words in
the six languages, with other bookings and in the middle of a new booking, within the business's rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from conversations import effects as fx
from conversations.events import Choice, Command, ReminderDue, VisitConfirmed
from conversations.flow import step
from conversations.session import Session, State, dumps, loads
from conversations.texts import LANGUAGES, text
from storage.booking import Booking
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking

ADDRESS = "Kyiv, 12 Velyka Vasylkivska St."


def _chatter(*bookings: Booking, lang: str = "en", now=NOW) -> Chatter:  # type: ignore[no-untyped-def]
    business = replace(salon(), address=ADDRESS)
    session = Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1, lang_by="customer")
    chatter = Chatter(business, now, session, bookings=list(bookings))
    chatter.send(Command("start"))
    return chatter


def _haircut(**changes: object) -> Booking:
    return replace(booking(salon(), "haircut", "anna", at(26, 11)), **changes)  # type: ignore[arg-type]


def _colouring(**changes: object) -> Booking:
    return booking(salon(), "colouring", "anna", at(27, 11), id=2, code="COLR2345", **changes)


def _effects(c: Chatter, kind: type) -> list:
    return [e for e in c.effects if isinstance(e, kind)]


def test_the_reminder_says_what_when_where_what_is_paid_and_asks() -> None:
    paid = _colouring(paid=Decimal(500))
    c = _chatter(paid)
    [said] = c.send(ReminderDue(paid, 1440))
    assert "Colouring with Anna, Fri 27 Nov at 11:00" in said.text  # the business's time zone
    assert ADDRESS in said.text and "COLR2345" in said.text
    assert "Prepaid: 500 UAH. To pay at the visit: 1 900 UAH." in said.text
    assert c.labels() == ["Confirm", "Reschedule", "Cancel"]
    assert [o.id for o in said.options] == ["2|rok:2.0", "2|rmove:2.0", "2|rcancel:2.0"]
    assert c.session.reminded == "2.0" and c.session.state == State.START
    assert said.template is not None and said.template.kind == "reminder"
    assert said.template.variables == (
        "Colouring",
        "Anna",
        "Fri 27 Nov at 11:00",
        ADDRESS,
        "500 UAH",
        "1 900 UAH",
        "COLR2345",
    )
    assert c.effects == []  # saying it changes nothing


def test_an_unpaid_booking_says_what_is_to_pay_at_the_visit() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 120))
    assert "To pay at the visit: 800 UAH." in c.text() and "Prepaid" not in c.text()


@pytest.mark.parametrize(
    "changes",
    [{"status": "cancelled"}, {"start": at(27, 15), "revision": 1}, {"revision": 2}, {"status": "held"}],
)
def test_a_booking_changed_since_the_job_read_it_is_not_reminded(changes: dict) -> None:
    c = _chatter(_haircut(**changes))
    assert c.send(ReminderDue(_haircut(), 1440)) == []
    assert c.session.reminded == ""


def test_a_reminder_for_a_visit_begun_is_not_said() -> None:
    c = _chatter(_haircut(), now=at(26, 11, 5))
    assert c.send(ReminderDue(_haircut(), 120)) == []


# ---------------------------------------------------------------- answers by button


def test_confirm_records_it_and_thanks_once() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    c.tap("Confirm")
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(1)]
    assert "Thank you! See you Thu 26 Nov at 11:00." in c.text()
    assert c.session.state == State.START and c.session.reminded == ""
    assert c.bookings[0].customer_confirmed_at == NOW
    # The 2-hour reminder, and "yes" again: thanked, recorded once.
    c.send(ReminderDue(c.bookings[0], 120))
    c.say("ok")
    assert "confirmed already" in c.text()
    assert c.bookings[0].customer_confirmed_at == NOW


def test_reschedule_opens_the_move_of_that_booking() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    c.tap("Reschedule")
    assert c.session.state == State.MOVE_DAY and c.session.draft.booking_id == 1
    c.tap("Fri 27 Nov")
    c.tap("10:00")
    c.tap("Confirm")
    assert _effects(c, fx.MoveBooking) == [fx.MoveBooking(1, at(27, 10), "anna")]
    assert "moved to Fri 27 Nov at 10:00" in c.text()


def test_cancel_asks_first_and_refunds_by_the_window() -> None:
    paid = _colouring(paid=Decimal(500))
    c = _chatter(paid)
    c.send(ReminderDue(paid, 1440))
    c.tap("Cancel")
    assert c.session.state == State.CANCEL_CONFIRM
    assert "Your prepayment of 500 UAH will be refunded." in c.text()  # 24 h ahead: inside the window
    c.tap("Yes, cancel")
    assert _effects(c, fx.CancelBooking) == [fx.CancelBooking(2, refund=True, refund_amount=Decimal(500))]


def test_a_late_cancel_keeps_the_prepayment_as_the_window_says() -> None:
    paid = _colouring(paid=Decimal(500))
    c = _chatter(paid, now=at(27, 11) - timedelta(hours=5))
    c.send(ReminderDue(paid, 300))
    c.tap("Cancel")
    assert "so the prepayment of 500 UAH is not refunded" in c.text()
    c.tap("Yes, cancel")
    assert _effects(c, fx.CancelBooking) == [fx.CancelBooking(2, refund=False, refund_amount=Decimal(0))]


def test_two_hours_before_the_rules_say_whom_to_contact() -> None:
    """Minimum notice to move and to cancel (3 hours here) applies to a reminder's answers too."""
    c = _chatter(_haircut(), now=at(26, 9))
    c.send(ReminderDue(_haircut(), 120))
    c.tap("Reschedule")
    assert "moved up to 3 hours before" in c.text() and "+380 44 000 00 00" in c.text()
    c.send(ReminderDue(_haircut(), 120))  # (as if a second reminder came)
    c.tap("Cancel")
    assert "cancelled up to 3 hours before" in c.text() and "+380 44 000 00 00" in c.text()
    assert _effects(c, fx.MoveBooking) == [] and _effects(c, fx.CancelBooking) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [({"moves": 2}, "moved 2 times, the most allowed"), ({"origin": "package"}, "can't be changed here")],
)
def test_a_booking_the_customer_may_not_move_says_whom_to_contact(changes: dict, expected: str) -> None:
    c = _chatter(_haircut(**changes))
    c.send(ReminderDue(_haircut(**changes), 1440))
    c.tap("Reschedule")
    assert expected in c.text() and "+380 44 000 00 00" in c.text()
    assert c.session.state == State.START


def test_a_paid_booking_moved_from_a_reminder_stays_paid() -> None:
    paid = _colouring(paid=Decimal(500))
    c = _chatter(paid)
    c.send(ReminderDue(paid, 1440))
    c.tap("Reschedule")
    c.tap("Mon 30 Nov")
    c.tap("10:00")
    c.tap("Confirm")
    assert not _effects(c, fx.RequestPrepayment)  # never asked again
    assert c.bookings[0].paid == Decimal(500) and c.bookings[0].start == at(30, 10)


# ---------------------------------------------------------------- answers in words, six languages

YES = {"en": "yes", "uk": "так", "pl": "tak", "fr": "oui", "el": "ναι", "ru": "да"}
RESCHEDULE = {"en": "reschedule", "uk": "перенести", "pl": "przełóż", "fr": "reporter", "el": "αλλαγή ώρας"}
RESCHEDULE |= {"ru": "перенести"}
CANCEL = {
    "en": "cancel",
    "uk": "скасувати",
    "pl": "anuluj",
    "fr": "annuler",
    "el": "ακύρωση",
    "ru": "отменить",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_yes_in_each_language_confirms(lang: str) -> None:
    c = _chatter(_haircut(), lang=lang)
    c.send(ReminderDue(_haircut(), 1440))
    assert text(lang, "reminder_confirm") in c.labels()
    c.say(YES[lang])
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(1)]
    assert text(lang, "visit_confirmed", when="")[:6] in c.text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reschedule_in_each_language_moves_the_booking_reminded(lang: str) -> None:
    c = _chatter(_haircut(), _colouring(), lang=lang)  # two bookings: the one reminded is meant
    c.send(ReminderDue(_colouring(), 1440))
    c.say(RESCHEDULE[lang])
    assert c.session.state == State.MOVE_DAY and c.session.draft.booking_id == 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cancel_in_each_language_cancels_the_booking_reminded(lang: str) -> None:
    c = _chatter(_haircut(), _colouring(), lang=lang)
    c.send(ReminderDue(_colouring(), 1440))
    c.say(CANCEL[lang])
    assert c.session.state == State.CANCEL_CONFIRM and c.session.draft.booking_id == 2
    c.say(YES[lang])
    assert [e.booking_id for e in _effects(c, fx.CancelBooking)] == [2]


@pytest.mark.parametrize(
    ("lang", "words", "day", "hour"),
    [
        ("en", "can we do Friday at 3 instead?", 27, 15),
        ("uk", "а можна в п'ятницю о 15?", 27, 15),
        ("pl", "może w piątek o 15?", 27, 15),
        ("fr", "plutôt vendredi à 15h ?", 27, 15),
        ("el", "μπορούμε την Παρασκευή στις 3;", 27, 15),
        ("ru", "перенесите на пятницу в 15", 27, 15),
        ("en", "at 5pm instead", 26, 17),  # a time alone: on the booking's own day
    ],
)
def test_a_day_and_time_in_words_moves_it_there(lang: str, words: str, day: int, hour: int) -> None:
    c = _chatter(_haircut(), _colouring(), lang=lang)
    c.send(ReminderDue(_haircut(), 1440))
    c.say(words)
    assert c.session.state == State.MOVE_CONFIRM, c.text()
    assert c.session.draft.booking_id == 1 and c.session.draft.start == at(day, hour)
    c.say(YES[lang])
    assert _effects(c, fx.MoveBooking) == [fx.MoveBooking(1, at(day, hour), "anna")]


NO = {"en": "no", "uk": "ні", "pl": "nie", "fr": "non", "el": "όχι", "ru": "нет"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_in_each_language_offers_to_reschedule_or_cancel(lang: str) -> None:
    c = _chatter(_haircut(), _colouring(), lang=lang)
    c.send(ReminderDue(_haircut(), 1440))
    c.say(NO[lang])
    assert c.labels() == [text(lang, "reminder_reschedule"), text(lang, "reminder_cancel")]
    assert c.effects == [] and c.session.state == State.START
    c.say(CANCEL[lang])  # the booking is still the one reminded
    assert c.session.state == State.CANCEL_CONFIRM and c.session.draft.booking_id == 1


def test_no_names_the_booking() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    c.say("no")
    assert "reschedule or cancel Haircut, Anna, Thu 26 Nov at 11:00" in c.text()


def test_a_typed_number_answers_the_reminder_it_shows_last() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    c.say("1")
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(1)]


def test_without_a_reminder_cancel_still_asks_which_booking() -> None:
    c = _chatter(_haircut(), _colouring())
    c.say("cancel")
    assert c.session.state == State.BOOKINGS


# ---------------------------------------------------------------- in the middle of something else


def _mid_booking() -> Chatter:
    c = _chatter(_colouring())
    c.tap("Book a visit")
    c.tap("Haircut")
    c.tap("Tue 24 Nov")
    assert c.session.state == State.TIME
    return c


def test_a_reminder_mid_booking_keeps_the_question_and_its_buttons() -> None:
    c = _mid_booking()
    times = c.last
    c.send(ReminderDue(_colouring(), 1440))
    assert c.session.state == State.TIME and c.session.draft.service == "haircut"
    c.last = times
    c.tap("11:00")  # the times shown before the reminder still answer
    assert c.session.state == State.CONFIRM and c.session.draft.start == at(24, 11)


def test_yes_mid_booking_confirms_the_visit_and_asks_the_question_again() -> None:
    c = _mid_booking()
    c.send(ReminderDue(_colouring(), 1440))
    c.say("так")
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(2)]
    assert c.session.state == State.TIME and c.session.draft.day == at(24, 0).date()
    assert "11:00" in c.labels()
    c.say("yes")  # the reminder is answered: words are about the booking on screen again
    assert len(_effects(c, fx.ConfirmVisit)) == 1


def test_yes_at_the_summary_after_a_reminder_answers_the_reminder_then_the_summary() -> None:
    c = _mid_booking()
    c.tap("11:00")
    c.say("Olha")  # (the name is known; the summary may already be on screen)
    while c.session.state != State.CONFIRM:
        c.say("+380501234567")
    c.send(ReminderDue(_colouring(), 1440))
    c.say("yes")
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(2)] and not _effects(c, fx.HoldSlot)
    assert c.session.state == State.CONFIRM
    c.say("yes")
    assert _effects(c, fx.HoldSlot) == [fx.HoldSlot("haircut", None, at(24, 11))]


def test_a_name_typed_after_a_reminder_is_a_name() -> None:
    c = _chatter(_colouring())
    c.session = replace(c.session, customer_id=None, name="", phone="")
    c.say("haircut tomorrow at 15:00")
    assert c.session.state == State.NAME
    c.send(ReminderDue(_colouring(), 1440))
    c.say("Olha Petrenko")
    assert c.session.state == State.PHONE and c.session.name == "Olha Petrenko"


def test_a_reminder_while_awaiting_a_payment_keeps_the_payment_waiting() -> None:
    other = _haircut(id=3)  # the new hold is booking 1
    c = _chatter(other)
    c.tap("Book a visit")
    c.tap("Colouring")
    c.tap("Tue 24 Nov")
    c.tap("10:00")
    c.tap("Confirm")
    assert c.session.state == State.AWAITING_PAYMENT
    c.send(ReminderDue(other, 1440))
    c.tap("Confirm")
    assert c.session.state == State.AWAITING_PAYMENT and "waiting for your prepayment" in c.text()


# ---------------------------------------------------------------- buttons from earlier messages


def test_a_reminders_buttons_work_later_while_the_booking_stays_as_reminded() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    confirm = c.last[0].options[0].id
    c.say("my bookings")  # the customer did other things meanwhile
    c.say("help")
    c.send(Choice(confirm))
    assert _effects(c, fx.ConfirmVisit) == [fx.ConfirmVisit(1)]


def test_a_reminder_for_a_time_moved_since_is_out_of_date() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    confirm = c.last[0].options[0].id
    c.bookings = [_haircut(start=at(27, 15), revision=1)]  # moved by staff meanwhile
    c.send(Choice(confirm))
    assert "out of date" in c.text() and not _effects(c, fx.ConfirmVisit)
    c.send(Choice(confirm))  # and from an earlier message: not an action
    assert "earlier message" in c.text() and not _effects(c, fx.ConfirmVisit)
    c.send(ReminderDue(_haircut(), 1440))  # an old job: nothing said
    assert c.last == []


def test_words_after_a_reminder_whose_booking_was_cancelled_say_so() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    c.bookings = [_haircut(status="cancelled", revision=1)]
    c.say("yes")
    assert "out of date" in c.text() and not _effects(c, fx.ConfirmVisit)
    assert c.session.state == State.START


def test_a_forged_reminder_button_for_someone_elses_booking_is_stale() -> None:
    c = _chatter(_haircut())
    c.send(Choice("9|rcancel:77.0"))
    assert "earlier message" in c.text() and c.session.state == State.START


def test_the_reminded_booking_survives_serialisation() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    assert loads(dumps(c.session)) == c.session and loads(dumps(c.session)).reminded == "1.0"


def test_the_booking_confirmation_says_how_to_reschedule_or_cancel() -> None:
    c = _chatter()
    c.say("haircut tomorrow at 15:00")
    c.tap("Confirm")
    assert "To reschedule or cancel, just reply in this chat" in c.text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_its_buttons_fit_whatsapp_quick_replies(lang: str) -> None:
    for key in ("reminder_confirm", "reminder_reschedule", "reminder_cancel"):
        assert 0 < len(text(lang, key)) <= 20


def test_a_step_with_a_reminder_is_pure() -> None:
    c = _chatter(_haircut())
    before = c.session
    first = step(before, ReminderDue(_haircut(), 1440), NOW, c.view())
    again = step(before, ReminderDue(_haircut(), 1440), NOW, c.view())
    assert first == again


def test_a_confirmation_of_a_booking_gone_meanwhile_says_so() -> None:
    c = _chatter(_haircut())
    for gone in (None, _haircut(status="cancelled", revision=1)):
        c.send(VisitConfirmed(gone, False))
        assert "no longer active" in c.text() and c.session.state == State.START
