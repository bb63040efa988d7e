"""The building blocks of bot/config.py: reading YAML, filling in ${ENV} references, and checked parsers.

Every parser has the shape `parse(raw, path, problems) -> value | None`: it either returns the value or
records what is wrong under the key path (`services[2].staff[1]`) and returns None, so that one pass finds
every mistake in the file instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from storage.business import WEEKDAYS, Contact, DayOverride, TimeRange

SUPPORTED_LANGUAGES = ("en", "uk", "pl", "fr", "el", "ru")

T = TypeVar("T")
D = TypeVar("D")
Parser = Callable[[Any, str, "Problems"], T | None]


class ConfigError(Exception):
    """Everything wrong with a config file, one `key.path: what is wrong` per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.found.append(f"{path or '(top level)'}: {message}")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def shown(value: Any) -> str:
    """A value as a message quotes it."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---- YAML -------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 scalars: only true/false are booleans (`sun: off` stays text), 19:00 is not
    a base-60 number, 09 is not octal, and dates stay text so that bot/config.py can report bad ones.
    It also remembers keys given twice in one mapping, which PyYAML would silently overwrite."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen and key != "<<":
                self.duplicates.append((key_node.start_mark.line + 1, key))
            seen.add(key or "")
        return super().construct_mapping(node, deep)


for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),
    ("float", r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", "-+0123456789."),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("merge", r"<<", "<"),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first))


def read_yaml(path: Path, problems: Problems) -> Any:
    """The parsed file; keys given twice go to `problems`; a missing or unparsable file raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path.name}: file not found ({path})"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{path.name}: cannot be read ({error})"]) from None
    return parse_yaml(text, path.name, problems)


def parse_yaml(text: str, name: str, problems: Problems) -> Any:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConfigError([f"{name}: {_yaml_problem(error)}"]) from None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add(f"{name} line {line}", f"key '{key}' is given twice in the same section; keep one")
    return data


def _yaml_problem(error: yaml.YAMLError) -> str:
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"not valid YAML ({error})"
    mark = error.problem_mark or error.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    context = f" ({error.context})" if error.context else ""
    return f"YAML syntax error{where}: {error.problem}{context}"


# ---- ${ENV} references -------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(value: Any, environ: Mapping[str, str], problems: Problems, path: str = "") -> Any:
    """`value` with every ${NAME} / ${NAME:-default} in its strings replaced from `environ`."""
    if isinstance(value, str):
        return _substitute(value, environ, problems, path)
    if isinstance(value, list):
        return [interpolate(item, environ, problems, index(path, i)) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            key: interpolate(item, environ, problems, join(path, str(key))) for key, item in value.items()
        }
    return value


def _substitute(text: str, environ: Mapping[str, str], problems: Problems, path: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None and default is None:
            problems.add(
                path, f"environment variable {name} is not set (write ${{{name}:-}} if it is optional)"
            )
        return value or (default or "")

    if "${" in _REFERENCE.sub("", text):
        problems.add(path, "malformed reference: write ${NAME} or ${NAME:-default}")
    return _REFERENCE.sub(replace, text)


# ---- mappings and lists ----------------------------------------------------------------------------------


def unknown_key(key: str, allowed: Collection[str]) -> str:
    close = [known for known in allowed if f"_{key}_" in f"_{known}_"]
    close = close or difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {' or '.join(map(repr, close[:2]))}?)"
    return f"unknown key (expected: {', '.join(allowed)})"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Node:
    """One mapping of the config at `path`, its keys checked against `allowed` on creation.

    `valid` is False when the value was not a mapping at all; then the missing-key complaints are skipped.
    A key that is absent, null or blank counts as not given (an unset optional ${ENV} is blank)."""

    def __init__(self, raw: Any, path: str, problems: Problems, allowed: Collection[str]) -> None:
        self.path, self.problems = path, problems
        self.valid = raw is None or isinstance(raw, dict)
        self.raw: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        if not self.valid:
            problems.add(path, f"must be a mapping (key: value lines), got {shown(raw)}")
        for key in self.raw:
            if key not in allowed:
                problems.add(join(path, str(key)), unknown_key(str(key), allowed))

    def at(self, key: str) -> str:
        return join(self.path, key)

    def has(self, key: str) -> bool:
        return not _blank(self.raw.get(key))

    def get(self, key: str, parse: Parser[T], default: D) -> T | D:
        if not self.has(key):
            return default
        value = parse(self.raw[key], self.at(key), self.problems)
        return default if value is None else value

    def need(self, key: str, parse: Parser[T]) -> T | None:
        if not self.has(key):
            if self.valid:
                self.problems.add(self.at(key), "is empty" if key in self.raw else "is missing")
            return None
        return parse(self.raw[key], self.at(key), self.problems)

    def section(self, key: str, allowed: Collection[str]) -> Node:
        return Node(self.raw.get(key), self.at(key), self.problems, allowed)

    def entries(self, key: str) -> list[tuple[str, Any]]:
        """The items of the list under `key`, each with its path."""
        raw = self.raw.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problems.add(self.at(key), f"must be a list (lines starting with '- '), got {shown(raw)}")
            return []
        return [(index(self.at(key), i), item) for i, item in enumerate(raw)]


