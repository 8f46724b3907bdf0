"""A district's DuckDB store moved into PostgreSQL (`python -m givingday migrate-store --to URL`).

The source is opened read-only, so it is left as it was whatever happens. The target gets the schema by the same
migrations, then every table in one transaction: rows copied with PostgreSQL's COPY, every sequence set past the
ids copied, and every table's row count and sums of fen read back from both and compared before the commit. A
difference rolls everything back, and a target that already holds data is refused before anything is written.
Then the planner's statistics are gathered (`analyze`), as after any restore: until autovacuum got round to it,
PostgreSQL would plan the board's queries over millions of rows as if the tables were empty. The donor salt goes
with the gifts, or 人数 would count a returning donor twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from givingday import config
from givingday.labels import both
from givingday.store.database import Store, StoreLocked, _is_lock_error
from givingday.store.migrations import MIGRATIONS

SALT_FILE = "donor_salt.key"
BATCH_ROWS = 10_000
SEQUENCE_IDS = {"import_id_seq": ("imports", "import_id")}  # the ids a sequence gives, set past after the copy


class MoveRefused(RuntimeError):
    """The move cannot start (wrong kind of store, a target that holds data, salts that differ) or did not
    check out: nothing was written to the target."""


@dataclass(frozen=True)
class TableCheck:
    """One table after the move: its rows and the sums of its fen columns, the same on both databases."""

    table: str
    rows: int
    sums: dict[str, int]


def shown_url(location: str) -> str:
    """A URL as it may be printed: its password hidden."""
    return sa.engine.make_url(config.db_url(location)).render_as_string(hide_password=True)


def _open_source(location: str) -> sa.Engine:
    """The DuckDB store, read-only: nothing the move does can change it."""
    file = config.db_file(location)
    if file is None or not config.db_url(location).startswith("duckdb:"):
        raise MoveRefused(both(f"源数据库 {location} 不是 DuckDB 文件", f"the source {location} is not a DuckDB file"))
    if not file.exists():
        raise MoveRefused(both(f"找不到源数据库 {file}", f"the source {file} does not exist"))
    engine = sa.create_engine(config.db_url(location), connect_args={"read_only": True})
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        if _is_lock_error(exc):
            raise StoreLocked(f"{location} is held by another process: stop the board before moving its store") from exc
        raise
    return engine


def _tables(conn: sa.Connection) -> list[str]:
    rows = conn.execute(
        sa.text(
            "select table_name from information_schema.tables"
            " where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name"
        )
    )
    return [r[0] for r in rows]


def _columns(conn: sa.Connection, table: str) -> list[str]:
    rows = conn.execute(
        sa.text(
            "select column_name from information_schema.columns"
            " where table_schema = current_schema() and table_name = :t order by ordinal_position"
        ),
        {"t": table},
    )
    return [r[0] for r in rows]


def check(conn: sa.Connection, tables: dict[str, list[str]]) -> list[TableCheck]:
    """Every table's rows and the sums of its `_fen` columns (0 for none), read on one connection."""
    checks = []
    for table, columns in tables.items():
        fen = [c for c in columns if c.endswith("_fen")]
        sums = ", ".join(f"coalesce(sum({c}), 0)" for c in fen)
        row = conn.execute(sa.text(f"select count(*){', ' + sums if sums else ''} from {table}")).one()
        checks.append(TableCheck(table, int(row[0]), {c: int(v) for c, v in zip(fen, row[1:], strict=True)}))
    return checks


def _sequences(conn: sa.Connection) -> dict[str, int]:
    """DuckDB's sequences and the last value each gave (its start less one when it gave none)."""
    rows = conn.execute(sa.text("select sequence_name, last_value, start_value from duckdb_sequences()"))
    return {name: (last if last is not None else start - 1) for name, last, start in rows}


