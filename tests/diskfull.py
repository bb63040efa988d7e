"""A full disk, as SQLite meets it: no connection opened meanwhile may grow its database file, so a write that
needs room fails with SQLite's own "database or disk is full" (SQLITE_FULL), as on a real full disk, without
root or a tiny file system. `PRAGMA max_page_count` never goes below the file's size: 1 means "no bigger".

In a test: `with disk_full(): ...`. From outside: `python -m tests.diskfull ARGS` is the `slotbot` command on
a full disk.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _cap(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA max_page_count = 1")
    cursor.close()


@contextmanager
def disk_full() -> Iterator[None]:
    event.listen(Engine, "connect", _cap)
    try:
        yield
    finally:
        event.remove(Engine, "connect", _cap)


if __name__ == "__main__":
    from bot.cli import main

    with disk_full():
        sys.exit(main(sys.argv[1:]))
