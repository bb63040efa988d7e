"""The message catalogues: every language says everything English says, with the same placeholders."""

from __future__ import annotations

import string
from types import ModuleType

import pytest

from conversations.texts import LANGUAGES, catalogue

OTHERS = [lang for lang in LANGUAGES if lang != "en"]
ENGLISH = catalogue("en")


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def texts(lang: str) -> dict[str, str]:
    module: ModuleType = catalogue(lang)
    assert module.__name__ == f"conversations.texts.{lang}", (
        f"{lang}: catalogue falls back to {module.__name__}"
    )
    return module.TEXTS


@pytest.mark.parametrize("lang", OTHERS)
def test_same_keys_as_english(lang: str) -> None:
    mine, english = set(texts(lang)), set(ENGLISH.TEXTS)
    missing, extra = sorted(english - mine), sorted(mine - english)
    assert not (missing or extra), f"{lang}: missing keys {missing}, extra keys {extra}"


@pytest.mark.parametrize("lang", OTHERS)
def test_same_placeholders_as_english(lang: str) -> None:
    problems = []
    for key, template in texts(lang).items():
        if key not in ENGLISH.TEXTS:
            continue
        try:
            mine = placeholders(template)
        except ValueError as error:
            problems.append(f"{lang}.{key}: malformed template ({error})")
            continue
        english = placeholders(ENGLISH.TEXTS[key])
        if mine != english:
            problems.append(f"{lang}.{key}: missing {sorted(english - mine)}, extra {sorted(mine - english)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_calendar_words(lang: str) -> None:
    module = catalogue(lang)
    assert len(module.WEEKDAYS) == 7, f"{lang}: {len(module.WEEKDAYS)} weekdays"
    assert len(module.MONTHS) == 12, f"{lang}: {len(module.MONTHS)} months"
    for word in (*module.WEEKDAYS, *module.MONTHS):
        assert isinstance(word, str) and word.strip(), f"{lang}: empty weekday or month name {word!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_date_format(lang: str) -> None:
    module = catalogue(lang)
    assert placeholders(module.DATE_FORMAT) == {"weekday", "day", "month"}, f"{lang}: {module.DATE_FORMAT!r}"
    shown = module.DATE_FORMAT.format(weekday=module.WEEKDAYS[1], day=24, month=module.MONTHS[10])
    assert "24" in shown and module.MONTHS[10] in shown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_formats(lang: str) -> None:
    problems = []
    for key, template in texts(lang).items():
        if not isinstance(template, str) or not template.strip():
            problems.append(f"{lang}.{key}: empty template")
            continue
        try:
            template.format(**{name: "1" for name in placeholders(template)})
        except (KeyError, IndexError, ValueError, AttributeError) as error:
            problems.append(f"{lang}.{key}: {error!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", OTHERS)
def test_nothing_left_untranslated(lang: str) -> None:
    copies = [
        key
        for key, template in texts(lang).items()
        if len(ENGLISH.TEXTS.get(key, "")) > 12 and template == ENGLISH.TEXTS[key]
    ]
    assert not copies, f"{lang}: English text left in {copies}"
