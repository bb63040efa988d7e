"""Prepared statements for the hottest writes: compiled once, then run straight on the driver.

Speed work in a room of its own. SQLAlchemy's per-execution work (the cache key, the execution context, the
result wrapper) costs about ten times a small statement on SQLite; a `Prepared` statement skips it by
reading what the compiler worked out once. What it reads of the compiler beyond SQLAlchemy's public API
(SQLCompiler.positiontup, .binds, .insert_prefetch, .update_prefetch; DBAPIError.instance) is checked by
tests/unit/test_sqlalchemy_contract.py, which fails loudly, naming this module, when a release moves it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, Select, UpdateBase
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler


class Ran(Protocol):
    """What a `Prepared` statement returns: the driver's cursor (SQLAlchemy's result where the driver takes
    named parameters). Rows are indexable by position."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Sequence[Any]: ...


class Prepared:
    """A statement built once for the hottest writes, run straight on the driver's connection: compiled once
    per dialect, its parameters put in order and converted by the statement's own bind processors (the UTC
    datetimes among them). That skips SQLAlchemy's work per execution — the cache key, the execution
    context, the result wrapper — which on SQLite costs about ten times the statement itself. On PostgreSQL
    the driver is SQLAlchemy's asyncpg adapter, which still prepares and caches each statement.

    Parameters are named as for `conn.execute`: the bindparams' names, or an INSERT's column keys. Only
    statements whose results need no conversion (ids, counts, plain text) are taken; an INSERT may not
    leave a column to a Python-side default, and an expanding IN is not supported."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...] | None], _Plan | None] = {}

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Ran:
        plan = self._plan(conn, params)
        if plan is None:
            return conn.execute(self.statement, params)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        values = plan.values(params)
        try:
            if plan.shortcut:
                return raw.execute(plan.sql, values)
            cursor = raw.cursor()
            cursor.execute(plan.sql, values)
            return cursor
        except conn.dialect.loaded_dbapi.Error as error:
            raise driver_error(conn, plan.sql, values, error) from error

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per row (an executemany), for statements that return nothing."""
        if not rows:
            return
        plan = self._plan(conn, rows[0])
        if plan is None:
            conn.execute(self.statement, list(rows))
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        values = [plan.values(row) for row in rows]
        try:
            raw.cursor().executemany(plan.sql, values)
        except conn.dialect.loaded_dbapi.Error as error:
            raise driver_error(conn, plan.sql, values, error) from error

    def _plan(self, conn: Connection, params: Mapping[str, Any]) -> _Plan | None:
        dialect = conn.dialect
        key = (dialect.name, tuple(params) if self.statement.is_insert else None)
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plans[key] = _Plan.compile(self.statement, dialect, key[1])
            return plan


def driver_error(conn: Connection, sql: str, values: Any, error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it (IntegrityError, OperationalError...), as callers expect."""
    dbapi = conn.dialect.loaded_dbapi
    wrapped = DBAPIError.instance(sql, values, error, dbapi.Error, dialect=conn.dialect)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


@dataclass(frozen=True)
class _Plan:
    sql: str
    shortcut: bool  # the driver's connection executes directly (sqlite3), without a cursor of ours
    # (name, required, literal value, bind processor) for each "?" in order
    slots: tuple[tuple[str, bool, Any, Callable[[Any], Any] | None], ...]

    @classmethod
    def compile(
        cls, statement: Select[Any] | UpdateBase, dialect: Dialect, keys: tuple[str, ...] | None
    ) -> _Plan | None:
        """The plan, or None where the driver takes named parameters: there SQLAlchemy runs it."""
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        assert isinstance(compiled, SQLCompiler)
        if compiled.positiontup is None:
            return None
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError(f"Prepared: Python-side defaults are not applied: {compiled.string}")
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError(f"Prepared: an expanding IN is not supported: {compiled.string}")
        # Types through their public interface (dialect_impl, result_processor, bind_processor): what the
        # compiler's private caches (_result_columns, _bind_processors) hold, found once per plan.
        for column in statement.exported_columns:  # a SELECT's columns, or what an INSERT/UPDATE returns
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise ValueError(f"Prepared: result column {column.key} needs conversion")
        slots = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            required = bind.required or (keys is not None and name in keys)
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            slots.append((name, required, bind.value, process))
        return cls(compiled.string, dialect.driver == "pysqlite", tuple(slots))

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, required, literal, process in self.slots:
            value = params[name] if required else params.get(name, literal)
            out.append(value if process is None or value is None else process(value))
        return out
