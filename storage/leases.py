"""Taking rows to work on (due jobs, messages to send) for a while, so that no other process takes them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, Select, Table, update


def take(conn: Connection, table: Table, query: Select[tuple], owner: str, until: int) -> Sequence[Row]:
    """The rows `query` selects (its first column their id), leased to `owner` until `until` (epoch seconds),
    inside the caller's transaction: on PostgreSQL rows another process is taking are skipped, on SQLite the
    one writer takes them one claim after another."""
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = conn.execute(query).all()
    if rows:
        ids = [row[0] for row in rows]
        conn.execute(update(table).where(table.c.id.in_(ids)).values(lease_owner=owner, lease_until=until))
    return rows
