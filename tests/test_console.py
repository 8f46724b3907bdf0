"""The console's figures: rolling windows beside the day before, filters, tables, pace and alerts."""

import dataclasses
import datetime as dt

import pytest

from givingday.console import alerts
from givingday.console import figures as console
from givingday.ingest.batch import import_bytes
from tests.conftest import CANONICAL_HEADER, import_unjudged_times

pytestmark = pytest.mark.both_stores

# Day one (7 Sep) and day two (8 Sep), Asia/Shanghai. T001 is P001's team at S002 (德化街街道);
# S001 升龙广场 is in 大学路街道. 王五 gives ¥20 twice within a minute under two ids on day two.
GIFTS = CANONICAL_HEADER + (
    "D1-A,2020-09-07 09:58:00,100,0,P001,T001,,qr,张三\n"
    "D1-B,2020-09-07 11:50:00,30,5,P002,,S001,qr,李四\n"
    "D1-C,2020-09-07 11:59:00,7.5,0,P001,,,offline,\n"
    "D2-A,2020-09-08 09:59:00,200,0,P001,T001,,qr,张三\n"
    "D2-B,2020-09-08 11:45:00,20,2,P002,,S001,livestream,王五\n"
    "D2-C,2020-09-08 11:45:40,20,0,P002,,S001,qr,王五\n"
    "D2-D,2020-09-08 11:58:00,12000,0,P089,,S001,corporate,某公司\n"
)


@pytest.fixture
def gifts(store):
    report = import_bytes(store, GIFTS.encode(), "console.csv")
    assert report.rows_new == 7
    return store


def at(day: int, hh: int, mm: int, store) -> dt.datetime:
    return dt.datetime(2020, 9, day, hh, mm, tzinfo=store.event.tz)


def test_windows_beside_the_same_window_a_day_before(gifts):
    store = gifts
    w = console.windows(store, console.Filters(), store.event, at(8, 12, 0, store))
    rows = {r["key"]: r for r in w["rows"]}
    assert (rows["m5"]["total_fen"], rows["m5"]["donations"]) == (1_200_000, 1)
    assert (rows["m5"]["before_fen"], rows["m5"]["before_donations"]) == (750, 1)
    assert (rows["m15"]["total_fen"], rows["m15"]["donations"]) == (1_204_200, 3)
    assert (rows["m15"]["before_fen"], rows["m15"]["before_donations"]) == (4_250, 2)
    assert (rows["m180"]["total_fen"], rows["m180"]["before_fen"]) == (1_224_200, 14_250)
    assert (rows["day"]["total_fen"], rows["day"]["donations"]) == (1_224_200, 4)
    assert (rows["event"]["total_fen"], rows["event"]["donations"]) == (1_238_450, 7)
    assert (rows["event"]["before_fen"], rows["event"]["before_donations"]) == (14_250, 3)
    assert w["day_before_full_fen"] == 14_250


def test_day_one_has_no_day_before(gifts):
    store = gifts
    w = console.windows(store, console.Filters(), store.event, at(7, 12, 0, store))
    assert {r["before_fen"] for r in w["rows"]} == {None}
    assert w["rows"][-1]["total_fen"] == 14_250


def test_every_figure_obeys_the_filters(gifts):
    store = gifts
    roster = store.roster()
    f = console.Filters(day=dt.date(2020, 9, 8), street="大学路街道")
    tables = console.breakdown(store, f, store.event, roster)
    assert [(r.key, r.total_fen, r.donations) for r in tables["project"].itertuples() if r.donations] == [
        ("P089", 1_200_000, 1),
        ("P002", 4_200, 2),
    ]
    assert [(r.key, r.total_fen) for r in tables["site"].itertuples()] == [("S001", 1_204_200)]
    assert [(r.key, r.total_fen) for r in tables["street"].itertuples()] == [("大学路街道", 1_204_200)]
    assert [(r.key, r.name, r.total_fen) for r in tables["team"].itertuples()] == [
        ("", "（无队伍）", 1_204_200),
        ("T002", "张**的一起捐", 0),  # the street's team, listed though it has raised nothing yet
    ]
    minutes = console.minutes(store, f, store.event)
    assert int(minutes["total_fen"].sum()) == 1_204_200
    assert len(minutes) == 14  # 11:45 to 11:58, the quiet minutes as zeros
    assert list(minutes["donations"][:3]) == [2, 0, 0]
    latest = console.latest_gifts(store, f, store.event, roster)
    assert list(latest["donation_id"]) == ["D2-D", "D2-C", "D2-B"]
    w = console.windows(store, f, store.event, at(9, 12, 0, store))  # the range ends before now
    assert w["until"] == at(9, 0, 0, store)
    assert {r["key"]: r["total_fen"] for r in w["rows"]}["day"] == 1_204_200


