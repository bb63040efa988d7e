"""config.yaml → Settings: the shipped file, ${ENV} references, database URLs and the mistakes users make."""

from __future__ import annotations

import copy
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import (
    ConfigError,
    Settings,
    TelegramSettings,
    TwilioSettings,
    async_database_url,
    load_settings,
    settings_from_data,
)
from bot.config_parse import Problems, read_yaml
from storage.business import (
    ClassSession,
    Contact,
    PrepaymentPeriod,
    PrepaymentPolicy,
    PrepaymentRule,
    QuietHours,
    ReminderPolicy,
    TimeRange,
)

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"
DELETE = object()


def shipped() -> dict[str, Any]:
    data = read_yaml(SHIPPED, Problems())
    assert isinstance(data, dict)
    return data


def settings(data: Any, environ: dict[str, str] | None = None) -> Settings:
    return settings_from_data(data, SHIPPED, environ or {})


def problems(data: Any, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(data, environ)
    return raised.value.problems


def edited(edits: dict[str, Any]) -> dict[str, Any]:
    """The shipped config with `edits` ({"services[0].duration": -5}) applied; DELETE removes a key."""
    data = copy.deepcopy(shipped())
    for path, value in edits.items():
        *parents, last = _steps(path)
        target: Any = data
        for step in parents:
            target = target[step]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return data


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        name, *positions = part.replace("]", "").split("[")
        steps.extend([name] if name else [])
        steps.extend(int(p) for p in positions)
    return steps


def hm(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


# ---- the shipped file ------------------------------------------------------------------------------------


def test_shipped_config_describes_a_kyiv_salon() -> None:
    business = load_settings(SHIPPED, {}).business
    assert (business.timezone, business.currency, business.default_language) == ("Europe/Kyiv", "UAH", "uk")
    assert business.languages == ("uk", "en", "pl", "fr", "el", "ru")
    assert business.day_first is True
    assert 3 <= len(business.staff) <= 4
    assert {room.id for room in business.rooms} == {"studio", "cabinet"}


def test_shipped_services_are_complete() -> None:
    business = load_settings(SHIPPED, {}).business
    individual = [s for s in business.services if not s.is_class]
    assert len(individual) >= 5
    for service in business.services:
        assert set(service.name) == {"uk", "en", "pl", "fr", "el", "ru"}, service.id
        assert service.aliases and service.duration > 0 and service.price > 0, service.id
        assert set(service.staff) <= {s.id for s in business.staff}
    assert any(s.buffer_before for s in individual) and any(s.buffer_after for s in individual)
    assert "манікюр" in business.service("manicure").names()
    assert "haircut" in business.service("womens-haircut").names()


def test_shipped_group_class_runs_twice_a_week_for_six() -> None:
    stretching = load_settings(SHIPPED, {}).business.service("stretching")
    assert stretching.is_class and stretching.capacity == 6 and stretching.room == "studio"
    assert stretching.sessions == (
        ClassSession(1, hm("19:00"), "maria"),
        ClassSession(3, hm("19:00"), "maria"),
    )


def test_shipped_dates_closure_and_short_day() -> None:
    business = load_settings(SHIPPED, {}).business
    assert business.overrides[date(2026, 12, 25)].closed
    assert business.overrides[date(2027, 1, 1)].closed
    assert business.overrides[date(2026, 12, 31)].hours == (TimeRange(hm("10:00"), hm("15:00")),)
    olena, iryna, maria = (business.specialist(i) for i in ("olena", "iryna", "maria"))
    assert olena.schedule.time_off == ((date(2027, 1, 5), date(2027, 1, 12)),)
    assert maria.schedule.time_off == ((date(2027, 3, 8), date(2027, 3, 8)),)
    assert iryna.schedule.overrides[date(2026, 12, 24)].hours == (TimeRange(hm("10:00"), hm("14:00")),)


def test_shipped_schedules_expand_spans_days_off_and_breaks() -> None:
    business = load_settings(SHIPPED, {}).business
    olena, iryna, maria = (business.specialist(i).schedule for i in ("olena", "iryna", "maria"))
    assert sorted(olena.weekly) == [0, 1, 2, 3, 4, 5]
    assert olena.weekly[0] == (TimeRange(hm("09:00"), hm("18:00")),)
    assert olena.breaks[5] == (TimeRange(hm("13:00"), hm("14:00")),) and 6 not in olena.breaks
    assert sorted(iryna.weekly) == [1, 2, 3, 4, 5]  # mon-sat without the day off
    assert maria.weekly[1] == (TimeRange(hm("12:00"), hm("16:00")), TimeRange(hm("17:00"), hm("21:00")))
    assert sorted(maria.breaks) == [0, 2, 4]


def test_shipped_rules_are_converted_to_minutes() -> None:
    business = load_settings(SHIPPED, {}).business
    rules = business.rules
    assert (rules.slot_step, rules.min_notice, rules.max_advance_days) == (15, 60, 60)
    assert (rules.hold_minutes, rules.payment_hold_minutes) == (15, 30)
    assert (rules.min_notice_move, rules.min_notice_cancel) == (180, 180)
    assert (rules.max_moves, rules.max_active_bookings, rules.refund_cancel_hours) == (2, 3, 24)
    colouring = business.service("colouring")
    assert (colouring.step, colouring.min_notice, colouring.max_advance_days) == (30, 24 * 60, 90)
    assert colouring.prepayment == Decimal(500)
    assert business.notice_for(business.service("manicure")) == 60
    assert business.cancel_notice_for(business.service("facial")) == 24 * 60


def test_shipped_defaults_without_environment(tmp_path: Path) -> None:
    config = tmp_path / "salon" / "config.yaml"
    config.parent.mkdir()
    shutil.copy(SHIPPED, config)
    loaded = load_settings(config, {})
    assert loaded.database_url == f"sqlite+aiosqlite:///{tmp_path / 'salon' / 'slotbot.db'}"
    assert loaded.config_path == config
    assert loaded.telegram.token is None and loaded.telegram.driver == "aiogram"
    assert loaded.twilio.account_sid is None and not loaded.liqpay.enabled and loaded.liqpay.sandbox is False


def test_environ_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRON:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLOTBOT_DATABASE_URL", "postgres://slot:pw@db.local:5432/slotbot")
    assert load_settings(SHIPPED).database_url == "postgresql+asyncpg://slot:pw@db.local:5432/slotbot"


# ---- ${ENV} references and secrets ------------------------------------------------------------------------

ENVIRON = {
    "SLOTBOT_DATABASE_URL": "postgresql://slot:db-PASSWORD-1@db:5432/slotbot",
    "TELEGRAM_BOT_TOKEN": "123456:TG-SECRET-TOKEN",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg",
    "TELEGRAM_WEBHOOK_SECRET": "hook-SECRET-2",
    "SLOTBOT_TELEGRAM_DRIVER": "ptb",
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "twilio-SECRET-3",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    "SLOTBOT_PUBLIC_URL": "https://bot.example.com",
    "LIQPAY_PUBLIC_KEY": "sandbox_i123",
    "LIQPAY_PRIVATE_KEY": "liqpay-SECRET-4",
    "LIQPAY_SANDBOX": "true",
}


def test_environment_fills_the_channel_settings() -> None:
    loaded = load_settings(SHIPPED, ENVIRON)
    assert loaded.database_url == "postgresql+asyncpg://slot:db-PASSWORD-1@db:5432/slotbot"
    assert revealed(loaded.telegram.token) == "123456:TG-SECRET-TOKEN" and loaded.telegram.driver == "ptb"
    assert loaded.telegram.webhook_url == "https://bot.example.com/tg"
    assert revealed(loaded.telegram.webhook_secret) == "hook-SECRET-2"
    assert (loaded.twilio.account_sid, revealed(loaded.twilio.auth_token)) == ("AC123", "twilio-SECRET-3")
    assert loaded.twilio.from_number == "whatsapp:+14155238886"
    assert loaded.twilio.public_url == "https://bot.example.com"
    assert loaded.liqpay.enabled and loaded.liqpay.sandbox is True
    assert revealed(loaded.liqpay.private_key) == "liqpay-SECRET-4"


def revealed(secret: SecretStr | None) -> str | None:
    """A secret's value: the settings hold SecretStr, which no repr or message shows."""
    assert secret is None or isinstance(secret, SecretStr)
    return secret.get_secret_value() if secret else None


def test_secrets_stay_out_of_repr() -> None:
    text = repr(load_settings(SHIPPED, ENVIRON))
    for secret in ("TG-SECRET-TOKEN", "hook-SECRET-2", "twilio-SECRET-3", "liqpay-SECRET-4", "db-PASSWORD-1"):
        assert secret not in text
    assert "sandbox_i123" in text and "AC123" in text  # the public halves are fine to show


def test_secrets_stay_out_of_error_messages() -> None:
    environ = {
        **ENVIRON,
        "TELEGRAM_BOT_TOKEN": "TG-SECRET-no-colon",
        "SLOTBOT_DATABASE_URL": "mysql://u:db-PW@h/x",
    }
    text = "\n".join(problems(shipped(), environ))
    assert "telegram.token: does not look like a bot token" in text
    assert "database.url: unsupported database 'mysql://'" in text
    assert "TG-SECRET" not in text and "db-PW" not in text


def test_missing_variable_names_it_and_the_key() -> None:
    found = problems(edited({"telegram.token": "${MY_BOT_TOKEN}"}))
    hint = "(write ${MY_BOT_TOKEN:-} if it is optional)"
    assert found == [f"telegram.token: environment variable MY_BOT_TOKEN is not set {hint}"]


def test_default_applies_when_unset_or_empty_and_text_around_is_kept() -> None:
    data = edited({"business.name": "${SALON_NAME:-Lavanda} ${CITY:-Kyiv}", "business.contact": "${PHONE}"})
    loaded = settings(data, {"CITY": "", "PHONE": "+380 44 000 00 00"})
    assert loaded.business.name == "Lavanda Kyiv"
    assert loaded.business.contact == "+380 44 000 00 00"
    assert settings(data, {"SALON_NAME": "Iris", "CITY": "Lviv", "PHONE": "1"}).business.name == "Iris Lviv"


def test_variables_are_filled_in_anywhere_and_converted() -> None:
    data = edited({"booking.max_moves": "${MAX_MOVES:-5}", "services[0].price": "${HAIRCUT_PRICE}"})
    business = settings(data, {"HAIRCUT_PRICE": "950.50"}).business
    assert business.rules.max_moves == 5 and business.services[0].price == Decimal("950.50")


def test_malformed_reference_is_reported() -> None:
    assert problems(edited({"business.contact": "${PHONE"})) == [
        "business.contact: malformed reference: write ${NAME} or ${NAME:-default}"
    ]


# ---- mistakes ---------------------------------------------------------------------------------------------

MISTAKES = [
    (
        {"services[2].staff": ["olena", "ivan"]},
        "services[2].staff[1]: unknown specialist 'ivan' (known: olena, iryna, maria, andriy)",
    ),
    ({"staff[0].hours": {"mon": "18:00-09:00"}}, "staff[0].hours.mon: end 09:00 is before start 18:00"),
    ({"staff[0].hours": {"mon": "09:00-09:00"}}, "staff[0].hours.mon: end 09:00 is the same as start 09:00"),
    ({"business.timezone": "Europe/Kiev2"}, "business.timezone: unknown time zone 'Europe/Kiev2'"),
    (
        {"services[0].duration": -5},
        "services[0].duration: must be a positive whole number of minutes, got -5",
    ),
    ({"services[0].duration": 1500}, "services[0].duration: 1500 minutes is longer than a day"),
    (
        {"services[0].duration": DELETE, "services[0].duraton": 60},
        "services[0].duraton: unknown key (did you mean 'duration'?)",
    ),
    ({"services[0].duration": DELETE}, "services[0].duration: is missing"),
    ({"servces": [], "services": DELETE}, "servces: unknown key (did you mean 'services'?)"),
    ({"services[1].id": "womens-haircut"}, "services[1].id: 'womens-haircut' is already used by services[0]"),
    ({"staff[3].id": "olena"}, "staff[3].id: 'olena' is already used by staff[0]"),
    ({"staff[0].id": "Olena K"}, "staff[0].id: must be a short id of lowercase latin letters"),
    (
        {"closures[0].date": "2026-02-30"},
        "closures[0].date: '2026-02-30' is not a valid date; write it as YYYY-MM-DD",
    ),
    ({"closures[1]": "1 Jan 2027"}, "closures[1]: '1 Jan 2027' is not a valid date"),
    ({"overrides[0].date": "2026-12-25"}, "overrides[0]: 2026-12-25 is already listed at closures[0]"),
    ({"services[8].capacity": 0}, "services[8].capacity: must be a positive whole number of places, got 0"),
    ({"services[8].sessions": DELETE}, "services[8].sessions: a group class (capacity 6) needs sessions"),
    (
        {"services[0].sessions": [{"days": "mon", "time": "10:00"}]},
        "services[0].sessions: only group classes have sessions",
    ),
    (
        {"services[8].sessions[0].specialist": "olena"},
        "services[8].sessions[0].specialist: 'olena' does not teach this class (its staff: maria)",
    ),
    (
        {"services[8].sessions[0].days": ["tue", "thurs"]},
        "services[8].sessions[0].days[1]: 'thurs' is not a weekday; use mon, tue",
    ),
    (
        {"services[8].sessions[0].time": "23:30"},
        "services[8].sessions[0].time: a 60-minute class at 23:30 would end after midnight",
    ),
    (
        {"services[8].staff": ["maria", "iryna"], "services[8].sessions[0].specialist": DELETE},
        "services[8].sessions[0].specialist: is missing: who teaches it (maria, iryna)?",
    ),
    ({"services[8].sessions[0].time": "7pm"}, "services[8].sessions[0].time: '7pm' is not a time of day"),
    ({"staff[1].hours": {"mnd-sat": "10:00-19:00"}}, "staff[1].hours.mnd-sat: 'mnd-sat' is not a weekday"),
    ({"staff[1].hours": {"sat-mon": "10:00-19:00"}}, "staff[1].hours.sat-mon: 'sat-mon' runs backwards"),
    (
        {"staff[1].hours": {"mon-sat": "10:00-19:00", "fri": "10:00-15:00"}},
        "staff[1].hours.fri: fri is already given under 'mon-sat'",
    ),
    (
        {"staff[1].days_off": ["mon", "tue", "wed", "thu", "fri", "sat"]},
        "staff[1].hours: no working days left",
    ),
    (
        {"staff[2].hours.tue": ["12:00-16:00", "15:00-21:00"]},
        "staff[2].hours.tue: ranges 12:00-16:00 and 15:00-21:00 overlap",
    ),
    ({"staff[0].breaks": "13:00-25:00"}, "staff[0].breaks: '25:00' is not a time of day"),
    ({"staff[0].hours.sat": "10:00"}, "staff[0].hours.sat: '10:00' is not a time range"),
    (
        {"staff[0].time_off[0].to": "2027-01-01"},
        "staff[0].time_off[0].to: 2027-01-01 is before the start 2027-01-05",
    ),
    ({"services[6].room": "gym"}, "services[6].room: unknown room 'gym' (known: studio, cabinet)"),
    (
        {"business.languages": ["uk", "en", "de"]},
        "business.languages[2]: language 'de' is not supported (supported: en, uk, pl, fr, el, ru)",
    ),
    (
        {"business.default_language": "pl", "business.languages": ["uk", "en"]},
        "business.default_language: 'pl' is not among languages",
    ),
    ({"services[0].name.de": "Damenhaarschnitt"}, "services[0].name.de: language 'de' is not supported"),
    ({"services[2].prepayment": 3000}, "services[2].prepayment: 3000 is more than the price 2200"),
    (
        {"services[0].price": "free"},
        "services[0].price: must be an amount of money such as 800 or 850.50, got 'free'",
    ),
    ({"services[0].price": 99.999}, "services[0].price: must be an amount of money"),
    ({"services[1].staff": ["andriy", "andriy"]}, "services[1].staff: lists 'andriy' twice"),
    ({"services[1].staff": []}, "services[1].staff: needs at least one specialist"),
    (
        {"services[0].aliases": ["стрижка", 123]},
        "services[0].aliases[1]: must be text, got 123 (put it in quotes)",
    ),
    (
        {"booking.min_notice_hours": 2},
        "booking.min_notice_hours: min_notice_minutes already sets this; keep one of the two",
    ),
    (
        {"booking.slot_step_minutes": 0},
        "booking.slot_step_minutes: must be a positive whole number of minutes, got 0",
    ),
    ({"booking.max_moves": -1}, "booking.max_moves: must be a whole number of moves, 0 or more, got -1"),
    (
        {"booking.hold": 15},
        "booking.hold: unknown key (did you mean 'hold_minutes' or 'payment_hold_minutes'?)",
    ),
    ({"services[2].step": 30}, "services[2].step: unknown key (did you mean 'slot_step_minutes'?)"),
    ({"business.currency": "грн"}, "business.currency: must be a three-letter currency code"),
    ({"business.day_first": "maybe"}, "business.day_first: must be true or false, got 'maybe'"),
    ({"telegram.driver": "pyrogram"}, "telegram.driver: must be aiogram or ptb"),
    (
        {"telegram.webhook_url": "https://bot.example.com/webhooks/telegram"},
        "telegram.webhook_secret: is missing",
    ),
    ({"telegram.webhook_url": "https://bot.example.com/webhooks/telegram"}, "telegram.token: is missing"),
    (
        {"twilio.account_sid": "AC1", "twilio.auth_token": "x", "twilio.from": "whatsapp:+14155238886"},
        "twilio.public_url: is missing; WhatsApp through Twilio needs the https:// address Twilio calls",
    ),
    (
        {"telegram.webhook_url": "bot.example.com"},
        "telegram.webhook_url: must be a web address starting with https://",
    ),
    (
        {"database.url": "postgresql+psycopg2://u@h/db"},
        "database.url: unsupported database 'postgresql+psycopg2://'",
    ),
    ({"database": DELETE}, "database.url: is missing"),
    ({"staff": []}, "staff: at least one specialist is needed"),
    ({"services": {"id": "manicure"}}, "services: must be a list (lines starting with '- '), got a mapping"),
    ({"services[3]": "manicure"}, "services[3]: must be a mapping (key: value lines), got 'manicure'"),
    # keys added with the pydantic schema
    ({"business.phone_region": "Ukraine"}, "business.phone_region: 'Ukraine' is not a country code"),
    ({"staff[0].whatsapp": "+38050123"}, "staff[0].whatsapp: '+38050123' is not a valid phone number"),
    ({"services[0].prepayment": {"percent": 120}}, "services[0].prepayment.percent: must be a percentage"),
    ({"services[0].prepayment": {"per_hour": "x"}}, "services[0].prepayment.per_hour: must be an amount"),
    (
        {"services[0].prepayment": {"percent": 10, "per_hour": 100}},
        "services[0].prepayment: needs percent or",
    ),
    (
        {"services[0].prepayment": {"share": 10}},
        "services[0].prepayment.share: unknown key (expected: percent",
    ),
    ({"prepayment.default": "half"}, "prepayment.default: must be an amount of money"),
    ({"prepayment.exempt.min_visits": -1}, "prepayment.exempt.min_visits: must be a whole number of visits"),
    (
        {"prepayment.exempt.phones": ["+380501234567", "12"]},
        "prepayment.exempt.phones[1]: '12' is not a valid",
    ),
    ({"prepayment.exempts": {}}, "prepayment.exempts: unknown key (did you mean 'exempt'?)"),
    ({"reminders.offsets": ["24h", "2"]}, "reminders.offsets[1]: '2' is not a time before the booking"),
    ({"reminders.offsets": ["24h", "1d"]}, "reminders.offsets: lists 24h twice"),
    ({"reminders.offset": ["24h"]}, "reminders.offset: unknown key (did you mean 'offsets'?)"),
    ({"reminders.quiet_hours": "21:00-21:00"}, "reminders.quiet_hours: start and end are both 21:00"),
    ({"reminders.quiet_hours": "late"}, "reminders.quiet_hours: 'late' is not a time range"),
    ({"services[1].reminders": "soon"}, "services[1].reminders: 'soon' is not a time before the booking"),
    ({"notifications.language": "de"}, "notifications.language: language 'de' is not supported"),
    ({"notifications.admins": [{"whatsapp": "0"}]}, "notifications.admins[0].whatsapp: '0' is not a valid"),
    ({"liqpay.api_base": "www.liqpay.ua"}, "liqpay.api_base: must be a web address starting with https://"),
    ({"business.currency": "PLN"}, "business.currency: online prepayments are taken in UAH, EUR, USD only"),
]


@pytest.mark.parametrize(
    ("edits", "expected"), MISTAKES, ids=[m[1].split(":")[0] + f"#{i}" for i, m in enumerate(MISTAKES)]
)
def test_mistake_is_reported_at_its_key(edits: dict[str, Any], expected: str) -> None:
    found = problems(edited(edits))
    assert any(line.startswith(expected) for line in found), "\n".join(found)


def test_a_typo_also_reports_the_key_it_left_out() -> None:
    found = problems(edited({"services[0].duration": DELETE, "services[0].duraton": 60}))
    assert found == [
        "services[0].duraton: unknown key (did you mean 'duration'?)",
        "services[0].duration: is missing",
    ]


def test_every_mistake_is_reported_at_once_one_per_line() -> None:
    data = edited({"services[0].duration": -5, "services[6].room": "gym", "business.timezone": "Mars/Base"})
    with pytest.raises(ConfigError) as raised:
        settings(data)
    assert len(raised.value.problems) == 3
    assert str(raised.value).splitlines() == raised.value.problems


def test_partial_twilio_keys_are_reported() -> None:
    found = problems(shipped(), {"TWILIO_ACCOUNT_SID": "AC1"})
    assert found == [
        "twilio.auth_token: is missing; WhatsApp through Twilio needs all of account_sid, auth_token, from",
        "twilio.from: is missing; WhatsApp through Twilio needs all of account_sid, auth_token, from",
    ]


def test_sending_rates_come_from_the_environment_and_are_checked() -> None:
    shipped_default = load_settings(SHIPPED, {})
    assert (shipped_default.telegram.messages_per_second, shipped_default.twilio.messages_per_second) == (
        30,
        None,
    )
    rates = {"TELEGRAM_MESSAGES_PER_SECOND": "100", "TWILIO_MESSAGES_PER_SECOND": "80"}
    loaded = load_settings(SHIPPED, rates)
    assert (loaded.telegram.messages_per_second, loaded.twilio.messages_per_second) == (100, 80)
    assert problems(shipped(), {"TWILIO_MESSAGES_PER_SECOND": "0"}) == [
        "twilio.messages_per_second: must be a positive whole number, got '0'"
    ]


def test_liqpay_needs_both_keys() -> None:
    assert problems(shipped(), {"LIQPAY_PRIVATE_KEY": "k"}) == [
        "liqpay.public_key: is missing; LiqPay needs all of public_key, private_key"
    ]


def test_an_id_used_twice_is_reported_beside_the_entries_own_mistakes() -> None:
    found = problems(edited({"services[1].id": "womens-haircut", "services[2].duration": 0}))
    assert found == [
        "services[2].duration: must be a positive whole number of minutes, got 0",
        "services[1].id: 'womens-haircut' is already used by services[0]",
    ]


def test_a_broken_specialist_does_not_hide_the_services_mistakes() -> None:
    found = problems(edited({"staff[3].hours": "always", "services[7].duration": "half an hour"}))
    assert [line.split(":")[0] for line in found] == ["staff[3].hours", "services[7].duration"]


# ---- phone numbers and the phone region -------------------------------------------------------------------


def test_phone_region_is_required_and_explained() -> None:
    assert problems(edited({"business.phone_region": DELETE})) == [
        "business.phone_region: is missing: the country whose phone numbers may be written without +code,"
        " e.g. UA, PL, FR or GR"
    ]


def test_phone_region_fills_the_business_and_may_be_lowercase() -> None:
    assert load_settings(SHIPPED, {}).business.phone_region == "UA"
    assert settings(edited({"business.phone_region": "pl"})).business.phone_region == "PL"


def test_a_wrong_region_gets_a_hint_and_examples() -> None:
    (line,) = problems(edited({"business.phone_region": "UK"}))
    assert line == (
        "business.phone_region: 'UK' is not a country code"
        " (did you mean GB (United Kingdom) or UA (Ukraine)?);"
        " use an ISO 3166 code such as UA, PL, FR, GR, DE, GB, US"
    )


def test_staff_and_admin_numbers_are_read_in_the_region_and_kept_as_e164() -> None:
    admins = [{"name": "Desk", "telegram_chat_id": -1001234, "whatsapp": "+48 601 234 567"}]
    data = edited({"staff[0].whatsapp": "050 123 45 67", "notifications.admins": admins})
    business = settings(data).business
    assert business.staff[0].contacts == (Contact("whatsapp", "+380501234567"),)
    assert business.admins == (Contact("telegram", "-1001234"), Contact("whatsapp", "+48601234567"))


def test_an_unquoted_international_number_keeps_its_plus(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        '    title: "Hair stylist"\n', '    title: "Hair stylist"\n    whatsapp: +380501234567\n', 1
    )
    business = load_settings(write(tmp_path, text), {}).business
    assert business.staff[0].contacts == (Contact("whatsapp", "+380501234567"),)


def test_a_number_is_checked_by_the_rules_of_its_country() -> None:
    (line,) = problems(edited({"business.phone_region": "PL", "staff[0].whatsapp": "050 123 45 67"}))
    assert line.startswith(
        "staff[0].whatsapp: '050 123 45 67' is not a valid phone number; write it like +48"
    )


# ---- prepayments ------------------------------------------------------------------------------------------


def test_shipped_prepayments_are_fixed_amounts_and_nothing_by_default() -> None:
    business = load_settings(SHIPPED, {}).business
    assert business.prepayment == PrepaymentPolicy()
    assert business.service("colouring").prepayment_rule == PrepaymentRule("amount", Decimal(500))
    assert business.service("manicure").prepayment == 0
    assert business.service("manicure").prepayment_rule == PrepaymentRule()


def test_a_share_of_the_price_or_an_hourly_amount_is_computed_in_whole_units() -> None:
    data = edited(
        {
            "services[0].prepayment": {"percent": 15},  # 800 → 120
            "services[1].prepayment": {"percent": "12.5"},  # 550 → 68.75 → 69
            "services[6].prepayment": {"per_hour": 150},  # 75 minutes → 187.50 → 188
            "services[7].prepayment": {"per_hour": 1000},  # 30 minutes → 500, but the price is 350
        }
    )
    services = settings(data).business.services
    assert [services[i].prepayment for i in (0, 1, 6, 7)] == [120, 69, 188, 350]
    assert services[0].prepayment_rule == PrepaymentRule("percent", Decimal(15))
    assert services[6].prepayment_rule == PrepaymentRule("per_hour", Decimal(150))


def test_the_default_rule_applies_to_services_without_their_own() -> None:
    data = edited({"prepayment.default": {"percent": 10}, "services[3].prepayment": 0})
    business = settings(data).business
    assert business.service("womens-haircut").prepayment == 80
    assert business.service("colouring").prepayment == 500  # its own fixed amount
    assert business.service("manicure").prepayment == 0  # its own 0: paid on site
    assert business.prepayment.default == PrepaymentRule("percent", Decimal(10))


def test_exemptions_and_periods() -> None:
    period = {"from": "2026-12-15", "to": "2026-12-31", "rule": {"percent": 30}, "services": ["colouring"]}
    exempt = {"phones": ["050 123 45 67", "+48 601 234 567"], "min_visits": 5}
    policy = settings(
        edited({"prepayment.exempt": exempt, "prepayment.periods": [period]})
    ).business.prepayment
    assert policy.exempt_phones == {"+380501234567", "+48601234567"}
    assert policy.exempt_min_visits == 5
    assert policy.periods == (
        PrepaymentPeriod(
            date(2026, 12, 15), date(2026, 12, 31), PrepaymentRule("percent", Decimal(30)), ("colouring",)
        ),
    )
    assert policy.periods[0].covers(date(2026, 12, 31), "colouring")
    assert not policy.periods[0].covers(date(2027, 1, 1), "colouring")
    assert not policy.periods[0].covers(date(2026, 12, 20), "manicure")


def test_a_period_for_every_service() -> None:
    periods = [
        {"from": "2026-12-15", "to": "2026-12-31", "rule": 200, "services": "all"},
        {"from": "2027-02-10", "to": "2027-02-14", "rule": 100},
    ]
    found = settings(edited({"prepayment.periods": periods})).business.prepayment.periods
    assert [period.services for period in found] == [(), ()]
    assert found[0].covers(date(2026, 12, 20), "manicure")


def test_a_periods_mistakes() -> None:
    periods = [{"from": "2026-12-31", "to": "2026-12-15", "services": ["nails"]}]
    assert problems(edited({"prepayment.periods": periods})) == [
        "prepayment.periods[0].services[0]: unknown service 'nails' (known: womens-haircut, mens-haircut,"
        " colouring, manicure, gel-manicure, pedicure, facial, beard-trim, stretching)",
        "prepayment.periods[0].rule: is missing: what to ask for in these dates, e.g. {percent: 30} or 200",
    ]
    reversed_dates = [{"from": "2026-12-31", "to": "2026-12-15", "rule": 100}]
    assert problems(edited({"prepayment.periods": reversed_dates})) == [
        "prepayment.periods[0].to: 2026-12-15 is before the start 2026-12-31"
    ]


def test_another_currency_is_fine_without_prepayments() -> None:
    data = edited({"business.currency": "PLN", "services[2].prepayment": 0, "services[6].prepayment": DELETE})
    assert settings(data).business.currency == "PLN"


# ---- reminders and staff notifications -------------------------------------------------------------------


def test_shipped_reminders_a_day_and_two_hours_before_outside_the_night() -> None:
    business = load_settings(SHIPPED, {}).business
    assert business.reminders == ReminderPolicy((24 * 60, 2 * 60), QuietHours(hm("21:00"), hm("09:00")))
    assert business.reminder_offsets_for(business.service("manicure")) == (24 * 60, 2 * 60)
    quiet = business.reminders.quiet_hours
    assert quiet is not None
    assert quiet.covers(hm("23:30")) and quiet.covers(hm("08:59")) and quiet.covers(hm("21:00"))
    assert not quiet.covers(hm("09:00")) and not quiet.covers(hm("20:59"))


def test_reminder_offsets_are_written_in_days_hours_and_minutes() -> None:
    data = edited(
        {
            "reminders.offsets": ["30m", "1d", "1h30m"],
            "reminders.quiet_hours": "off",
            "services[2].reminders": ["48h", "3h"],
            "services[3].reminders": [],
        }
    )
    business = settings(data).business
    assert business.reminders == ReminderPolicy((24 * 60, 90, 30), None)
    assert business.reminder_offsets_for(business.service("colouring")) == (48 * 60, 3 * 60)
    assert business.reminder_offsets_for(business.service("manicure")) == ()


def test_quiet_hours_within_one_day() -> None:
    quiet = settings(edited({"reminders.quiet_hours": "13:00-14:00"})).business.reminders.quiet_hours
    assert quiet == QuietHours(hm("13:00"), hm("14:00"))
    assert quiet.covers(hm("13:30")) and not quiet.covers(hm("14:00"))


def test_staff_messages_are_in_the_default_language_unless_told() -> None:
    assert load_settings(SHIPPED, {}).business.staff_language == "uk"
    assert settings(edited({"notifications.language": DELETE})).business.staff_language == "uk"
    assert settings(edited({"notifications.language": "en"})).business.staff_language == "en"


# ---- LiqPay -----------------------------------------------------------------------------------------------


def test_liqpay_addresses_default_to_liqpay_and_follow_the_environment() -> None:
    from bot.app import liqpay_account

    keys = {"LIQPAY_PUBLIC_KEY": "i000", "LIQPAY_PRIVATE_KEY": "secret"}
    account = liqpay_account(load_settings(SHIPPED, keys))
    assert account is not None and account.api_base == "https://www.liqpay.ua"
    assert account.request_url == "https://www.liqpay.ua/api/request"
    assert account.checkout_url == "https://www.liqpay.ua/api/3/checkout"
    fake = liqpay_account(load_settings(SHIPPED, {**keys, "LIQPAY_API_BASE": "http://127.0.0.1:8081/"}))
    assert fake is not None and (fake.request_url, fake.checkout_url) == (
        "http://127.0.0.1:8081/api/request",
        "http://127.0.0.1:8081/api/3/checkout",
    )
    # LiqPay calls back at the public address unless told otherwise.
    public = {**keys, "SLOTBOT_PUBLIC_URL": "https://bot.example.com"}
    assert (liqpay_account(load_settings(SHIPPED, public)) or fake).server_url == (
        "https://bot.example.com/webhooks/liqpay"
    )
    assert liqpay_account(load_settings(SHIPPED, {})) is None


@pytest.mark.parametrize(
    "given",
    ["https://bot.example.com", "https://bot.example.com/", "https://bot.example.com/webhooks/twilio/"],
)
def test_a_public_url_ending_in_the_webhook_path_means_its_host(given: str) -> None:
    loaded = load_settings(SHIPPED, {**ENVIRON, "SLOTBOT_PUBLIC_URL": given})
    assert loaded.twilio.public_url == "https://bot.example.com"


def test_channel_settings_built_in_code_take_plain_strings() -> None:
    telegram = TelegramSettings(token="1:x", webhook_secret="hook-SECRET")
    twilio = TwilioSettings(
        account_sid="AC1",
        auth_token="twilio-SECRET",
        from_number="whatsapp:+14155238886",
        public_url="https://bot.example.com",
    )
    assert revealed(telegram.token) == "1:x" and revealed(telegram.webhook_secret) == "hook-SECRET"
    assert revealed(twilio.auth_token) == "twilio-SECRET" and twilio.from_number == "whatsapp:+14155238886"
    assert "SECRET" not in repr(telegram) + repr(twilio)


# ---- friendly forms -------------------------------------------------------------------------------------


def test_plain_name_means_the_default_language() -> None:
    business = settings(edited({"services[0].name": "Стрижка"})).business
    assert business.services[0].name == {"uk": "Стрижка"}


def test_session_specialist_may_be_left_out_when_the_class_has_one_teacher() -> None:
    stretching = settings(edited({"services[8].sessions[0].specialist": DELETE})).business.services[8]
    assert {s.specialist for s in stretching.sessions} == {"maria"}


def test_off_words_and_a_24_00_end() -> None:
    hours = {"mon-fri": "09:00-24:00", "sat": "off", "sun": None}
    schedule = settings(edited({"staff[0].hours": hours})).business.staff[0].schedule
    assert sorted(schedule.weekly) == [0, 1, 2, 3, 4]
    assert schedule.weekly[4] == (TimeRange(hm("09:00"), 1440),)


# ---- the YAML file itself -------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(path, {})
    return raised.value.problems


def test_missing_file(tmp_path: Path) -> None:
    assert load_problems(tmp_path / "nope.yaml") == [f"nope.yaml: file not found ({tmp_path / 'nope.yaml'})"]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "business:\n  name: Iris\n  timezone: [Europe/Kyiv\nstaff: []\n")
    (line,) = load_problems(path)
    assert line.startswith("config.yaml: YAML syntax error at line 4")


def test_key_given_twice_is_reported_with_its_line(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        '      sat: "10:00-16:00"\n', '      sat: "10:00-16:00"\n      sat: "10:00-14:00"\n', 1
    )
    line = text.splitlines().index('      sat: "10:00-14:00"') + 1
    assert load_problems(write(tmp_path, text)) == [
        f"config.yaml line {line}: key 'sat' is given twice in the same section; keep one"
    ]


def test_yaml_1_1_surprises_are_avoided(tmp_path: Path) -> None:
    # In YAML 1.1 an unquoted 19:00 is the number 1140 and `off` is false; 2026-02-30 would crash PyYAML.
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('time: "19:00"', "time: 19:00").replace('sat: "10:00-16:00"', "sat: off")
    assert (
        load_settings(write(tmp_path, text), {}).business.service("stretching").sessions[0].start == 19 * 60
    )
    assert 5 not in load_settings(write(tmp_path, text), {}).business.staff[0].schedule.weekly
    broken = text.replace("- date: 2026-12-25", "- date: 2026-02-30")
    assert load_problems(write(tmp_path, broken)) == [
        "closures[0].date: '2026-02-30' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-12-25"
    ]


def test_empty_file_lists_what_is_needed(tmp_path: Path) -> None:
    found = load_problems(write(tmp_path, "# nothing yet\n"))
    assert {"business.name: is missing", "business.timezone: is missing", "database.url: is missing"} <= set(
        found
    )
    assert "staff: at least one specialist is needed" in found


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert (
        load_problems(write(tmp_path, "- business\n"))[0]
        == "(top level): must be a mapping (key: value lines), got a list"
    )


# ---- database URLs --------------------------------------------------------------------------------------

BASE = Path("/srv/salon")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///slotbot.db", "sqlite+aiosqlite:////srv/salon/slotbot.db"),
        ("sqlite:///data/slotbot.db", "sqlite+aiosqlite:////srv/salon/data/slotbot.db"),
        ("sqlite:////var/lib/slotbot.db", "sqlite+aiosqlite:////var/lib/slotbot.db"),
        ("sqlite+aiosqlite:///slotbot.db", "sqlite+aiosqlite:////srv/salon/slotbot.db"),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("sqlite:///slotbot.db?timeout=10", "sqlite+aiosqlite:////srv/salon/slotbot.db?timeout=10"),
        ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://slot:pw@db:5432/slotbot", "postgresql+asyncpg://slot:pw@db:5432/slotbot"),
        ("postgres://slot:pw@db/slotbot", "postgresql+asyncpg://slot:pw@db/slotbot"),
        (
            "postgresql+asyncpg://slot@db/slotbot?ssl=require",
            "postgresql+asyncpg://slot@db/slotbot?ssl=require",
        ),
    ],
)
def test_database_url_becomes_async(url: str, expected: str) -> None:
    assert async_database_url(url, BASE) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:secret@h/db", "unsupported database 'mysql://'"),
        ("postgresql+psycopg2://u:secret@h/db", "unsupported database 'postgresql+psycopg2://'"),
        ("slotbot.db", "is not a database URL"),
        ("sqlite://secret/x.db", "a SQLite URL has three slashes"),
    ],
)
def test_bad_database_url_is_explained_without_repeating_it(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)) as raised:
        async_database_url(url, BASE)
    assert "secret" not in str(raised.value)


UK_SID, EN_SID = "HX" + "1" * 32, "HX" + "2" * 32


def test_a_whatsapp_template_may_be_given_in_each_language() -> None:
    loaded = settings(edited({"twilio.content.reminder": {"uk": UK_SID, "en": EN_SID}}))
    assert {k: v for k, v in loaded.twilio.content.items() if k.startswith("reminder")} == {
        "reminder:uk": UK_SID,
        "reminder:en": EN_SID,
    }


def test_a_templates_language_must_be_one_slotbot_speaks_and_its_sid_a_content_sid() -> None:
    found = problems(edited({"twilio.content.reminder": {"ua": UK_SID, "en": "HX12"}}))
    assert any(p.startswith("twilio.content.reminder.ua: unknown key") for p in found), found
    assert any(p.startswith("twilio.content.reminder.en: must be a Twilio Content SID") for p in found), found
    # Quick replies carry the customer's own words: one template serves every language.
    found = problems(edited({"twilio.content.quick_reply_2": {"uk": UK_SID}}))
    refused = "twilio.content.quick_reply_2: must be a Twilio Content SID"
    assert any(p.startswith(refused) for p in found), found
