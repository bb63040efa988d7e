"""Settings from config.yaml: the business (as storage.business types), the database URL and channel keys.

`load_settings()` reads the file, fills in `${ENV}` / `${ENV:-default}` references, checks everything and
either returns `Settings` or raises `ConfigError` listing every mistake, one `key.path: what is wrong` a line.
The small parsers it is built from live in bot/config_parse.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from bot.config_parse import (
    CONTACT_KEYS,
    SUPPORTED_LANGUAGES,
    ConfigError,
    Node,
    Parser,
    Problems,
    amount,
    clock,
    closure,
    contacts,
    currency,
    dated,
    day_set,
    each,
    flag,
    hhmm,
    identifier,
    interpolate,
    language,
    listed,
    names,
    override,
    ranges,
    read_yaml,
    shown,
    text,
    time_off,
    timezone,
    url,
    weekly,
    whole_number,
)
from storage.business import (
    BookingRules,
    Business,
    ClassSession,
    Contact,
    DayOverride,
    Room,
    Schedule,
    Service,
    Specialist,
    TimeRange,
)

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

TelegramDriver = Literal["aiogram", "ptb"]


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = field(default=None, repr=False)
    driver: TelegramDriver = "aiogram"
    webhook_url: str | None = None  # None: long polling
    webhook_secret: str | None = field(default=None, repr=False)
    api_base: str | None = None  # another Bot API server (a local one, or a fake in tests)
    messages_per_second: int = 30  # across all chats: Telegram's limit for ordinary bots


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    from_number: str | None = None  # the WhatsApp sender, e.g. "whatsapp:+14155238886"
    public_url: str | None = None  # where Twilio reaches our webhook (also used to check its signatures)
    api_base: str | None = None
    content: Mapping[str, str] = field(default_factory=dict)  # CONTENT_KINDS -> Content SID ("HX…")
    # None: as fast as Twilio takes them (it queues what exceeds the sender's throughput, and answers 429
    # when its queue is full); a number: at most that many a second from this process.
    messages_per_second: int | None = None


@dataclass(frozen=True)
class LiqPaySettings:
    public_key: str | None = None
    private_key: str | None = field(default=None, repr=False)
    sandbox: bool = False
    server_url: str | None = None  # LiqPay's server-to-server callback
    result_url: str | None = None  # where the customer's browser returns after paying

    @property
    def enabled(self) -> bool:
        return bool(self.public_key and self.private_key)


@dataclass(frozen=True)
class Settings:
    business: Business
    database_url: str = field(repr=False)  # async SQLAlchemy URL; may hold a password
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    liqpay: LiqPaySettings = field(default_factory=LiqPaySettings)
    config_path: Path = Path("config.yaml")


NOTIFICATION_KEYS = ("admins",)
TOP_KEYS = (
    *("business", "booking", "closures", "overrides", "rooms", "staff", "services"),
    *("database", "telegram", "twilio", "liqpay", "notifications"),
)
BUSINESS_KEYS = ("name", "timezone", "currency", "default_language", "languages", "day_first", "contact")
STAFF_KEYS = ("id", "name", "title", "hours", "breaks", "days_off", "time_off", "overrides", *CONTACT_KEYS)
SESSION_KEYS = ("days", "time", "specialist")
TELEGRAM_KEYS = ("token", "driver", "webhook_url", "webhook_secret", "api_base", "messages_per_second")
TWILIO_KEYS = (
    "account_sid",
    "auth_token",
    "from",
    "public_url",
    "api_base",
    "content",
    "messages_per_second",
)
# Twilio Content SIDs: quick-reply buttons, and approved templates for messages outside WhatsApp's 24 hours.
CONTENT_KINDS = (
    *("quick_reply_2", "quick_reply_3", "booking_confirmed", "reminder"),
    *("booking_cancelled", "booking_moved", "staff_notification"),
)
LIQPAY_KEYS = ("public_key", "private_key", "sandbox", "server_url", "result_url")

# A key of `booking:` → (BookingRules field, factor to the field's unit, unit named in messages, least value).
RULE_KEYS: dict[str, tuple[str, int, str, int]] = {
    "slot_step_minutes": ("slot_step", 1, "minutes", 1),
    "min_notice_minutes": ("min_notice", 1, "minutes", 0),
    "min_notice_hours": ("min_notice", 60, "hours", 0),
    "max_advance_days": ("max_advance_days", 1, "days", 1),
    "hold_minutes": ("hold_minutes", 1, "minutes", 1),
    "payment_hold_minutes": ("payment_hold_minutes", 1, "minutes", 1),
    "min_notice_move_minutes": ("min_notice_move", 1, "minutes", 0),
    "min_notice_move_hours": ("min_notice_move", 60, "hours", 0),
    "min_notice_cancel_minutes": ("min_notice_cancel", 1, "minutes", 0),
    "min_notice_cancel_hours": ("min_notice_cancel", 60, "hours", 0),
    "max_moves": ("max_moves", 1, "moves", 0),
    "max_active_bookings": ("max_active_bookings", 1, "bookings", 1),
    "refund_cancel_hours": ("refund_cancel_hours", 1, "hours", 0),
}
# The rules one service may set for itself (same keys as in `booking:`), and the Service field each fills.
SERVICE_RULE_FIELDS = {
    "slot_step": "step",
    **{name: name for name in ("min_notice", "max_advance_days", "max_moves", "min_notice_move")},
    **{name: name for name in ("min_notice_cancel", "refund_cancel_hours")},
}
SERVICE_RULE_KEYS = {key: spec for key, spec in RULE_KEYS.items() if spec[0] in SERVICE_RULE_FIELDS}
SERVICE_KEYS = (
    *("id", "name", "aliases", "duration", "price", "prepayment", "buffer_before", "buffer_after"),
    *("staff", "capacity", "room", "sessions", "requires_approval", *SERVICE_RULE_KEYS),
)


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
    top = Node(
        interpolate(data, os.environ if environ is None else environ, problems), "", problems, TOP_KEYS
    )
    settings = Settings(
        business=_business(top),
        database_url=_database_url(top.section("database", ("url",)), config_path.parent),
        telegram=_telegram(top.section("telegram", TELEGRAM_KEYS)),
        twilio=_twilio(top.section("twilio", TWILIO_KEYS)),
        liqpay=_liqpay(top.section("liqpay", LIQPAY_KEYS)),
        config_path=config_path,
    )
    if problems.found:
        raise ConfigError(problems.found)
    return settings


# ---- the business ----------------------------------------------------------------------------------------


def _business(top: Node) -> Business:
    info = top.section("business", BUSINESS_KEYS)
    default_language, languages = _languages(info)
    staff, rooms = _staff(top), _rooms(top)
    known = _Known(default_language, tuple(s.id for s in staff), tuple(r.id for r in rooms))
    return Business(
        name=info.need("name", text) or "",
        timezone=info.need("timezone", timezone) or "UTC",
        currency=info.get("currency", currency, "UAH"),
        default_language=default_language,
        languages=languages,
        day_first=info.get("day_first", flag, True),
        rules=BookingRules(**_rule_values(top.section("booking", RULE_KEYS), RULE_KEYS)),
        staff=staff,
        rooms=rooms,
        services=_services(top, known),
        overrides=_business_days(top),
        contact=info.get("contact", text, ""),
        admins=_admins(top),
    )


def _admins(top: Node) -> tuple[Contact, ...]:
    section = top.section("notifications", NOTIFICATION_KEYS)
    found: list[Contact] = []
    for path, raw in section.entries("admins"):
        found += contacts(Node(raw, path, top.problems, ("name", *CONTACT_KEYS)))
    return tuple(found)


def _languages(info: Node) -> tuple[str, tuple[str, ...]]:
    default = info.get("default_language", language, "en")
    languages = info.get("languages", _language_list, (default,))
    if default not in languages:
        info.problems.add(
            info.at("default_language"), f"'{default}' is not among languages: {list(languages)}"
        )
    return default, languages


def _language_list(raw: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(each(raw, path, problems, language))) or None


def _rule_values(node: Node, table: Mapping[str, tuple[str, int, str, int]]) -> dict[str, int]:
    """The booking rules given in `node`, converted to BookingRules' units."""
    values: dict[str, int] = {}
    source: dict[str, str] = {}
    for key, (name, factor, unit, least) in table.items():
        number = node.get(key, whole_number(unit, least), None)
        if number is not None and name in source:
            node.problems.add(node.at(key), f"{source[name]} already sets this; keep one of the two")
        elif number is not None:
            values[name], source[name] = number * factor, key
    return values


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_I = TypeVar("_I", bound=_Identified)


