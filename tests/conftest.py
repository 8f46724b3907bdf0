"""Shared fixtures and helpers: stores on the small fixture roster or the demo roster, files to import, the
command line run in this process (or as its own process where that is the point), and waiting on a condition."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from givingday import accounts, cli, config
from givingday.config import ROOT
from givingday.ingest import inbox
from givingday.ingest.roster import load_roster
from givingday.screens import feed as screen_feed
from givingday.store import database as store_module
from givingday.store.database import Store
from givingday.store.rollups import CELL_TABLES
from givingday.web import board
from tests.pg_server import PgServer
from tests.seeded import seed_gifts

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_REAL = ROOT.parent / "shared" / "data" / "real"

PRODUCT_HASHER = accounts._hasher
CANONICAL_HEADER = "donation_id,occurred_at,amount_yuan,matched_yuan,project,team,site,channel,donor_name\n"


@pytest.fixture(scope="session", autouse=True)
def server_store_files_away_from_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A server store's own files (demo clock, donor salt, inbox) in a folder of the tests', for every process they
    start, not in the project's data/: there a board the developer runs (`make run` beside `make test`) keeps its
    demo clock, whose days a test's PostgreSQL board would take for the event's and reject every gift by."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIVINGDAY_HOME", str(tmp_path_factory.mktemp("givingday_home")))
        yield


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    """Argon2id with cheap parameters: the tests check who may sign in, not how slow a guess is (the product's
    deliberately slow parameters are checked in test_accounts.py)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "g.duckdb"


def open_store(path: Path | str, roster: Path) -> Store:
    s = Store(str(path))
    s.migrate()
    load_roster(s, roster)
    return s


@pytest.fixture(scope="session")
def fixture_roster_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store file on the small fixture roster, made once; each test's `store` starts from a copy."""
    path = tmp_path_factory.mktemp("template") / "g.duckdb"
    open_store(path, FIXTURES / "roster").dispose()
    return path


# `pytestmark = pytest.mark.both_stores` (or the mark on one test): each test that takes `store` runs on DuckDB and
# again on PostgreSQL, the second marked `postgres`. A test of something DuckDB alone has (its file, its lock, its
# renewal) is marked `duckdb_only` in such a module.
STORE_KINDS = ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if (
        "store_kind" in metafunc.fixturenames
        and definition.get_closest_marker("both_stores")
        and not definition.get_closest_marker("duckdb_only")
    ):
        metafunc.parametrize("store_kind", STORE_KINDS)


@pytest.fixture
def store_kind() -> str:
    """Which database `store` is on: DuckDB, unless the test is marked `both_stores` (then each in turn)."""
    return "duckdb"


