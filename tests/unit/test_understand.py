"""conversations.understand: free text -> intent, service, time wish; the phrase table is understand_cases."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pytest

from conversations import lexicon
from conversations.understand import (
    INTENTS,
    TimeWish,
    Understanding,
    detect_language,
    fold,
    match_service,
    nearest_day,
    parse_when,
    understand,
)
from tests.unit.understand_cases import CASES, NOW, SERVICES, Case


@pytest.mark.parametrize("case", CASES, ids=[f"{case.lang}:{case.text or '<empty>'}" for case in CASES])
def test_phrase(case: Case) -> None:
    got = understand(case.text, lang=case.lang, now=NOW, services=SERVICES, day_first=case.day_first)
    assert (got.intent, got.service, got.when) == (case.intent, case.service, case.when)


def test_table_covers_every_language() -> None:
    counts = Counter(case.lang for case in CASES)
    assert len(CASES) >= 150
    assert all(counts[language] >= 15 for language in lexicon.LANGUAGES), counts


def test_every_intent_is_in_the_table() -> None:
    assert {case.intent for case in CASES} - {None} == set(INTENTS)
    assert set(lexicon.INTENT_PRIORITY) == set(INTENTS) == set(lexicon.INTENTS)


def test_result_types() -> None:
    got = understand("haircut tomorrow at 3", lang="en", now=NOW, services=SERVICES)
    assert got == Understanding("book", "haircut", TimeWish(day=date(2026, 11, 24), at=time(15)), "en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("αύριο στις 5 μμ", "el"),
        ("у п'ятницю о 10:30", "uk"),
        ("сьогодні", "uk"),
        ("отменить", "ru"),
        ("в пятницу вечером", "ru"),
        ("в пятницу", None),
        ("w piątek", "pl"),
        ("jutro o 14", "pl"),
        ("demain à 15h", "fr"),
        ("annuler", "fr"),
        ("tomorrow at 3", "en"),
        ("hiarcut", None),
        ("завтра", None),  # Ukrainian and Russian alike
        ("", None),
    ],
)
def test_language_is_reported_only_when_plain(text: str, language: str | None) -> None:
    assert detect_language(text) == language
    assert understand(text, lang="en", now=NOW).language == language


@pytest.mark.parametrize(
    ("wish", "day"),
    [
        (TimeWish(at=time(9)), date(2026, 11, 24)),  # 9:00 has passed at 10:00: tomorrow
        (TimeWish(at=time(15)), date(2026, 11, 23)),
        (TimeWish(latest=time(12)), date(2026, 11, 23)),
        (TimeWish(earliest=time(17)), date(2026, 11, 23)),
        (TimeWish(day=date(2026, 12, 5), at=time(9)), date(2026, 12, 5)),
        (TimeWish(), None),
    ],
)
def test_nearest_day(wish: TimeWish, day: date | None) -> None:
    assert nearest_day(wish, NOW) == day


def test_time_alone_leaves_the_day_to_the_caller() -> None:
    wish = parse_when("at 9", lang="en", now=NOW)
    assert wish == TimeWish(at=time(9))
    assert nearest_day(wish, NOW) == date(2026, 11, 24)


def test_parse_when_matches_understand() -> None:
    for case in CASES:
        wish = parse_when(case.text, lang=case.lang, now=NOW, day_first=case.day_first)
        got = understand(case.text, lang=case.lang, now=NOW, services=SERVICES, day_first=case.day_first)
        if case.service is None and case.intent in (None, "book"):
            assert wish == got.when, case.text


def test_parse_when_late_in_the_evening_still_rolls_dates() -> None:
    late = NOW.replace(hour=23, minute=30)
    assert parse_when("tomorrow at 9", lang="en", now=late) == TimeWish(day=date(2026, 11, 24), at=time(9))
    assert parse_when("вівторок", lang="uk", now=late) == TimeWish(day=date(2026, 11, 24))


def test_a_weekday_that_is_today_means_next_week() -> None:
    assert parse_when("monday", lang="en", now=NOW) == TimeWish(day=date(2026, 11, 30))
    assert parse_when("в понеділок", lang="uk", now=NOW) == TimeWish(day=date(2026, 11, 30))


def test_last_mentioned_day_wins() -> None:
    wish = parse_when("перенести з понеділка на п'ятницю", lang="uk", now=NOW)
    assert wish == TimeWish(day=date(2026, 11, 27))


def test_dateparser_fallback_fills_what_rules_miss() -> None:
    # The rules count in digits only; dateparser reads number words, and its answer is a plain day.
    assert parse_when("in two days", lang="en", now=NOW) == TimeWish(day=date(2026, 11, 25))
    assert parse_when("three days from now", lang="en", now=NOW) == TimeWish(day=date(2026, 11, 26))
    # "next week" is not a day: the rules read it as the days from next Monday, never dateparser's answer.
    assert parse_when("next week", lang="en", now=NOW) == TimeWish(from_day=date(2026, 11, 30))


def test_without_the_fallback_only_the_rules_read_days(monkeypatch: pytest.MonkeyPatch) -> None:
    # Names and phone numbers are read for intents only: dateparser is never asked about them.
    monkeypatch.setattr("conversations.understand.DateDataParser", None)
    assert understand("in two days", lang="en", now=NOW, fallback=False).when is None
    said = understand("Olha, tomorrow at 5pm", lang="en", now=NOW, fallback=False)
    assert said.when == TimeWish(day=date(2026, 11, 24), at=time(17, 0)) and said.intent == "book"


def test_dateparser_fallback_never_trusts_a_bare_number() -> None:
    for text in ("3", "12", "2026", "at", "5 5"):
        assert parse_when(text, lang="en", now=NOW) is None, text


def test_different_zone_uses_local_date() -> None:
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert parse_when("tomorrow", lang="en", now=now) == TimeWish(day=date(2026, 11, 24))


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("hiarcut", "haircut"),
        ("HAIRCUT", "haircut"),
        ("стрижку", "haircut"),
        ("стрижки", "haircut"),
        ("strzyżenia", "haircut"),
        ("манікур", "manicure"),
        ("маникюром", "manicure"),
        ("manucure", "manicure"),
        ("μανικιουρ", "manicure"),
        ("masażu", "massage"),
        ("массажа", "massage"),
        ("pedicur", "pedicure"),
        ("педікюр", "pedicure"),
        ("hello", None),
        ("cure", None),
        ("", None),
    ],
)
def test_match_service(text: str, service: str | None) -> None:
    assert match_service(text, SERVICES) == service


def test_match_service_prefers_the_fullest_name_and_refuses_ties() -> None:
    from tests.unit.understand_cases import make_service

    services = (
        make_service("cut", "Haircut", "Стрижка", "Strzyżenie", "Coupe", "Κούρεμα", "Стрижка"),
        make_service(
            "kids",
            "Kids haircut",
            "Дитяча стрижка",
            "Strzyżenie dzieci",
            "Coupe enfant",
            "Παιδικό",
            "Детская",
        ),
        make_service("gel", "Gel manicure", "Гель", "Żel", "Gel", "Τζελ", "Гель"),
        make_service("spa", "Spa manicure", "Спа", "Spa", "Spa", "Σπα", "Спа"),
    )
    assert match_service("haircut", services) == "cut"
    assert match_service("kids haircut", services) == "kids"
    assert match_service("дитячу стрижку", services) == "kids"
    assert match_service("manicure", services) is None  # gel or spa: ask
    assert match_service("gel manicure", services) == "gel"


def test_match_service_uses_aliases() -> None:
    from tests.unit.understand_cases import make_service

    services = (
        make_service(
            "brows", "Brows", "Брови", "Brwi", "Sourcils", "Φρύδια", "Брови", aliases=("lamination",)
        ),
    )
    assert match_service("laminaton please", services) == "brows"


def test_fold_keeps_positions() -> None:
    for case in CASES:
        assert len(fold(case.text)) == len(case.text)
    assert fold("П'ЯТНИЦЮ Après-Midi ΑΎΡΙΟ Łódź à") == "п'ятницю apres midi αυριο lodz à"


def test_no_clock_is_read() -> None:
    # The same message at two different "now"s: answers move with the clock passed in, not the real one.
    later = NOW.replace(day=28)
    assert parse_when("tomorrow", lang="en", now=later) == TimeWish(day=date(2026, 11, 29))


def test_morning_afternoon_evening_bounds() -> None:
    bounds = dict(lexicon.PERIOD_BOUNDS)
    assert bounds == {
        "morning": (None, time(12)),
        "afternoon": (time(12), time(17)),
        "evening": (time(17), None),
    }


# ---------------------------------------------------- issue 11: the conversation books what was asked


def _haircuts() -> tuple:
    from tests.unit.understand_cases import make_service

    return (
        make_service(
            "womens",
            "Women's haircut",
            "Жіноча стрижка",
            "Strzyżenie damskie",
            "Coupe femme",
            "Γυναικείο κούρεμα",
            "Женская стрижка",
            aliases=("haircut", "стрижка", "coupe"),
        ),
        make_service(
            "mens",
            "Men's haircut",
            "Чоловіча стрижка",
            "Strzyżenie męskie",
            "Coupe homme",
            "Ανδρικό",
            "Мужская",
        ),
        make_service("beard", "Beard trim", "Стрижка бороди", "Broda", "Barbe", "Γενειάδα", "Борода"),
        make_service("manicure", "Manicure", "Манікюр", "Manicure", "Manucure", "Μανικιούρ", "Маникюр"),
        make_service("gel", "Gel polish manicure", "Гель-лак", "Manicure hybrydowy", "Gel", "Τζελ", "Гель"),
        make_service("back", "Back massage", "Масаж спини", "Masaż pleców", "Dos", "Πλάτη", "Спина"),
        # "haircut" looks like "hair" with an ending: a word of both haircuts' names is nearer.
        make_service(
            "colour", "Hair colouring", "Фарбування", "Koloryzacja", "Coloration", "Βαφή", "Окраска"
        ),
    )


@pytest.mark.parametrize(
    ("text", "service", "choices"),
    [
        ("haircut", None, ("womens", "mens")),  # an alias of one, a word of the other's name: ask
        ("haircut tomorrow after 5", None, ("womens", "mens")),
        ("стрижка", None, ("womens", "mens", "beard")),
        ("coupe", None, ("womens", "mens")),
        ("haircut for men", "mens", ()),
        ("mens haircut", "mens", ()),
        ("women's haircut", "womens", ()),
        ("чоловічу стрижку", "mens", ()),
        ("manicure", "manicure", ()),  # named whole by its own name, "gel polish manicure" only in part
        ("gel manicure", "gel", ()),
        ("back massage", "back", ()),
        ("hair colouring", "colour", ()),
    ],
)
def test_a_word_that_fits_several_services_offers_them(
    text: str, service: str | None, choices: tuple[str, ...]
) -> None:
    got = understand(text, lang="en", now=NOW, services=_haircuts())
    assert (got.service, got.choices, got.intent) == (service, choices, "book")


def test_back_and_a_language_name_inside_a_service_name_are_the_service() -> None:
    services = _haircuts()
    assert understand("back", lang="en", now=NOW, services=services).intent == "back"
    assert understand("back massage", lang="en", now=NOW, services=services).intent == "book"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("english please", "en"),
        ("in English", "en"),
        ("по-українськи", "uk"),
        ("українською будь ласка", "uk"),
        ("po polsku", "pl"),
        ("en français", "fr"),
        ("στα ελληνικά", "el"),
        ("по-русски", "ru"),
        ("change language", None),  # no language named: the caller offers the list
    ],
)
def test_a_language_asked_for_by_name(text: str, language: str | None) -> None:
    said = understand(text, lang="uk", now=NOW)
    assert (said.intent, said.named_language) == ("language", language)


@pytest.mark.parametrize(
    ("text", "specialist"),
    [
        ("to Olena", "olena"),
        ("до Олени", "olena"),
        ("στην Ολένα", "olena"),
        ("Iryna please", "iryna"),
        ("к Ирине", "iryna"),
        ("Андрій", "andriy"),
        ("any time tomorrow", None),
        ("anna", None),  # nobody of that name
    ],
)
def test_a_specialist_named_in_any_script(text: str, specialist: str | None) -> None:
    from storage.business import Schedule, Specialist

    staff = tuple(
        Specialist(sid, name, Schedule())
        for sid, name in (
            ("olena", "Olena Kovalenko"),
            ("iryna", "Iryna Bondar"),
            ("andriy", "Andriy Melnyk"),
        )
    )
    assert understand(text, lang="en", now=NOW, staff=staff).specialist == specialist
