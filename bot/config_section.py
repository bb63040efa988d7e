"""What every section of config.yaml's schema shares, and how its mistakes are said.

pydantic checks the file (bot/config_schema.py); this module makes its findings read like the rest of
Slotbot's messages, one `key.path: what is wrong` a line: an unknown key comes with a guess at the one meant,
a blank value counts as not given, and a value may report several mistakes inside it, each at its own place.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, model_validator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

T = TypeVar("T")
Loc = tuple[str | int, ...]


def mistake(message: str) -> PydanticCustomError:
    """One mistake, for a validator to raise."""
    return PydanticCustomError("config", "{message}", {"message": message})


class Mistakes:
    """Several mistakes found inside one value or section, each at its place relative to it."""

    def __init__(self) -> None:
        self.found: list[InitErrorDetails] = []

    def add(self, loc: Loc, message: str) -> None:
        self.found.append(InitErrorDetails(type=mistake(message), loc=loc, input=None))

    def take(self, loc: Loc, check: Callable[[Any], T], raw: Any) -> T | None:
        """`check(raw)`; or None, with what it found wrong kept under `loc`."""
        try:
            return check(raw)
        except PydanticCustomError as error:
            self.add(loc, error.message())
        except ValidationError as error:
            self.found += [_moved(found, loc) for found in error.errors()]
        return None

    def check(self) -> None:
        """Raise everything found, if anything was."""
        if self.found:
            raise ValidationError.from_exception_data("config", self.found, hide_input=True)


def _moved(found: ErrorDetails, loc: Loc) -> InitErrorDetails:
    """`found` placed under `loc`, of its kind: pydantic's own are said in Slotbot's words by `Section`."""
    where = (*loc, *found["loc"])
    if found["type"] == "config":
        return InitErrorDetails(type=mistake(found["msg"]), loc=where, input=None)
    moved = InitErrorDetails(type=found["type"], loc=where, input=found["input"])
    if "ctx" in found:
        moved["ctx"] = found["ctx"]
    return moved


@dataclass(frozen=True)
class Known:
    """What values may refer to, read from the file before it is checked (bot/config_schema.py's
    `known_in`): the ids of staff, rooms and services, the default language, the languages customers and
    staff read (empty: not known, any), the phone region, its folder."""

    language: str = "en"
    languages: tuple[str, ...] = ()
    region: str | None = None
    staff: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    folder: Path = Path()


def known(context: Any) -> Known:
    return context if isinstance(context, Known) else Known()


class Section(BaseModel):
    """One mapping of config.yaml. Its keys are its fields (or their aliases); a key that is absent, null or
    blank counts as not given, and an absent sub-section as an empty one, so that its own keys are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    @classmethod
    def keys(cls) -> list[str]:
        return [field.alias or name for name, field in cls.model_fields.items()]

    @model_validator(mode="wrap")
    @classmethod
    def _read(cls, raw: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(raw, cls):
            return handler(raw)
        if raw is not None and not isinstance(raw, dict):
            raise mistake(f"must be a mapping (key: value lines), got {shown(raw)}")
        given = {str(key): value for key, value in (raw or {}).items() if not blank(value)}
        for key in cls._sections():
            given.setdefault(key, {})
        try:
            return handler(given)
        except ValidationError as error:
            mistakes = Mistakes()
            unknown_first = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
            for found in unknown_first:
                mistakes.add(found["loc"], cls._said(found, raw or {}))
            mistakes.check()
            raise

    @classmethod
    def _sections(cls) -> list[str]:
        return [
            field.alias or name
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, Section)
        ]

    @classmethod
    def _said(cls, error: ErrorDetails, raw: dict[Any, Any]) -> str:
        """pydantic's own findings in Slotbot's words (the rest are already `mistake`s)."""
        kind, key = error["type"], str(error["loc"][-1]) if error["loc"] else ""
        if kind == "missing" and len(error["loc"]) == 1:
            return "is empty" if key in raw else "is missing" + cls._hint(key)
        if kind == "extra_forbidden":
            return unknown_key(key, cls.keys())
        if kind in ("list_type", "tuple_type"):
            return f"must be a list (lines starting with '- '), got {shown(error['input'])}"
        if kind in ("dict_type", "model_type"):
            return f"must be a mapping (key: value lines), got {shown(error['input'])}"
        return error["msg"]

    @classmethod
    def _hint(cls, key: str) -> str:
        found = [field.description for name, field in cls.model_fields.items() if key in (name, field.alias)]
        return f": {found[0]}" if found and found[0] else ""


def problem_lines(error: ValidationError) -> list[str]:
    return [f"{key_path(found['loc']) or '(top level)'}: {found['msg']}" for found in error.errors()]


def key_path(loc: Loc) -> str:
    """('services', 2, 'staff', 1) → 'services[2].staff[1]'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path


def unknown_key(key: str, allowed: Collection[str], expected: str = "") -> str:
    """A guess at the key meant; else what is expected (`expected`, or every allowed key)."""
    close = [known for known in allowed if f"_{key}_" in f"_{known}_"]
    close = close or difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {' or '.join(map(repr, close[:2]))}?)"
    return f"unknown key (expected: {expected or ', '.join(allowed)})"


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    """A value as a message quotes it."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)
