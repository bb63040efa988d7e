"""Issue 11, "the conversation books what was asked": one regression test per bug seen from outside, named
after what it guards, in every language where the issue says so. The pure flow, with the fake runner."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import effects as fx
from conversations.events import Command
from conversations.replies import CALLBACK_DATA_LIMIT, WHATSAPP_TEXT_LIMIT
from conversations.session import Session, dumps, loads
from conversations.texts import LANGUAGES, text
from storage.business import Business, Service
from tests.sample import KYIV, NOW, at, salon
from tests.unit.chatter import Chatter, booking

FRIDAY = date(2026, 11, 27)
# "15:00" as customers type it in each language.
AT_15 = {"en": "3pm", "uk": "о 15:00", "pl": "o 15", "fr": "15h", "el": "στις 15:00", "ru": "в 15:00"}
FRIDAY_WORD = {
    "en": "friday",
    "uk": "у п'ятницю",
    "pl": "w piątek",
    "fr": "vendredi",
    "el": "την Παρασκευή",
    "ru": "в пятницу",
}
BACK = {"en": "back", "uk": "назад", "pl": "wstecz", "fr": "retour", "el": "πίσω", "ru": "назад"}
ASK_FOR = {
    "en": "english please",
    "uk": "по-українськи",
    "pl": "po polsku",
    "fr": "en français",
    "el": "στα ελληνικά",
    "ru": "по-русски",
}


def customer(lang: str = "en", *, known: bool = True, business: Business | None = None) -> Chatter:
    """A customer whose app gave `lang` (Telegram); `known`: name and phone on file already."""
    who = {"name": "Olha", "phone": "+380501234567", "customer_id": 1} if known else {}
    c = Chatter(business or salon(), NOW, Session(lang=lang, **who))  # type: ignore[arg-type]
    c.send(Command("start", language=lang))
    return c


def on_whatsapp(business: Business | None = None) -> Chatter:
    """A first message on WhatsApp: no language from the platform, the business's default (uk) meanwhile."""
    return Chatter(business or salon(), NOW, Session(lang="uk"))


def held(c: Chatter) -> list[fx.HoldSlot]:
    return [e for e in c.effects if isinstance(e, fx.HoldSlot)]


def t(lang: str, key: str, **values: object) -> str:
    return text(lang, key, **values)


def within_a_chat(c: Chatter) -> None:
    for reply in c.last:
        assert len(reply.options) <= 12, [o.label for o in reply.options]
        assert 0 < len(reply.text) <= WHATSAPP_TEXT_LIMIT and "{" not in reply.text
        assert all(len(o.id.encode()) <= CALLBACK_DATA_LIMIT for o in reply.options)


def with_haircuts() -> Business:
    """The salon with a women's and a men's haircut, "haircut" an alias of the women's (as in config.yaml)."""
    business = salon()
    womens = replace(
        business.service("haircut"),
        name={"en": "Women's haircut", "uk": "Жіноча стрижка"},
        aliases=("haircut", "стрижка"),
    )
    mens = Service("mens", {"en": "Men's haircut", "uk": "Чоловіча стрижка"}, 45, Decimal(550), ("boris",))
    services = (womens, mens, *business.services[1:])
    return replace(business, services=services)


# ---------------------------------------------------------------- a typed time books the day on screen


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_typed_time_books_the_day_on_screen(lang: str) -> None:
    c = customer(lang)
    for answer in ("1", "1"):  # Book a visit, the haircut (a returning customer: anyone)
        c.say(answer)
    c.tap(next(label for label in c.labels() if "27" in label))  # Friday's button
    assert c.session.draft.day == FRIDAY
    c.say(AT_15[lang])
    assert c.session.state == "confirm", c.text()
    assert c.session.draft.start == at(27, 15)
    c.say("1")  # Confirm
    assert held(c)[0].start == at(27, 15)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_typed_time_after_a_typed_day_books_that_day(lang: str) -> None:
    c = customer(lang)
    c.say("1")
    c.say("1")
    c.say(FRIDAY_WORD[lang])
    assert c.session.state == "time" and c.session.draft.day == FRIDAY
    c.say(AT_15[lang])
    assert c.session.draft.start == at(27, 15), c.text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_typed_time_moves_to_the_day_on_screen(lang: str) -> None:
    c = customer(lang)
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.send(Command("my"))
    c.say("1")  # the booking
    c.say("1")  # Reschedule
    assert c.session.state == "move_day"
    c.tap(next(label for label in c.labels() if "27" in label))
    c.say(AT_15[lang])
    assert c.session.state == "move_confirm" and c.session.draft.start == at(27, 15), c.text()
    c.say("1")
    assert fx.MoveBooking(1, at(27, 15), "anna") in c.effects