def test_channel_category_and_time_range(gifts):
    store = gifts
    roster = store.roster()
    by = lambda f: int(console.breakdown(store, f, store.event, roster)["project"]["total_fen"].sum())  # noqa: E731
    assert by(console.Filters(channel="qr")) == 10_000 + 3_500 + 20_000 + 2_000
    assert by(console.Filters(category="特殊关爱")) == 3_500 + 2_200 + 2_000
    f = console.Filters(day=dt.date(2020, 9, 8), from_time=dt.time(11, 0), to_time=dt.time(11, 50))
    assert by(f) == 2_200 + 2_000
    assert f.to_params() == {"day": "2020-09-08", "from": "11:00", "to": "11:50"}


def test_filters_round_trip_through_the_url_and_drop_what_is_unknown(gifts):
    store = gifts
    roster = store.roster()
    f = console.Filters.from_params(
        {"day": "2020-09-08", "project": "P001", "site": "S999", "channel": "qr", "from": "25:00", "street": "x"},
        store.event,
        roster,
    )
    assert f == console.Filters(day=dt.date(2020, 9, 8), project_id="P001", channel="qr")
    assert console.Filters.from_params(f.to_params(), store.event, roster) == f
    assert console.Filters.from_params({"day": "2021-01-01"}, store.event, roster).day is None


def test_the_filters_a_link_said_and_these_left_out_are_named(gifts):
    """A shared link may be old (a day of last year's event, a project since taken out of the roster): what it
    said and the filters do not hold is named, so the figure shown is not taken for the link's."""
    roster = gifts.roster()
    params = {"day": "1999-01-01", "project": "P999", "site": "S001", "channel": "qr", "to": "10:00", "team": " "}
    f = console.Filters.from_params(params, gifts.event, roster)
    assert f == console.Filters(site_id="S001", channel="qr")
    assert f.dropped(params) == {"day": "1999-01-01", "project": "P999", "to": "10:00"}  # a blank is no filter
    assert f.dropped(f.to_params()) == {}
    # WeChat's share marker is no time anyone chose, so not named; a mistyped time is
    wechat = {"street": "大学路街道", "from": "singlemessage", "isappinstalled": "0"}
    assert console.Filters.from_params(wechat, gifts.event, roster).dropped(wechat) == {}
    typed = {"day": "2020-09-08", "from": "25:99"}
    assert console.Filters.from_params(typed, gifts.event, roster).dropped(typed) == {"from": "25:99"}


def test_goals_and_pace(gifts):
    store = gifts
    roster = store.roster()
    assert console.goal_fen(console.Filters(), roster, store.event) == store.event.goal_fen
    assert console.goal_fen(console.Filters(project_id="P001"), roster, store.event) == 5_000_000
    assert console.goal_fen(console.Filters(street="大学路街道"), roster, store.event) == 100_000  # T002's goal
    assert console.goal_fen(console.Filters(channel="qr"), roster, store.event) is None
    w = console.windows(store, console.Filters(), store.event, at(8, 12, 0, store))
    p = console.pace(w, store.event.goal_fen, store.event)
    # last hour 1,204,200 fen over 60 minutes, 720 minutes left: 1,224,200 + 1,204,200 * 12
    assert p.at_rate_fen == 1_224_200 + 1_204_200 * 12
    # yesterday: all of its 14,250 had come by noon, so its shape says today ends where it stands
    assert p.by_yesterday_fen == 1_224_200
    assert p.event_at_rate_fen == 14_250 + p.at_rate_fen
    assert p.day_goal_fen == store.event.goal_fen // 3


