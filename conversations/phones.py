"""Phone numbers, one set of rules everywhere: what a customer types, a WhatsApp sender, a number in config.

Every number is kept as E.164 ("+380501234567") once it has passed `phonenumbers`' validity check for its
country; a number without a country code is read in the business's `phone_region` (a setting, not a
guess).
"""

from __future__ import annotations

import phonenumbers

E164_FORMAT = phonenumbers.PhoneNumberFormat.E164


def normalise(raw: str, region: str | None = None) -> str | None:
    """`raw` as E.164 if it is a valid number (read in `region` when it has no "+country"), else None."""
    text = raw.strip().removeprefix("whatsapp:")
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, E164_FORMAT)


def is_e164(value: str) -> bool:
    """Whether `value` is already a valid number written as E.164 (what the store and the platforms keep)."""
    return value.startswith("+") and normalise(value) == value


def example(region: str) -> str:
    """A mobile number of `region` as people write it internationally, to show in "e.g. …"."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked(phone: str | None) -> str:
    """A number as logs may show it: the country code and the last two digits ("+380•••••••67")."""
    if not phone:
        return "-"
    digits = phone.lstrip("+")
    if len(digits) <= 4:
        return "•" * len(digits)
    return f"+{digits[:3]}{'•' * (len(digits) - 5)}{digits[-2:]}"


def is_region(code: str) -> bool:
    """Whether `code` is a region phonenumbers knows ("UA", "PL", "FR", "GR" ...)."""
    return code in phonenumbers.SUPPORTED_REGIONS