def _unique(found: list[tuple[str, _I | None]], problems: Problems) -> tuple[_I, ...]:
    """The parsed items, each id used once; a repeated id is reported at its second use."""
    first: dict[str, str] = {}
    for path, item in found:
        if item is not None and item.id in first:
            problems.add(f"{path}.id", f"'{item.id}' is already used by {first[item.id]}")
        elif item is not None:
            first[item.id] = path
    return tuple(item for _, item in found if item is not None)


def _required_list(top: Node, key: str, what: str) -> list[tuple[str, Any]]:
    if top.valid and top.raw.get(key) in (None, []):
        top.problems.add(key, f"at least one {what} is needed")
    return top.entries(key)


# ---- staff, rooms and dates ------------------------------------------------------------------------------


def _staff(top: Node) -> tuple[Specialist, ...]:
    entries = _required_list(top, "staff", "specialist")
    return _unique(
        [(path, _specialist(Node(raw, path, top.problems, STAFF_KEYS))) for path, raw in entries],
        top.problems,
    )


def _specialist(node: Node) -> Specialist | None:
    ident, name = node.need("id", identifier), node.need("name", text)
    schedule = _schedule(node)
    if ident is None or name is None:
        return None
    return Specialist(ident, name, schedule, node.get("title", text, ""), contacts(node))