def test_matching_pool_of_the_day(gifts):
    store = gifts
    m = console.matching_today(store, store.event, at(8, 12, 0, store))
    assert (m["used_fen"], m["ran_out_at"], m["is_open"]) == (200, None, True)
    assert m["left_fen"] == store.event.matching.daily_pool_fen - 200
    m = console.matching_today(store, store.event, at(8, 9, 0, store))
    assert (m["used_fen"], m["is_open"]) == (0, False)


def test_alerts_quiet_sites_idle_teams_duplicates_and_large_gifts(gifts):
    store = gifts
    now = at(8, 12, 20, store)
    today = console.breakdown(store, console.Filters(day=dt.date(2020, 9, 8)), store.event, store.roster())
    sites = today["site"][today["site"]["key"] != ""].to_dict("records")
    quiet = alerts.quiet_sites(sites, store.event, now, 30)
    assert [(s["key"], s["quiet_minutes"]) for s in quiet] == [("S002", 141)]  # T001's gift at 09:59
    assert [(s["key"], s["quiet_minutes"]) for s in alerts.quiet_sites(sites, store.event, now, 20)] == [
        ("S002", 141),
        ("S001", 22),
    ]
    assert [t["key"] for t in alerts.idle_teams(today["team"].to_dict("records"))] == ["T002"]
    dups = alerts.possible_duplicates(store, store.event, now)
    assert [(d["donation_id"], d["earlier_id"], d["amount_fen"]) for d in dups] == [("D2-C", "D2-B", 2_000)]
    assert [g["donation_id"] for g in alerts.large_gifts(store, store.event, now)] == ["D2-D"]
    assert alerts.in_active_hours(store.event, now) and not alerts.in_active_hours(store.event, at(8, 23, 0, store))


def test_data_flow_reports_lag_and_failed_files(gifts, tmp_path):
    store = gifts
    failed = store.inbox.parent / "failed"
    failed.mkdir(parents=True)
    (failed / "bad.csv.report.json").write_text('{"outcome": "unreadable", "message": "binary content"}')
    flow = alerts.data_flow(store)
    assert [i["file_name"] for i in flow.imports] == ["console.csv"]
    assert flow.imports[0]["newest_gift_at"] == at(8, 11, 58, store)
    assert flow.imports[0]["lag_minutes"] > 0
    assert [(f["file_name"], f["message"]) for f in flow.failed_files] == [("bad.csv", "binary content")]


