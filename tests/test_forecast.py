"""The forecast: exact figures on a hand-made store and curve, no figure when it is too early, the store's
figures the same as a replayed demo event's, and the command line's lines."""

import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pytest

from givingday import config
from givingday.cli import main
from givingday.demo import simulate
from givingday.forecast import backtest, words
from givingday.forecast.curve import Curve, read_curve, write_curve
from givingday.forecast.model import Estimate, store_days, store_forecast
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import read_roster
from givingday.report.figures import build_report
from givingday.report.scope import make_scope
from givingday.report.text import forecast_lines
from givingday.screens.render import render
from givingday.screens.snapshot import take_snapshot

TZ = config.load_event().tz
HEADER = "donation_id,occurred_at,amount_yuan,matched_yuan,project,channel\n"
LARGE = 1_000_000  # ¥10,000


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2020, 9, day, hour, minute, tzinfo=TZ)


def usual_day(tmp_path, matched_rate: float = 0.0) -> Curve:
    """Regular money comes evenly through the day (half by noon); each day usually brings ¥1,000; the band is
    ±10% of the day's forecast and ±20% of the event's; no large gifts usually."""
    days, minutes = 2, np.array([0.0, 1440.0])
    columns = {
        "share": np.array([[0.0, 1.0]] * days),
        "large_share": np.array([[0.0, 1.0]] * days),
        "low": np.full((days, 2), -0.1),
        "high": np.full((days, 2), 0.1),
        "event_low": np.full((days, 2), -0.2),
        "event_high": np.full((days, 2), 0.2),
    }
    curve = Curve(minutes, columns, np.full(days, 100_000.0), np.zeros(days), np.full(days, matched_rate), LARGE)
    write_curve(curve, tmp_path / "shape.csv", tmp_path / "levels.csv")
    return read_curve(tmp_path / "shape.csv", tmp_path / "levels.csv", LARGE)  # through the files, as the board


def two_days(store, pool_fen: int = 0):
    return dataclasses.replace(
        store.event, days=2, matching=dataclasses.replace(store.event.matching, daily_pool_fen=pool_fen)
    )


def give(store, gifts: list[tuple[dt.datetime, str, str]]) -> None:
    """(time, yuan, matched yuan) each, to project P001 by QR."""
    body = HEADER + "".join(f"g{i},{t:%Y-%m-%d %H:%M:%S},{a},{m},P001,qr\n" for i, (t, a, m) in enumerate(gifts))
    assert import_bytes(store, body.encode(), "gifts.csv").rows_new == len(gifts)


def test_a_day_at_half_its_usual_share_ends_at_twice_its_money(store, tmp_path):
    curve, event = usual_day(tmp_path), two_days(store)
    give(store, [(at(7, 9, i), "100.00", "0") for i in range(30)])  # ¥3,000 by noon, half the usual day
    f = store_forecast(store, event, at(7, 12), curve)
    assert (f.state, f.day, f.minute, f.today_so_far_fen, f.event_so_far_fen) == (
        "ok",
        dt.date(2020, 9, 7),
        720,
        300_000,
        300_000,
    )
    assert f.today == Estimate(600_000, round(600_000 * math.exp(-0.1)), round(600_000 * math.exp(0.1)))
    # day two as day one is to its usual ¥1,000: six times, ¥6,000
    assert f.event == Estimate(1_200_000, round(1_200_000 * math.exp(-0.2)), round(1_200_000 * math.exp(0.2)))
    assert words.lines(f) == [
        "预计今日 0.5–0.7万元（80%），中间值 0.6万元。today expected to end at ¥0.01–0.01 million (80%), middle ¥0.01 million",
        "预计全程 1.0–1.5万元（80%），中间值 1.2万元。the event expected to end at ¥0.01–0.01 million (80%), middle ¥0.01 million",
    ]


def test_a_large_gift_is_not_taken_for_pace_and_matching_stops_at_the_pool(store, tmp_path):
    curve, event = usual_day(tmp_path, matched_rate=0.5), two_days(store, pool_fen=250_000)
    give(store, [(at(7, 11, i), "100.00", "20.00") for i in range(30)] + [(at(7, 11, 40), "20000.00", "0")])
    f = store_forecast(store, event, at(7, 12), curve)
    # regular ¥3,000 at share 0.5: ¥6,000. Matching ran since 10:00 for 2 h at ¥600 per ¥3,000 (0.2): ¥600 plus
    # 0.2 × the ¥3,000 still to come. The large gift counts once, as it is (the curve expects no others).
    assert f.today.point_fen == 600_000 + 2_000_000 + 120_000
    # day two: six times its usual ¥1,000; the ¥3,500 of it after 10:00 (14 of 24 hours) matched at the usual 0.5
    assert f.event.point_fen == f.today.point_fen + 600_000 + 175_000
    f = store_forecast(
        store,
        dataclasses.replace(event, matching=dataclasses.replace(event.matching, daily_pool_fen=100_000)),
        at(7, 12),
        curve,
    )
    assert f.today.point_fen == 600_000 + 2_000_000 + 100_000  # the pool holds ¥1,000 a day


