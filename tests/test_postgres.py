"""The store on a real PostgreSQL server (tests/pg_server.py): the migrations, the views, and every query file
answering exactly as on DuckDB with the same gifts. The import, the adjustments, the report and the screens run on
both databases in their own modules (`pytest.mark.both_stores`, tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from givingday import config
from givingday.ops import pg_server as pg_ops
from givingday.store import adjustments
from givingday.store.database import Store, query_text
from givingday.store.migrations import MIGRATIONS
from tests import pg_server
from tests.conftest import CANONICAL_HEADER, FIXTURES, assert_rollups_match_ledger, keep_beside, run_cli, write
from tests.seeded import END, QUERY_NAMES, START, at, query_params, seed_gifts


def _in_utc(row: dict) -> str:
    """A row as text that sorts the same from either database (each gives times in its own zone class)."""
    return repr({k: v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for k, v in row.items()})


def test_without_postgresql_the_tests_fail_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(pg_ops.shutil, "which", lambda _name: None)
    monkeypatch.setattr(pg_ops.glob, "glob", lambda _pattern: [])
    with pytest.raises(pytest.fail.Exception, match="run tools/install_postgres.sh as root"):
        pg_server.PgServer()


@pytest.mark.postgres
def test_the_store_opens_a_postgresql_url_as_people_write_it(pg_store):
    assert pg_store.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert not pg_store.is_duckdb
    assert config.db_file(pg_store.location) is None


@pytest.mark.postgres
def test_every_migration_runs_on_postgresql_and_is_recorded_once(pg_store):
    names = [name for name, _ in MIGRATIONS]
    assert [r["name"] for r in pg_store.query_rows("select name from schema_migrations order by name")] == names
    assert pg_store.migrate() == []
    views = pg_store.query_rows("select table_name from information_schema.views where table_schema = 'public'")
    assert sorted(r["table_name"] for r in views) == ["gift_times", "ledger"]


@pytest.mark.postgres
def test_postgresql_reads_ranges_of_time_by_index_and_duckdb_keeps_none(pg_store, tmp_path):
    indexes = pg_store.query_rows("select indexname, indexdef from pg_indexes where indexname like '%\\_by\\_%'")
    assert sorted((r["indexname"], r["indexdef"].split(" USING ")[1]) for r in indexes) == [
        ("donations_by_time", "btree (occurred_at, donation_id)"),
        ("rollup_cells_by_minute", "btree (minute_at)"),
        ("rollup_cells_day_by_minute", "btree (minute_at)"),
        ("rollup_cells_hour_by_minute", "btree (minute_at)"),
    ]
    duck = Store(str(tmp_path / "g.duckdb"))
    try:
        duck.migrate()
        assert duck.scalar("select count(*) from schema_migrations where name = '0014_server_time_indexes'") == 1
        assert duck.scalar("select count(*) from duckdb_indexes()") == 0  # every import would keep them up
    finally:
        duck.dispose()


@pytest.mark.postgres
def test_init_makes_a_postgresql_store_and_import_takes_a_file_into_it(pg_server, tmp_path, monkeypatch):
    keep_beside(monkeypatch, tmp_path)
    url = pg_server.database()
    ran = run_cli("init", "--roster", str(FIXTURES / "roster"), db=url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[1] == f"roster loaded from {FIXTURES / 'roster'}: 4 projects, 2 teams, 2 sites"
    gift = write(tmp_path, "g.csv", CANONICAL_HEADER + "X1,2020-09-07 10:00:00,1,0,P001,,,qr,张三\n")
    ran = run_cli("import", str(gift), db=url)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.startswith(
        "g.csv: 1 new, 0 duplicate, 0 rejected (¥1.00 new, matched ¥0.00; canonical, csv/utf-8,"
    )
    assert run_cli("totals", db=url).stdout.splitlines()[:2] == ["total    ¥1.00", "public   ¥1.00"]


@pytest.mark.postgres
def test_totals_as_of_a_moment_on_postgresql(seeded_pg):
    """As of the 8th at 12:00: D1 and D2 (D3 refunded at 10:00, D4 moved to the 9th)."""
    ran = run_cli("totals", "--as-of", "2020-09-08 12:00", db=seeded_pg.location)
    assert ran.stdout.splitlines() == [
        "total    ¥240.00",
        "public   ¥200.00",
        "matched  ¥40.00",
        "人次     2",
        "人数     1",
    ]


def _refund_and_correct(store: Store) -> dict:
    seed_gifts(store)
    adjustments.refund(store, "D6", "退回", "admin")
    adjustments.correct(store, "D1", "改时间和金额", "admin", occurred_at=at(8, 15, 0), amount_fen=12_000)
    adjustments.correct(store, "D2", "改项目", "admin", project_id="P089", team_id=None)
    assert_rollups_match_ledger(store)
    whole = {"day_start": START, "day_end": END, "chart_since": START, "chart_until": END}
    figures = sorted(store.query("screen_figures", **whole), key=lambda r: (r["dim"], r["key"], r["last_gift_epoch"]))
    return {q: store.query(q, since=None, until=None) for q in ("totals_by_project", "totals_by_team")} | {
        "screen_figures": figures
    }


@pytest.mark.postgres
def test_refunds_and_corrections_keep_postgresqls_rollups_equal_to_its_ledger_as_on_duckdb(store, pg_store):
    on_pg = _refund_and_correct(pg_store)
    assert on_pg == _refund_and_correct(store)
    overall = pg_store.query("totals_overall")[0]
    assert (overall["amount_fen"], overall["matched_fen"], overall["donations"]) == (24_734, 4_100, 4)


@pytest.mark.postgres
def test_the_sessions_keep_the_events_time_zone(pg_store):
    assert pg_store.scalar("show timezone") == pg_store.event.timezone


@pytest.mark.postgres
def test_rollups_kept_on_postgresql_equal_its_ledger(seeded_pg):
    assert_rollups_match_ledger(seeded_pg)
    assert seeded_pg.query("totals_overall")[0]["total_fen"] == 29_334 + 5_100


@pytest.mark.postgres
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_answers_on_postgresql_exactly_as_on_duckdb(seeded_pg, seeded_duckdb, name):
    """The same rows, in the same order where the query sets one (its last lines say `order by`)."""
    params = query_params(name)
    on_pg, on_duckdb = seeded_pg.query(name, **params), seeded_duckdb.query(name, **params)
    if "order by" not in "".join(query_text(name).lower().splitlines()[-4:]):
        on_pg, on_duckdb = sorted(on_pg, key=_in_utc), sorted(on_duckdb, key=_in_utc)
    assert on_pg == on_duckdb


@pytest.mark.parametrize(
    ("location", "url"),
    [
        ("postgresql://board@db.example:5432/giving", "postgresql+psycopg://board@db.example:5432/giving"),
        ("postgres://board@db.example/giving", "postgresql+psycopg://board@db.example/giving"),
        ("postgresql+psycopg://board@db.example/giving", "postgresql+psycopg://board@db.example/giving"),
        ("duckdb:///tmp/g.duckdb", "duckdb:///tmp/g.duckdb"),
    ],
)
def test_a_postgresql_url_as_people_write_it_gets_the_psycopg_driver(location, url):
    assert config.db_url(location) == url


def test_the_files_of_a_server_store_go_to_givingday_home_and_a_duckdb_stores_stay_beside_it(tmp_path, monkeypatch):
    monkeypatch.delenv("GIVINGDAY_HOME", raising=False)
    server = "postgresql://board@db.example/giving"
    assert config.beside_store(server, "demo_clock.json") == config.DATA_DIR / "demo_clock.json"
    monkeypatch.setenv("GIVINGDAY_HOME", str(tmp_path / "home"))
    assert config.beside_store(server, "donor_salt.key") == tmp_path / "home" / "donor_salt.key"
    assert config.beside_store(str(tmp_path / "g.duckdb"), "donor_salt.key") == tmp_path / "donor_salt.key"


def test_no_test_reads_a_server_stores_files_from_the_projects_data_folder():
    """A `make run` beside `make test` keeps its demo clock in data/: the boards the tests start must not see it."""
    home = config.beside_store("postgresql://board@db.example/giving", "demo_clock.json").parent
    assert home != config.DATA_DIR and config.DATA_DIR not in home.parents


AT = dt.datetime(2020, 9, 8, 12, 0, tzinfo=dt.UTC)
# What differs by the run, not by the database: when an import started and how long it took, when an act was
# recorded, and the ids made at random for an act (an audit line's, a refund's, named in the audit's detail).
VOLATILE = {"started_at", "duration_ms", "recorded_at", "acted_at", "import_id", "audit_id", "adjustment_id", "detail"}


def _import_everything(store: Store, folder) -> list[dict]:
    """The canonical file with a bad row and a duplicate, a platform export (GBK), two overlapping WeChat bills
    (their refunds), Alipay's bills, the same file again, and a refund and corrections by hand."""
    from givingday.ingest.batch import import_file

    canonical = write(
        folder,
        "c.csv",
        CANONICAL_HEADER + "C1,2020-09-07 10:00:00,10.5,1,P001,T001,,qr,张三\n"
        "C2,2020-09-07 10:00:30,99,0,P002,,S001,bank,李四\n"
        "C3,2020-09-07 10:01:00,-1,0,P002,,,qr,王五\n"  # rejected: negative
        "C2,2020-09-07 10:00:30,99,0,P002,,S001,bank,李四\n",  # a duplicate in the file
    )
    platform = folder / "platform.csv"
    lines = ["订单号,捐款时间,昵称,捐赠金额(元),配捐金额(元),项目名称,一起捐队伍"]
    lines += [f"{i:08d},2020-09-07 11:{i:02d}:00,张{i},{i}.5,0.1,P00{1 + i % 2},张**的一起捐" for i in range(40)]
    platform.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    bills = FIXTURES / "bills"
    files = [canonical, platform, canonical]
    files += [bills / n for n in ("wechat_bill.csv", "wechat_bill_later.csv", "alipay_bill_classic.csv")]
    files += [bills / "alipay_bill_gbk.csv"]
    reports = [{k: v for k, v in import_file(store, f).as_dict().items() if k not in VOLATILE} for f in files]
    adjustments.refund(store, "C2", "退回", "admin", at=AT)
    adjustments.correct(store, "C1", "改金额", "admin", amount_fen=2_000, at=AT)
    adjustments.correct(store, "C1", "改时间", "admin", occurred_at=dt.datetime(2020, 9, 7, 11, tzinfo=dt.UTC), at=AT)
    return reports


