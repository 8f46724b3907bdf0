"""`make bench`'s PostgreSQL parts, each beside DuckDB in the same run: the bulk import (`COPY` into a staging
table; also beside PostgreSQL's own `COPY` of the file into a table of text), and the big-screen snapshot and the
console refresh on the same demo store. The cached DuckDB store of each size (`bench.cached_demo_store`)
is moved into a database on a throw-away server (or `GIVINGDAY_BENCH_PG`'s) by `migrate-store`'s own move,
checked table by table, so both answer from the same gifts; the figures of each refresh are asserted equal."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from givingday import config
from givingday.ingest.batch import import_file
from givingday.ingest.roster import load_roster
from givingday.ops import bench
from givingday.ops.pg_server import PgServer
from givingday.store import rollups
from givingday.store.database import Store
from givingday.store.move import move_store


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A new database for the bench: on `GIVINGDAY_BENCH_PG`'s server when set (dropped afterwards), else on a
    throw-away server started as the tests start theirs (givingday/ops/pg_server.py), stopped afterwards."""
    given = os.environ.get("GIVINGDAY_BENCH_PG")
    if not given:
        server = PgServer().start()
        try:
            yield server.database()
        finally:
            server.stop()
        return
    import psycopg

    admin = config.db_url(given).replace("postgresql+psycopg://", "postgresql://")
    name = f"givingday_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"drop database {name} with (force)")


# The tables an import writes (the gifts, their rejections and messages, the rollups at every grain, 人数, the
# audit trail): emptied before each size, so the larger import finds no cell or donor of the smaller one.
IMPORT_WRITES = (
    "donations",
    "adjustments",
    "rejected_rows",
    "imports",
    "donor_messages",
    "donor_firsts",
    "donor_counts",
    "rollup_totals",
    "rollup_minutes",
    *rollups.CELL_TABLES.values(),
    "audit_log",
)


def bench_postgres(folder: Path, sizes: tuple[int, ...] = (100_000, 1_000_000)) -> None:
    """Bulk import into PostgreSQL beside DuckDB's (the same file, one run) and beside PostgreSQL's raw `COPY`."""
    import psycopg

    print(f"{'rows':>10} {'duckdb s':>9} {'postgresql s':>13} {'rows/s':>9} {'pg raw COPY s':>14} {'ours/raw':>9}")
    with _postgres_database() as url:
        store = Store(url)
        store.migrate()
        load_roster(store, config.ROSTER_DIR)
        for n in sizes:
            on_duckdb = bench.bench_bulk(folder, n)[0]  # writes the file the PostgreSQL import reads
            path = folder / f"canonical-{n}.csv"
            with store.writing() as conn:  # each size into an empty store, as on DuckDB: every table an import writes
                conn.execute(sa.text(f"truncate {', '.join(IMPORT_WRITES)}"))
            import_file(store, bench._tiny(folder))
            t = time.perf_counter()
            report = import_file(store, path)
            ours = time.perf_counter() - t
            assert report.rows_new == n, report.summary()
            assert store.query("totals_overall")[0]["donations"] == n + 5
            with psycopg.connect(url, autocommit=True) as conn:
                columns = path.open(encoding="utf-8").readline().strip().split(",")
                conn.execute(f"create table raw_{n} ({', '.join(f'{c} text' for c in columns)})")
                t = time.perf_counter()
                with conn.cursor().copy(f"copy raw_{n} from stdin (format csv, header true)") as copy:
                    copy.write(path.read_bytes())
                floor = time.perf_counter() - t
            print(f"{n:>10,} {on_duckdb:>9.2f} {ours:>13.2f} {n / ours:>9,.0f} {floor:>14.2f} {ours / floor:>8.1f}x")
        store.dispose()
    print("  the same canonical file into each store; the throw-away server runs with fsync off")


@contextmanager
def _home(folder: Path):
    """The moved store's files (its donor salt) in `folder`, not in data/."""
    before = os.environ.get("GIVINGDAY_HOME")
    os.environ["GIVINGDAY_HOME"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GIVINGDAY_HOME")
        else:
            os.environ["GIVINGDAY_HOME"] = before


def _median_ms(run: Callable[[], object], runs: int) -> tuple[float, object]:
    """The median wall time of `runs` calls in ms, and what the last call gave."""
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, out


def _snapshot(store: Store, now: dt.datetime) -> int:
    from givingday.screens import render as bigscreen
    from givingday.screens.snapshot import take_snapshot

    snap = take_snapshot(store, now=now)
    bigscreen.render(snap)
    return snap.totals["total_fen"]


def _console(store: Store, filters, now: dt.datetime) -> int:
    from givingday.console import figures as console
    from givingday.console.rollup_figures import ROLLUPS

    return console.figures(store, filters, store.event, now, read=ROLLUPS)["range_total_fen"]


def _compare(label: str, n: int, stores: tuple[Store, Store], run: Callable[[Store], object], runs: int) -> None:
    (duck_ms, duck), (pg_ms, pg) = (_median_ms(lambda s=s: run(s), runs) for s in stores)
    assert duck == pg, f"{label}: DuckDB and PostgreSQL disagree ({duck} against {pg})"
    print(f"{n:>12,} {label:>32} {duck_ms:>14.1f} {pg_ms:>18.1f} {pg_ms / duck_ms:>7.1f}x  {bench._load()}")


def bench_postgres_reads(folder: Path, sizes: tuple[int, ...] = (1_000_000, 10_000_000)) -> None:
    print(f"{'gifts':>12} {'refresh':>32} {'duckdb p50 ms':>14} {'postgresql p50 ms':>18} {'pg/duck':>8}  load average")
    for n in sizes:
        duck, said = bench.cached_demo_store(n)
        duck.dispose()  # the move opens it read-only
        path = bench.CACHE / f"demo-{n}.duckdb"
        with _postgres_database() as url, _home(folder):
            t = time.perf_counter()
            checked = move_store(str(path), url)
            print(f"  {said}; moved into PostgreSQL in {time.perf_counter() - t:.0f} s ({len(checked)} tables checked)")
            stores = (Store(str(path)), Store(url))
            event = stores[0].event
            screen_now = dt.datetime(2020, 9, 7, 21, 0, tzinfo=event.tz)
            _compare("big-screen snapshot + page", n, stores, lambda s, at=screen_now: _snapshot(s, at), 25)
            console_now = dt.datetime(2020, 9, 8, 20, 59, 41, tzinfo=event.tz)
            for label, f in bench.console_views().items():
                _compare(f"console: {label}", n, stores, lambda s, f=f, at=console_now: _console(s, f, at), 5)
            for store in stores:
                store.dispose()
    print("  the same gifts in each (moved and checked); the throw-away server runs with fsync off")
