"""Arrow tables into the store inside the caller's transaction: the one place the write differs by database.

DuckDB reads an Arrow table in place (`register`); PostgreSQL is sent it as CSV by `COPY` into a temporary table
that the same transaction then inserts from. Either way the insert is one SQL statement, so the primary key
decides the duplicates and a failure rolls the whole import back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import sqlalchemy as sa

_STAGING = "staged_rows"
_VIEW = "staged_view"


# A file with at least 1/SCAN_SHARE as many rows as the table holds is checked against the stored keys by one scan
# of them; a smaller one by each row's key as it is inserted (`on conflict`), which costs DuckDB more per row.
SCAN_SHARE = 8


def insert_staged(
    conn: sa.Connection,
    table: str,
    rows: pa.Table,
    columns: list[str],
    skip_conflicts: bool = True,
    distinct_key: str | None = None,
) -> int:
    """Insert `rows` (Arrow columns named as `columns`) into `table`; returns how many were inserted. With
    `skip_conflicts` a row whose key is already stored is left out (`on conflict do nothing`), not an error.
    `distinct_key` names the key column when no two of `rows` share a key: DuckDB may then leave out the stored
    ones by one scan instead of a conflict check per row."""
    rows = rows.select(columns)
    conflicts = " on conflict do nothing" if skip_conflicts else ""
    if conn.dialect.name == "duckdb":
        names = ", ".join(columns)
        raw = conn.connection.driver_connection
        insert = f"insert into {table} ({names}) select {names} from {_STAGING}"
        if skip_conflicts and distinct_key:
            stored = raw.execute(f"select count(*) from {table}").fetchall()[0][0]
            if rows.num_rows * SCAN_SHARE >= stored:
                conflicts = f" s where not exists (select 1 from {table} t where t.{distinct_key} = s.{distinct_key})"
        raw.register(_STAGING, rows)
        try:
            return int(raw.execute(insert + conflicts).fetchone()[0])
        finally:
            raw.unregister(_STAGING)
    return _copy_and_insert(conn, table, rows, conflicts)


def _copy_and_insert(conn: sa.Connection, table: str, rows: pa.Table, conflicts: str) -> int:
    """PostgreSQL: one `COPY` of the rows as CSV into a temporary table shaped as `table`'s columns (quoted values,
    unquoted empty for null, as PostgreSQL reads CSV), then one insert from it. A time with a zone is sent as its
    UTC wall-clock time and given its zone back in SQL: pyarrow formats a zoned time about 20 times slower."""
    zoned = {f.name for f in rows.schema if pa.types.is_timestamp(f.type) and f.type.tz}
    for name in zoned:
        rows = rows.set_column(
            rows.schema.get_field_index(name), name, rows[name].cast(pa.timestamp(rows.schema.field(name).type.unit))
        )

    def utc(column: str) -> str:
        return f"{column} at time zone 'UTC'" if column in zoned else column

    names = ", ".join(rows.column_names)
    shape = ", ".join(f"{utc(c)} as {c}" for c in rows.column_names)
    conn.execute(sa.text(f"create temporary table {_STAGING} on commit drop as select {shape} from {table} limit 0"))
    buffer = io.BytesIO()
    pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"))
    with (
        conn.connection.driver_connection.cursor() as cur,
        cur.copy(f"copy {_STAGING} ({names}) from stdin with (format csv)") as copy,
    ):
        copy.write(buffer.getbuffer())
    values = ", ".join(utc(c) for c in rows.column_names)
    inserted = conn.execute(
        sa.text(f"insert into {table} ({names}) select {values} from {_STAGING}{conflicts}")
    ).rowcount
    conn.execute(sa.text(f"drop table {_STAGING}"))  # else at commit: a second call in the transaction makes it anew
    return inserted


def _held(conn: sa.Connection, table: str, column: str, values: pa.Array) -> pa.Array:
    """Which of `values` (not null) `table.column` already holds, as an Arrow array of those found."""
    if conn.dialect.name == "duckdb":
        raw = conn.connection.driver_connection
        raw.register(_STAGING, pa.table({column: values}))
        try:
            found = raw.sql(
                f"select {column} from {table} where {column} in (select {column} from {_STAGING})"
            ).to_arrow_table()
        finally:
            raw.unregister(_STAGING)
        return found.column(0).combine_chunks()
    found = conn.execute(
        sa.text(f"select {column} from {table} where {column} = any(:values)"), {"values": values.to_pylist()}
    ).scalars()
    return pa.array(list(found), values.type)


def is_in_store(conn: sa.Connection, table: str, column: str, values: pa.Array) -> pa.Array:
    """A boolean per value: whether `table.column` holds it (false for null)."""
    wanted = pc.drop_null(values)
    if not len(wanted):
        return pa.array([False] * len(values))
    return pc.fill_null(pc.is_in(values, value_set=_held(conn, table, column, wanted)), False)


@contextmanager
def arrow_view(conn: sa.Connection, rows: pa.Table | None) -> Iterator[str | None]:
    """On DuckDB, `rows` readable by name in SQL while the block runs (a scan of memory, not of a table just
    written); None on PostgreSQL, or when there are no `rows`, for the caller to read the table instead."""
    if rows is None or conn.dialect.name != "duckdb":
        yield None
        return
    raw = conn.connection.driver_connection
    raw.complete()  # a statement before may have been read in part (`scalar()`); DuckDB registers nothing until it ends
    raw.register(_VIEW, rows)
    try:
        yield _VIEW
    finally:
        raw.unregister(_VIEW)