def listed(raw: Any) -> list[tuple[int | None, Any]]:
    """A scalar or a list of them, with positions for the paths (None: the scalar itself)."""
    return list(enumerate(raw)) if isinstance(raw, list) else [(None, raw)]


def each(raw: Any, path: str, problems: Problems, parse: Parser[T]) -> list[T]:
    """`parse` applied to a scalar or to every item of a list; failures are left out."""
    values = [parse(item, path if i is None else index(path, i), problems) for i, item in listed(raw)]
    return [value for value in values if value is not None]


# ---- scalars ----------------------------------------------------------------------------------------------


def text(raw: Any, path: str, problems: Problems) -> str | None:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    problems.add(
        path, "is empty" if isinstance(raw, str) else f"must be text, got {shown(raw)} (put it in quotes)"
    )
    return None


def identifier(raw: Any, path: str, problems: Problems) -> str | None:
    if isinstance(raw, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", raw):
        return raw
    problems.add(path, f"must be a short id of lowercase latin letters, digits, '-' or '_', got {shown(raw)}")
    return None


def whole_number(unit: str = "", minimum: int = 0) -> Parser[int]:
    kind = "a positive whole number" if minimum == 1 else "a whole number"
    rest = (f" of {unit}" if unit else "") + (f", {minimum} or more" if minimum != 1 else "")

    def parse(raw: Any, path: str, problems: Problems) -> int | None:
        number = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d+\s*", raw):
            number = int(raw)
        if number is not None and number >= minimum:
            return number
        problems.add(path, f"must be {kind}{rest}, got {shown(raw)}")
        return None

    return parse


def amount(raw: Any, path: str, problems: Problems) -> Decimal | None:
    """Money: 800, 850.5 or "850.50"; never negative, at most two decimals."""
    value: Decimal | None = None
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            value = None
    exponent = value.as_tuple().exponent if value is not None else "n"
    if value is not None and isinstance(exponent, int) and exponent >= -2 and value >= 0:
        return value
    problems.add(path, f"must be an amount of money such as 800 or 850.50, got {shown(raw)}")
    return None


def flag(raw: Any, path: str, problems: Problems) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = raw.strip().lower() if isinstance(raw, str) else None
    if word in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return word in ("true", "yes", "on", "1")
    problems.add(path, f"must be true or false, got {shown(raw)}")
    return None


def url(raw: Any, path: str, problems: Problems) -> str | None:
    value = text(raw, path, problems)
    if value is None or re.match(r"https?://[^\s/]+", value):
        return value
    problems.add(path, f"must be a web address starting with https://, got {shown(raw)}")
    return None


def language(raw: Any, path: str, problems: Problems) -> str | None:
    if raw in SUPPORTED_LANGUAGES:
        return str(raw)
    problems.add(
        path, f"language {shown(raw)} is not supported (supported: {', '.join(SUPPORTED_LANGUAGES)})"
    )
    return None


def names(default_language: str) -> Parser[dict[str, str]]:
    """A name in several languages, {uk: Стрижка, en: Haircut}; plain text is the default language's."""

    def parse(raw: Any, path: str, problems: Problems) -> dict[str, str] | None:
        if not isinstance(raw, dict):
            value = text(raw, path, problems)
            return {default_language: value} if value else None
        found: dict[str, str] = {}
        for lang, value in raw.items():
            where = join(path, str(lang))
            if language(lang, where, problems) and (name := text(value, where, problems)):
                found[lang] = name
        return found or None

    return parse


def day(raw: Any, path: str, problems: Problems) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    problems.add(path, f"{shown(raw)} is not a valid date; write it as YYYY-MM-DD, e.g. 2026-12-25")
    return None


# ---- times of day and weekdays ---------------------------------------------------------------------------

_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    "saturday": 5,
    "sunday": 6,
}
_OFF = ("off", "closed", "day off", "-")


