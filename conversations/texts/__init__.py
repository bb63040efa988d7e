"""Message catalogues, one module per language; every sentence the customer sees lives in them, and a
business may word any of them its own way (config.yaml's `texts:`, carried as `Business.texts`)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import MappingProxyType, ModuleType
from typing import Any

Overrides = Mapping[str, Mapping[str, str]]  # language → catalogue key → the business's own template
NO_OVERRIDES: Overrides = MappingProxyType({})

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
    code = _code(lang)
    if code not in _loaded:
        _loaded[code] = import_module(f"conversations.texts.{code}")
    return _loaded[code]


def text(lang: str, key: str, overrides: Overrides = NO_OVERRIDES, /, **values: Any) -> str:
    """The sentence `key` in `lang` with `values` filled in, from the business's own template in `overrides`
    (config.yaml's `texts:`, checked on load to use only the catalogue's placeholders) or the catalogue's.
    The one place an override is chosen; positional-only, so that a placeholder may have any name."""
    code = _code(lang)
    template: str = overrides.get(code, {}).get(key) or catalogue(code).TEXTS[key]
    return template.format(**values)


def _code(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"
