"""Prepared statements: on SQLite's writer they run on the driver, and must write exactly what SQLAlchemy's
own execution writes (types converted, literals in place) and fail the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, String, bindparam, cast, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database, open_database
from storage.migrate import upgrade
from storage.models import bookings, claims, inbound, outbox
from storage.prepared import Prepared
from tests.sample import NOW

o = outbox.c
_ROW = {
    "channel": "telegram",
    "chat_id": "42",
    "method": "sendMessage",
    "params": '{"text": "Привіт"}',
    "status": "pending",
    "attempts": 0,
    "not_before": 100,
    "created_at": NOW,
    "lease_owner": None,
    "lease_until": None,
}
_INSERT = Prepared(insert(outbox).returning(o.id))
_SENT = Prepared(
    update(outbox)
    .where(o.id == bindparam("b_id"), o.status == "pending")
    .values(status="sent", sent_at=bindparam("b_at", type_=o.sent_at.type), attempts=o.attempts + 1)
)


async def _rows(database: Database) -> list[dict[str, object]]:
    async with database.reading() as conn:
        return [dict(r._mapping) for r in (await conn.execute(select(outbox).order_by(o.id))).all()]


async def _stored(database: Database) -> list[tuple[str, ...]]:
    """The times as the database holds them, unconverted."""
    query = select(cast(o.created_at, String), cast(o.sent_at, String)).order_by(o.id)
    async with database.reading() as conn:
        return [tuple(row) for row in (await conn.execute(query)).all()]


async def test_a_prepared_write_stores_what_sqlalchemy_stores(database: Database) -> None:
    def both(conn: Connection) -> tuple[int, int, int, int]:
        ours = _INSERT.run(conn, _ROW).fetchall()[0][0]
        theirs = conn.execute(insert(outbox).returning(o.id), _ROW).scalar_one()
        done = _SENT.run(conn, {"b_id": ours, "b_at": NOW + timedelta(seconds=5)}).rowcount
        conn.execute(
            update(outbox)
            .where(o.id == theirs, o.status == "pending")
            .values(status="sent", sent_at=NOW + timedelta(seconds=5), attempts=o.attempts + 1)
        )
        again = _SENT.run(conn, {"b_id": ours, "b_at": NOW}).rowcount  # the literal "pending" is in place
        return ours, theirs, done, again

    ours, theirs, done, again = await database.transaction(both)
    assert (done, again) == (1, 0)
    mine, other = await _rows(database)
    assert mine["id"] == ours and other["id"] == theirs
    assert {**mine, "id": 0} == {**other, "id": 0}
    assert mine["sent_at"] == NOW + timedelta(seconds=5) and mine["created_at"] == NOW  # aware UTC back
    assert mine["attempts"] == 1 and mine["params"] == '{"text": "Привіт"}'
    ours_stored, theirs_stored = await _stored(database)
    assert ours_stored == theirs_stored


async def test_run_many_writes_every_row(database: Database) -> None:
    rows = [{**_ROW, "chat_id": str(n)} for n in range(5)]
    await database.transaction(lambda conn: Prepared(insert(outbox)).run_many(conn, rows))
    assert [r["chat_id"] for r in await _rows(database)] == ["0", "1", "2", "3", "4"]


async def test_a_refusal_is_sqlalchemys_integrity_error_and_the_rest_goes_on(database: Database) -> None:
    remember = Prepared(insert(inbound))
    row = {"channel": "test", "external_id": "m1", "received_at": NOW}
    await database.transaction(lambda conn: remember.run(conn, row))
    with pytest.raises(IntegrityError):
        await database.transaction(lambda conn: remember.run(conn, row))
    await database.transaction(lambda conn: remember.run(conn, {**row, "external_id": "m2"}))
    async with database.reading() as conn:
        ids = (await conn.execute(select(inbound.c.external_id).order_by(inbound.c.external_id))).scalars()
        assert list(ids) == ["m1", "m2"]


async def test_statements_it_cannot_run_faithfully_are_refused(sqlite_url: str) -> None:
    database = open_database(sqlite_url)  # elsewhere every statement runs through SQLAlchemy
    await upgrade(database)
    expanding = Prepared(
        update(outbox).where(o.id.in_(bindparam("b_ids", expanding=True))).values(attempts=0)
    )
    converted = Prepared(select(o.created_at).where(o.id == bindparam("b_id")))
    for statement, params, says in (
        (expanding, {"b_ids": [1, 2]}, "expanding"),
        (converted, {"b_id": 1}, "needs conversion"),
    ):
        with pytest.raises(ValueError, match=says):
            await database.transaction(lambda conn, s=statement, p=params: s.run(conn, p))
    await database.dispose()


async def test_a_boolean_literal_is_converted(database: Database) -> None:
    # claims.active is a Boolean: the literal False of .values() and the bound True both go through it.
    booking = {
        "code": "ABC",
        "service": "cut",
        "specialist": "anna",
        "start": NOW,
        "end": NOW + timedelta(hours=1),
        "status": "held",
        "created_at": NOW,
        "updated_at": NOW,
    }
    claim = {"resource": "anna", "seat": 0, "capacity": 1, "start_ts": 0, "end_ts": 60, "active": True}
    off = Prepared(
        update(claims).where(claims.c.booking_id == bindparam("b"), claims.c.active).values(active=False)
    )

    def work(conn: Connection) -> tuple[int, int]:
        booking_id = conn.execute(insert(bookings).returning(bookings.c.id), booking).scalar_one()
        Prepared(insert(claims)).run(conn, {**claim, "booking_id": booking_id, "expires_ts": None})
        return off.run(conn, {"b": booking_id}).rowcount, off.run(conn, {"b": booking_id}).rowcount

    assert await database.transaction(work) == (1, 0)
    async with database.reading() as conn:
        assert (await conn.execute(select(claims.c.active))).scalars().all() == [False]


@pytest.mark.postgres
async def test_the_asyncpg_adapter_takes_a_plan_as_a_dbapi_driver_would(pg_url: str) -> None:
    """On PostgreSQL `Prepared` runs its plan on SQLAlchemy's asyncpg adapter (`dbapi_connection`) as on any
    DB-API driver: cursor(), execute and executemany with a list of values in $n order, fetchall, rowcount,
    and errors that are the dialect's loaded_dbapi.Error. Not promised by SQLAlchemy: if a release changes
    it, this fails first, for storage/prepared.py (Prepared.run, Prepared.run_many)."""
    database = open_database(pg_url)

    def work(conn: Connection) -> tuple[list[tuple[int, ...]], int]:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("SELECT $1::int - $2::int", [5, 2])
        rows = [tuple(row) for row in cursor.fetchall()]
        raw.cursor().executemany("SELECT $1::int", [[1], [2]])
        with pytest.raises(conn.dialect.loaded_dbapi.Error):
            raw.cursor().execute("SELECT 1 / $1::int", [0])
        return rows, cursor.rowcount

    try:
        async with database.reading() as conn:
            rows, count = await conn.run_sync(work)
        assert (rows, count) == ([(3,)], 1), "storage/prepared.py reads the adapter's rows and rowcount"
    finally:
        await database.dispose()