def _salt(source: str, target: str) -> Path | None:
    """The source's donor salt when the target needs a copy of it (none with GIVINGDAY_SALT, the salt of both);
    refuses two different salts."""
    mine, theirs = config.beside_store(source, SALT_FILE), config.beside_store(target, SALT_FILE)
    if config.salt_override() or not mine.exists() or mine.resolve() == theirs.resolve():
        return None
    if not theirs.exists():
        return mine
    if theirs.read_bytes().strip() != mine.read_bytes().strip():
        raise MoveRefused(
            both(
                f"目标的捐赠人密钥 {theirs} 与源的 {mine} 不同，人数会重复计算",
                f"the target's donor salt {theirs} differs from the source's {mine}: donors would be counted twice;"
                " move one of them aside",
            )
        )
    return None


def _refuse_held(checks: list[TableCheck]) -> None:
    held = [c for c in checks if c.rows]
    if held:
        said = ", ".join(f"{c.table} {c.rows}" for c in held)
        raise MoveRefused(
            both(
                f"目标数据库已有数据（{said}），未写入任何内容",
                f"the target already holds data ({said}): nothing written",
            )
        )


def _copy(source: sa.Connection, target: sa.Connection, table: str, columns: list[str]) -> None:
    """The table's rows into PostgreSQL by COPY, a batch at a time."""
    names = ", ".join(columns)
    rows = source.execution_options(stream_results=True).execute(sa.text(f"select {names} from {table}"))
    cursor = target.connection.driver_connection.cursor()
    with cursor.copy(f"copy {table} ({names}) from stdin") as copy:
        while batch := rows.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(tuple(row))


def move_store(source: str, target: str) -> list[TableCheck]:
    """Move the DuckDB store at `source` into the empty PostgreSQL database at `target`; what was checked."""
    if not config.db_url(target).startswith("postgresql"):
        raise MoveRefused(both(f"目标 {target} 不是 PostgreSQL", f"the target {target} is not a PostgreSQL URL"))
    engine = _open_source(source)
    try:
        with engine.connect() as conn:
            tables = {t: _columns(conn, t) for t in _tables(conn) if t != "schema_migrations"}
            done = {r[0] for r in conn.execute(sa.text("select name from schema_migrations"))}
            sequences = _sequences(conn)
        behind = [name for name, _ in MIGRATIONS if name not in done]
        if behind:
            raise MoveRefused(
                both(
                    f"源数据库缺少迁移 {', '.join(behind)}：先在源上运行一次 status",
                    f"the source lacks the migrations {', '.join(behind)}: run `status` on it once first",
                )
            )
        salt = _salt(source, target)
        store = Store(target)
        try:
            with store.engine.connect() as conn:  # before the migrations: a store that holds data is not touched
                _refuse_held(check(conn, {t: [] for t in _tables(conn) if t != "schema_migrations"}))
            store.migrate()
            checked = _move(engine, store, tables, sequences)
            with store.engine.begin() as conn:
                conn.execute(sa.text("analyze"))
        finally:
            store.dispose()
    finally:
        engine.dispose()
    if salt is not None:
        kept = config.beside_store(target, SALT_FILE)
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(salt, kept)
        kept.chmod(0o600)
    return checked


def _move(engine: sa.Engine, store: Store, tables: dict[str, list[str]], sequences: dict[str, int]) -> list[TableCheck]:
    """Every table in one transaction of the target, checked against the source before it commits."""
    with engine.connect() as source, store.engine.begin() as target:
        theirs = {t: sorted(_columns(target, t)) for t in _tables(target) if t != "schema_migrations"}
        if theirs != {t: sorted(c) for t, c in tables.items()}:
            raise MoveRefused(both("源与目标的表结构不同", "the source's tables and columns differ from the target's"))
        _refuse_held(check(target, tables))  # again, in the transaction that copies
        for table, columns in tables.items():
            _copy(source, target, table, columns)
        for name, last in sequences.items():
            table, column = SEQUENCE_IDS.get(name, (None, None))
            if table is not None:
                last = max(last, target.execute(sa.text(f"select coalesce(max({column}), 0) from {table}")).scalar())
            if last >= 1:
                target.execute(sa.text("select setval(:name, :last)"), {"name": name, "last": last})  # next: last + 1
        copied, kept = check(target, tables), check(source, tables)
        if copied != kept:
            differ = ", ".join(a.table for a, b in zip(copied, kept, strict=True) if a != b)
            raise MoveRefused(both(f"复制后核对不符：{differ}", f"the copy does not check out: {differ}; nothing kept"))
    return kept
