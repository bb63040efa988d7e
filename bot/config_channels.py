"""Where bookings are kept and how Slotbot reaches people: the database, Telegram, Twilio (WhatsApp), LiqPay.

These models are both the schema of their config.yaml sections and what the channels read. Secrets are
SecretStr (`.get_secret_value()` where they are used), so that no repr, log line or mistake shows them;
the database URL, which may hold a password, is never repeated in a message either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    SecretStr,
    ValidationInfo,
    model_validator,
)

from bot.config_section import Mistakes, Section, blank, known, mistake, shown, unknown_key
from bot.config_values import Flag, Text, Url, secret, text, whole
from conversations.texts import LANGUAGES

TelegramDriver = Literal["aiogram", "ptb"]
# Twilio Content SIDs: quick-reply buttons, and approved templates for messages outside WhatsApp's 24 hours.
CONTENT_KINDS = (
    *("quick_reply_2", "quick_reply_3", "booking_confirmed", "reminder"),
    *("booking_cancelled", "booking_moved", "staff_notification"),
)
BotToken = Annotated[
    SecretStr | None,
    secret(r"\d+:\S+", "does not look like a bot token from @BotFather (digits, a colon, then letters)"),
]
WebhookSecret = Annotated[
    SecretStr | None,
    secret(
        r"[A-Za-z0-9_-]{1,256}",
        "may hold only latin letters, digits, '_' and '-' (1 to 256 of them; Telegram's rule)",
    ),
]
Key = Annotated[SecretStr | None, secret(r".+", "must be text (put it in quotes)")]
LinkSecret = Annotated[
    SecretStr | None,
    secret(r"\S{32,}", "must be 32 or more characters, no spaces: e.g. what `openssl rand -hex 32` prints"),
]


def _driver(raw: Any) -> TelegramDriver:
    if raw == "aiogram":
        return "aiogram"
    if raw in ("ptb", "python-telegram-bot"):
        return "ptb"
    raise mistake(f"must be aiogram or ptb (python-telegram-bot), got {shown(raw)}")


def _content(raw: Any) -> dict[str, str]:
    """{kind: "HX…"} for the kinds in CONTENT_KINDS, and {"kind:uk": "HX…"} for a template given in
    several languages (`reminder: {uk: HX…, en: HX…}`: WhatsApp approves each template in one language);
    a blank one is left out."""
    if not isinstance(raw, dict):
        raise mistake(f"must be a mapping (key: value lines), got {shown(raw)}")
    found, mistakes = {}, Mistakes()
    for kind, given in raw.items():
        if str(kind) not in CONTENT_KINDS:
            mistakes.add((str(kind),), unknown_key(str(kind), CONTENT_KINDS))
            continue
        many = isinstance(given, dict) and not str(kind).startswith("quick_reply")
        for language, sid in given.items() if many else [("", given)]:
            where = (str(kind), str(language)) if many else (str(kind),)
            if many and str(language) not in LANGUAGES:
                mistakes.add(where, unknown_key(str(language), LANGUAGES))
            elif isinstance(sid, str) and re.fullmatch(r"HX[0-9a-fA-F]{32}", sid.strip()):
                found[f"{kind}:{language}" if many else str(kind)] = sid.strip()
            elif not blank(sid):
                mistakes.add(where, f"must be a Twilio Content SID (HX and 32 hex digits), got {sid!r}")
    mistakes.check()
    return found


def _together(keys: Mapping[str, object], what: str) -> None:
    """Either every one of `keys` (config key → value) is given or none."""
    mistakes = Mistakes()
    if any(value is not None for value in keys.values()):
        for key, value in keys.items():
            if value is None:
                mistakes.add((key,), f"is missing; {what} needs all of {', '.join(keys)}")
    mistakes.check()


TWILIO_WEBHOOK_PATH = "/webhooks/twilio"


def _twilio_base(url: str | None) -> str | None:
    """The public address without the webhook's path: `https://host/webhooks/twilio` is taken as meaning
    `https://host` (appending the path to it again made every signature check fail with 403)."""
    return url.rstrip("/").removesuffix(TWILIO_WEBHOOK_PATH).rstrip("/") if url else url


class TelegramSettings(Section):
    token: BotToken = None
    driver: Annotated[TelegramDriver, PlainValidator(_driver)] = "aiogram"
    webhook_url: Url | None = None  # None: long polling
    webhook_secret: WebhookSecret = None
    api_base: Url | None = None  # another Bot API server (a local one, or a fake in tests)
    messages_per_second: Annotated[int, whole(least=1)] = 30  # across all chats: Telegram's limit

    @model_validator(mode="after")
    def _webhook_needs(self) -> TelegramSettings:
        """A webhook without its secret used to be dropped for long polling without a word."""
        mistakes = Mistakes()
        if self.webhook_url and not self.webhook_secret:
            mistakes.add(
                ("webhook_secret",),
                "is missing; a webhook (webhook_url) needs it, so that requests can be told to come from "
                "Telegram: set it to 1 to 256 of A-Z a-z 0-9 _ - (TELEGRAM_WEBHOOK_SECRET in the shipped "
                "config.yaml), or leave webhook_url empty for long polling",
            )
        if self.webhook_url and not self.token:
            mistakes.add(
                ("token",), "is missing; a webhook (webhook_url) needs the bot's token (TELEGRAM_BOT_TOKEN)"
            )
        mistakes.check()
        return self


class TwilioSettings(Section):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    account_sid: Text | None = None
    auth_token: Key = None
    # The WhatsApp sender, e.g. "whatsapp:+14155238886".
    from_number: Text | None = Field(default=None, alias="from")
    # Where Twilio reaches us, https://host: it calls <public_url>/webhooks/twilio and signs that address.
    public_url: Annotated[Url | None, AfterValidator(_twilio_base)] = None
    # Signs the links to calendar files served at <public_url>/calendar/…; the same in every process.
    link_secret: LinkSecret = None
    api_base: Url | None = None
    # CONTENT_KINDS -> Content SID ("HX…")
    content: Annotated[dict[str, str], PlainValidator(_content)] = Field(default_factory=dict)
    # None: as fast as Twilio takes them (it queues what exceeds the sender's throughput, and answers 429
    # when its queue is full); a number: at most that many a second from this process.
    messages_per_second: Annotated[int | None, whole(least=1)] = None

    @model_validator(mode="after")
    def _all_or_none(self) -> TwilioSettings:
        given = {"account_sid": self.account_sid, "auth_token": self.auth_token, "from": self.from_number}
        _together(given, "WhatsApp through Twilio")
        if self.enabled and not self.public_url:  # Twilio's messages would be answered 404, unlogged
            mistakes = Mistakes()
            mistakes.add(
                ("public_url",),
                "is missing; WhatsApp through Twilio needs the https:// address Twilio calls, e.g. "
                "https://bot.example.com (SLOTBOT_PUBLIC_URL in the shipped config.yaml); Twilio posts to "
                f"<public_url>{TWILIO_WEBHOOK_PATH}",
            )
            mistakes.check()
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_number)


class LiqPaySettings(Section):
    public_key: Text | None = None
    private_key: Key = None
    sandbox: Flag = False
    server_url: Url | None = None  # LiqPay's server-to-server callback
    result_url: Url | None = None  # where the customer's browser returns after paying
    api_base: Url = "https://www.liqpay.ua"  # server calls go to <api_base>/api/request

    @model_validator(mode="after")
    def _both_or_neither(self) -> LiqPaySettings:
        _together({"public_key": self.public_key, "private_key": self.private_key}, "LiqPay")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.public_key and self.private_key)


# ---- the database ------------------------------------------------------------------------------------------

_ASYNC_SCHEMES = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_URL_HINT = "use sqlite:///slotbot.db or postgresql://user:password@host:5432/dbname"


def async_database_url(url: str, base_dir: Path) -> str:
    """The async SQLAlchemy URL for `url`, a SQLite file's relative path resolved against `base_dir`.

    Raises ValueError saying what is wrong; the message never repeats the URL (it may hold a password)."""
    scheme, separator, rest = url.strip().partition("://")
    driver = _ASYNC_SCHEMES.get(scheme.lower())
    if not separator:
        raise ValueError(f"is not a database URL; {_URL_HINT}")
    if driver is None:
        raise ValueError(f"unsupported database '{scheme}://'; {_URL_HINT}")
    if driver == "sqlite+aiosqlite":
        rest = _sqlite_path(rest, base_dir)
    return f"{driver}://{rest}"


def _sqlite_path(rest: str, base_dir: Path) -> str:
    if rest and not rest.startswith("/"):
        raise ValueError("a SQLite URL has three slashes before a file name: sqlite:///slotbot.db")
    path, question, query = rest[1:].partition("?")
    if path in ("", ":memory:") or path.startswith("file:"):
        return rest
    return f"/{base_dir / Path(path).expanduser()}{question}{query}"


def _database_url(raw: Any, info: ValidationInfo) -> str:
    try:
        return async_database_url(text(raw), known(info.context).folder)
    except ValueError as error:
        raise mistake(str(error)) from None


class DatabaseSection(Section):
    url: Annotated[str, PlainValidator(_database_url)] = Field(repr=False)  # async; may hold a password
