"""A staff chat's agenda in the pure core: what it lists and how (order, the business's time, statuses, the
mark of a customer who confirmed they are coming, an admin's everyone and a specialist's own), that a long day
fits the platforms' messages, and who may ask for it: a chat the runner names staff, never anyone else."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import TELEGRAM, WHATSAPP, Inbound
from bot.channels.telegram import TelegramRenderer
from bot.channels.whatsapp_twilio import WhatsAppRenderer
from conversations import agenda
from conversations.events import Choice, Command, Event, Text
from conversations.flow import step
from conversations.replies import TELEGRAM_TEXT_LIMIT, WHATSAPP_TEXT_LIMIT, Reply
from conversations.session import Session, State
from conversations.texts import LANGUAGES, catalogue
from conversations.view import AgendaMiss, DayBookings, View, Visitor, window_days
from storage.booking import Booking
from storage.business import Business, Contact, StaffChat
from tests.sample import KYIV, NOW, at, salon

ADMIN = StaffChat(admin=True)
ANNA = StaffChat(admin=False, specialists=("anna",))
DAY = date(2026, 11, 24)  # Tuesday


def _business(lang: str = "en") -> Business:
    return replace(salon(), staff_language=lang)


def _booking(number: int, start: datetime, specialist: str = "anna", **changes: object) -> Booking:
    made = Booking(
        id=number,
        code=f"CODE{number:04d}",
        service="haircut",
        specialist=specialist,
        customer_id=number,
        start=start,
        end=start + timedelta(minutes=60),
        status="confirmed",
        expires_at=None,
        moves=0,
        price=Decimal(800),
        paid=Decimal(0),
        created_at=NOW,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def _day(*bookings: Booking, day: date = DAY) -> DayBookings:
    visitors = {b.customer_id: Visitor(f"Customer {b.id}", f"+38050000{b.id:04d}") for b in bookings}
    return DayBookings(day, bookings, {k: v for k, v in visitors.items() if k is not None})


def _text(parts: list[str]) -> str:
    return "\n\n".join(parts)


def _entry(text: str, code: str) -> str:
    """The entry (three lines) whose second line names `code`."""
    lines = text.split("\n")
    at_code = next(i for i, line in enumerate(lines) if code in line)
    return "\n".join(lines[at_code - 1 : at_code + 2])


# ---------------------------------------------------------------- the listing


def test_bookings_are_listed_by_time_with_service_specialist_customer_phone_and_code() -> None:
    day = _day(_booking(3, at(24, 15)), _booking(1, at(24, 9), "boris"), _booking(2, at(24, 11, 30)))
    text = _text(agenda.render(_business(), ADMIN, day, NOW))
    assert text.startswith("📅 Bookings, Tue 24 Nov: 3")
    assert text.index("CODE0001") < text.index("CODE0002") < text.index("CODE0003")
    assert _entry(text, "CODE0001") == (
        "09:00–10:00 Haircut · Boris\nCustomer 1, +380500000001, code CODE0001\nconfirmed · to pay 800 UAH"
    )


def test_times_are_the_business_s_on_the_night_the_clocks_go_back() -> None:
    # 25 Oct 2026: Kyiv goes from +3 to +2 at 04:00; the day has 25 hours.
    night = date(2026, 10, 25)
    early = _booking(1, datetime(2026, 10, 24, 21, 30, tzinfo=UTC))  # 00:30 +3
    repeated = _booking(2, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 03:30 +2, the second one
    first = _booking(3, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 03:30 +3, the first one
    late = _booking(4, datetime(2026, 10, 25, 21, 30, tzinfo=UTC))  # 23:30 +2
    next_day = _booking(5, datetime(2026, 10, 25, 22, 30, tzinfo=UTC))  # 00:30 on the 26th
    day = _day(late, repeated, next_day, early, first, day=night)
    text = _text(agenda.render(_business(), ADMIN, day, NOW))
    assert text.startswith("📅 Bookings, Sun 25 Oct: 4")
    assert [text.index(f"CODE000{n}") for n in (1, 3, 2, 4)] == sorted(
        text.index(f"CODE000{n}") for n in (1, 3, 2, 4)
    )
    assert "00:30–01:30 Haircut" in _entry(text, "CODE0001")
    # An hour from the first 03:30 (+3) ends at the second 03:30 (+2), when the second visit starts.
    assert "03:30–03:30 Haircut" in _entry(text, "CODE0003")
    assert "03:30–04:30 Haircut" in _entry(text, "CODE0002")
    assert "23:30–00:30 Haircut" in _entry(text, "CODE0004")
    assert "CODE0005" not in text


def test_times_are_the_business_s_on_the_night_the_clocks_go_forward() -> None:
    spring = date(2026, 3, 29)  # 03:00 +2 becomes 04:00 +3
    before = _booking(1, datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 02:30 +2
    after = _booking(2, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 04:30 +3
    text = _text(agenda.render(_business(), ADMIN, _day(after, before, day=spring), NOW))
    assert "02:30–04:30 Haircut" in _entry(text, "CODE0001")  # an hour's visit across the missing hour
    assert "04:30–05:30 Haircut" in _entry(text, "CODE0002")


def test_each_status_says_what_staff_need_and_who_confirmed_they_are_coming() -> None:
    held = _booking(1, at(24, 9), status="held", expires_at=at(23, 10, 30), price=Decimal(2400))
    coming = _booking(2, at(24, 10), customer_confirmed_at=at(23, 9))
    part_paid = _booking(3, at(24, 11), paid=Decimal(500), price=Decimal(2400))
    paid = _booking(4, at(24, 12), paid=Decimal(800))
    cancelled = _booking(5, at(24, 13), status="cancelled")
    expired = _booking(6, at(24, 14), status="expired")
    ran_out = _booking(7, at(24, 15), status="held", expires_at=at(23, 9, 59))  # before NOW, not marked yet
    day = _day(held, coming, part_paid, paid, cancelled, expired, ran_out)
    text = _text(agenda.render(_business(), ADMIN, day, NOW))
    assert text.startswith("📅 Bookings, Tue 24 Nov: 4")
    assert _entry(text, "CODE0001").startswith("⏳ 09:00–10:00")
    assert _entry(text, "CODE0001").endswith("awaiting payment until 10:30 · to pay 2 400 UAH")
    assert _entry(text, "CODE0002").startswith("✅ 10:00–11:00")
    assert _entry(text, "CODE0002").endswith("confirmed · coming: the customer confirmed · to pay 800 UAH")
    assert "Customer 2, +380500000002" in _entry(text, "CODE0002")  # who confirmed
    assert _entry(text, "CODE0003").endswith("confirmed · paid 500 UAH, to pay 1 900 UAH")
    assert _entry(text, "CODE0004").endswith("confirmed · paid 800 UAH")
    for gone in ("CODE0005", "CODE0006", "CODE0007"):
        assert gone not in text
    assert text.endswith("Cancelled or expired, not listed: 3")
    assert text.count("✅") == 1 and text.count("coming") == 1


def test_an_admin_sees_everyone_and_a_specialist_only_their_own() -> None:
    day = _day(_booking(1, at(24, 9), "anna"), _booking(2, at(24, 10), "boris"), _booking(3, at(24, 11)))
    everyone = _text(agenda.render(_business(), ADMIN, day, NOW))
    own = _text(agenda.render(_business(), ANNA, day, NOW))
    assert all(f"CODE000{n}" in everyone for n in (1, 2, 3)) and "· Boris" in everyone
    assert own.startswith("📅 Your bookings, Tue 24 Nov: 2")
    assert "CODE0002" not in own and "Customer 2" not in own and "Boris" not in own
    assert "09:00–10:00 Haircut\n" in own  # their own name is not repeated on every line


def test_a_chat_shared_by_two_specialists_sees_both_and_whose_each_visit_is() -> None:
    day = _day(_booking(1, at(24, 9), "anna"), _booking(2, at(24, 10), "boris"))
    text = _text(agenda.render(_business(), StaffChat(False, ("anna", "boris")), day, NOW))
    assert text.startswith("📅 Your bookings, Tue 24 Nov: 2")
    assert "09:00–10:00 Haircut · Anna\n" in text and "10:00–11:00 Haircut · Boris\n" in text


def test_a_specialist_s_cancellations_are_counted_only_among_their_own() -> None:
    day = _day(_booking(1, at(24, 9)), _booking(2, at(24, 10), "boris", status="cancelled"))
    assert "not listed" not in _text(agenda.render(_business(), ANNA, day, NOW))


def test_an_empty_day_says_so() -> None:
    assert agenda.render(_business(), ADMIN, _day(), NOW) == [
        "📅 Bookings, Tue 24 Nov: 0\nNothing is booked on this day."
    ]
    assert agenda.render(_business(), ANNA, _day(_booking(1, at(24, 9), "boris")), NOW) == [
        "📅 Your bookings, Tue 24 Nov: 0\nNothing is booked on this day."
    ]


def test_a_booking_without_a_customer_or_of_a_service_since_removed_is_still_listed() -> None:
    day = _day(_booking(1, at(24, 9), customer_id=None), _booking(2, at(24, 10), service="gone"))
    text = _text(agenda.render(_business(), ADMIN, day, NOW))
    assert "—, —, code CODE0001" in text
    assert "10:00–11:00 gone · Anna" in text


def _sixty() -> DayBookings:
    long_name = "Oleksandra-Maria Kovalenko-Shevchenko"
    bookings = [
        _booking(
            n, at(24, 8) + timedelta(minutes=10 * n), ("anna", "boris")[n % 2], paid=Decimal(n % 3 * 100)
        )
        for n in range(1, 61)
    ]
    day = _day(*bookings)
    return replace(day, visitors={k: replace(v, name=long_name) for k, v in day.visitors.items()})


def test_a_day_of_sixty_bookings_fits_every_platform_s_messages() -> None:
    parts = agenda.render(_business(), ADMIN, _sixty(), NOW)
    assert 1 < len(parts) <= agenda.MAX_PARTS
    assert all(len(part) <= agenda.PART_LIMIT for part in parts)
    text = _text(parts)
    shown = [n for n in range(1, 61) if f"CODE{n:04d}" in text]
    more = [line for line in text.split("\n") if line.startswith("…")]
    assert shown == list(range(1, len(shown) + 1))  # the earliest, in order
    assert more == ([f"… {60 - len(shown)} more not shown"] if len(shown) < 60 else [])
    replies = [Reply(part) for part in parts[:-1]] + [_asked(parts[-1])]
    whatsapp = WhatsAppRenderer().render(replies, Inbound(WHATSAPP, "+380500000000", Text("/today")))
    assert all(len(message.params["Body"]) <= WHATSAPP_TEXT_LIMIT for message in whatsapp)
    assert whatsapp[-1].params["Body"].endswith("1. ◀ Sun 22 Nov\n2. Tue 24 Nov ▶")
    telegram = TelegramRenderer().render(replies, Inbound(TELEGRAM, "777", Text("/today")))
    assert all(len(call.params["text"]) <= TELEGRAM_TEXT_LIMIT for call in telegram)
    assert len(telegram) < len(whatsapp)  # Telegram's longer messages carry more of the day each


def test_a_day_longer_than_the_messages_allow_ends_with_how_many_more() -> None:
    many = _day(*[_booking(n, at(24, 8) + timedelta(minutes=n), paid=Decimal(1)) for n in range(1, 301)])
    parts = agenda.render(_business(), ADMIN, many, NOW)
    assert len(parts) == agenda.MAX_PARTS and all(len(p) <= agenda.PART_LIMIT for p in parts)
    shown = sum(f"CODE{n:04d}" in _text(parts) for n in range(1, 301))
    assert parts[-1].endswith(f"… {300 - shown} more not shown")


def _asked(text: str) -> Reply:
    _, replies, _ = step(Session(), Text("/today"), NOW, _view(_day(day=NOW.date()), ADMIN))
    return replace(replies[-1], text=text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_agenda_is_in_the_staff_language(lang: str) -> None:
    words = catalogue(lang)
    held = _booking(1, at(24, 9), status="held", expires_at=at(23, 10, 30))
    coming = _booking(2, at(24, 10), customer_confirmed_at=at(23, 9), paid=Decimal(300))
    day = _day(held, coming, _booking(3, at(24, 11), status="cancelled"))
    text = _text(agenda.render(_business(lang), ADMIN, day, NOW))
    tuesday = words.DATE_FORMAT.format(weekday=words.WEEKDAYS[1], day=24, month=words.MONTHS[10])
    assert text.startswith(words.TEXTS["agenda_heading"].format(day=tuesday, count=2))
    for key in ("agenda_confirmed", "agenda_coming"):
        assert words.TEXTS[key] in text
    assert words.TEXTS["agenda_held"].format(time="10:30") in text
    assert words.TEXTS["agenda_not_listed"].format(count=1) in text
    empty = agenda.render(_business(lang), ANNA, _day(), NOW)
    assert words.TEXTS["agenda_empty"] in empty[0]


# ---------------------------------------------------------------- who may ask, and how


def _view(day: DayBookings | None, staff: StaffChat | None, business: Business | None = None) -> View:
    today = NOW.astimezone(KYIV).date()
    business = business or _business()
    last = today + timedelta(days=window_days(business))  # the whole calendar loaded: nothing is busy
    return View(business, NOW, today, last, staff=staff, agenda=day)


def _ask(
    event: Event,
    staff: StaffChat | None,
    bookings: tuple[Booking, ...] = (),
    session: Session | None = None,
    business: Business | None = None,
) -> tuple[Session, list[Reply], list[date]]:
    """One step as the runner takes it: no day loaded at first, then the day the step asks for."""
    asked: list[date] = []
    view = _view(None, staff, business)
    while True:
        try:
            new, replies, effects = step(session or Session(), event, NOW, view)
        except AgendaMiss as miss:
            asked.append(miss.day)
            loaded = tuple(b for b in bookings if b.start.astimezone(KYIV).date() == miss.day)
            view = replace(view, agenda=_day(*loaded, day=miss.day))
            continue
        assert not effects
        return new, replies, asked


TODAY, TOMORROW = date(2026, 11, 23), date(2026, 11, 24)  # NOW is Monday 23 Nov, 10:00 in Kyiv


@pytest.mark.parametrize(
    ("said", "day"),
    [
        ("/today", TODAY),
        ("/tomorrow", TOMORROW),
        ("/agenda", TODAY),
        ("/Agenda@slotbot", TODAY),
        ("/agenda 2026-12-24", date(2026, 12, 24)),
        ("/agenda 24.12", date(2026, 12, 24)),
        ("/agenda friday", date(2026, 11, 27)),
        ("/agenda завтра", TOMORROW),
        ("today", TODAY),
        ("Tomorrow!", TOMORROW),
        ("agenda", TODAY),
        ("schedule for friday", date(2026, 11, 27)),
        ("сьогодні", TODAY),
        ("Завтра", TOMORROW),
        ("розклад", TODAY),
        ("розклад на п'ятницю", date(2026, 11, 27)),
    ],
)
def test_a_staff_chat_asks_for_the_agenda_in_commands_and_words(said: str, day: date) -> None:
    _, replies, asked = _ask(Text(said), ADMIN, business=_business("uk"))
    assert asked == [day]
    assert replies[-1].text.startswith("📅 Записи")


@pytest.mark.parametrize(
    "said", ["tomorrow at 3", "haircut today", "today?? maybe", "agenda pls xyzzy", "/todays", "hello"]
)
def test_anything_else_a_staff_chat_writes_is_the_ordinary_conversation(said: str) -> None:
    _, replies, asked = _ask(Text(said), ADMIN)
    assert asked == []
    assert not any("📅" in reply.text for reply in replies)


@pytest.mark.parametrize("said", ["/today", "/tomorrow", "/agenda", "today", "agenda", "завтра", "розклад"])
def test_a_customer_asking_like_staff_gets_the_customer_conversation(said: str) -> None:
    bookings = (_booking(1, at(23, 15)), _booking(2, at(24, 11)))
    _, replies, asked = _ask(Text(said), None, bookings, business=_business("uk"))
    assert asked == []  # never even loaded
    text = "\n".join(reply.text for reply in replies)
    assert "📅" not in text and "CODE" not in text and "Customer" not in text


def test_a_staff_chat_s_other_language_words_are_not_agenda_words() -> None:
    # Staff write uk; Polish "jutro" is a day to book, as from anyone.
    _, _, asked = _ask(Text("jutro"), ADMIN, business=_business("uk"))
    assert asked == []


def test_an_unreadable_day_after_agenda_shows_today_and_says_so() -> None:
    _, replies, asked = _ask(Text("/agenda someday soon"), ADMIN)
    assert asked == [TODAY]
    assert replies[-1].text.startswith("I could not read “someday soon” as a day; here is today.\n📅")


def test_the_buttons_go_a_day_back_and_forth_also_by_typed_number() -> None:
    bookings = (_booking(1, at(23, 15)), _booking(2, at(24, 11)), _booking(3, at(22, 11)))
    session, replies, _ = _ask(Text("/today"), ADMIN, bookings)
    assert "CODE0001" in replies[-1].text
    back, forth = replies[-1].options
    assert (back.label, forth.label) == ("◀ Sun 22 Nov", "Tue 24 Nov ▶")
    moved, replies, asked = _ask(Choice(forth.id), ADMIN, bookings, session)
    assert asked == [TOMORROW] and "CODE0002" in replies[-1].text
    _, replies, asked = _ask(Text("1"), ADMIN, bookings, moved)  # WhatsApp: "1" is the first button
    assert asked == [TODAY] and "CODE0001" in replies[-1].text
    # An earlier agenda's buttons still work: they only read.
    _, replies, asked = _ask(Choice(back.id), ADMIN, bookings, moved)
    assert asked == [date(2026, 11, 22)] and "CODE0003" in replies[-1].text


def test_agenda_buttons_are_nothing_to_a_chat_that_is_not_staff() -> None:
    staff_session, replies, _ = _ask(Text("/today"), ADMIN)
    pressed = replies[-1].options[1].id
    for session in (staff_session, Session()):  # the chat is no longer staff, or never was (forged data)
        _, said, asked = _ask(Choice(pressed), None, (_booking(2, at(24, 11)),), session)
        assert asked == []
        assert said[0].text == catalogue("en").TEXTS["stale_button"]
    _, said, asked = _ask(Choice("1|ag:notadate"), ADMIN)
    assert asked == [] and said[0].text == catalogue("en").TEXTS["stale_button"]


def test_the_agenda_is_said_beside_a_booking_in_progress() -> None:
    session, replies, _ = _ask(Command("book"), ADMIN)
    assert session.state == State.SERVICE
    service_buttons = replies[-1].options
    during, replies, asked = _ask(Text("/today"), ADMIN, session=session)
    assert asked == [TODAY] and during.state == State.SERVICE
    after, _, _ = _ask(Choice(service_buttons[0].id), ADMIN, session=during)  # the question's buttons
    assert after.state == State.SPECIALIST
    while_naming = replace(session, state=State.NAME)
    named, _, asked = _ask(Text("Tomorrow"), ADMIN, session=while_naming)  # a name, whatever it says
    assert asked == [] and named.name == "Tomorrow"
    _, _, asked = _ask(Text("/tomorrow"), ADMIN, session=while_naming)
    assert asked == [TOMORROW]


def test_repeated_agendas_do_not_pile_up_in_the_session() -> None:
    session, replies, _ = _ask(Command("start"), ADMIN)
    for _ in range(5):
        session, replies, _ = _ask(Choice(replies[-1].options[-1].id), ADMIN, session=session)
    assert not any(agenda.is_agenda_button(option) for option in session.earlier)
    assert len(session.earlier) <= 10


# ---------------------------------------------------------------- which chats are staff


def test_a_staff_chat_is_known_by_its_channel_and_the_platform_s_id() -> None:
    business = salon()
    anna = replace(
        business.staff[0], contacts=(Contact("telegram", "0777"), Contact("whatsapp", "+380671112233"))
    )
    boris = replace(business.staff[1], contacts=(Contact("telegram", "888"),))
    business = replace(
        business, staff=(anna, boris), admins=(Contact("telegram", "888"), Contact("telegram", "-100"))
    )
    assert business.staff_chat("telegram", "777") == StaffChat(False, ("anna",))
    assert business.staff_chat("whatsapp", "+380671112233") == StaffChat(False, ("anna",))
    assert business.staff_chat("telegram", "888") == StaffChat(True, ("boris",))  # admin sees all
    assert business.staff_chat("telegram", "-100") == StaffChat(True, ())
    assert business.staff_chat("telegram", "+380671112233") is None
    assert business.staff_chat("whatsapp", "777") is None
    assert business.staff_chat("console", "777") is None
    assert business.staff_chat("telegram", "7770") is None


def test_every_agenda_text_has_placeholders_the_listing_fills() -> None:
    filled = {"day", "count", "customer", "phone", "code", "time", "left", "paid", "words"}
    for key, template in catalogue("en").TEXTS.items():
        if key.startswith("agenda_"):
            used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert used <= filled, key


# ---------------------------------------------------------------- a property of every day


_STATUSES = st.sampled_from(["held", "confirmed", "confirmed", "cancelled", "expired"])


@st.composite
def _days(draw: st.DrawFn) -> DayBookings:
    count = draw(st.integers(0, 120))
    bookings = []
    for n in range(1, count + 1):
        start = at(24, 0) + timedelta(minutes=draw(st.integers(-120, 26 * 60)))
        status = draw(_STATUSES)
        bookings.append(
            _booking(
                n,
                start,
                draw(st.sampled_from(["anna", "boris"])),
                status=status,
                expires_at=NOW + timedelta(minutes=draw(st.integers(-30, 30))) if status == "held" else None,
                paid=Decimal(draw(st.integers(0, 900))),
                customer_confirmed_at=draw(st.none() | st.just(NOW)),
            )
        )
    day = _day(*bookings)
    name = draw(st.text(min_size=0, max_size=200))
    return replace(day, visitors={k: replace(v, name=name) for k, v in day.visitors.items()})


@given(day=_days(), staff=st.sampled_from([ADMIN, ANNA, StaffChat(False, ("boris",))]))
def test_every_day_fits_and_lists_each_live_booking_the_chat_may_see_once(
    day: DayBookings, staff: StaffChat
) -> None:
    parts = agenda.render(_business(), staff, day, NOW)
    assert 1 <= len(parts) <= agenda.MAX_PARTS
    assert all(len(part) <= agenda.PART_LIMIT for part in parts)
    text = _text(parts)
    mine = [b for b in day.bookings if staff.sees(b.specialist) and b.start.astimezone(KYIV).date() == DAY]
    listed = {b.code for b in mine if b.is_live(NOW)}
    shown = {b.code for b in day.bookings if f"code {b.code}\n" in text}
    assert shown <= listed  # nothing cancelled, expired, of another day or of another specialist
    more = re.findall(r"^… \d+ more not shown$", text, re.MULTILINE)
    assert more == ([f"… {len(listed) - len(shown)} more not shown"] if shown != listed else [])
