"""The console read from the rollup cells gives the ledger's answer exactly: every window, table row, bar and
newest gift, for any range (edges inside a minute too) and any combination of filters, on stores with refunds,
corrections and moved gifts."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from givingday import config
from givingday.console import figures as console
from givingday.console.rollup_figures import LEDGER, ROLLUPS, split
from givingday.demo import simulate
from givingday.ingest.roster import read_roster
from givingday.store.adjustments import correct, refund
from tests.conftest import assert_rollups_match_ledger
from tests.seeded import at


def _plain(value):
    """Rows compared as values: a moment as its instant, whatever zone the database gave it in."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def assert_same_figures(store, filters, now):
    event = store.event
    ours, theirs = (console.figures(store, filters, event, now, read=r) for r in (ROLLUPS, LEDGER))
    assert _plain(ours["windows"]["rows"]) == _plain(theirs["windows"]["rows"]), filters
    assert ours["windows"]["day_before_full_fen"] == theirs["windows"]["day_before_full_fen"]
    for dim in console.DIMS:
        pd.testing.assert_frame_equal(ours["tables"][dim], theirs["tables"][dim])
    pd.testing.assert_frame_equal(ours["minutes"], theirs["minutes"])
    pd.testing.assert_frame_equal(ours["latest"], theirs["latest"])
    start, end = filters.time_range(event)  # the walk back through the cells, whichever way the store reads them
    walked = ROLLUPS.latest_walked(store, start, end, console.LATEST_N, **filters.sql_params())
    assert _plain(walked) == _plain(LEDGER.latest(store, start, end, console.LATEST_N, **filters.sql_params()))
    assert (ours["range_total_fen"], ours["range_donations"]) == (theirs["range_total_fen"], theirs["range_donations"])
    return ours


def test_a_range_is_its_whole_days_hours_and_minutes_and_the_partial_minutes_at_its_edges():
    zone = at(7, 0, 0).tzinfo
    assert split(at(7, 10, 1, 30), at(7, 10, 5, 10), zone) == [
        ("ledger", at(7, 10, 1, 30), at(7, 10, 2)),
        ("minute", at(7, 10, 2), at(7, 10, 5)),
        ("ledger", at(7, 10, 5), at(7, 10, 5, 10)),
    ]
    assert split(at(7, 10, 1), at(7, 10, 5), zone) == [("minute", at(7, 10, 1), at(7, 10, 5))]
    assert split(at(7, 10, 1, 10), at(7, 10, 1, 50), zone) == [("ledger", at(7, 10, 1, 10), at(7, 10, 1, 50))]
    # across hours and days: the coarsest grain that fits, then finer towards each edge
    assert split(at(7, 22, 58, 30), at(9, 1, 2, 5), zone) == [
        ("ledger", at(7, 22, 58, 30), at(7, 22, 59)),
        ("minute", at(7, 22, 59), at(7, 23, 0)),
        ("hour", at(7, 23, 0), at(8, 0, 0)),
        ("day", at(8, 0, 0), at(9, 0, 0)),
        ("hour", at(9, 0, 0), at(9, 1, 0)),
        ("minute", at(9, 1, 0), at(9, 1, 2)),
        ("ledger", at(9, 1, 2), at(9, 1, 2, 5)),
    ]
    # the chart's bars by the minute take no hour, and a range ending on a day is whole days
    assert split(at(7, 9, 59), at(7, 11, 1), zone, ("minute",)) == [("minute", at(7, 9, 59), at(7, 11, 1))]
    assert split(at(7, 0, 0), at(9, 0, 0), zone) == [("day", at(7, 0, 0), at(9, 0, 0))]
    assert split(at(9, 0, 0), at(7, 0, 0), zone) == []


SEEDED_FILTERS = [
    {},
    {"project_id": "P001"},
    {"project_id": "P002", "channel": "livestream"},
    {"team_id": "T001"},
    {"site_id": "S001"},
    {"street": "大学路街道"},
    {"category": "特殊关爱"},
    {"channel": "offline"},
    {"channel": "bank", "project_id": "P001", "site_id": "S002"},
    {"project_id": "P003"},  # nothing at all
]
SEEDED_RANGES = [
    {},
    {"day": dt.date(2020, 9, 7)},
    {"day": dt.date(2020, 9, 7), "from_time": dt.time(10, 1, 40), "to_time": dt.time(14, 30)},
    {"day": dt.date(2020, 9, 7), "from_time": dt.time(10, 1, 20), "to_time": dt.time(10, 1, 45)},  # in one minute
    {"day": dt.date(2020, 9, 8)},
    {"day": dt.date(2020, 9, 8), "from_time": dt.time(9, 5), "to_time": dt.time(23, 59, 59, 500_000)},
    {"day": dt.date(2020, 9, 9), "from_time": dt.time(8, 0, 0, 1)},
    {"day": dt.date(2020, 9, 7), "from_time": dt.time(10, 0), "to_time": dt.time(10, 59, 59)},  # in one hour
    {"day": dt.date(2020, 9, 7), "from_time": dt.time(9, 59, 30), "to_time": dt.time(14, 30, 1)},  # across hours
]
SEEDED_NOWS = [at(9, 12, 0), at(9, 11, 58, 30), at(8, 10, 3, 7), at(9, 9, 5, 1), at(10, 0, 0)]


@pytest.mark.parametrize("filters", SEEDED_FILTERS, ids=lambda f: ",".join(f) or "all")
def test_rollups_give_the_ledgers_figures_on_the_hand_written_store(seeded_duckdb, filters):
    for k, span in enumerate(SEEDED_RANGES):  # each range once, at a moment that turns with it
        assert_same_figures(seeded_duckdb, console.Filters(**span, **filters), SEEDED_NOWS[k % len(SEEDED_NOWS)])


