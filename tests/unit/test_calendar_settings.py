"""The secret that signs calendar links (config.yaml's twilio.link_secret, SLOTBOT_LINK_SECRET): checked on
load, and without it (or without the public URL) no links are made, with a warning where WhatsApp is on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import calendar_links
from bot.calendar import Ticket
from bot.config import ConfigError, Settings, load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"
SECRET = "9f" * 16
WHATSAPP = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    "SLOTBOT_PUBLIC_URL": "https://bot.example.com",
}


def loaded(**environ: str) -> Settings:
    return load_settings(SHIPPED, environ)


def test_the_secret_comes_from_the_environment_and_stays_hidden() -> None:
    settings = loaded(SLOTBOT_LINK_SECRET=SECRET, **WHATSAPP)
    assert settings.twilio.link_secret is not None and SECRET not in repr(settings)
    links = calendar_links(settings)
    assert links is not None and links.base == "https://bot.example.com"
    assert links.read(links.token(Ticket(1, 0, "en"))) == Ticket(1, 0, "en")


@pytest.mark.parametrize("secret", ["short", "x" * 31, "a secret with spaces in it, long enough"])
def test_a_weak_secret_is_a_mistake_that_never_repeats_it(secret: str) -> None:
    with pytest.raises(ConfigError) as raised:
        loaded(SLOTBOT_LINK_SECRET=secret)
    [problem] = raised.value.problems
    assert problem.startswith("twilio.link_secret: must be 32 or more characters") and secret not in problem


def test_without_the_secret_whatsapp_carries_no_file_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "slotbot.app"):
        assert calendar_links(loaded(**WHATSAPP)) is None
    assert "SLOTBOT_LINK_SECRET" in caplog.text


def test_without_a_public_url_there_are_no_links_and_nothing_to_warn_of(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "slotbot.app"):
        assert calendar_links(loaded(SLOTBOT_LINK_SECRET=SECRET)) is None  # no WhatsApp, no terminal link
        assert calendar_links(loaded()) is None
    assert caplog.text == ""
