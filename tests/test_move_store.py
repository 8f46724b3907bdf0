"""`migrate-store --to URL` (givingday/store/move.py): a DuckDB store with gifts, refunds, corrections, rejected
rows, the import log, audit rows and pledges moved into PostgreSQL answers every query file exactly as the DuckDB
store does, says its counts and sums, sets the import ids' sequence past the ids copied, carries the donor salt,
leaves the source as it was, and refuses a target that already holds data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from givingday.ingest.batch import import_bytes
from givingday.store import adjustments
from givingday.store.database import Store
from givingday.store.move import check
from tests.conftest import CANONICAL_HEADER, assert_rollups_match_ledger, run_cli
from tests.seeded import QUERY_NAMES, at, query_params, seed_gifts
from tests.test_postgres import _in_utc

GIFTS = CANONICAL_HEADER + (
    "M1,2020-09-08 10:00:00,50,5,P001,T001,S002,qr,赵六\n"
    "M2,2020-09-08 11:00:00,20.5,0,P002,,S001,bank,钱七\n"
    "M3,2020-09-08 11:30:00,x,0,P002,,,qr,孙八\n"  # rejected: its amount
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def district(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A district's DuckDB store, closed (as after the board stops): tests/seeded.py's gifts with their import
    (id 1, written by hand), a real import of two gifts and a rejected row (id 2), a refund and a correction."""
    monkeypatch.setenv("GIVINGDAY_HOME", str(tmp_path / "data"))  # where a PostgreSQL store keeps its salt
    seed_gifts(store)
    assert store.scalar("select nextval('import_id_seq')") == 1  # id 1 is the seeded import's
    report = import_bytes(store, GIFTS.encode(), "more.csv")
    assert (report.import_id, report.rows_new, report.rows_rejected) == (2, 2, 1)
    # both in one minute, whatever the clock says (each books rows in rollup_minutes at its own time)
    adjustments.refund(store, "M2", "退款", "admin", at=at(9, 20, 0))
    adjustments.correct(
        store, "M1", "改金额", "admin", amount_fen=8_000, occurred_at=at(8, 10, 30), at=at(9, 20, 0, 30)
    )
    assert_rollups_match_ledger(store)
    store.dispose()
    return Path(store.location)


@pytest.mark.postgres
def test_the_store_moves_into_postgresql_and_answers_every_query_the_same(district, pg_server, tmp_path):
    url = pg_server.database()
    before = _sha256(district)
    ran = run_cli("migrate-store", "--to", url, db=district)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines() == [
        f"moved {district} into {url.replace('postgresql://', 'postgresql+psycopg://')};"
        " read back from both, every table the same:",
        "  adjustments             10 rows   amount_delta_fen -86850, matched_delta_fen 0",
        "  audit_log                3 rows   amount_fen -87850",
        "  donations                8 rows   amount_fen 124184, matched_fen 5600",
        "  donor_counts             3 rows",
        "  donor_firsts            13 rows",
        "  donor_messages           1 rows",
        "  drift_checks             1 rows",
        "  drift_rows               1 rows   ours_fen 31600, theirs_fen 19600",
        "  imports                  2 rows   amount_new_fen 124184",
        "  pledge_closures          1 rows",
        "  pledges                  2 rows   amount_fen 59900",
        "  projects                 4 rows   goal_fen 58000000",
        "  rejected_rows            2 rows",
        f"  {'rollup_cells':<22}{13:>4} rows   amount_fen 37334, matched_fen 5600",  # per minute and dimension
        "  rollup_cells_day        12 rows   amount_fen 37334, matched_fen 5600",  # per day and dimension
        "  rollup_cells_hour        12 rows   amount_fen 37334, matched_fen 5600",  # per hour and dimension
        "  rollup_minutes          11 rows   amount_fen 37334, matched_fen 5600",  # the ledger's net: 124184 - 86850
        "  rollup_totals           15 rows   amount_fen 186670, matched_fen 28000",  # five dimensions of it
        f"  {'shifts':<22}{3:>4} rows",
        "  sites                    2 rows",
        "  teams                    2 rows   goal_fen 2100000",
    ]
    assert _sha256(district) == before  # opened read-only: the source is as it was

    source, moved = Store(str(district)), Store(url)
    try:
        assert_rollups_match_ledger(moved)
        with source.engine.connect() as a, moved.engine.connect() as b:
            tables = {t: [] for t in ("donations", "adjustments", "imports", "rejected_rows", "audit_log")}
            assert check(a, tables) == check(b, tables)
        for name in QUERY_NAMES:
            params = query_params(name)
            on_pg, on_duckdb = moved.query(name, **params), source.query(name, **params)
            assert sorted(on_pg, key=_in_utc) == sorted(on_duckdb, key=_in_utc), name
        assert moved.scalar("select nextval('import_id_seq')") == 3  # past the ids copied
        # The planner's statistics gathered, so the first queries are not planned as if the tables were empty.
        analyzed = (
            "select count(*) from pg_stat_user_tables where last_analyze is null and relname <> 'schema_migrations'"
        )
        assert moved.scalar(analyzed) == 0
        assert (tmp_path / "data" / "donor_salt.key").read_bytes() == (district.parent / "donor_salt.key").read_bytes()
        assert (tmp_path / "data" / "donor_salt.key").stat().st_mode & 0o777 == 0o600
    finally:
        source.dispose()
        moved.dispose()


