"""`slotbot db backup PATH`: a consistent copy of the SQLite file, taken while the bot runs.

Copying slotbot.db alone misses what is still in its write-ahead log (slotbot.db-wal), which is where the
newest bookings are. SQLite's online backup API copies the database as one reader sees it at one moment, log
included, while the bot goes on writing. The copy is written beside its destination and renamed into place
once checked, so a backup cut short never leaves a half-written file under the name asked for.

PostgreSQL has tools of its own for this (pg_dump and pg_restore); `BackupRefused` says how to use them.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storage.faults import shown

BUSY_TIMEOUT_S = 30.0


class BackupRefused(Exception):
    """No backup was made; the message says why and what to do instead."""


@dataclass(frozen=True)
class Copied:
    source: Path
    target: Path
    pages: int
    size: int  # bytes


def backup(url: str, target: Path, now: datetime) -> Copied:
    """Copy the SQLite database at `url` to `target`: a file (replaced if there is one), or a folder to put
    a file named after the database and `now` (UTC) in."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupRefused(postgres_advice(parsed, target))
    source = Path(str(parsed.database).removeprefix("file:")).absolute()
    if not source.is_file():
        raise BackupRefused(f"there is no database file at {source} to back up")
    if target.is_dir():
        target = target / f"{source.stem}-{now:%Y%m%dT%H%M%SZ}{source.suffix}"
    target = target.absolute()
    if target.resolve() == source.resolve():
        raise BackupRefused(f"{target} is the database itself; name another file")
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        pages = _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(source, target, pages, target.stat().st_size)


def _copy(source: Path, target: Path) -> int:
    """The pages copied. The source opens with mode=rw: never create a database where there was none (and a
    reader of a WAL database needs to write its shared index). sqlite3's own `with` would leave it open."""
    live = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
    with closing(live) as src:
        src.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # the source's own faults, as such
        try:
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)  # one step: the whole database as of one moment
                # One self-contained file, no -wal beside it to lose when it is moved; Slotbot turns WAL on.
                dst.execute("PRAGMA journal_mode=DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        except sqlite3.Error as error:
            raise BackupRefused(f"copying {source} to {target.parent} failed: {error}") from None
    if check != "ok":
        raise BackupRefused(f"the copy of {source} does not check out ({check}); nothing was kept")
    return pages


def postgres_advice(url: URL, target: Path) -> str:
    """How to back up and restore a PostgreSQL store, with this database's address (never its password)."""
    where = shown(url)
    return (
        "the database is PostgreSQL, which backs up with its own tools: pg_dump, for example\n"
        f"  pg_dump --format=custom --file={target} '{where}'\n"
        "(the password from PGPASSWORD or ~/.pgpass); restore into an empty database with\n"
        f"  pg_restore --no-owner --dbname='{where}' {target}"
    )
