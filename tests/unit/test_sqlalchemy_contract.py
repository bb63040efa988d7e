"""What our speed work assumes of SQLAlchemy beyond its plainly public API, one test per assumption.

storage/prepared.py reads a compiled statement (SQLCompiler.positiontup, .binds, .insert_prefetch,
.update_prefetch, and BindParameter.value/.required/.expanding) and raises driver errors the way SQLAlchemy
does (DBAPIError.instance); storage/sqlite_writer.py begins and ends SQLite transactions on the driver under
a SQLAlchemy Connection. None of that is private by name, but none is promised either: a release that moves
it must fail here, loudly, naming the code that depends on it, and not as wrong rows or a stray BEGIN.
pyproject.toml caps SQLAlchemy below the next minor release for the same reason. (`Row._mapping` is public
API: the underscore only keeps it clear of column names. The asyncpg adapter's cursor, which `Prepared`
uses on PostgreSQL, needs a server: tests/integration/test_prepared.py.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler

from storage.sqlite_writer import sqlite_engine

PLAN = "storage/prepared.py (_Plan.compile)"
WRITER = "storage/sqlite_writer.py (Writer._run, Writer._group, _end)"

metadata = MetaData()
table = Table(
    "t",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("n", Integer, nullable=False),
)
defaulted = Table(  # Python-side defaults, which `Prepared` would not apply
    "d",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("made", Integer, default=lambda: 1),
    Column("touched", Integer, onupdate=lambda: 2),
)


def _dialects() -> list[Dialect]:
    """The dialects `Prepared` runs on, with their drivers loaded as in the store (no connection made)."""
    return [create_engine("sqlite://").dialect, create_async_engine("postgresql+asyncpg://u@h/db").dialect]


def _attribute(obj: object, name: str, who: str = PLAN) -> Any:
    """`obj.name`, or a failure that says which of our code reads it."""
    if not hasattr(obj, name):
        pytest.fail(f"{who} reads {type(obj).__name__}.{name}, which this SQLAlchemy no longer has")
    return getattr(obj, name)


def _compiled(statement: Any, dialect: Dialect, keys: list[str] | None = None) -> SQLCompiler:
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    assert isinstance(compiled, SQLCompiler), f"{PLAN}: compile() no longer gives an SQLCompiler"
    return compiled


@pytest.mark.parametrize("dialect", _dialects(), ids=lambda d: d.driver)
def test_positiontup_names_the_parameters_in_placeholder_order(dialect: Dialect) -> None:
    statement = update(table).where(table.c.id == bindparam("b_id")).values(name=bindparam("b_name"))
    compiled = _compiled(statement, dialect)
    order = _attribute(compiled, "positiontup")
    assert order == ["b_name", "b_id"], (
        f"{PLAN} puts parameters in the order of SQLCompiler.positiontup; it is now {order!r}"
    )
    sql = compiled.string
    if dialect.driver == "pysqlite":
        assert sql.count("?") == 2, sql
    else:
        assert "name=$1" in sql and "t.id = $2" in sql, (
            f"{PLAN}: asyncpg's $n no longer follow positiontup: {sql}"
        )


def test_positiontup_is_none_where_the_driver_takes_named_parameters() -> None:
    named = create_engine("sqlite://", paramstyle="named").dialect
    compiled = _compiled(select(table.c.id).where(table.c.id == bindparam("b_id")), named)
    assert compiled.positiontup is None, (
        f"{PLAN} hands a statement back to SQLAlchemy when positiontup is None (a named paramstyle)"
    )


@pytest.mark.parametrize("dialect", _dialects(), ids=lambda d: d.driver)
def test_binds_carry_value_required_and_expanding(dialect: Dialect) -> None:
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.n.in_(bindparam("b_ns", expanding=True)))
        .values(name="fixed")
    )
    binds = _attribute(_compiled(statement, dialect), "binds")
    says = f"{PLAN} reads SQLCompiler.binds[name].value/.required/.expanding"
    assert set(binds) >= {"b_id", "b_ns", "name"}, f"{says}; binds are now {sorted(binds)}"
    seen = {
        name: tuple(_attribute(binds[name], a) for a in ("value", "required", "expanding"))
        for name in ("b_id", "b_ns", "name")
    }
    assert seen["b_id"][1:] == (True, False), says
    assert seen["b_ns"][2], says
    assert seen["name"] == ("fixed", False, False), f"{says} (a literal of .values())"


@pytest.mark.parametrize("dialect", _dialects(), ids=lambda d: d.driver)
def test_an_inserts_parameters_are_its_column_keys(dialect: Dialect) -> None:
    compiled = _compiled(insert(table), dialect, ["id", "name", "n"])
    assert compiled.positiontup == ["id", "name", "n"], (
        f"{PLAN} matches an INSERT's parameters to the column keys given to compile(column_keys=...)"
    )


@pytest.mark.parametrize("dialect", _dialects(), ids=lambda d: d.driver)
def test_prefetch_lists_name_the_python_side_defaults(dialect: Dialect) -> None:
    says = (
        f"{PLAN} refuses statements with Python-side defaults by SQLCompiler.insert_prefetch/update_prefetch"
    )
    left_to_default = _attribute(_compiled(insert(defaulted), dialect, ["id"]), "insert_prefetch")
    assert [c.name for c in left_to_default] == ["made"], says
    assert not _attribute(_compiled(insert(defaulted), dialect, ["id", "made"]), "insert_prefetch"), says
    on_update = _attribute(_compiled(update(defaulted).values(made=1), dialect), "update_prefetch")
    assert [c.name for c in on_update] == ["touched"], says
    assert not _attribute(_compiled(update(table).values(n=1), dialect), "update_prefetch"), says


def test_dbapi_error_instance_wraps_a_driver_error_as_sqlalchemy_raises_it() -> None:
    dialect = create_engine("sqlite://").dialect
    orig = sqlite3.IntegrityError("UNIQUE constraint failed: t.id")
    who = "storage/prepared.py (driver_error, also for storage/sqlite_writer.py)"
    instance = _attribute(DBAPIError, "instance", who)
    wrapped = instance("INSERT", (1,), orig, dialect.loaded_dbapi.Error, dialect=dialect)
    assert isinstance(wrapped, IntegrityError) and wrapped.orig is orig, (
        f"{who} raises driver errors through DBAPIError.instance, so that callers catch IntegrityError as "
        "they would from conn.execute"
    )


def test_the_sqlite_dialect_is_pysqlite() -> None:
    assert create_engine("sqlite://").dialect.driver == "pysqlite", (
        f"{PLAN} runs statements with sqlite3's Connection.execute when Dialect.driver is 'pysqlite'"
    )


def test_sqlalchemy_leaves_sqlites_transaction_to_the_writer(tmp_path: Path) -> None:
    """The writer begins on the driver (BEGIN IMMEDIATE) and lets works run SQLAlchemy statements, their own
    savepoints among them, inside: SQLAlchemy must emit no BEGIN of its own on pysqlite, and its commit must
    be the driver's, which ends the writer's transaction."""
    engine = sqlite_engine(f"sqlite:///{tmp_path / 'writer.db'}", busy_timeout_s=0)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))  # autobegins SQLAlchemy's transaction
            except Exception as error:
                pytest.fail(f"{WRITER}: SQLAlchemy began a transaction of its own on pysqlite: {error}")
            _nested_rollback(conn)
            assert conn.in_transaction() and raw.in_transaction, WRITER
            conn.commit()
            assert not raw.in_transaction, (
                f"{WRITER}: Connection.commit() no longer commits the driver's BEGIN"
            )
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1, WRITER
            conn.rollback()
    finally:
        engine.dispose()


def _nested_rollback(conn: Connection) -> None:
    conn.execute(text("INSERT INTO t VALUES (1)"))
    nested = conn.begin_nested()
    conn.execute(text("INSERT INTO t VALUES (2)"))
    nested.rollback()
