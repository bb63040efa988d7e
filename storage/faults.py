"""What is wrong with the database, in one line for the operator: which file (or server) and what to do.

SQLite says "unable to open database file" or "attempt to write a readonly database" without naming the
file, and the same words cover a missing folder, a read-only file and a read-only folder (where SQLite must
create the -wal and -shm files beside the database). This names the file and tells them apart.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, ProgrammingError


def is_fault(error: BaseException) -> bool:
    """Whether `error` is the database's condition (unreachable, read-only, full, damaged), not a bug of ours
    such as a broken constraint, which keeps its traceback."""
    if isinstance(error, sqlite3.Error):
        return not isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError)
    if isinstance(error, DBAPIError):
        return isinstance(error, InterfaceError) or not isinstance(
            error, IntegrityError | ProgrammingError | DataError
        )
    # asyncpg's own errors, and the socket's when connecting (refused, no such host), are not wrapped
    return type(error).__module__.startswith("asyncpg") or (isinstance(error, OSError) and _in_asyncpg(error))


def _in_asyncpg(error: BaseException) -> bool:
    step = error.__traceback__
    while step is not None:
        if f"{os.sep}asyncpg{os.sep}" in step.tb_frame.f_code.co_filename:
            return True
        step = step.tb_next
    return False


def explain(url: str, error: BaseException) -> str:
    """One line on what `error`, met while using the database at `url`, means and what to do about it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return f"cannot use the PostgreSQL database {shown(parsed)}: {reason(error)}"
    path = Path(str(parsed.database).removeprefix("file:"))
    return _sqlite(path, _sqlite_error(error), reason(error))


def shown(url: URL) -> str:
    """A PostgreSQL address as libpq takes it, without the password."""
    plain = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return plain.render_as_string(hide_password=False)


def reason(error: BaseException) -> str:
    """The database's own words for `error`, without SQLAlchemy's statement and parameters."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _sqlite_error(error: BaseException) -> sqlite3.Error | None:
    found: BaseException | None = error
    while found is not None:
        if isinstance(found, sqlite3.Error):
            return found
        found = found.orig if isinstance(found, DBAPIError) else found.__cause__
    return None


def _sqlite(path: Path, error: sqlite3.Error | None, said: str) -> str:
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    folder = path.parent
    name = f"the database file {path}"
    if code == sqlite3.SQLITE_FULL:
        return f"cannot write {name}: the disk is full ({said}); free space on the disk that holds {folder}"
    if code == sqlite3.SQLITE_CANTOPEN and not folder.is_dir():
        return (
            f"cannot open {name}: its folder {folder} does not exist; create it, or set database.url "
            "(SLOTBOT_DATABASE_URL) to a file in a folder that does"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return f"cannot write {name}: {_unwritable(path)} ({said})"
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return f"{name} is damaged or not a SQLite database ({said}); restore it from a backup"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return f"{name} stayed locked by another process ({said}); is another `slotbot` writing to it?"
    if code == sqlite3.SQLITE_IOERR:
        return f"reading or writing {name} failed ({said}); check the disk that holds {folder}"
    return f"cannot use {name}: {said}"


def _unwritable(path: Path) -> str:
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only for the user running Slotbot; let it write to the file and its folder"
    if not os.access(folder, os.W_OK):
        return (
            f"its folder {folder} is read-only for the user running Slotbot, and SQLite keeps its journal "
            f"({path.name}-wal, {path.name}-shm) beside the file; let it write to the folder"
        )
    return f"check that the user running Slotbot may read and write it and its folder {folder}"
