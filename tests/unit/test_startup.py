"""Who of the staff no booking notice can reach, said at start (bot/startup.py); the rest of the start-up
checks are seen from outside in tests/e2e/test_operator.py."""

from __future__ import annotations

from dataclasses import replace

from bot.startup import unreached
from storage.business import Business, Contact
from tests.sample import salon

TELEGRAM, WHATSAPP = Contact("telegram", "111"), Contact("whatsapp", "+380501234567")
Contacts = tuple[Contact, ...]


def _business(anna: Contacts, boris: Contacts, admins: Contacts = ()) -> Business:
    business = salon()
    staff = (replace(business.staff[0], contacts=anna), replace(business.staff[1], contacts=boris))
    return replace(business, staff=staff, admins=admins)


def test_nobody_is_warned_of_when_every_contact_has_its_channel() -> None:
    business = _business((TELEGRAM,), (WHATSAPP,), (TELEGRAM, WHATSAPP))
    assert unreached(business, {"telegram", "whatsapp"}) == []


def test_a_specialist_whose_only_contact_has_no_channel_is_warned_of() -> None:
    [line] = unreached(_business((WHATSAPP,), ()), {"telegram"})
    assert line.startswith("staff[0] (anna): booking notices to WhatsApp +380501234567 are never sent")
    assert "TWILIO_ACCOUNT_SID" in line and line.endswith("it is their only contact")


def test_a_specialist_with_another_working_contact_is_told_it_still_works() -> None:
    [line] = unreached(_business((), (TELEGRAM, WHATSAPP)), {"whatsapp"})
    assert line.startswith("staff[1] (boris): booking notices to Telegram 111 are never sent")
    assert line.endswith("their other contact still gets them")


def test_an_admin_on_a_channel_not_configured_is_warned_of() -> None:
    [line] = unreached(_business((), (), (TELEGRAM, WHATSAPP)), {"whatsapp"})
    assert line.startswith("notifications.admins: booking notices to Telegram 111 are never sent")
    assert "TELEGRAM_BOT_TOKEN" in line
