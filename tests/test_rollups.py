"""The rollups the screens read always equal the ledger they summarise, to the fen."""

import datetime as dt

import pytest

from givingday import config
from givingday.demo import simulate
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import read_roster
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
