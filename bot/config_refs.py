"""Values that are read in the light of the rest of config.yaml: references to staff, rooms and services,
phone numbers (read in business.phone_region) and names (plain text is the default language's).

What they refer to is read from the file before it is checked (`Known`, passed as pydantic's context).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo

from bot.config_section import Mistakes, known, mistake, shown
from bot.config_values import each, language, text
from conversations import phones


def names(raw: Any, info: ValidationInfo) -> dict[str, str]:
    """A name in several languages, {uk: Стрижка, en: Haircut}; plain text is the default language's."""
    if not isinstance(raw, dict):
        return {known(info.context).language: text(raw)}
    mistakes = Mistakes()
    found = {lang: mistakes.take((str(lang),), _name_in(lang), value) for lang, value in raw.items()}
    mistakes.check()
    return {str(lang): name for lang, name in found.items() if name}


def _name_in(lang: Any) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        language(lang)
        return text(value)

    return check


REGION_EXAMPLES = ("UA", "PL", "FR", "GR", "DE", "GB", "US")
# Codes people write for a country that are not its ISO 3166 code (some are language codes).
_LOOK_ALIKES = {"UK": "GB (United Kingdom) or UA (Ukraine)", "EN": "GB or US", "EL": "GR", "UKR": "UA"}


def phone_region(raw: Any) -> str:
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if phones.is_region(code):
        return code
    close = difflib.get_close_matches(code, REGION_EXAMPLES, n=1)
    meant = _LOOK_ALIKES.get(code) or (close[0] if close else "")
    hint = f" (did you mean {meant}?)" if meant else ""
    examples = ", ".join(REGION_EXAMPLES)
    raise mistake(f"{shown(raw)} is not a country code{hint}; use an ISO 3166 code such as {examples}")


def phone(raw: Any, info: ValidationInfo) -> str:
    """A phone number as E.164; without "+country" it is read in business.phone_region."""
    region = known(info.context).region
    # YAML reads an unquoted +380501234567 as a number and drops the plus.
    written = f"+{raw}" if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else raw
    number = phones.normalise(written, region) if isinstance(written, str) else None
    if number is None:
        sample = phones.example(region or "UA")
        raise mistake(f"{shown(raw)} is not a valid phone number; write it like {sample}")
    return number


def phone_list(raw: Any, info: ValidationInfo) -> frozenset[str]:
    return frozenset(each(lambda item: phone(item, info), raw))


def one_of(kind: str, listed: Callable[[ValidationInfo], tuple[str, ...]]) -> Callable[..., str]:
    """A reference to something defined elsewhere in the file: a specialist, a room, a service."""

    def check(raw: Any, info: ValidationInfo) -> str:
        choices = listed(info)
        if raw not in choices:
            raise mistake(f"unknown {kind} {shown(raw)} (known: {', '.join(choices) or 'none'})")
        return str(raw)

    return check


def some_of(kind: str, listed: Callable[[ValidationInfo], tuple[str, ...]]) -> Callable[..., tuple[str, ...]]:
    """One reference or a list of them, none twice."""
    single = one_of(kind, listed)

    def check(raw: Any, info: ValidationInfo) -> tuple[str, ...]:
        found = each(lambda item: single(item, info), raw)
        twice = sorted({item for item in found if found.count(item) > 1})
        if not found:
            raise mistake(f"needs at least one {kind}")
        if twice:
            raise mistake(f"lists {', '.join(map(repr, twice))} twice")
        return tuple(found)

    return check


def staff_ids(info: ValidationInfo) -> tuple[str, ...]:
    return known(info.context).staff


def room_ids(info: ValidationInfo) -> tuple[str, ...]:
    return known(info.context).rooms


def service_ids(info: ValidationInfo) -> tuple[str, ...]:
    return known(info.context).services


Names = Annotated[dict[str, str], PlainValidator(names)]
PhoneRegion = Annotated[str, PlainValidator(phone_region)]
Phone = Annotated[str, PlainValidator(phone)]
Phones = Annotated[frozenset[str], PlainValidator(phone_list)]
Room = Annotated[str, PlainValidator(one_of("room", room_ids))]
Specialists = Annotated[tuple[str, ...], PlainValidator(some_of("specialist", staff_ids))]
