"""Settings from config.yaml: the business (as storage.business types), the database URL and channel keys.

`load_settings()` reads the file, fills in `${ENV}` / `${ENV:-default}` references, checks it against the
schema (bot/config_schema.py, pydantic) and either returns `Settings` or raises `ConfigError` listing every
mistake, one `key.path: what is wrong` a line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config_channels import LiqPaySettings, TelegramSettings, TwilioSettings, async_database_url
from bot.config_parse import ConfigError, Problems, interpolate, read_yaml
from bot.config_schema import ConfigFile, known_in
from bot.config_section import problem_lines
from bot.config_values import SUPPORTED_LANGUAGES
from storage.business import Business

__all__ = [
    "SUPPORTED_LANGUAGES",
    "ConfigError",
    "LiqPaySettings",
    "Settings",
    "TelegramSettings",
    "TwilioSettings",
    "async_database_url",
    "load_settings",
    "settings_from_data",
]


@dataclass(frozen=True)
class Settings:
    business: Business
    database_url: str = field(repr=False)  # async SQLAlchemy URL; may hold a password
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    liqpay: LiqPaySettings = field(default_factory=LiqPaySettings)
    config_path: Path = Path("config.yaml")


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the config file at `path`; `environ` (default os.environ) fills ${...} references."""
    config_path = Path(path).expanduser().absolute()
    problems = Problems()
    data = read_yaml(config_path, problems)
    return settings_from_data(data, config_path, environ, problems)


def settings_from_data(
    data: Any, config_path: Path, environ: Mapping[str, str] | None = None, problems: Problems | None = None
) -> Settings:
    """Settings from an already parsed config file; relative paths count from `config_path`'s folder."""
    problems = Problems() if problems is None else problems
    filled = interpolate(data, os.environ if environ is None else environ, problems)
    try:
        config = ConfigFile.model_validate(filled, context=known_in(filled, config_path.parent))
    except ValidationError as error:
        raise ConfigError(problems.found + problem_lines(error)) from None
    if problems.found:
        raise ConfigError(problems.found)
    return Settings(
        business=config.to_business(),
        database_url=config.database.url,
        telegram=config.telegram,
        twilio=config.twilio,
        liqpay=config.liqpay,
        config_path=config_path,
    )