@pytest.fixture
def store(
    request: pytest.FixtureRequest, store_kind: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """A fresh store on the small fixture roster (4 projects, 2 teams, 2 sites): a copy of a migrated DuckDB file,
    or on PostgreSQL a new database copied from a migrated one (its inbox and salt in the test's folder, as a
    file's are beside it)."""
    db_path.parent.mkdir(parents=True)
    if store_kind == "postgresql":
        keep_beside(monkeypatch, db_path.parent)
        s = Store(request.getfixturevalue("pg_server").database(template=request.getfixturevalue("pg_roster_template")))
    else:
        shutil.copyfile(request.getfixturevalue("fixture_roster_file"), db_path)
        s = Store(str(db_path))
    s.migrate()  # already current: only checks
    yield s
    s.dispose()


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, store_kind: str, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where a new store is to be made (`init`): the DuckDB file `db_path`, or a new empty PostgreSQL database."""
    db_path.parent.mkdir(parents=True)
    if store_kind == "postgresql":
        keep_beside(monkeypatch, db_path.parent)
        return request.getfixturevalue("pg_server").database()
    return str(db_path)


def keep_beside(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """A server store's own files (inbox, donor salt, demo clock) in `folder`, as a DuckDB file's are beside it,
    not in the checkout's data/."""
    beside = config.beside_store
    mp.setattr(
        config, "beside_store", lambda loc, name: folder / name if config.db_file(loc) is None else beside(loc, name)
    )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throw-away PostgreSQL server for the session (givingday/ops/pg_server.py), started when a test first needs it."""
    server = PgServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_roster_template(pg_server: PgServer) -> str:
    """A migrated database on the fixture roster, made once: each PostgreSQL `store` is created from it."""
    url = pg_server.database()
    open_store(url, FIXTURES / "roster").dispose()
    return url.rpartition("/")[2]


@pytest.fixture
def pg_store(
    pg_server: PgServer, pg_roster_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """A fresh store on the small fixture roster, like `store`, in a new database on the PostgreSQL server."""
    keep_beside(monkeypatch, tmp_path / "pg")
    s = Store(pg_server.database(template=pg_roster_template))
    yield s
    s.dispose()


@pytest.fixture(scope="module")
def seeded_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A DuckDB store on the fixture roster with tests/seeded.py's gifts, shared by a module's read-only tests."""
    s = open_store(tmp_path_factory.mktemp("seeded") / "g.duckdb", FIXTURES / "roster")
    seed_gifts(s)
    yield s
    s.dispose()


@pytest.fixture(scope="module")
def seeded_pg(pg_server: PgServer) -> Iterator[Store]:
    """The same on the PostgreSQL server."""
    s = open_store(pg_server.database(), FIXTURES / "roster")
    seed_gifts(s)
    yield s
    s.dispose()


@pytest.fixture
def demo_roster_store(
    request: pytest.FixtureRequest, store_kind: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """A fresh store on the demo roster of Erqi district (data/roster/), on DuckDB or (`both_stores`) PostgreSQL."""
    location: Path | str = db_path
    if store_kind == "postgresql":
        keep_beside(monkeypatch, db_path.parent)
        location = request.getfixturevalue("pg_server").database()
    s = open_store(location, config.ROSTER_DIR)
    yield s
    s.dispose()


@pytest.fixture
def page_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """Pages (AppTest) and the wall read the test's store; their caches are emptied afterwards so no connection
    outlives the test."""
    monkeypatch.setattr(store_module, "_adopted", store)
    yield store
    screen_feed.stop_shared()  # the feed a page test's big screen started
    for cached in (
        board.cached_query,
        board.cached_console,
        board.cached_volunteers,
        board.cached_alerts,
        board.cached_report,
        board.cached_report_charts,
        board.shared_store,
    ):
        cached.clear()
    inbox.stop_worker()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def snapshot(store: Store) -> dict:
    """Everything a bad file must not change."""
    return {
        "donations": store.query("totals_overall")[0],
        "by_project": store.query("totals_by_project", since=None, until=None),
        "rejected": store.scalar("select count(*) from rejected_rows"),
    }


def assert_rollups_match_ledger(store: Store) -> None:
    """The rollups the screens read equal the ledger they summarise, to the fen, by every dimension and minute."""
    ledger = {}
    for dim, col in (
        ("project", "project_id"),
        ("team", "coalesce(team_id, '')"),
        ("site", "coalesce(site_id, '')"),
        ("channel", "channel"),
        ("all", "''"),
    ):
        for r in store.query_rows(
            f"select {col} as key, cast(sum(amount_fen) as bigint) as a, cast(sum(matched_fen) as bigint) as m,"
            " cast(sum(donation_count) as bigint) as d from ledger group by 1"  # PostgreSQL refuses `group by ''`
        ):
            ledger[(dim, r["key"])] = (r["a"], r["m"], r["d"])
    rolled = {
        (r["dim"], r["key"]): (r["amount_fen"], r["matched_fen"], r["donations"])
        for r in store.query_rows("select * from rollup_totals")
    }
    minutes_ledger = store.query_rows(
        "select date_trunc('minute', occurred_at) as t, cast(sum(amount_fen) as bigint) as a,"
        " cast(sum(donation_count) as bigint) as d,"
        " cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as g"
        " from ledger group by 1 order by 1"
    )
    minutes_rolled = store.query_rows(
        "select minute_at as t, amount_fen as a, donations as d, gifts as g from rollup_minutes order by 1"
    )
    assert {k: v for k, v in rolled.items() if v != (0, 0, 0)} == {k: v for k, v in ledger.items() if v != (0, 0, 0)}
    assert [(r["t"], r["a"], r["d"], r["g"]) for r in minutes_rolled if r["a"] or r["d"] or r["g"]] == [
        (r["t"], r["a"], r["d"], r["g"]) for r in minutes_ledger if r["a"] or r["d"] or r["g"]
    ]
    assert rolled[("all", "")][0] == store.query("totals_overall")[0]["amount_fen"]
    for unit, table in CELL_TABLES.items():  # the console's cells at each grain, days and hours of the event's zone
        cell = f"date_trunc('{unit}', occurred_at), project_id, coalesce(team_id, ''), coalesce(site_id, ''), channel"
        cells_ledger = store.query_rows(  # every column named: PostgreSQL names two coalesce columns alike
            f"select date_trunc('{unit}', occurred_at) as t, project_id as p, coalesce(team_id, '') as tk,"
            " coalesce(site_id, '') as sk, channel as c, cast(sum(amount_fen) as bigint) as a,"
            " cast(sum(matched_fen) as bigint) as m, cast(sum(donation_count) as bigint) as d,"
            " cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as g,"
            " cast(sum(case when is_gift then 1 else 0 end) as bigint) as r,"
            " max(case when is_gift then occurred_at end) as l"
            f" from ledger group by {cell} order by 1, 2, 3, 4, 5"
        )
        cells_rolled = store.query_rows(
            "select minute_at, project_id, team_key, site_key, channel, amount_fen, matched_fen, donations, gifts,"
            f" received, last_gift_at from {table} order by 1, 2, 3, 4, 5"
        )
        assert [tuple(r.values()) for r in cells_rolled] == [tuple(r.values()) for r in cells_ledger], table
    last = store.scalar("select last_gift_at from rollup_totals where dim = 'all'")
    assert last == store.scalar("select max(occurred_at) from gift_times")  # the screens' stale banner reads it


@dataclass(frozen=True)
class Ran:
    """What a command left behind, with the names of subprocess.CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _closing_stores() -> Iterator[None]:
    """Close every store opened inside, as the end of a process does, so the DuckDB file is free afterwards."""
    opened: list[Store] = []
    init = Store.__init__

    def recording(self: Store, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        opened.append(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "__init__", recording)
        try:
            yield
        finally:
            for s in opened:
                s.dispose()


def run_cli(*args: str, db: Path, input: str = "") -> Ran:
    """`givingday …` with GIVINGDAY_DB set, run in this process by `cli.main`: the exit code, and what it printed.
    Standard input is `input` (never a terminal); argparse's refusals come back as exit code 2."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, _closing_stores(), redirect_stdout(out), redirect_stderr(err):
        mp.setenv("GIVINGDAY_DB", str(db))
        mp.setattr(sys, "stdin", io.StringIO(input))
        try:
            code = cli.main(list(args))
        except SystemExit as exc:
            code = exc.code
    return Ran(code, out.getvalue(), err.getvalue())


def givingday_process(*args: str, db: Path, env: dict | None = None, **popen) -> subprocess.Popen:
    """`python -m givingday …` as its own process with GIVINGDAY_DB set, for tests where the process is the point:
    the entry point itself, a process killed mid-way, a running server."""
    return subprocess.Popen(
        [sys.executable, "-m", "givingday", *args],
        cwd=ROOT,
        env={**os.environ, "GIVINGDAY_DB": str(db), **(env or {})},
        text=True,
        **popen,
    )


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll until `predicate()` is true; fail, naming `what`, after `timeout` seconds (a bound, not a target)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        time.sleep(0.02)


def import_unjudged_times(store: Store, text: str, name: str = "old.csv"):
    """Import gifts whatever their times, as a store written before gifts had a window can hold them."""
    import dataclasses
    import datetime as dt

    from givingday import clock
    from givingday.ingest.batch import import_bytes

    anything = dataclasses.replace(store.event, first_day=dt.date(2000, 1, 1), days=40_000)
    board = clock.BoardTime(anything, False, dt.datetime(2200, 1, 1, tzinfo=dt.UTC))
    return import_bytes(store, text.encode(), name, board=board)


def english(message: str) -> str:
    """The English half of a message said Chinese first, English beside (`labels.both`)."""
    return message.rpartition("。")[2]


def unescaped(markdown: str) -> str:
    """A message's text as the organizer reads it, without the escapes that keep it from being read as Markdown
    and the spaces that keep its lines apart."""
    return re.sub(r" +\n", "\n", re.sub(r"\\(.)", r"\1", markdown))
