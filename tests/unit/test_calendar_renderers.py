"""A reply's calendar file on each channel: a document after the text on Telegram (its text in the outbox's
JSON, uploaded by the senders), the media of a message after the text on WhatsApp (a signed link), a line
with the link in the terminal; and nothing where there is no way to carry it."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.calendar import CalendarLinks
from bot.channels.base import CONSOLE, TELEGRAM, WHATSAPP, Inbound
from bot.channels.console import ConsoleRenderer
from bot.channels.telegram import TelegramRenderer, Upload, upload, with_files
from bot.channels.whatsapp_twilio import WhatsAppRenderer
from conversations.events import Choice, Text
from conversations.replies import CalendarEntry, Option, Reply
from tests.ics import checked, utc
from tests.sample import NOW, at

ENTRY = CalendarEntry(
    booking_id=7,
    code="ABCD2345",
    revision=1,
    start=at(24, 11),
    end=at(24, 12),
    cancelled=False,
    summary="Haircut with Anna, Test salon",
    description="Booking code: ABCD2345",
    location="Kyiv",
    business="Test salon",
    language="en",
    stamp=NOW,
)
MENU = (Option("3|m:book", "Book a visit"), Option("3|m:my", "My bookings"))
BOOKED = [Reply("Booked! Haircut with Anna.", calendar=ENTRY), Reply("What next?", MENU)]
LINKS = CalendarLinks("0123456789abcdef0123456789abcdef", "https://bot.example.com")
TYPED = Inbound(TELEGRAM, "42", Text("yes"), "1")
PRESSED = Inbound(TELEGRAM, "42", Choice("2|m:confirm"), "2", message_id="10", callback_id="q1")


# ---- Telegram ----------------------------------------------------------------------------------------------


def test_telegram_sends_the_file_as_a_document_after_the_text() -> None:
    calls = TelegramRenderer().render(BOOKED, TYPED)
    assert [call.method for call in calls] == ["sendMessage", "sendDocument"]
    assert calls[0].params["text"] == "Booked! Haircut with Anna.\n\nWhat next?"  # the menu runs on
    document = calls[1].params
    assert document["chat_id"] == 42 and set(document) == {"chat_id", "document"}
    file = document["document"]
    assert (file["upload"], file["type"]) == ("booking-ABCD2345.ics", "text/calendar")
    event = checked(file["text"])
    assert (utc(event, "DTSTART"), event.decoded("SEQUENCE")) == (at(24, 11), 1)
    assert json.loads(json.dumps(document)) == document  # the outbox keeps params as JSON


def test_telegram_after_a_pressed_button_edits_the_text_then_sends_the_document() -> None:
    calls = TelegramRenderer().render(BOOKED, PRESSED)
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText", "sendDocument"]


def test_telegram_files_of_two_bookings_follow_their_own_texts() -> None:
    other = replace(ENTRY, booking_id=8, code="ZZZZ2345")
    replies = [Reply("Booked the first.", calendar=ENTRY), Reply("Booked the second.", calendar=other)]
    calls = TelegramRenderer().render(replies, TYPED)
    assert [call.method for call in calls] == ["sendMessage", "sendDocument", "sendMessage", "sendDocument"]
    names = [call.params["document"]["upload"] for call in calls if call.method == "sendDocument"]
    assert names == ["booking-ABCD2345.ics", "booking-ZZZZ2345.ics"]


def test_telegram_without_a_file_sends_no_document() -> None:
    calls = TelegramRenderer().render([Reply("Hello"), Reply("What next?", MENU)], TYPED)
    assert [call.method for call in calls] == ["sendMessage"]


def test_the_senders_get_the_file_as_their_librarys_own() -> None:
    params = {"chat_id": 42, "document": upload("booking-X.ics", "text/calendar", "BEGIN:VCALENDAR"), "n": 1}
    made = with_files(params, lambda file: file)
    assert made == {
        "chat_id": 42,
        "document": Upload("booking-X.ics", "text/calendar", b"BEGIN:VCALENDAR"),
        "n": 1,
    }
    plain = {"chat_id": 42, "text": "hi", "reply_markup": {"inline_keyboard": []}}
    assert with_files(plain, lambda file: file) == plain


# ---- WhatsApp ----------------------------------------------------------------------------------------------

CUSTOMER = Inbound(WHATSAPP, "+380501234567", Text("1"), "SM1")


def test_whatsapp_sends_the_link_as_the_media_of_a_message_after_the_text() -> None:
    messages = WhatsAppRenderer(calendar_link=LINKS.url).render(BOOKED, CUSTOMER)
    assert [message.params for message in messages] == [
        {"Body": "Booked! Haircut with Anna.\n\nWhat next?\n\n1. Book a visit\n2. My bookings"},
        {"MediaUrl": LINKS.url(ENTRY)},
    ]
    assert LINKS.url(ENTRY).startswith("https://bot.example.com/calendar/7-1-en-")


def test_whatsapp_quick_replies_keep_their_buttons_and_the_file_follows() -> None:
    renderer = WhatsAppRenderer({"quick_reply_2": "HX" + "2" * 32}, calendar_link=LINKS.url)
    first, second = (message.params for message in renderer.render(BOOKED, CUSTOMER))
    assert first["ContentSid"] == "HX" + "2" * 32 and "Booked!" in first["ContentVariables"]
    assert second == {"MediaUrl": LINKS.url(ENTRY)}


def test_whatsapp_without_links_sends_no_file() -> None:
    messages = WhatsAppRenderer().render(BOOKED, CUSTOMER)
    assert [set(message.params) for message in messages] == [{"Body"}]


# ---- the terminal ------------------------------------------------------------------------------------------

CONSOLE_CHAT = Inbound(CONSOLE, "olha", Text("yes"))


def test_the_terminal_prints_where_the_file_is() -> None:
    [booked, _] = ConsoleRenderer(LINKS.url).render(BOOKED, CONSOLE_CHAT)
    assert booked.params["text"] == f"Booked! Haircut with Anna.\n📅 {LINKS.url(ENTRY)}"


def test_the_terminal_without_links_prints_nothing_of_it() -> None:
    [booked, menu] = ConsoleRenderer().render(BOOKED, CONSOLE_CHAT)
    assert booked.params == {"text": "Booked! Haircut with Anna.", "options": []}
    assert menu.params == {"text": "What next?", "options": ["Book a visit", "My bookings"]}


def test_the_terminal_keeps_a_link_line_before_the_file() -> None:
    reply = Reply("Paid.", link=("Receipt", "https://pay.example/r"), calendar=ENTRY)
    [said] = ConsoleRenderer(LINKS.url).render([reply], CONSOLE_CHAT)
    assert said.params["text"].splitlines() == [
        "Paid.",
        "Receipt: https://pay.example/r",
        f"📅 {LINKS.url(ENTRY)}",
    ]
