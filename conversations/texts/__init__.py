"""Message catalogues, one module per language; every sentence the customer sees lives in them."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

LANGUAGES = ("en", "uk", "pl", "fr", "el", "ru")
NATIVE_NAMES = {
    "en": "English",
    "uk": "Українська",
    "pl": "Polski",
    "fr": "Français",
    "el": "Ελληνικά",
    "ru": "Русский",
}
_loaded: dict[str, ModuleType] = {}


def catalogue(lang: str) -> ModuleType:
    """The module for `lang` (TEXTS, WEEKDAYS, MONTHS, DATE_FORMAT); English for an unknown language."""
    code = lang if lang in LANGUAGES else "en"
    if code not in _loaded:
        _loaded[code] = import_module(f"conversations.texts.{code}")
    return _loaded[code]


def text(lang: str, key: str, **values: Any) -> str:
    template: str = catalogue(lang).TEXTS[key]
    return template.format(**values) if values else template
