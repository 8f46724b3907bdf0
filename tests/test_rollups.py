"""The rollups the screens read always equal the ledger they summarise, to the fen."""

import datetime as dt

import pytest

from givingday import config
from givingday.demo import simulate
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import read_roster
from givingday.store import bulk, donors, rollups
from givingday.store.adjustments import correct, refund
from tests.conftest import assert_rollups_match_ledger

pytestmark = pytest.mark.both_stores


def test_rollups_follow_imports_refunds_and_corrections(demo_roster_store):
    store = demo_roster_store
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), dt.date(2020, 9, 7), seed=7, scale=0.05)
    until = dt.datetime(2020, 9, 7, 21, 0, tzinfo=store.event.tz).timestamp()
    simulate.backfill(store, gifts, until)
    # an overlapping re-sent export changes nothing
    import_bytes(store, simulate.export_bytes(gifts, gifts.window(until - 7200, until), store.event.tz), "again.csv")
    first, second = store.query_rows("select donation_id from donations order by donation_id limit 2")
    refund(store, first["donation_id"], "test refund", "tester")
    correct(store, second["donation_id"], "test correction", "tester", amount_fen=12345, project_id="P089", team_id="")
    assert_rollups_match_ledger(store)


def _donors_match_gifts(store) -> None:
    """人数 kept at import equals the distinct donors of the stored gifts, in the district and at each site."""
    counted = {r["scope"]: r["donors"] for r in store.query_rows("select scope, donors from donor_counts")}
    district = store.scalar("select count(distinct donor_hash) from donations")
    sites = store.query_rows(
        "select site_id, count(distinct donor_hash) as n from donations where site_id is not null group by site_id"
    )
    assert counted == {"": district, **{r["site_id"]: r["n"] for r in sites}}


def test_a_file_partly_stored_before_adds_only_its_new_gifts(demo_roster_store):
    """An import whose every gift is new sums its staged rows; one with gifts stored before reads its stored
    ones: both leave the rollups and 人数 equal to the gifts."""
    store = demo_roster_store
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), dt.date(2020, 9, 7), seed=11, scale=0.02)
    until = dt.datetime(2020, 9, 7, 21, 0, tzinfo=store.event.tz).timestamp()
    first = import_bytes(store, simulate.export_bytes(gifts, gifts.window(0, until - 7200), store.event.tz), "a.csv")
    assert first.rows_new == first.rows_total > 0 and first.rows_duplicate == 0
    both_parts = gifts.window(until - 10800, until)
    second = import_bytes(store, simulate.export_bytes(gifts, both_parts, store.event.tz), "b.csv")
    stored_before = len(range(*gifts.window(until - 10800, until - 7200).indices(len(gifts.at))))
    assert second.rows_duplicate == stored_before > 0 and second.rows_new == second.rows_total - stored_before > 0
    assert store.query("totals_overall")[0]["donations"] == first.rows_new + second.rows_new
    assert_rollups_match_ledger(store)
    _donors_match_gifts(store)


def test_many_gifts_are_added_by_joins_and_still_equal_the_ledger(demo_roster_store, monkeypatch):
    """A big import on DuckDB adds its cells and donors by an update and an insert instead of an upsert
    (`rollups.MANY_EVENTS`, `donors.FEW_PAIRS`): taken here for every import, with files whose cells, donors and
    first gifts meet those stored before, it leaves the rollups and 人数 equal to the gifts."""
    monkeypatch.setattr(rollups, "MANY_EVENTS", 1)
    monkeypatch.setattr(bulk, "SCAN_SHARE", 10**9)
    monkeypatch.setattr(donors, "FEW_PAIRS", 0)
    store = demo_roster_store
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), dt.date(2020, 9, 7), seed=13, scale=0.02)
    until = dt.datetime(2020, 9, 7, 21, 0, tzinfo=store.event.tz).timestamp()
    late = import_bytes(store, simulate.export_bytes(gifts, gifts.window(until - 7200, until), store.event.tz), "a.csv")
    whole = import_bytes(store, simulate.export_bytes(gifts, gifts.window(0, until), store.event.tz), "b.csv")
    assert late.rows_new > 0 and whole.rows_duplicate == late.rows_new and whole.rows_new > late.rows_new
    first, second = store.query_rows("select donation_id from donations order by donation_id limit 2")
    refund(store, first["donation_id"], "test refund", "tester")
    correct(store, second["donation_id"], "test correction", "tester", amount_fen=12345, project_id="P089", team_id="")
    assert_rollups_match_ledger(store)
    _donors_match_gifts(store)
    met = store.scalar("select count(*) from rollup_cells_day where donations > 1")
    assert met > 0  # cells that both files added to