def _schedule(node: Node) -> Schedule:
    week = node.need("hours", weekly)
    days_off = node.get("days_off", day_set, [])
    if week is not None:
        week = {d: hours for d, hours in week.items() if d not in days_off}
        if not week:
            node.problems.add(node.at("hours"), "no working days left: every day is off")
    spans = [time_off(raw, path, node.problems) for path, raw in node.entries("time_off")]
    return Schedule(
        weekly=week or {},
        breaks=_breaks(node, week or {}),
        overrides=dated(
            [(path, override(raw, path, node.problems)) for path, raw in node.entries("overrides")],
            node.problems,
        ),
        time_off=tuple(span for span in spans if span is not None),
    )


def _breaks(node: Node, week: Mapping[int, tuple[TimeRange, ...]]) -> dict[int, tuple[TimeRange, ...]]:
    """`breaks: "13:00-14:00"` (every working day) or per weekday like `hours`."""
    if isinstance(node.raw.get("breaks"), dict):
        return node.get("breaks", weekly, {})
    lunch = node.get("breaks", ranges, ())
    return {d: lunch for d in week} if lunch else {}


def _business_days(top: Node) -> dict[date, DayOverride]:
    closures = [(path, closure(raw, path, top.problems)) for path, raw in top.entries("closures")]
    overrides = [(path, override(raw, path, top.problems)) for path, raw in top.entries("overrides")]
    return dated(closures + overrides, top.problems)


def _rooms(top: Node) -> tuple[Room, ...]:
    found = [
        (path, _room(Node(raw, path, top.problems, ("id", "name")))) for path, raw in top.entries("rooms")
    ]
    return _unique(found, top.problems)


def _room(node: Node) -> Room | None:
    ident = node.need("id", identifier)
    return Room(ident, node.get("name", text, ident)) if ident else None


# ---- services --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What a service may refer to."""

    language: str
    staff: tuple[str, ...]
    rooms: tuple[str, ...]


def _services(top: Node, known: _Known) -> tuple[Service, ...]:
    entries = _required_list(top, "services", "service")
    return _unique(
        [(path, _service(Node(raw, path, top.problems, SERVICE_KEYS), known)) for path, raw in entries],
        top.problems,
    )


