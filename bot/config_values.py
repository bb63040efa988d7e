"""The kinds of value config.yaml holds (text, ids, numbers, money, languages, dates…) as pydantic types.

Each is checked by one function that returns the value or raises a `mistake` in words a salon owner reads.
Times of day and weekdays are in bot/config_times.py; values read in the light of the rest of the file
(references, phone numbers, names) in bot/config_refs.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import PlainValidator, SecretStr

from bot.config_section import Mistakes, mistake, shown
from conversations.texts import LANGUAGES

SUPPORTED_LANGUAGES = LANGUAGES  # the languages Slotbot has texts for
T = TypeVar("T")


def each(check: Callable[[Any], T], raw: Any) -> list[T]:
    """`check` applied to a single value or to every item of a list, every failure reported at its place."""
    items = list(enumerate(raw)) if isinstance(raw, list | tuple) else [(None, raw)]
    mistakes = Mistakes()
    found = [mistakes.take(() if i is None else (i,), check, item) for i, item in items]
    mistakes.check()
    return [value for value in found if value is not None]


def text(raw: Any) -> str:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, str):
        raise mistake("is empty")
    raise mistake(f"must be text, got {shown(raw)} (put it in quotes)")


def texts(raw: Any) -> tuple[str, ...]:
    return tuple(each(text, raw))


def identifier(raw: Any) -> str:
    if isinstance(raw, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", raw):
        return raw
    raise mistake(f"must be a short id of lowercase latin letters, digits, '-' or '_', got {shown(raw)}")


def whole(unit: str = "", least: int = 0) -> PlainValidator:
    return PlainValidator(whole_number(unit, least))


def whole_number(unit: str = "", least: int = 0) -> Callable[[Any], int]:
    """A whole number of `unit`, `least` or more; digits in text count (a ${VARIABLE} is text)."""
    kind = "a positive whole number" if least == 1 else "a whole number"
    rest = (f" of {unit}" if unit else "") + (f", {least} or more" if least != 1 else "")

    def check(raw: Any) -> int:
        number = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d+\s*", raw):
            number = int(raw)
        if number is None or number < least:
            raise mistake(f"must be {kind}{rest}, got {shown(raw)}")
        return number

    return check


def amount(raw: Any) -> Decimal:
    """Money: 800, 850.5 or "850.50"; never negative, at most two decimals."""
    value = _decimal(raw)
    exponent = value.as_tuple().exponent if value is not None else "n"
    if value is None or not isinstance(exponent, int) or exponent < -2 or value < 0:
        raise mistake(f"must be an amount of money such as 800 or 850.50, got {shown(raw)}")
    return value


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def percent(raw: Any) -> Decimal:
    value = _decimal(raw)
    if value is None or not 0 < value <= 100:
        raise mistake(f"must be a percentage of the price, above 0 and up to 100, e.g. 20; got {shown(raw)}")
    return value


def flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = raw.strip().lower() if isinstance(raw, str) else None
    if word not in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        raise mistake(f"must be true or false, got {shown(raw)}")
    return word in ("true", "yes", "on", "1")


def url(raw: Any) -> str:
    value = text(raw)
    if not re.match(r"https?://[^\s/]+", value):
        raise mistake(f"must be a web address starting with https://, got {shown(raw)}")
    return value


def secret(pattern: str, rule: str) -> PlainValidator:
    """A secret matching `pattern`; a mistake says `rule` and never repeats the value."""

    def check(raw: Any) -> SecretStr:
        value = raw.get_secret_value() if isinstance(raw, SecretStr) else raw
        if not isinstance(value, str) or not re.fullmatch(pattern, value.strip()):
            raise mistake(rule)
        return SecretStr(value.strip())

    return PlainValidator(check)


def language(raw: Any) -> str:
    if raw not in SUPPORTED_LANGUAGES:
        raise mistake(f"language {shown(raw)} is not supported (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    return str(raw)


def languages(raw: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(each(language, raw)))


def day(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise mistake(f"{shown(raw)} is not a valid date; write it as YYYY-MM-DD, e.g. 2026-12-25")


def timezone(raw: Any) -> str:
    name = text(raw)
    if zone_exists(name):
        return name
    close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else "; use a name such as Europe/Kyiv"
    raise mistake(f"unknown time zone {name!r}{hint}")


def zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def currency(raw: Any) -> str:
    if isinstance(raw, str) and re.fullmatch(r"[A-Z]{3}", raw.strip()):
        return raw.strip()
    raise mistake(f"must be a three-letter currency code such as UAH or EUR, got {shown(raw)}")


def telegram_chat(raw: Any) -> str:
    """A Telegram chat id: a whole number (negative for groups)."""
    value = str(raw).strip()
    if isinstance(raw, bool) or not re.fullmatch(r"-?\d{1,20}", value):
        raise mistake(f"must be a Telegram chat id (a whole number), got {shown(raw)}")
    return value


Text = Annotated[str, PlainValidator(text)]
Texts = Annotated[tuple[str, ...], PlainValidator(texts)]
Identifier = Annotated[str, PlainValidator(identifier)]
Money = Annotated[Decimal, PlainValidator(amount)]
Percent = Annotated[Decimal, PlainValidator(percent)]
Flag = Annotated[bool, PlainValidator(flag)]
Url = Annotated[str, PlainValidator(url)]
Language = Annotated[str, PlainValidator(language)]
Languages = Annotated[tuple[str, ...], PlainValidator(languages)]
Day = Annotated[date, PlainValidator(day)]
TimeZone = Annotated[str, PlainValidator(timezone)]
Currency = Annotated[str, PlainValidator(currency)]
TelegramChat = Annotated[str, PlainValidator(telegram_chat)]