def test_a_typed_time_at_the_summary_is_on_the_summarys_day() -> None:
    c = customer()
    c.say("haircut on friday at 11")
    assert c.session.state == "confirm"
    c.say("at 16:00")
    assert c.session.state == "confirm" and c.session.draft.start == at(27, 16)


def test_a_typed_time_among_the_nearest_times_is_on_their_day() -> None:
    c = customer()
    c.say("haircut on friday at 15")
    c.refuse = "taken"
    c.say("1")  # Confirm: lost to someone else
    c.refuse = None
    c.say("16:00")
    assert c.session.draft.start == at(27, 16), c.text()


_TYPED = {
    "en": "{h}:{m:02d}",
    "uk": "о {h}:{m:02d}",
    "pl": "o {h}:{m:02d}",
    "fr": "{h}h{m:02d}",
    "el": "στις {h}:{m:02d}",
    "ru": "в {h}:{m:02d}",
}


@settings(max_examples=60, deadline=None)
@given(
    lang=st.sampled_from(LANGUAGES),
    pick=st.integers(min_value=0, max_value=6),
    quarter=st.integers(min_value=8 * 4, max_value=21 * 4 - 1),
)
def test_any_day_picked_then_any_time_typed_is_on_that_day(lang: str, pick: int, quarter: int) -> None:
    c = customer(lang)
    c.say("1")
    c.say("1")
    c.say(str(pick + 1))  # one of the seven days offered
    day = c.session.draft.day
    assert day is not None and c.session.state == "time"
    c.say(_TYPED[lang].format(h=quarter // 4, m=quarter % 4 * 15))
    draft = c.session.draft
    if draft.start is not None:  # free: the summary, on that day
        assert c.session.state == "confirm" and draft.start.astimezone(KYIV).date() == day
        assert draft.start.astimezone(KYIV).time() == time(quarter // 4, quarter % 4 * 15)
    else:  # not free: the nearest times, with that day still on screen
        assert c.session.state == "time" and draft.day == day, c.text()


# ---------------------------------------------------------------- what was said is kept


def test_a_day_and_time_in_a_reschedule_request_are_used() -> None:
    c = customer()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("move my booking to Friday at 3")
    assert c.session.state == "move_confirm", c.text()
    assert c.session.draft.start == at(27, 15)
    assert "to Fri 27 Nov at 15:00" in c.text()


def test_a_time_alone_in_a_reschedule_request_is_on_the_bookings_day() -> None:
    c = customer()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("можна перенести на 16:00?")
    assert c.session.state == "move_confirm" and c.session.draft.start == at(26, 16), c.text()


def test_a_day_and_time_in_a_reschedule_request_wait_for_the_booking_chosen() -> None:
    c = customer()
    c.bookings += [
        booking(c.business, "haircut", "anna", at(26, 11)),
        replace(booking(c.business, "manicure", "anna", at(25, 10)), id=2),
    ]
    c.say("reschedule to friday after 5")
    assert c.session.state == "bookings"
    c.tap("Haircut")
    c.tap("Reschedule")
    assert c.session.state == "move_time" and c.session.draft.day == FRIDAY
    assert c.labels()[0] == "17:00" and "Fri 27 Nov, after 17:00" in c.text()


@pytest.mark.parametrize(
    ("lang", "words", "service"),
    [
        ("pl", "jutro o 15", "Манікюр"),  # no service named (the salon names it in uk and en)
        ("en", "tomorrow at 3", "Manicure"),
        ("uk", "завтра о 15", "Манікюр"),
    ],
)
def test_a_day_and_time_said_with_an_unknown_service_are_kept(lang: str, words: str, service: str) -> None:
    c = customer(lang)
    c.say(words)
    assert c.session.state == "service"
    assert c.session.draft.day == date(2026, 11, 24) and c.session.draft.at == time(15)
    c.tap(service)
    assert c.session.state == "confirm" and c.session.draft.start == at(24, 15), c.text()


def test_polish_manikur_is_a_manicure() -> None:
    c = customer("pl")
    c.say("manikur jutro o 15")
    assert c.session.draft.service == "manicure" and c.session.draft.start == at(24, 15), c.text()


def test_the_wish_survives_a_stored_session() -> None:
    c = customer("pl")
    c.say("jutro o 15")
    assert loads(dumps(c.session)) == c.session


# ---------------------------------------------------------------- several services, what was understood


def test_a_word_that_fits_several_services_asks_which() -> None:
    c = customer(business=with_haircuts())
    c.say("haircut tomorrow after 5")
    assert c.session.state == "service"
    assert [label.split(" · ")[0] for label in c.labels()] == ["Women's haircut", "Men's haircut"]
    assert "Got it: Tue 24 Nov, after 17:00." in c.text() and "Which one" in c.text()
    c.tap("Women's haircut")
    assert c.session.state == "time"
    assert c.last[-1].text == "Women's haircut, Tue 24 Nov, after 17:00 — the free times:"
    assert c.labels()[0] == "17:00"


def test_a_word_that_fits_several_services_with_another_word_is_that_one() -> None:
    c = customer(business=with_haircuts())
    c.say("haircut for men tomorrow")
    assert c.session.draft.service == "mens" and c.session.state == "time"
    assert c.last[-1].text.startswith("Men's haircut, Tue 24 Nov — ")


def test_the_first_answer_after_free_text_says_what_was_understood() -> None:
    c = customer()
    c.say("haircut tomorrow after 5")
    assert c.last[-1].text == "Haircut, Tue 24 Nov, after 17:00 — the free times:"
    new = customer(known=False)
    new.say("haircut tomorrow at 11")
    assert new.session.state == "name"
    assert new.text().startswith("Got it: Haircut, Tue 24 Nov at 11:00.")


# ---------------------------------------------------------------- nothing free: say why, offer the nearest


def test_a_lost_race_offers_the_nearest_times_that_day_and_the_next_days() -> None:
    c = customer()
    c.say("haircut tomorrow at 15:00")
    c.refuse = "taken"
    c.say("1")  # Confirm: the store says someone was faster
    assert "just taken" in c.text() and "no free times" not in c.text()
    assert c.session.state == "time"
    days = {label.rsplit(" ", 1)[0] for label in c.labels()[:-1]}
    assert "Tue 24 Nov" in days and len(days) > 1, c.labels()
    within_a_chat(c)


def test_a_full_evening_says_so_and_offers_the_nearest_keeping_the_wish() -> None:
    c = customer()
    for start in range(17 * 60, 20 * 60, 15):
        for who in ("anna", "boris"):
            c.occupy(who, "haircut", at(24, start // 60, start % 60))
    c.say("haircut tomorrow after 5")
    assert "Tue 24 Nov, after 17:00: no free times." in c.text()
    times = c.labels()[:-1]
    assert any(label.startswith("Tue 24 Nov 1") for label in times), times  # the nearest that day
    later = [label for label in times if not label.startswith("Tue 24 Nov")]
    assert later and all(label[-5:] >= "17:00" for label in later), times  # after 5 on the next days
    assert (c.session.draft.earliest, c.session.draft.day) == (time(17), date(2026, 11, 24))


def test_next_week_starts_next_week() -> None:
    c = customer()
    c.say("haircut next week")
    assert c.session.state == "day" and c.labels()[0] == "Mon 30 Nov", c.labels()


@pytest.mark.parametrize(
    ("words", "state"), [("haircut on 25.12", "day"), ("haircut on 25.12 at 15", "time")]
)
def test_a_closure_gives_its_reason(words: str, state: str) -> None:
    business = salon()
    c = customer(business=replace(business, rules=replace(business.rules, max_advance_days=60)))
    c.say(words)
    assert "We are closed Fri 25 Dec for Christmas." in c.text() and c.session.state == state


def test_a_day_beyond_the_booking_window_is_said_not_apologised_for() -> None:
    c = customer()
    c.say("haircut on 20.03 at 11")
    assert t("en", "hold_too_far") in c.text() and c.session.state == "day"


# ---------------------------------------------------------------- the customer's language


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "haircut tomorrow after 5"),
        ("uk", "стрижка завтра після 17"),
        ("pl", "strzyżenie jutro po 17"),
        ("fr", "coupe demain après 17h"),
        ("el", "κούρεμα αύριο μετά τις 5"),
        ("ru", "стрижка завтра после 17 пожалуйста, спасибо, вечером"),
    ],
)
def test_the_language_is_taken_from_what_the_customer_writes(lang: str, words: str) -> None:
    c = on_whatsapp()
    c.say(words)
    assert c.session.lang == lang, c.text()
    c.say("1")  # the first time: a number says nothing of the language, which stays
    assert c.session.lang == lang and c.session.lang_by == "text"
    assert loads(dumps(c.session)).lang == lang


def test_a_name_says_nothing_of_the_language() -> None:
    c = on_whatsapp()
    c.say("haircut tomorrow at 11")
    c.say("Zoë Łukasiewicz")
    assert c.session.lang == "en" and c.session.name == "Zoë Łukasiewicz"


def test_the_apps_language_is_not_changed_by_what_is_written() -> None:
    c = customer("en", known=False)
    c.say("Привіт")
    assert c.session.lang == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_language_asked_for_by_name_switches(lang: str) -> None:
    other = "pl" if lang == "en" else "en"
    c = customer(other)
    c.say("1")  # Book a visit: the service question
    c.say(ASK_FOR[lang])
    assert c.session.lang == lang and c.session.lang_by == "customer"
    assert t(lang, "language_set") in c.text() and t(lang, "ask_service") in c.text()
    assert c.session.state == "service"
    c.say("haircut tomorrow")  # written in English: the language asked for stays
    assert c.session.lang == lang


def test_language_without_a_name_offers_the_list() -> None:
    c = customer()
    c.say("change language")
    assert c.session.state == "language" and "Polski" in c.labels()


# ---------------------------------------------------------------- a day's times fit a chat


def test_a_days_times_fit_a_chat() -> None:
    c = customer()
    c.say("1")
    c.say("1")
    c.tap("Tue 24 Nov")
    seen: list[str] = []
    for _ in range(10):
        within_a_chat(c)
        seen += [label for label in c.labels() if label[:1].isdigit()]
        if "Later times" not in c.labels():
            break
        c.tap("Later times")
    assert seen == sorted(set(seen)) and len(seen) > 24  # every free time, a page at a time, none twice
    assert "Earlier times" in c.labels()
    c.tap("Earlier times")
    assert c.labels()[0] == seen[0]


def test_a_time_on_a_later_page_is_booked() -> None:
    c = customer()
    c.say("1")
    c.say("1")
    c.tap("Tue 24 Nov")
    c.tap("Later times")
    label = c.labels()[0]
    c.tap(label)
    assert c.session.draft.start == datetime.combine(date(2026, 11, 24), time.fromisoformat(label), KYIV)


# ---------------------------------------------------------------- switching, back, a specialist by name


def test_switching_service_mid_booking_offers_the_new_services_times() -> None:
    c = customer()
    c.say("colouring")  # Anna alone does it
    assert c.session.draft.specialist == "anna"
    c.say("yoga class")  # Boris alone teaches it
    assert "no free times" not in c.text()
    assert c.session.draft.specialist == "boris" and c.session.state == "day", c.text()


def test_switching_service_keeps_the_day() -> None:
    c = customer()
    c.say("colouring on friday")
    c.say("manicure")
    assert c.session.state == "time" and c.session.draft.day == FRIDAY, c.text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_back_goes_one_question_back(lang: str) -> None:
    c = customer(lang, known=False)
    c.say("1")
    c.say("1")  # the haircut: who?
    assert c.session.state == "specialist"
    c.say("2")  # Anna
    c.say("2")  # the second day
    c.say("1")  # the first time
    assert c.session.state == "name"
    for expected in ("time", "day", "specialist", "service", "start"):
        c.say(BACK[lang])
        assert c.session.state == expected, (lang, c.text())
    assert held(c) == []


def test_back_from_the_summary_and_in_a_move() -> None:
    c = customer()
    c.say("haircut friday at 11")
    c.say("back")
    assert c.session.state == "time" and c.session.draft.day == FRIDAY
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("reschedule")
    c.tap(next(label for label in c.labels() if "27" in label))
    c.say("назад")
    assert c.session.state == "move_day"
    c.say("назад")
    assert c.session.state == "booking"


def test_a_specialists_name_chooses_them() -> None:
    c = customer()
    c.say("1")
    c.say("1")  # the haircut: anyone, for a returning customer
    c.say("to Boris")
    assert c.session.draft.specialist == "boris" and "Boris" in c.text()
    c.tap("Tue 24 Nov")
    assert c.labels()[0] == "10:00"  # Boris begins at 10
    other = customer("uk")
    other.say("стрижка до Анни завтра")
    assert other.session.draft.specialist == "anna" and other.labels()[0] == "09:00"


# ---------------------------------------------------------------- smaller


def test_a_typed_number_at_the_name_question_is_a_name_attempt() -> None:
    c = customer(known=False)
    c.say("1")
    c.say("1")
    c.say("1")  # anyone
    c.say("1")  # today... or the first day
    c.say("1")  # the first time
    chosen = c.session.draft.start
    assert c.session.state == "name"
    c.say("3")
    assert c.session.state == "name" and c.session.draft.start == chosen
    assert t("en", "bad_name") in c.text()


def test_the_cancellation_message_says_cancelled_once() -> None:
    c = customer()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("cancel")
    c.say("yes")
    assert c.text().count("ancelled") == 1, c.text()


def test_a_session_stored_before_issue_11_still_loads() -> None:
    stored = '{"state":"time","lang":"uk","draft":{"service":"haircut","day":"2026-11-27"},"seq":3}'
    session = loads(stored)
    assert session.lang_by == "" and session.draft.at is None and session.draft.from_day is None
    assert session.draft.day == FRIDAY and loads(dumps(session)) == session


def test_every_new_sentence_is_in_every_language() -> None:
    for lang in LANGUAGES:
        c = customer(lang, business=with_haircuts())
        c.say("haircut tomorrow after 5")
        within_a_chat(c)
        assert t(lang, "ask_which_service") in c.text()
        c.say("1")
        within_a_chat(c)
        assert t(lang, "times_for", what="")[2:] in c.text()


def test_today_is_not_assumed_for_a_time_typed_late_in_the_day() -> None:
    c = customer()
    c.now = NOW + timedelta(hours=9)  # 19:00
    c.say("haircut at 11")
    assert c.session.draft.start == at(24, 11), c.text()


def test_a_move_lost_in_a_race_offers_the_nearest_times() -> None:
    c = customer()
    c.bookings.append(booking(c.business, "haircut", "anna", at(26, 11)))
    c.say("move my booking to Friday at 3")
    c.refuse = "taken"
    c.say("yes")
    assert "just taken" in c.text() and c.session.state == "move_time"
    assert "Fri 27 Nov 14:45" in c.labels() or "Fri 27 Nov 15:15" in c.labels(), c.labels()
    c.refuse = None
    c.say("16:00")
    assert c.session.state == "move_confirm" and c.session.draft.start == at(27, 16)
