"""What `slotbot serve` makes sure of before it says it is listening: a channel to serve, a bot token that
Telegram accepts, a database that takes writes; and whom of the staff no booking notice could reach.

A refusal is one line for the operator (`CannotStart`, printed by bot/cli.py), never a traceback after a
"listening" that promised more: a refused token used to surface 9 s later, from the first long poll.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from bot.channels.base import TELEGRAM, WHATSAPP
from bot.channels.telegram import TokenRefused
from bot.config import Settings
from storage.business import Business, Contact

if TYPE_CHECKING:
    from bot.app import TelegramDriver

log = logging.getLogger("slotbot.startup")

NAMES = {TELEGRAM: "Telegram", WHATSAPP: "WhatsApp"}
TO_SET = {
    TELEGRAM: "set TELEGRAM_BOT_TOKEN (telegram.token)",
    WHATSAPP: (
        "set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM and SLOTBOT_PUBLIC_URL (twilio.*)"
    ),
}


class CannotStart(Exception):
    """Start-up refused; the message says what to set or fix. `code` is the process's exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def require_channel(settings: Settings) -> None:
    if settings.telegram.token or settings.twilio.enabled:
        return
    raise CannotStart(
        f"serve has no channel configured: for Telegram {TO_SET[TELEGRAM]}; for WhatsApp "
        f"{TO_SET[WHATSAPP]}. `slotbot chat` talks to you in this terminal without either",
        code=2,
    )


async def check_telegram(settings: Settings, driver: TelegramDriver) -> str:
    """The bot's @username, from getMe through the driver; CannotStart if Telegram refuses the token."""
    try:
        return await driver.me()
    except Exception as error:
        raise _telegram_problem(settings, error) from None


def _telegram_problem(settings: Settings, error: Exception) -> CannotStart:
    token = settings.telegram.token
    said = str(error).replace(token.get_secret_value(), "[redacted]") if token else str(error)
    if isinstance(error, TokenRefused):
        return CannotStart(
            f"Telegram refused the bot token ({said}): set TELEGRAM_BOT_TOKEN (telegram.token) to the token "
            "@BotFather gave for this bot",
            code=2,
        )
    where = settings.telegram.api_base or "https://api.telegram.org"
    return CannotStart(
        f"could not check the bot token with Telegram at {where} ({type(error).__name__}: {said}); "
        "check the network, or telegram.api_base (TELEGRAM_API_BASE)"
    )


def unreached(business: Business, channels: Collection[str]) -> list[str]:
    """A line for each staff or admin contact on a channel that is not configured: the outbox marks their
    notices failed without a word, so this is where it is said."""
    lines = []
    for i, person in enumerate(business.staff):
        lost = [contact for contact in person.contacts if contact.channel not in channels]
        only = len(lost) == len(person.contacts)
        left = "it is their only contact" if only else "their other contact still gets them"
        lines += [f"staff[{i}] ({person.id}): {_unsent(contact)}; {left}" for contact in lost]
    lost_admins = [contact for contact in business.admins if contact.channel not in channels]
    return lines + [f"notifications.admins: {_unsent(contact)}" for contact in lost_admins]


def _unsent(contact: Contact) -> str:
    name = NAMES.get(contact.channel, contact.channel)
    to_set = TO_SET.get(contact.channel, "configure it")
    return f"booking notices to {name} {contact.chat_id} are never sent: {name} is not configured ({to_set})"