def clock(raw: Any, path: str, problems: Problems, *, end: bool = False) -> int | None:
    """'09:30' → 570 minutes since midnight; '24:00' only as the end of a range."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw) if isinstance(raw, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and (hours < 24 or (end and (hours, minutes) == (24, 0))):
            return hours * 60 + minutes
    problems.add(path, f'{shown(raw)} is not a time of day; use HH:MM on the 24-hour clock, e.g. "09:30"')
    return None


def time_range(raw: Any, path: str, problems: Problems) -> TimeRange | None:
    parts = re.split(r"\s*[-–—]\s*", raw.strip()) if isinstance(raw, str) else []
    if len(parts) != 2:
        problems.add(path, f'{shown(raw)} is not a time range; write it as "09:00-18:00"')
        return None
    start, end = clock(parts[0], path, problems), clock(parts[1], path, problems, end=True)
    if start is None or end is None:
        return None
    if end <= start:
        problems.add(
            path, f"end {hhmm(end)} is {'before' if end < start else 'the same as'} start {hhmm(start)}"
        )
        return None
    return TimeRange(start, end)


def ranges(raw: Any, path: str, problems: Problems) -> tuple[TimeRange, ...] | None:
    """ "09:00-18:00", a list of such ranges, or off/closed/false/empty for none."""
    if _blank(raw) or raw is False or raw == [] or (isinstance(raw, str) and raw.strip().lower() in _OFF):
        return ()
    found = each(raw, path, problems, time_range)
    if len(found) != len(listed(raw)):
        return None
    found.sort()
    for first, second in itertools.pairwise(found):
        if second.start < first.end:
            problems.add(path, f"ranges {first} and {second} overlap")
            return None
    return tuple(found)


def weekdays(raw: Any, path: str, problems: Problems) -> list[int] | None:
    """'mon' → [0]; 'mon-fri' → [0, 1, 2, 3, 4]."""
    parts = [part.strip() for part in raw.lower().split("-")] if isinstance(raw, str) else []
    ends = [_WEEKDAY_NAMES[part] for part in parts if part in _WEEKDAY_NAMES]
    if not 1 <= len(ends) == len(parts) <= 2:
        problems.add(
            path, f"{shown(raw)} is not a weekday; use {', '.join(WEEKDAYS)} or a span such as mon-fri"
        )
        return None
    if ends[0] > ends[-1]:
        problems.add(path, f"{shown(raw)} runs backwards; write the days in order, e.g. mon-fri")
        return None
    return list(range(ends[0], ends[-1] + 1))


def day_set(raw: Any, path: str, problems: Problems) -> list[int] | None:
    """[tue, thu], 'sat-sun' or 'sun' → weekday numbers (0 = Monday), in order, without repeats."""
    found = each(raw, path, problems, weekdays)
    return sorted({d for days in found for d in days}) if len(found) == len(listed(raw)) else None


def weekly(raw: Any, path: str, problems: Problems) -> dict[int, tuple[TimeRange, ...]] | None:
    """{mon-fri: "09:00-18:00", sat: ["10:00-13:00", "14:00-16:00"], sun: off} → weekday → ranges."""
    if not isinstance(raw, dict):
        problems.add(path, f'must map weekdays to hours, e.g. mon-fri: "09:00-18:00"; got {shown(raw)}')
        return None
    week: dict[int, tuple[TimeRange, ...]] = {}
    given: dict[int, str] = {}
    before = len(problems.found)
    for key, value in raw.items():
        where = join(path, str(key))
        days, hours = weekdays(key, where, problems) or [], ranges(value, where, problems)
        for d in days:
            if d in given:
                problems.add(where, f"{WEEKDAYS[d]} is already given under '{given[d]}'")
            given.setdefault(d, str(key))
            if hours:
                week[d] = hours
    return dict(sorted(week.items())) if len(problems.found) == before else None


# ---- business-wide values and dated exceptions -----------------------------------------------------------


def timezone(raw: Any, path: str, problems: Problems) -> str | None:
    name = text(raw, path, problems)
    if name is None or zone_exists(name):
        return name
    close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else "; use a name such as Europe/Kyiv"
    problems.add(path, f"unknown time zone {name!r}{hint}")
    return None


def zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def currency(raw: Any, path: str, problems: Problems) -> str | None:
    if isinstance(raw, str) and re.fullmatch(r"[A-Z]{3}", raw.strip()):
        return raw.strip()
    problems.add(path, f"must be a three-letter currency code such as UAH or EUR, got {shown(raw)}")
    return None


def time_off(raw: Any, path: str, problems: Problems) -> tuple[date, date] | None:
    """`- 2027-02-14` or `- {from: 2027-01-05, to: 2027-01-12}`, both ends included."""
    if not isinstance(raw, dict):
        when = day(raw, path, problems)
        return (when, when) if when else None
    node = Node(raw, path, problems, ("from", "to", "note"))
    start, end = node.need("from", day), node.need("to", day)
    if start is None or end is None:
        return None
    if end < start:
        problems.add(node.at("to"), f"{end} is before the start {start}")
        return None
    return start, end


def override(raw: Any, path: str, problems: Problems) -> DayOverride | None:
    """`{date: 2026-12-31, hours: "10:00-15:00", note: ...}`; `hours: off` closes the day."""
    node = Node(raw, path, problems, ("date", "hours", "note"))
    when, hours = node.need("date", day), node.need("hours", ranges)
    note = node.get("note", text, "")
    return DayOverride(when, hours, note) if when is not None and hours is not None else None


def closure(raw: Any, path: str, problems: Problems) -> DayOverride | None:
    """`- 2026-12-25` or `- {date: 2026-12-25, note: Christmas}`: closed all day."""
    if not isinstance(raw, dict):
        when = day(raw, path, problems)
        return DayOverride(when) if when else None
    node = Node(raw, path, problems, ("date", "note"))
    when = node.need("date", day)
    return DayOverride(when, (), node.get("note", text, "")) if when else None


def dated(found: list[tuple[str, DayOverride | None]], problems: Problems) -> dict[date, DayOverride]:
    days: dict[date, DayOverride] = {}
    where: dict[date, str] = {}
    for path, item in found:
        if item is not None and item.day in days:
            problems.add(path, f"{item.day} is already listed at {where[item.day]}")
        elif item is not None:
            days[item.day], where[item.day] = item, path
    return dict(sorted(days.items()))


CONTACT_KEYS = ("telegram_chat_id", "whatsapp")
_WHATSAPP = re.compile(r"^\+[1-9]\d{7,14}$")


def telegram_chat(raw: Any, path: str, problems: Problems) -> str | None:
    """A Telegram chat id: a whole number (negative for groups)."""
    value = str(raw).strip()
    if isinstance(raw, bool) or not re.fullmatch(r"-?\d{1,20}", value):
        problems.add(path, f"must be a Telegram chat id (a whole number), got {shown(raw)}")
        return None
    return value


def whatsapp_number(raw: Any, path: str, problems: Problems) -> str | None:
    value = str(raw).strip().removeprefix("whatsapp:").replace(" ", "")
    if not _WHATSAPP.match(value):
        problems.add(
            path, f"must be a phone number in international form, like +380501234567, got {shown(raw)}"
        )
        return None
    return value


def contacts(node: Node) -> tuple[Contact, ...]:
    """Where a member of staff is told about bookings: a Telegram chat and/or a WhatsApp number."""
    found = []
    chat = node.get("telegram_chat_id", telegram_chat, None)
    if chat is not None:
        found.append(Contact("telegram", chat))
    number = node.get("whatsapp", whatsapp_number, None)
    if number is not None:
        found.append(Contact("whatsapp", number))
    return tuple(found)