def _service(node: Node, known: _Known) -> Service | None:
    ident, name = node.need("id", identifier), node.need("name", names(known.language))
    duration, price = node.need("duration", _duration), node.need("price", amount)
    staff = node.need("staff", _one_or_more("specialist", known.staff))
    # A broken capacity counts as 0 so that it does not add complaints about sessions.
    capacity = node.get("capacity", whole_number("places", 1), 0 if node.has("capacity") else 1)
    sessions = _sessions(node, staff or (), capacity, duration or 0)
    extra = {**_service_extras(node, known, price), **_service_rules(node)}
    if ident is None or name is None or duration is None or price is None or staff is None:
        return None
    return Service(ident, name, duration, price, staff, capacity=capacity, sessions=sessions, **extra)


def _duration(raw: Any, path: str, problems: Problems) -> int | None:
    minutes = whole_number("minutes", 1)(raw, path, problems)
    if minutes is not None and minutes > 24 * 60:
        problems.add(path, f"{minutes} minutes is longer than a day")
        return None
    return minutes


def _service_extras(node: Node, known: _Known, price: Decimal | None) -> dict[str, Any]:
    prepayment = node.get("prepayment", amount, Decimal(0))
    if price is not None and prepayment > price:
        node.problems.add(node.at("prepayment"), f"{prepayment} is more than the price {price}")
    minutes = whole_number("minutes", 0)
    return {
        "aliases": tuple(each(node.raw.get("aliases") or [], node.at("aliases"), node.problems, text)),
        "buffer_before": node.get("buffer_before", minutes, 0),
        "buffer_after": node.get("buffer_after", minutes, 0),
        "room": node.get("room", _one_of("room", known.rooms), None),
        "prepayment": prepayment,
        "requires_approval": node.get("requires_approval", flag, False),
    }


def _service_rules(node: Node) -> dict[str, int]:
    return {SERVICE_RULE_FIELDS[name]: value for name, value in _rule_values(node, SERVICE_RULE_KEYS).items()}


def _one_of(kind: str, known: tuple[str, ...]) -> Parser[str]:
    def parse(raw: Any, path: str, problems: Problems) -> str | None:
        if raw in known:
            return str(raw)
        problems.add(path, f"unknown {kind} {shown(raw)} (known: {', '.join(known) or 'none'})")
        return None

    return parse


