"""Logs are one JSON object a line, and no configured secret ever appears in them."""

from __future__ import annotations

import io
import json
import logging

from pydantic import SecretStr

from bot.logs import REDACTED, JsonFormatter, Redact

TOKEN = "123456:AAE-secret_token_value"


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(Redact([TOKEN, "short", None, "twilio-auth-token-xyz"]))
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_secrets_are_redacted_in_messages_and_arguments() -> None:
    stream = io.StringIO()
    _logger(stream).info("calling https://api.telegram.org/bot%s/sendMessage", TOKEN)
    entry = json.loads(stream.getvalue())
    assert TOKEN not in stream.getvalue() and REDACTED in entry["message"]
    assert entry["level"] == "info" and entry["time"].endswith("+00:00")


def test_secrets_are_redacted_in_tracebacks() -> None:
    stream = io.StringIO()
    try:
        raise RuntimeError(f"401 for token twilio-auth-token-xyz at /bot{TOKEN}")
    except RuntimeError:
        _logger(stream).exception("send failed")
    assert "twilio-auth-token-xyz" not in stream.getvalue() and TOKEN not in stream.getvalue()
    assert "RuntimeError" in json.loads(stream.getvalue())["error"]


def test_secrets_may_be_given_as_secret_str() -> None:
    # Settings hold their secrets as pydantic SecretStr; Redact blanks their values, not their "*****".
    redact = Redact([SecretStr(TOKEN), SecretStr("twilio-auth-token-xyz"), None])
    assert set(redact.secrets) == {TOKEN, "twilio-auth-token-xyz"}
