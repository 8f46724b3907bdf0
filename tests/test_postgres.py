"""The store on a real PostgreSQL server (tests/pg_server.py): the migrations, the views, and every query file
answering exactly as on DuckDB with the same gifts. The import, the adjustments, the report and the screens run on
both databases in their own modules (`pytest.mark.both_stores`, tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from givingday import config
from givingday.store import adjustments
from givingday.store.database import Store, query_text
from givingday.store.migrations import MIGRATIONS
from tests import pg_server
from tests.conftest import CANONICAL_HEADER, FIXTURES, assert_rollups_match_ledger, run_cli, write
from tests.seeded import QUERY_NAMES, at, query_params, seed_gifts


def _in_utc(row: dict) -> str:
    """A row as text that sorts the same from either database (each gives times in its own zone class)."""
    return repr({k: v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for k, v in row.items()})


def test_without_postgresql_the_tests_fail_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(pg_server.shutil, "which", lambda _name: None)
    monkeypatch.setattr(pg_server.glob, "glob", lambda _pattern: [])
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
def test_init_makes_a_postgresql_store_and_import_takes_a_file_into_it(pg_server, tmp_path):
    url = pg_server.database()
    ran = run_cli("init", "--roster", str(FIXTURES / "roster"), db=url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[1] == f"roster loaded from {FIXTURES / 'roster'}: 4 projects, 2 teams, 2 sites"
    gift = write(tmp_path, "g.csv", CANONICAL_HEADER + "X1,2020-09-07 10:00:00,1,0,P001,,,qr,张三\n")
    ran = run_cli("import", str(gift), db=url)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.startswith("g.csv: 1 new, 0 duplicate, 0 rejected (¥1.00 new, matched ¥0.00; canonical, csv/utf-8,")
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
    return {
        q: store.query(q, since=None, until=None) for q in ("totals_by_project", "totals_by_team", "screen_minutes")
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