def _one_or_more(kind: str, known: tuple[str, ...]) -> Parser[tuple[str, ...]]:
    def parse(raw: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
        found = each(raw, path, problems, _one_of(kind, known))
        twice = sorted({item for item in found if found.count(item) > 1})
        if not found and raw == []:
            problems.add(path, f"needs at least one {kind}")
        elif twice:
            problems.add(path, f"lists {', '.join(map(repr, twice))} twice")
        return tuple(found) if found and not twice and len(found) == len(listed(raw)) else None

    return parse


def _sessions(node: Node, staff: tuple[str, ...], capacity: int, duration: int) -> tuple[ClassSession, ...]:
    entries = node.entries("sessions")
    if capacity > 1 and not entries and node.valid:
        example = '- {days: [tue, thu], time: "19:00"}'
        node.problems.add(
            node.at("sessions"), f"a group class (capacity {capacity}) needs sessions, e.g. {example}"
        )
    if capacity == 1 and entries:
        node.problems.add(
            node.at("sessions"), "only group classes have sessions: set capacity above 1 or remove them"
        )
    found = [_session(Node(raw, path, node.problems, SESSION_KEYS), staff, duration) for path, raw in entries]
    return tuple(session for sessions in found for session in sessions)


def _session(node: Node, staff: tuple[str, ...], duration: int) -> list[ClassSession]:
    """`{days: [tue, thu], time: "19:00", specialist: maria}`: one ClassSession a weekday."""
    days, start = node.need("days", day_set), node.need("time", clock)
    teacher = _teacher(node, staff)
    if start is not None and start + duration > 24 * 60:
        node.problems.add(
            node.at("time"), f"a {duration}-minute class at {hhmm(start)} would end after midnight"
        )
        return []
    if days is None or start is None or teacher is None:
        return []
    return [ClassSession(d, start, teacher) for d in days]


def _teacher(node: Node, staff: tuple[str, ...]) -> str | None:
    """The session's specialist; may be left out when the class has only one."""
    if not node.has("specialist"):
        if len(staff) > 1 and node.valid:
            node.problems.add(node.at("specialist"), f"is missing: who teaches it ({', '.join(staff)})?")
        return staff[0] if len(staff) == 1 else None
    teacher = node.get("specialist", text, None)
    if teacher is not None and staff and teacher not in staff:
        node.problems.add(
            node.at("specialist"), f"'{teacher}' does not teach this class (its staff: {', '.join(staff)})"
        )
        return None
    return teacher


# ---- database and channels -------------------------------------------------------------------------------

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


def _database_url(node: Node, base_dir: Path) -> str:
    raw = node.need("url", text)
    try:
        return async_database_url(raw, base_dir) if raw else ""
    except ValueError as error:
        node.problems.add(node.at("url"), str(error))
        return ""


def _telegram(node: Node) -> TelegramSettings:
    return TelegramSettings(
        token=node.get("token", _bot_token, None),
        driver=node.get("driver", _driver, "aiogram"),
        webhook_url=node.get("webhook_url", url, None),
        webhook_secret=node.get("webhook_secret", _webhook_secret, None),
        api_base=node.get("api_base", url, None),
        messages_per_second=node.get("messages_per_second", whole_number(minimum=1), 30),
    )


def _bot_token(raw: Any, path: str, problems: Problems) -> str | None:
    if isinstance(raw, str) and re.fullmatch(r"\d+:\S+", raw.strip()):
        return raw.strip()
    problems.add(path, "does not look like a bot token from @BotFather (digits, a colon, then letters)")
    return None


def _driver(raw: Any, path: str, problems: Problems) -> TelegramDriver | None:
    if raw == "aiogram":
        return "aiogram"
    if raw in ("ptb", "python-telegram-bot"):
        return "ptb"
    problems.add(path, f"must be aiogram or ptb (python-telegram-bot), got {shown(raw)}")
    return None


def _webhook_secret(raw: Any, path: str, problems: Problems) -> str | None:
    if isinstance(raw, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,256}", raw.strip()):
        return raw.strip()
    problems.add(path, "may hold only latin letters, digits, '_' and '-' (1 to 256 of them; Telegram's rule)")
    return None


def _together(node: Node, keys: tuple[str, ...], what: str) -> None:
    """Either all of `keys` are given or none."""
    if any(node.has(key) for key in keys):
        for key in keys:
            if not node.has(key):
                node.problems.add(node.at(key), f"is missing; {what} needs all of {', '.join(keys)}")


def _twilio(node: Node) -> TwilioSettings:
    _together(node, ("account_sid", "auth_token", "from"), "WhatsApp through Twilio")
    return TwilioSettings(
        account_sid=node.get("account_sid", text, None),
        auth_token=node.get("auth_token", text, None),
        from_number=node.get("from", text, None),
        public_url=node.get("public_url", url, None),
        api_base=node.get("api_base", url, None),
        content=_content(node.section("content", CONTENT_KINDS)),
        messages_per_second=node.get("messages_per_second", whole_number(minimum=1), None),
    )


def _content(node: Node) -> dict[str, str]:
    found = {}
    for kind in CONTENT_KINDS:
        sid = node.get(kind, text, None)
        if sid is None:
            continue
        if not re.fullmatch(r"HX[0-9a-fA-F]{32}", sid):
            node.problems.add(
                node.at(kind), f"must be a Twilio Content SID (HX and 32 hex digits), got {sid!r}"
            )
            continue
        found[kind] = sid
    return found


def _liqpay(node: Node) -> LiqPaySettings:
    _together(node, ("public_key", "private_key"), "LiqPay")
    return LiqPaySettings(
        public_key=node.get("public_key", text, None),
        private_key=node.get("private_key", text, None),
        sandbox=node.get("sandbox", flag, False),
        server_url=node.get("server_url", url, None),
        result_url=node.get("result_url", url, None),
    )