def _rows(store: Store, name: str) -> list[str]:
    rows = [{k: v for k, v in r.items() if k not in VOLATILE} for r in store.query(name, **query_params(name))]
    return sorted(_in_utc(r) for r in rows)


@pytest.mark.postgres
def test_the_same_files_and_acts_make_the_same_store_on_both_databases(store, pg_store, tmp_path, monkeypatch):
    """Every import path's figures, to the fen: the reports, the rejected rows, every query's rows, the rollups."""
    monkeypatch.setenv("GIVINGDAY_SALT", "one salt for both stores")  # so a donor's hash is the same in both
    on_duckdb, on_pg = _import_everything(store, tmp_path), _import_everything(pg_store, tmp_path)
    assert on_pg == on_duckdb
    assert [(r["rows_new"], r["rows_rejected"]) for r in on_pg[:3]] == [(2, 1), (40, 0), (0, 1)]
    for s in (store, pg_store):
        assert_rollups_match_ledger(s)
    rejected = "select file_name, line, reason, row_text from rejected_rows order by file_name, line"
    assert pg_store.query_rows(rejected) == store.query_rows(rejected)
    assert pg_store.query("totals_overall") == store.query("totals_overall")
    for name in QUERY_NAMES:
        assert _rows(pg_store, name) == _rows(store, name), name


def test_a_server_that_does_not_answer_is_said_without_its_password():
    ran = run_cli("totals", db="postgresql://board:secret@127.0.0.1:1/giving")
    assert ran.returncode == 2 and "secret" not in ran.stderr
    assert ran.stderr.startswith(
        "error: cannot open the store postgresql://board:***@127.0.0.1:1/giving: connection failed:"
    )


@pytest.mark.postgres
def test_what_only_duckdb_has_is_left_alone_on_postgresql(pg_store, tmp_path):
    """No renewal (nothing to let go of), no file, no lock: the inbox worker's calls are no-ops, not errors."""
    from givingday.ingest.batch import import_file

    import_file(pg_store, write(tmp_path, "g.csv", CANONICAL_HEADER + "R1,2020-09-07 10:00:00,1,0,P001,,,qr,x\n"))
    pg_store.wrote(10_000)
    assert (pg_store.renewable, pg_store.renew_if_due(now=1e9), pg_store.renew(), pg_store.renewals) == (
        False,
        False,
        False,
        0,
    )
    assert pg_store.query("totals_overall")[0]["amount_fen"] == 100
