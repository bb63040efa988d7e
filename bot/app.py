"""Composition root: settings → database → store. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from storage.db import open_database
from storage.migrate import ensure_schema
from storage.store import Store


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    """The store for `settings`, its schema checked (and, on the embedded SQLite, brought up to date)."""
    db = open_database(settings.database_url)
    try:
        await ensure_schema(db)
        yield Store(db, settings.business)
    finally:
        await db.dispose()
