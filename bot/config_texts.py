"""The schema of config.yaml's `texts:` section: the business's own wording of any sentence of the message
catalogues (conversations/texts/), per language and catalogue key: `texts: {uk: {held_pay: "…{amount}…"}}`.

Keys and placeholders are read from the catalogues, never listed here, so a key added to them can be worded
at once. A template may leave out some of its catalogue template's placeholders, never use others: the code
that fills in a sentence passes the catalogue's values, whichever template is chosen.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo

from bot.config_section import Mistakes, blank, known, mistake, shown, unknown_key
from bot.config_values import SUPPORTED_LANGUAGES, language, text
from conversations.texts import catalogue

OwnTexts = dict[str, dict[str, str]]  # language → catalogue key → template


def own_texts(raw: Any, info: ValidationInfo) -> OwnTexts:
    """{uk: {held_pay: "…"}, en: {…}}, each in a language the business speaks (`Known.languages`)."""
    if not isinstance(raw, dict):
        raise mistake(f'must map languages to texts, e.g. uk: {{held_pay: "…"}}; got {shown(raw)}')
    spoken = known(info.context).languages or SUPPORTED_LANGUAGES
    mistakes = Mistakes()
    given = {str(lang): own for lang, own in raw.items()}
    found = {lang: mistakes.take((lang,), _texts_in(lang, spoken), own) for lang, own in given.items()}
    mistakes.check()
    return {lang: own for lang, own in found.items() if own}


def _texts_in(lang: str, spoken: tuple[str, ...]) -> Callable[[Any], dict[str, str]]:
    def check(raw: Any) -> dict[str, str]:
        language(lang)
        if lang not in spoken:
            raise mistake(
                f"'{lang}' is not among the business's languages ({', '.join(spoken)}); "
                "add it to business.languages or leave its texts out"
            )
        if blank(raw):
            return {}
        if not isinstance(raw, dict):
            raise mistake(f'must map catalogue keys to templates, e.g. held_pay: "…"; got {shown(raw)}')
        mistakes = Mistakes()
        worded = {str(key): value for key, value in raw.items() if not blank(value)}
        found = {key: mistakes.take((key,), _template(lang, key), value) for key, value in worded.items()}
        mistakes.check()
        return {key: template for key, template in found.items() if template is not None}

    return check


def _template(lang: str, key: str) -> Callable[[Any], str]:
    """The business's template for `key`: text with at most the placeholders of the catalogue's."""
    module = catalogue(lang)

    def check(raw: Any) -> str:
        if key not in module.TEXTS:
            raise mistake(unknown_key(key, module.TEXTS, expected=f"a key of {_file(module.__name__)}"))
        template = text(raw)
        theirs = placeholders(module.TEXTS[key])
        unknown = _braced(name for name in _placeholders(template) if name not in theirs)
        if unknown:
            raise mistake(f"unknown placeholder {unknown} (this text has {_braced(theirs) or 'none'})")
        _fill(template, theirs)
        return template

    return check


def placeholders(template: str) -> list[str]:
    """The names `template` fills in, in order, each once."""
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    return list(dict.fromkeys(names))


def _placeholders(template: str) -> list[str]:
    try:
        return placeholders(template)
    except ValueError:
        raise mistake(
            "has a '{' or '}' without its pair; write a placeholder as {name} and a brace itself as {{ or }}"
        ) from None


def _fill(template: str, names: list[str]) -> None:
    """A trial run with every placeholder given: what only str.format finds ({amount:.2f} on text)."""
    try:
        template.format(**dict.fromkeys(names, "…"))
    except (ValueError, KeyError, IndexError, AttributeError) as error:
        raise mistake(f"cannot be filled in ({error}); write placeholders as plain {{name}}") from None


def _braced(names: Iterable[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in names)


def _file(module: str) -> str:
    return module.replace(".", "/") + ".py"


Texts = Annotated[OwnTexts, PlainValidator(own_texts)]