@pytest.mark.parametrize("now", SEEDED_NOWS)
def test_rollups_give_the_ledgers_windows_at_any_moment(seeded_duckdb, now):
    for span in SEEDED_RANGES:
        assert_same_figures(seeded_duckdb, console.Filters(**span), now)


def test_the_figures_are_the_hand_written_stores_to_the_fen(seeded_duckdb):
    """Not only the same as the ledger way: the right figures (D3 refunded, D5 corrected, D4 moved to the 9th)."""
    f = assert_same_figures(seeded_duckdb, console.Filters(), at(9, 12, 0))
    assert f["range_total_fen"] == 10_000 + 2_000 + 10_000 + 2_000 + 500 + 2_234 + 100 + 6_600 + 1_000
    assert f["range_donations"] == 5
    rows = {r["key"]: r for r in f["windows"]["rows"]}
    assert (rows["m5"]["total_fen"], rows["m5"]["donations"]) == (7_600, 1)  # D6 at 11:58
    assert (rows["day"]["total_fen"], rows["day"]["donations"]) == (500 + 1_000 + 7_600, 2)  # D5 +1000, D4, D6
    # the 9th from 08:00:00.000001: D5's correction at 08:00 is outside; the partial minute holds nothing
    f = assert_same_figures(
        seeded_duckdb, console.Filters(day=dt.date(2020, 9, 9), from_time=dt.time(8, 0, 0, 1)), at(9, 12, 0)
    )
    assert f["range_total_fen"] == 500 + 7_600


def test_the_newest_gifts_are_the_ledgers_for_any_count(seeded_duckdb):
    """The walk back to the newest gifts' first minute, for every count: found in the minutes from the hour before a
    day's newest gift (2 of the whole event: D6 on the 9th, D5 at 23:59:59 on the 8th), found in that day's hours
    before them (3: D4 at 09:05 on the 8th), found across days, or fewer gifts than asked (7)."""
    store = seeded_duckdb
    params = console.Filters().sql_params()
    for span in SEEDED_RANGES:
        start, end = console.Filters(**span).time_range(store.event)
        for n in range(1, 8):
            ours, walked, theirs = (
                read(store, start, end, n, **params) for read in (ROLLUPS.latest, ROLLUPS.latest_walked, LEDGER.latest)
            )
            assert _plain(ours) == _plain(theirs) == _plain(walked), (span, n)
    start, end = console.Filters().time_range(store.event)
    for read in (ROLLUPS.latest, ROLLUPS.latest_walked):
        assert [r["donation_id"] for r in read(store, start, end, 7, **params)] == ["D6", "D5", "D4", "D3", "D2", "D1"]
    # and the ledger is read from the latest minute that holds them, not from further back
    pieces = split(start, end, store.event.tz)
    cutoffs = [ROLLUPS._cutoff(store, pieces, n, params) for n in (1, 2, 3, 4, 6, 7)]
    assert cutoffs == [at(9, 11, 58), at(8, 23, 59), at(8, 9, 5), at(7, 14, 30), at(7, 10, 1), None]


@pytest.mark.both_stores
def test_rollups_follow_refunds_and_corrections_on_a_demo_day(demo_roster_store):
    store = demo_roster_store
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), dt.date(2020, 9, 7), seed=5, scale=0.03)
    until = dt.datetime(2020, 9, 8, 21, 0, tzinfo=store.event.tz).timestamp()
    simulate.backfill(store, gifts, until)
    ids = [r["donation_id"] for r in store.query_rows("select donation_id from donations order by donation_id")]
    refund(store, ids[0], "test refund", "tester")
    correct(store, ids[1], "test correction", "tester", amount_fen=12345, project_id="P089", team_id="")
    newest = store.query_rows("select donation_id, occurred_at from donations order by occurred_at desc limit 3")
    correct(
        store,
        newest[0]["donation_id"],
        "moved",
        "tester",
        occurred_at=newest[0]["occurred_at"] - dt.timedelta(hours=30),
    )
    refund(store, newest[1]["donation_id"], "refund of a newest gift", "tester")
    assert_rollups_match_ledger(store)
    assert store.scalar("select count(*) from rollup_cells") < store.scalar("select count(*) from donations")
    site = store.query_rows("select site_id from donations where site_id is not null limit 1")[0]["site_id"]
    views = [
        console.Filters(),
        console.Filters(day=dt.date(2020, 9, 8), from_time=dt.time(20, 10, 30), to_time=dt.time(20, 59, 15)),
        console.Filters(project_id="P089"),
        console.Filters(day=dt.date(2020, 9, 7), category="特殊关爱"),
        console.Filters(site_id=site, channel="qr"),
        console.Filters(street="大学路街道", day=dt.date(2020, 9, 8)),
        console.Filters(day=dt.date(2020, 9, 8), from_time=dt.time(9, 59, 30), to_time=dt.time(14, 30, 1)),
        console.Filters(day=dt.date(2020, 9, 7), from_time=dt.time(21), channel="qr"),  # whole hours to midnight
    ]
    for filters in views:
        assert_same_figures(store, filters, dt.datetime(2020, 9, 8, 20, 59, 41, tzinfo=store.event.tz))
    narrowed = dataclasses.replace(
        views[0], team_id=store.query_rows("select team_id from teams limit 1")[0]["team_id"]
    )
    assert_same_figures(store, narrowed, dt.datetime(2020, 9, 8, 20, 0, 0, 1, tzinfo=store.event.tz))