def test_downloads_keep_typed_text_from_running_as_a_formula():
    import io

    import openpyxl
    import pandas as pd

    from givingday.console import exports

    frame = exports.table(
        pd.DataFrame({"why": ['=HYPERLINK("http://x")', "ok"], "a_fen": [100, -5]}),
        {"why": "原因", "a_fen": "金额(元)"},
    )
    assert exports.csv_bytes(frame).decode("utf-8-sig").splitlines()[1].startswith("\"'=HYPERLINK")
    ws = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "t")))["t"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("'=")
    assert ws["B3"].value == -0.05  # numbers stay numbers


@pytest.mark.parametrize(
    ("asked", "minutes"),
    [("45", 45), ("0", 1), ("9999", 600), ("²", 30), ("٣", 30), ("-5", 30), ("", 30), ("9" * 400, 30)],
)
def test_the_alerts_url_asks_for_quiet_minutes_in_ascii_digits_only(store, asked, minutes):
    assert store.event.console.quiet_site_minutes == 30
    assert alerts.quiet_minutes_asked(asked, store.event) == minutes


@pytest.fixture
def mis_dated(store):
    """Today's event with two gifts today and one dated 2000, imported as a store written before gifts had a
    window could hold it."""
    today = dt.datetime.now(store.event.tz).date()
    store.event = dataclasses.replace(store.event, first_day=today)
    import_unjudged_times(
        store,
        CANONICAL_HEADER
        + f"OLD,2000-01-01 08:00:00,300,0,P001,,,qr,\nT1,{today} 09:30:00,100,10,P001,,,qr,\n"
        + f"T2,{today} 10:45:59,20,0,P002,,S001,qr,\n",
    )
    return store, dt.datetime.combine(today, dt.time(12), store.event.tz)


def test_a_gift_dated_years_away_does_not_stretch_the_console(mis_dated):
    """The chart once filled every minute from the earliest gift to the latest: 13 million rows for this store."""
    store, noon = mis_dated
    everything = console.figures(store, console.Filters(), store.event, noon)
    assert everything["chart"] == (store.event.takes_from, store.event.takes_until, "minute")
    minutes = everything["minutes"]
    assert len(minutes) == 76  # 09:30 to 10:45 today, the quiet minutes as zeros; nothing of 2000
    assert (int(minutes["total_fen"].sum()), int(minutes["donations"].sum())) == (13_000, 2)
    assert minutes["bar_at"].iloc[0] == noon.replace(hour=9, minute=30)
    assert (everything["range_total_fen"], everything["range_donations"]) == (43_000, 3)  # the totals count it
    rows = {r["key"]: r for r in everything["windows"]["rows"]}
    assert (rows["event"]["total_fen"], rows["day"]["total_fen"], rows["m180"]["total_fen"]) == (43_000, 13_000, 13_000)
    today = console.figures(store, console.Filters(day=noon.date()), store.event, noon)
    assert len(today["minutes"]) == 76 and today["range_total_fen"] == 13_000
    afternoon = console.Filters(day=noon.date(), from_time=dt.time(10), to_time=dt.time(11))
    assert len(console.minutes(store, afternoon, store.event)) == 1


@pytest.mark.parametrize(
    ("margin", "days", "unit", "bars"),
    [(31, 3, "hour", 2), (1, 400, "day", 1)],
)
def test_a_long_span_is_drawn_by_the_hour_or_the_day(mis_dated, margin, days, unit, bars):
    store, noon = mis_dated
    event = dataclasses.replace(store.event, margin_days=margin, days=days)
    start, end, got = console.chart_span(console.Filters(), event)
    assert (start, end, got) == (event.takes_from, event.takes_until, unit)
    assert (end - start) <= console.CHART_UNITS[unit] * console.CHART_BARS
    minutes = console.minutes(store, console.Filters(), event)
    assert len(minutes) == bars and int(minutes["total_fen"].sum()) == 13_000


def test_the_chart_keeps_its_latest_bars_when_even_days_are_too_many(store):
    event = dataclasses.replace(store.event, first_day=dt.date(2000, 1, 1), days=40_000)
    start, end, unit = console.chart_span(console.Filters(), event)
    assert (end, unit, end - start) == (event.takes_until, "day", dt.timedelta(days=console.CHART_BARS))


def test_downloads_write_a_share_of_goal_and_a_change_as_the_page_shows_them():
    """612.23% in the CSV, as on the page (the bare ratio 6.1223 reads as 6%); the workbook keeps the ratio as a
    number, formatted as a percentage; no goal stays empty; a fall is a number, not a defused formula."""
    import io

    import openpyxl
    import pandas as pd

    from givingday.console import exports

    frame = exports.table(
        pd.DataFrame({"name": ["甲", "乙"], "share_of_goal": [6.122299555, None], "change": [-0.125, 0.5]}),
        {"name": "项目", "share_of_goal": "完成度", "change": "变化"},
    )
    assert frame["完成度"].iloc[0] == 6.122299555  # the page's ProgressColumn reads the ratio
    assert exports.csv_bytes(frame).decode("utf-8-sig").splitlines() == [
        "项目,完成度,变化",
        "甲,612.23%,-12.50%",
        "乙,,50.00%",
    ]
    ws = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "t")))["t"]
    assert (ws["B2"].value, ws["B2"].number_format) == (6.122299555, "0.00%")
    assert (ws["C2"].value, ws["C2"].number_format, ws["B3"].value) == (-0.125, "0.00%", None)