@pytest.mark.postgres
def test_a_target_that_holds_gifts_is_refused_and_left_as_it_was(district, pg_server):
    url = pg_server.database()
    assert run_cli("migrate-store", "--to", url, db=district).returncode == 0
    again = run_cli("migrate-store", "--to", url, db=district)
    assert again.returncode == 2 and again.stdout == ""
    held = (
        "adjustments 10, audit_log 3, donations 8, donor_counts 3, donor_firsts 13, donor_messages 1, drift_checks 1,"
        " drift_rows 1, imports 2, pledge_closures 1, pledges 2, projects 4, "
        "rejected_rows 2, rollup_cells 13, rollup_cells_day 12, rollup_cells_hour 12, rollup_minutes 11, rollup_totals 15, shifts 3, sites 2, teams 2"
    )
    assert (
        again.stderr
        == f"error: 目标数据库已有数据（{held}），未写入任何内容。the target already holds data ({held}): nothing written\n"
    )
    moved = Store(url)
    try:
        assert moved.scalar("select count(*) from donations") == 8
        assert moved.scalar("select sum(amount_fen) from donations") == 124_184
    finally:
        moved.dispose()


def test_only_a_postgresql_url_is_a_target(district):
    ran = run_cli("migrate-store", "--to", str(district.parent / "other.duckdb"), db=district)
    assert ran.returncode == 2
    assert ran.stderr == (
        f"error: 目标 {district.parent / 'other.duckdb'} 不是 PostgreSQL。"
        f"the target {district.parent / 'other.duckdb'} is not a PostgreSQL URL\n"
    )
    assert not (district.parent / "other.duckdb").exists()


def test_a_missing_source_is_refused(tmp_path):
    ran = run_cli("migrate-store", "--to", "postgresql://nobody@127.0.0.1:1/x", db=tmp_path / "none.duckdb")
    assert ran.returncode == 2
    assert (
        ran.stderr
        == f"error: 找不到源数据库 {tmp_path / 'none.duckdb'}。the source {tmp_path / 'none.duckdb'} does not exist\n"
    )
    assert not (tmp_path / "none.duckdb").exists()


def test_a_target_whose_donor_salt_differs_is_refused_before_anything_is_written(district, tmp_path):
    theirs = tmp_path / "data" / "donor_salt.key"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"another installation's salt")
    ran = run_cli("migrate-store", "--to", "postgresql://nobody@127.0.0.1:1/x", db=district)  # no server needed
    assert ran.returncode == 2
    assert "donors would be counted twice" in ran.stderr and f"the target's donor salt {theirs}" in ran.stderr
    assert theirs.read_bytes() == b"another installation's salt"
