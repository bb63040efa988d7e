"""The pure core stays pure by import: the conversation, the booking record and the slot computation load no
database toolkit and no messaging framework (each costs seconds and drags I/O into what must have none)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "aiogram",
    "telegram",
    "twilio",
    "aiohttp",
    "pydantic",
    "icalendar",
)


@pytest.mark.parametrize(
    "module",
    [
        "conversations.flow",
        "conversations.diagram",
        "conversations.agenda",
        "storage.booking",
        "storage.availability",
        "storage.reminders",
        "storage.attempt",
        "storage.waiting",
        "payments.prepayment",
    ],
)
def test_the_pure_core_imports_no_database_or_framework(module: str) -> None:
    probe = (
        f"import sys, {module}\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(','.join(heavy))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "", f"importing {module} loads {loaded.stdout.strip()}"