@pytest.mark.parametrize(
    ("gifts", "moment", "state"),
    [
        ([], at(6, 12), "before"),
        ([], at(7, 12), "no_gifts"),
        ([(at(7, 0, i), "100.00", "0") for i in range(30)], at(7, 1), "too_early"),  # 1/24 of the usual day
        ([(at(7, 9, i), "100.00", "0") for i in range(19)], at(7, 12), "too_early"),  # 19 gifts: too few
        ([(at(7, 9, i), "100.00", "0") for i in range(30)], at(9, 0), "over"),
    ],
)
def test_no_figure_before_there_is_something_to_go_on(store, tmp_path, gifts, moment, state):
    curve, event = usual_day(tmp_path), two_days(store)
    if gifts:
        give(store, gifts)
    f = store_forecast(store, event, moment, curve)
    assert f.state == state and f.today is None
    if state == "over":
        assert f.event == Estimate(300_000, 300_000, 300_000)
        assert words.lines(f) == ["活动已结束，全程 0.3万元。the event is over at ¥0.00 million"]
    else:
        assert f.event is None and len(words.lines(f)) == 1 and "暂不预测" in words.lines(f)[0]


def test_the_store_and_a_replayed_demo_event_read_the_same_sums(demo_roster_store):
    store = demo_roster_store
    event = store.event
    gifts = simulate.draw_event(event, read_roster(config.ROSTER_DIR), event.first_day, seed=4, scale=0.03)
    until = event.starts_at + dt.timedelta(days=1, hours=15)
    simulate.backfill(store, gifts, until.timestamp(), chunk_seconds=6 * 3600)
    replay = backtest.Replay(gifts, event, LARGE)
    minute = int((until - event.starts_at).total_seconds() // 60)
    assert store_days(store, event, until, LARGE) == replay.days_at(minute)
    curve = Curve.for_event(event)
    assert store_forecast(store, event, until, curve) == replay.forecast_at(minute, curve)


def test_the_command_line_prints_the_forecast_and_the_backtest(store, tmp_path, capsys, monkeypatch):
    db = str(store.location)
    assert main(["--db", db, "forecast"], store=store) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "活动已结束，全程 0.0万元。the event is over at ¥0.00 million"  # the board's now is 2026


def test_the_backtest_on_two_seeds_ends_with_one_line(capsys):
    assert main(["forecast", "--backtest", "--seeds", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "backtest on demo seeds 1-2 (band made from seeds 1001-1200)"
    assert [line[:5] for line in out[2:7]] == ["10:00", "12:00", "15:00", "18:00", "21:00"]
    assert re.fullmatch(r"coverage=[01]\.\d\d mape_18=\d\.\d{3}", out[-1]) and len(out) == 8


def test_the_public_screens_show_the_band_only_when_the_event_says_so(store, monkeypatch):
    give(store, [(at(7, 9, i), "100.00", "0") for i in range(30)])
    snap = take_snapshot(store, now=at(7, 12))
    assert snap.forecast is None and 'id="forecast"' not in render(snap)
    rules = dataclasses.replace(store.event.forecast, on_screens=True)
    monkeypatch.setattr(store, "event", dataclasses.replace(store.event, forecast=rules))
    snap = take_snapshot(store, now=at(7, 12))
    low, high = snap.forecast.today.low_fen, snap.forecast.today.high_fen
    assert snap.forecast.state == "ok" and low < snap.forecast.today.point_fen < high  # on the demo's curve
    assert f'<div class="count" id="forecast">预计今日 {words.wan(low)}–{words.wan(high)}万元（80%）</div>' in render(
        snap
    )
    assert f"Today expected ¥{words.millions(low)}–{words.millions(high)}M (80%)" in render(snap, lang="en")


def test_the_report_says_the_forecast_while_the_event_runs(store):
    give(store, [(at(7, 9, i), "100.00", "0") for i in range(30)])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    during = build_report(store, make_scope(store.event, dt.date(2020, 9, 7), at(7, 12), now))
    assert during.forecast == store_forecast(store, store.event, at(7, 12)) and during.forecast.state == "ok"
    assert forecast_lines(during) == [*words.lines(during.forecast), words.METHOD]
    said = words.lines(during.forecast)[0]
    assert (
        re.match(r"预计今日 \d+\.\d–\d+\.\d万元（80%），中间值 \d+\.\d万元。", said) and "¥" not in said.split("。")[0]
    )
    after = build_report(store, make_scope(store.event, None, None, now))  # the event is over: no forecast
    assert after.forecast is None and forecast_lines(after) == []
