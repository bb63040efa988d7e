"""The business's own wording (config.yaml's `texts:`): checked on load against the catalogues, carried by
the Business, and read by the customer in the conversation and by staff in their notifications, in its own
language only."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, settings_from_data
from bot.config_parse import Problems, read_yaml
from bot.notify import staff_messages
from conversations import events as ev
from conversations.events import Command
from conversations.session import Session
from conversations.texts import LANGUAGES, catalogue, text
from conversations.turn import Turn
from conversations.view import View
from storage.business import Business, Contact
from tests.sample import NOW, at, salon
from tests.unit.chatter import Chatter, booking

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"


def config(texts: Any, **business: Any) -> dict[str, Any]:
    """The shipped config.yaml with `texts` as its `texts:` section and `business` keys changed."""
    data = read_yaml(SHIPPED, Problems())
    assert isinstance(data, dict)
    data = copy.deepcopy(data)
    data["texts"] = texts
    data["business"].update(business)
    return data


def loaded(data: dict[str, Any]) -> Business:
    return settings_from_data(data, SHIPPED, {}).business


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        loaded(data)
    return raised.value.problems


# ---- config.yaml ----------------------------------------------------------------------------------------


def test_without_the_section_every_text_is_the_catalogues() -> None:
    assert loaded(config(None)).texts == {}
    data = config({})
    del data["texts"]
    assert loaded(data).texts == {}
    assert loaded(config({"uk": None, "en": {"menu": None, "help": " "}})).texts == {}


def test_the_commented_example_in_config_yaml_loads() -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    start = lines.index("# texts:")
    block = [lines[start]] + [line for line in lines[start + 1 :] if line.startswith("#  ")]
    example = yaml.safe_load("\n".join(line.removeprefix("# ") for line in block))["texts"]
    assert set(example) == {"uk", "en"}
    assert loaded(config(example)).texts == example


def test_the_business_carries_its_texts_unchangeable() -> None:
    given = {"uk": {"held_pay": "Оплатіть {amount} до кінця броні."}, "en": {"menu": "Hi!"}}
    texts = loaded(config(copy.deepcopy(given))).texts
    assert texts == given
    with pytest.raises(TypeError):
        texts["en"]["menu"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        texts["pl"] = {}  # type: ignore[index]


def test_a_business_built_in_code_freezes_its_texts_too() -> None:
    given = {"en": {"menu": "Hi!"}}
    business = replace(salon(), texts=given)
    given["en"]["menu"] = "changed"
    assert business.texts["en"]["menu"] == "Hi!"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_key_may_be_worded_anew(lang: str) -> None:
    """Keys come from the catalogues, so any key added to them is accepted as it is."""
    own = {key: template + " ✂" for key, template in catalogue(lang).TEXTS.items()}
    assert loaded(config({lang: own}, languages=list(LANGUAGES))).texts[lang] == own


def test_a_template_may_leave_placeholders_out() -> None:
    texts = loaded(config({"en": {"held_pay": "Please pay within the hour; the link follows."}})).texts
    assert texts["en"]["held_pay"] == "Please pay within the hour; the link follows."


def test_staff_texts_may_be_in_the_staff_language_that_customers_are_not_offered() -> None:
    data = config({"ru": {"staff_confirmed": "Новая запись: {customer}, {when}."}}, languages=["uk", "en"])
    data["notifications"]["language"] = "ru"
    assert loaded(data).texts == {"ru": {"staff_confirmed": "Новая запись: {customer}, {when}."}}


MISTAKES = [
    ({"de": {"menu": "Hallo"}}, "texts.de: language 'de' is not supported (supported: en, uk, pl, fr"),
    (
        {"uk": {"held_pey": "Оплатіть {amount}"}},
        "texts.uk.held_pey: unknown key (did you mean 'held_pay'?)",
    ),
    (
        {"en": {"greeting": "Hi"}},
        "texts.en.greeting: unknown key (expected: a key of conversations/texts/en.py)",
    ),
    (
        {"uk": {"held_pay": "Оплатіть {amount} до {discount}"}},
        "texts.uk.held_pay: unknown placeholder {discount} (this text has {name}, {service}, {specialist}, "
        "{when}, {amount}, {deadline}, {minutes}, {code})",
    ),
    ({"en": {"menu": "Hello {name}!"}}, "texts.en.menu: unknown placeholder {name} (this text has none)"),
    (
        {"en": {"booked": "Booked: {}"}},
        "texts.en.booked: unknown placeholder {} (this text has {service}, {specialist}, {when}, {code})",
    ),
    (
        {"en": {"held_pay": "Pay {amount within {minutes} minutes"}},
        "texts.en.held_pay: has a '{' or '}' without its pair; write a placeholder as {name} and a brace "
        "itself as {{ or }}",
    ),
    ({"en": {"held_pay": "Pay {amount} } now"}}, "texts.en.held_pay: has a '{' or '}' without its pair"),
    ({"en": {"held_pay": "Pay {amount:.2f}"}}, "texts.en.held_pay: cannot be filled in (Unknown format code"),
    ({"en": {"menu": 5}}, "texts.en.menu: must be text, got 5 (put it in quotes)"),
    ({"en": {"menu": {"name": None}}}, "texts.en.menu: must be text, got a mapping (put it in quotes)"),
    ({"en": "Hello"}, "texts.en: must map catalogue keys to templates, e.g. held_pay: \"…\"; got 'Hello'"),
    (["uk"], 'texts: must map languages to texts, e.g. uk: {held_pay: "…"}; got a list'),
]


@pytest.mark.parametrize(
    ("texts", "expected"), MISTAKES, ids=[m[1].split(":")[0] + f"#{i}" for i, m in enumerate(MISTAKES)]
)
def test_a_mistake_is_reported_at_its_key(texts: Any, expected: str) -> None:
    found = problems(config(texts))
    assert any(line.startswith(expected) for line in found), "\n".join(found)


def test_a_language_the_business_does_not_offer_is_reported() -> None:
    assert problems(config({"pl": {"menu": "Cześć"}}, languages=["uk", "en"])) == [
        "texts.pl: 'pl' is not among the business's languages (uk, en); "
        "add it to business.languages or leave its texts out"
    ]


def test_every_mistake_in_the_section_is_reported_at_once_beside_the_files_others() -> None:
    data = config({"uk": {"held_pey": "x", "menu": "{x}"}, "en": {"booked": "{"}})
    data["services"][0]["duration"] = -5
    assert [line.split(":")[0] for line in problems(data)] == [
        "services[0].duration",
        "texts.uk.held_pey",
        "texts.uk.menu",
        "texts.en.booked",
    ]


def test_a_broken_languages_list_does_not_make_every_text_a_mistake() -> None:
    found = problems(config({"uk": {"menu": "Привіт!"}}, languages=["uk", "de"]))
    assert found == [
        "business.languages[1]: language 'de' is not supported (supported: en, uk, pl, fr, el, ru)"
    ]


# ---- the one lookup ----------------------------------------------------------------------------------------

OWN = {"en": {"booked": "See you soon! {service}, {when}. Code {code}.", "menu_book": "Make an appointment"}}


def test_text_takes_the_business_template_in_its_language_only() -> None:
    assert text("en", "menu_book", OWN) == "Make an appointment"
    assert text("en", "menu_my", OWN) == catalogue("en").TEXTS["menu_my"]
    assert text("uk", "menu_book", OWN) == catalogue("uk").TEXTS["menu_book"]
    assert text("en", "menu_book") == catalogue("en").TEXTS["menu_book"]


def test_a_placeholder_may_share_a_name_with_the_lookups_own_arguments() -> None:
    own = {"en": {"welcome": "Hi from {business}"}}
    assert text("en", "welcome", own, business="Lavanda") == "Hi from Lavanda"
    assert text("en", "at_time", own, day="today", time="10:00", overrides="ignored") == "today at 10:00"


def test_turn_speaks_in_the_business_words() -> None:
    business = replace(salon(), texts=OWN)
    turn = Turn(Session(lang="en"), NOW, View(business, NOW, NOW.date(), NOW.date(), {}, ()))
    assert turn.t("menu_book") == "Make an appointment"
    assert turn.t("booked", service="Haircut", specialist="Anna", when="today", code="X") == (
        "See you soon! Haircut, today. Code X."
    )


# ---- the conversation --------------------------------------------------------------------------------------


def returning(business: Business, lang: str) -> Chatter:
    session = Session(lang=lang, name="Olha", phone="+380501234567", customer_id=1)
    chatter = Chatter(business, NOW, session)
    chatter.send(Command("start"))
    return chatter


def test_a_customer_books_reading_the_business_words() -> None:
    c = returning(replace(salon(), texts=OWN), "en")
    assert c.labels()[0] == "Make an appointment"
    for label in ("Make an appointment", "Haircut", "Tue 24 Nov", "11:00", "Confirm"):
        c.tap(label)
    assert "See you soon! Haircut, Tue 24 Nov at 11:00. Code ABCD2345." in c.text()
    assert "Booked!" not in c.text()


@pytest.mark.parametrize("lang", ["uk", "pl"])
def test_customers_in_other_languages_keep_the_catalogue(lang: str) -> None:
    words = catalogue(lang).TEXTS
    c = returning(replace(salon(), texts=OWN), lang)
    assert c.labels()[0] == words["menu_book"]
    c.tap(words["menu_book"])
    c.say("1")  # the first service
    c.say("1")  # the first day
    c.say("1")  # the first time
    c.tap(words["confirm"])
    assert words["booked"].split("{")[0] in c.text() and "See you soon" not in c.text()


# ---- staff notifications -----------------------------------------------------------------------------------

STAFF_OWN = {
    "uk": {"staff_confirmed": "Новий запис: {customer}, {service}, {when}.", "at_time": "{day}, {time}"},
    "en": {"staff_confirmed": "New: {customer}", "staff_cancelled": "Gone: {customer}"},
}


def told(business: Business, result: ev.Event) -> list[str]:
    session = Session(lang="en", name="Olha", phone="+380501234567")
    return [message[3]["text"] for message in staff_messages(business, [result], session)]


def test_staff_read_the_business_words_in_their_language() -> None:
    business = replace(salon(), texts=STAFF_OWN, admins=(Contact("telegram", "100"),))
    made = booking(business, "haircut", "anna", at(24, 11))
    assert told(business, ev.Confirmed(made)) == ["Новий запис: Olha, Стрижка, вт, 24 листопада, 11:00."]


def test_staff_keep_the_catalogue_where_only_another_language_has_the_business_words() -> None:
    business = replace(salon(), texts=STAFF_OWN, admins=(Contact("telegram", "100"),))
    [said] = told(business, ev.Cancelled(booking(business, "haircut", "anna", at(24, 11))))
    assert "Gone" not in said
    assert re.match(re.escape(catalogue("uk").TEXTS["staff_cancelled"].split("{")[0]), said)


def test_the_telegram_command_menu_takes_the_business_s_own_words() -> None:
    from bot.channels.telegram import command_menus

    menus = dict(command_menus("uk", {"en": {"command_book": "Book with us"}}))
    assert {c["command"]: c["description"] for c in menus["en"]}["book"] == "Book with us"
    assert {c["command"]: c["description"] for c in menus["uk"]}["book"] != "Book with us"
