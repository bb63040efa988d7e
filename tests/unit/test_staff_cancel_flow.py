"""Staff cancel a booking (`slotbot cancel`) in the pure conversation: from every kind of state the customer
may be in, with the refund the business's window gives (or all of it), told in the six languages, and the
question the customer was answering left standing unless it was about that booking."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.channels.base import WHATSAPP, Inbound
from bot.channels.whatsapp_twilio import TEMPLATE, WhatsAppRenderer, template_for
from conversations import effects as fx
from conversations.events import Cancelled, Choice, Command, ReminderDue, StaffCancels, Text
from conversations.session import Session, State
from conversations.texts import LANGUAGES, text
from storage.booking import Booking
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking


def _chatter(*bookings: Booking, lang: str = "en") -> Chatter:
    session = Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1, lang_by="customer")
    chatter = Chatter(salon(), NOW, session, bookings=list(bookings))
    chatter.send(Command("start"))
    return chatter


def _haircut(**changes: object) -> Booking:
    return replace(booking(salon(), "haircut", "anna", at(26, 11)), **changes)  # type: ignore[arg-type]


def _colouring(**changes: object) -> Booking:
    return booking(salon(), "colouring", "anna", at(27, 11), id=2, code="COLR2345", **changes)


def _cancels(c: Chatter) -> list[fx.CancelBooking]:
    return [e for e in c.effects if isinstance(e, fx.CancelBooking)]


def test_an_idle_customer_hears_what_was_cancelled_why_and_whom_to_ask() -> None:
    c = _chatter(_haircut())
    said = c.send(StaffCancels(_haircut(), "Anna is ill"))
    assert _cancels(c) == [fx.CancelBooking(1, refund=False, by_staff=True, reason="Anna is ill")]
    assert "Test salon cancelled your visit: Haircut, Anna, Thu 26 Nov at 11:00." in said[0].text
    assert "Reason: Anna is ill" in said[0].text
    assert "+380 44 000 00 00" in said[0].text and "refund" not in said[0].text
    assert c.session.state == State.START and c.bookings[0].status == "cancelled"


def test_the_calendar_file_of_a_confirmed_booking_is_sent_cancelled() -> None:
    c = _chatter(_haircut())
    [said] = c.send(StaffCancels(_haircut()))
    assert said.calendar is not None and said.calendar.cancelled
    assert "Reason" not in said.text


def test_a_question_mid_booking_still_stands_after_the_news() -> None:
    c = _chatter(_haircut())
    c.tap("Book a visit")
    c.tap("Haircut")
    asked, offer, on_screen = c.session.state, c.session.offer, c.last
    said = c.send(StaffCancels(_haircut()))
    assert [r.options for r in said] == [()]  # the news alone, no question asked again
    assert c.session.state == asked and c.session.offer == offer
    assert asked == State.DAY
    [day] = [o.id for r in on_screen for o in r.options if o.label == "Fri 27 Nov"]
    c.send(Choice(day))  # the question on screen still answers
    assert c.session.state == State.TIME


def test_a_customer_paying_for_that_hold_goes_back_to_the_menu() -> None:
    c = _chatter()
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        c.tap(label)
    assert c.session.state == State.AWAITING_PAYMENT
    held = c.bookings[-1]
    c.send(StaffCancels(held))
    assert "cancelled your visit" in c.text() and c.session.state == State.START
    assert c.labels()[:2] == ["Book a visit", "My bookings"]
    assert c.session.draft.booking_id is None
    assert c.last[0].calendar is None  # a hold was never in their calendar


def test_a_customer_paying_for_another_hold_keeps_paying() -> None:
    c = _chatter(_colouring())
    for label in ("Book a visit", "Colouring", "Tue 24 Nov", "10:00", "Confirm"):
        c.tap(label)
    held = c.session.draft.booking_id
    assert held != _colouring().id
    c.send(StaffCancels(_colouring()))
    assert "cancelled your visit: Colouring, Anna, Fri 27 Nov" in c.text()
    assert c.session.state == State.AWAITING_PAYMENT and c.session.draft.booking_id == held


def test_the_cancel_question_about_that_booking_no_longer_stands() -> None:
    c = _chatter(_haircut())
    c.say("cancel")
    assert c.session.state == State.CANCEL_CONFIRM
    c.send(StaffCancels(_haircut()))
    assert c.session.state == State.START and len(_cancels(c)) == 1


@pytest.mark.parametrize(
    "changes",
    [{"status": "cancelled"}, {"status": "expired"}, {"start": NOW}, {"status": "held", "expires_at": NOW}],
    ids=["cancelled", "expired", "begun", "hold-ran-out"],
)
def test_a_booking_no_longer_live_is_left_alone_and_nothing_is_said(changes: dict) -> None:
    c = _chatter(_haircut(**changes))
    assert c.send(StaffCancels(_haircut())) == []  # staff read it live; the view knows better
    assert _cancels(c) == [] and c.session.state == State.START


def test_a_booking_not_the_customers_is_left_alone() -> None:
    c = _chatter(_haircut())
    assert c.send(StaffCancels(_colouring())) == [] and _cancels(c) == []


def test_inside_the_refund_window_all_that_was_paid_goes_back() -> None:
    c = _chatter(_haircut(paid=Decimal(500)))  # 75 hours before; refunds need 24
    said = c.send(StaffCancels(_haircut(paid=Decimal(500))))
    assert _cancels(c) == [fx.CancelBooking(1, True, Decimal(500), by_staff=True)]
    assert "Your prepayment of 500 UAH will be refunded to your card." in said[0].text


def test_outside_the_refund_window_nothing_goes_back_and_it_says_so() -> None:
    c = _chatter(_haircut(paid=Decimal(500)))
    c.now = at(25, 14)  # 21 hours before
    said = c.send(StaffCancels(_haircut(paid=Decimal(500))))
    assert _cancels(c) == [fx.CancelBooking(1, False, Decimal(0), by_staff=True)]
    assert "The prepayment of 500 UAH is not refunded." in said[0].text


def test_outside_the_window_the_business_late_share_goes_back() -> None:
    c = _chatter(_haircut(paid=Decimal(500)))
    c.business = replace(c.business, rules=replace(c.business.rules, late_refund_percent=50))
    c.now = at(25, 14)
    said = c.send(StaffCancels(_haircut(paid=Decimal(500))))
    assert _cancels(c) == [fx.CancelBooking(1, True, Decimal(250), by_staff=True)]
    assert "250 UAH will be refunded" in said[0].text


def test_a_full_refund_gives_back_all_that_was_paid_outside_the_window() -> None:
    c = _chatter(_haircut(paid=Decimal(500)))
    c.now = at(25, 14)
    said = c.send(StaffCancels(_haircut(paid=Decimal(500)), full_refund=True))
    assert _cancels(c) == [fx.CancelBooking(1, True, Decimal(500), by_staff=True)]
    assert "500 UAH will be refunded" in said[0].text


def test_the_customers_own_cancellation_is_answered_as_before() -> None:
    c = _chatter(_haircut())
    c.say("cancel")
    c.tap("Yes, cancel")
    assert "Cancelled: Haircut, Anna" in c.text() and "cancelled your visit" not in c.text()
    assert _cancels(c) == [fx.CancelBooking(1, refund=False, refund_amount=Decimal(0))]


def test_a_reminder_of_that_booking_is_no_longer_answered_by_yes() -> None:
    c = _chatter(_haircut())
    c.send(ReminderDue(_haircut(), 1440))
    assert c.session.reminded == "1.0"
    c.send(StaffCancels(_haircut()))
    assert c.session.reminded == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_news_is_told_in_the_customers_language(lang: str) -> None:
    c = _chatter(_haircut(paid=Decimal(500)), lang=lang)
    [said] = c.send(StaffCancels(_haircut(paid=Decimal(500)), "Anna is ill"))
    refund = text(lang, "business_cancelled_refund", amount="500 UAH")
    assert "Test salon" in said.text and "Anna is ill" in said.text and refund in said.text
    assert text(lang, "business_cancelled_rebook", contact="+380 44 000 00 00") in said.text


def test_the_result_of_staff_cancelling_is_told_beside_any_state() -> None:
    """Whatever the state (a question typed into, a menu, a form), the news is said and nothing breaks."""
    for state in State:
        c = _chatter(_haircut())
        c.session = replace(c.session, state=state)
        gone = replace(_haircut(), status="cancelled")
        said = c.send(Cancelled(gone, by_staff=True))
        assert said and "cancelled your visit" in said[0].text, state


def test_on_whatsapp_the_news_goes_as_the_cancellation_template_outside_the_24_hours() -> None:
    """Staff cancel days after the customer last wrote: WhatsApp then takes only an approved template, so the
    news carries the `booking_cancelled` one, in the customer's language, with its variables."""
    c = _chatter(_haircut(), lang="uk")
    [said] = c.send(StaffCancels(_haircut(), "Anna is ill"))
    assert said.template is not None and (said.template.kind, said.template.language) == (
        "booking_cancelled",
        "uk",
    )
    inbound = Inbound(WHATSAPP, "+380501234567", Text("hi"))
    [news] = WhatsAppRenderer().render([said], inbound)
    template = news.params[TEMPLATE]
    sids = {"booking_cancelled:en": "HX" + "1" * 32, "booking_cancelled:uk": "HX" + "2" * 32}
    params = template_for(template["kind"], template["variables"], sids, template["language"])
    assert params["ContentSid"] == "HX" + "2" * 32
    variables = json.loads(params["ContentVariables"])
    service, specialist, when, code, contact = (variables[str(n)] for n in range(1, 6))
    assert service in news.params["Body"] and specialist == "Anna" and "11:00" in when
    assert (code, contact) == (_haircut().code, "+380 44 000 00 00")
