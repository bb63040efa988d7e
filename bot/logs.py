"""Structured logs: one JSON object per line, with every configured secret blanked out wherever it appears."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import SecretStr

REDACTED = "[redacted]"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and cleaned of secrets) by Redact
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class Redact(logging.Filter):
    """Replaces secrets in messages and tracebacks (a library may print a URL with the bot token in it)."""

    def __init__(self, secrets: Iterable[str | SecretStr | None]) -> None:
        super().__init__()
        values = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets]
        self.secrets = sorted({s for s in values if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
        record.msg, record.args = message, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, REDACTED)
            record.exc_info, record.exc_text = None, text
        return True


def configure(secrets: Iterable[str | SecretStr | None], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "httpx", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
