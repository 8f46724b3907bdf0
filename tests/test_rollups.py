"""The rollups the screens read always equal the ledger they summarise, to the fen."""

import datetime as dt

from givingday import config
from givingday.demo import simulate
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import load_roster, read_roster
from givingday.store.adjustments import correct, refund
from givingday.store.database import Store


def _ledger_vs_rollups(store):
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
            f" cast(sum(donation_count) as bigint) as d from ledger group by {col}"
        ):
            ledger[(dim, r["key"])] = (r["a"], r["m"], r["d"])
    rolled = {
        (r["dim"], r["key"]): (r["amount_fen"], r["matched_fen"], r["donations"])
        for r in store.query_rows("select * from rollup_totals")
    }
    minutes_ledger = store.query_rows(
        "select date_trunc('minute', occurred_at) as t, cast(sum(amount_fen) as bigint) as a,"
        " cast(sum(donation_count) as bigint) as d from ledger group by 1 order by 1"
    )
    minutes_rolled = store.query_rows(
        "select minute_at as t, amount_fen as a, donations as d from rollup_minutes order by 1"
    )
    return ledger, rolled, minutes_ledger, minutes_rolled


def test_rollups_follow_imports_refunds_and_corrections(db_path):
    store = Store(str(db_path))
    store.migrate()
    load_roster(store, config.ROSTER_DIR)
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), dt.date(2020, 9, 7), seed=7, scale=0.05)
    until = dt.datetime(2020, 9, 7, 21, 0, tzinfo=store.event.tz).timestamp()
    simulate.backfill(store, gifts, until)
    # an overlapping re-sent export changes nothing
    import_bytes(store, simulate.export_bytes(gifts, gifts.window(until - 7200, until), store.event.tz), "again.csv")
    first, second = store.query_rows("select donation_id from donations order by donation_id limit 2")
    refund(store, first["donation_id"], "test refund", "tester")
    correct(store, second["donation_id"], "test correction", "tester", amount_fen=12345, project_id="P089", team_id="")
    ledger, rolled, minutes_ledger, minutes_rolled = _ledger_vs_rollups(store)
    assert {k: v for k, v in rolled.items() if v != (0, 0, 0)} == {k: v for k, v in ledger.items() if v != (0, 0, 0)}
    assert [(r["t"], r["a"], r["d"]) for r in minutes_rolled if r["a"] or r["d"]] == [
        (r["t"], r["a"], r["d"]) for r in minutes_ledger if r["a"] or r["d"]
    ]
    assert rolled[("all", "")][0] == store.query("totals_overall")[0]["amount_fen"]
    store.dispose()
