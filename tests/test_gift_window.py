"""A gift's time lies within the event's days (widened by `[import] margin_days`) and not in the board's future:
imports, the console's record form and corrections keep that window; a correction can move a gift's time."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from givingday import accounts, clock, config
from givingday.console import acts as actions
from givingday.ingest.batch import import_bytes
from givingday.screens.snapshot import take_snapshot
from givingday.store import adjustments
from tests.conftest import CANONICAL_HEADER, assert_rollups_match_ledger, import_unjudged_times, snapshot
from tests.test_console_page import field

pytestmark = pytest.mark.both_stores

WINDOW = "2020-09-06 至 2020-09-10 之内（活动自 2020-09-07 起 3 天，前后各放宽 1 天）"
WINDOW_EN = "2020-09-06 to 2020-09-10 (the event's 3 days from 2020-09-07, widened by 1 day(s) either side)"


def outside(shown: str) -> str:
    return f"时间 {shown} 不在 {WINDOW}。time {shown} is outside {WINDOW_EN}"


def local(store, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=store.event.tz)


def stop_the_demo_clock(store, at: dt.datetime) -> None:
    """A demo clock standing still at `at`: the board's now, whatever the real time."""
    clock.write_clock(store.location, clock.DemoClock(0.0, at.timestamp(), 0.0, "2020-09-07"))


def signed_in_page(store, page: str) -> AppTest:
    accounts.add_user("ana", "organizer", "a long enough password", store.location)
    user = accounts.sign_in("ana", "a long enough password", location=store.location, throttle=accounts.Throttle())
    at = AppTest.from_file(f"../pages/{page}.py", default_timeout=60)
    at.session_state["user"] = user
    return at.run()


def minutes_with_money(store) -> list[tuple[str, int, int]]:
    rows = store.query_rows(
        "select minute_at, amount_fen, donations from rollup_minutes where amount_fen <> 0 or donations <> 0"
        " order by minute_at"
    )
    return [
        (f"{r['minute_at'].astimezone(store.event.tz):%Y-%m-%d %H:%M}", r["amount_fen"], r["donations"]) for r in rows
    ]


def last_gifts(store) -> dict[tuple[str, str], dt.datetime]:
    return {(r["dim"], r["key"]): r["last_gift_at"] for r in store.query_rows("select * from rollup_totals")}


def test_rows_outside_the_events_days_and_margin_are_rejected_with_the_window(store):
    rows = CANONICAL_HEADER + (
        "W1,2020-09-07 10:00:00,100,0,P001,,,qr,\n"
        "W2,2029-09-07 10:00:00,100,0,P001,,,qr,\n"  # the year mistyped
        "W3,2020-09-05 23:59:59,100,0,P001,,,qr,\n"
        "W4,2020-09-06 00:00:00,1,0,P001,,,qr,\n"  # the margin's first moment
        "W5,2020-09-10 23:59:59,2,0,P001,,,qr,\n"  # its last
        "W6,2020-09-11 00:00:00,100,0,P001,,,qr,\n"
        "W7,2001-01-01 00:00:00,x,0,P404,,,qr,\n"  # the time is the first reason
    )
    r = import_bytes(store, rows.encode(), "window.csv")
    assert (r.rows_new, r.rows_rejected, r.amount_new_fen, r.exit_status) == (3, 4, 10_300, 1)
    assert [(x.line, x.reason) for x in r.rejections] == [
        (3, outside("2029-09-07 10:00:00")),
        (4, outside("2020-09-05 23:59:59")),
        (7, outside("2020-09-11 00:00:00")),
        (8, outside("2001-01-01 00:00:00")),
    ]
    assert store.scalar("select count(*) from rejected_rows") == 4
    totals = store.query("totals_overall")[0]
    assert (totals["total_fen"], totals["last_gift_at"]) == (10_300, local(store, "2020-09-10 23:59:59"))
    rolled = store.query_rows("select amount_fen, last_gift_at from rollup_totals where dim = 'all'")
    assert rolled == [{"amount_fen": 10_300, "last_gift_at": local(store, "2020-09-10 23:59:59")}]


def test_a_gift_later_than_the_boards_now_is_rejected_beyond_the_clock_skew(store):
    stop_the_demo_clock(store, local(store, "2020-09-07 12:00:00"))
    rows = CANONICAL_HEADER + (
        "F1,2020-09-07 12:05:00,100,0,P001,,,qr,\n"  # five minutes ahead: a clock that runs fast
        "F2,2020-09-07 12:05:01,100,0,P001,,,qr,\n"
        "F3,2020-09-09 08:00:00,100,0,P001,,,qr,\n"
    )
    before = snapshot(store)
    r = import_bytes(store, rows.encode(), "ahead.csv")
    future = "时间 {0} 晚于现在（2020-09-07 12:00:00，允许误差 5 分钟）。time {0} is in the future (now is 2020-09-07 12:00:00; 5 minutes of clock skew allowed)"
    assert [(x.line, x.reason) for x in r.rejections] == [
        (3, future.format("2020-09-07 12:05:01")),
        (4, future.format("2020-09-09 08:00:00")),
    ]
    assert r.rows_new == 1
    assert store.query("totals_overall")[0]["total_fen"] == before["donations"]["total_fen"] + 10_000


def test_the_window_follows_the_demos_days(store):
    """During a demo the event's days are the demo's: its gifts are taken, the configured days' are not."""
    clock.write_clock(
        store.location, clock.DemoClock(0.0, local(store, "2026-12-02 09:00").timestamp(), 0.0, "2026-12-01")
    )
    rows = CANONICAL_HEADER + "D1,2026-12-01 10:00:00,100,0,P001,,,qr,\nD2,2020-09-07 10:00:00,100,0,P001,,,qr,\n"
    r = import_bytes(store, rows.encode(), "demo-20261201.csv")
    assert r.rows_new == 1
    assert r.rejections[0].reason.startswith("时间 2020-09-07 10:00:00 不在 2026-11-30 至 2026-12-04 之内")


@pytest.mark.parametrize(("margin", "taken"), [(0, ["M2", "M3"]), (2, ["M1", "M2", "M3", "M4"])])
def test_the_margin_is_a_setting(store, tmp_path, margin, taken):
    toml = config.DEFAULT_EVENT.read_text(encoding="utf-8").replace("margin_days = 1", f"margin_days = {margin}")
    (tmp_path / "event.toml").write_text(toml, encoding="utf-8")
    store.event = config.load_event(tmp_path / "event.toml")
    assert store.event.margin_days == margin
    rows = CANONICAL_HEADER + (
        "M1,2020-09-05 12:00:00,1,0,P001,,,qr,\n"
        "M2,2020-09-07 00:00:00,1,0,P001,,,qr,\n"
        "M3,2020-09-09 23:59:59,1,0,P001,,,qr,\n"
        "M4,2020-09-11 12:00:00,1,0,P001,,,qr,\n"
    )
    import_bytes(store, rows.encode(), "margin.csv")
    assert [r["donation_id"] for r in store.query_rows("select donation_id from donations order by 1")] == taken


@pytest.mark.parametrize("value", ["-1", "1.5", '"2"', "32", "true"])
def test_a_margin_that_is_not_a_whole_number_of_days_is_refused(tmp_path, value):
    toml = config.DEFAULT_EVENT.read_text(encoding="utf-8").replace("margin_days = 1", f"margin_days = {value}")
    (tmp_path / "event.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=r"margin_days .* 应为 0 到 31 之间的整数天；margin_days must be a whole"):
        config.load_event(tmp_path / "event.toml")


def record(store, at: dt.datetime) -> str:
    return actions.record_gift(
        store, "ana", channel="offline", project_id="P001", amount_fen=100, occurred_at=at, reason="现金箱"
    )


@pytest.mark.parametrize(
    ("at", "said"),
    [
        ("2029-09-07 10:00:00", outside("2029-09-07 10:00:00")),
        ("2020-09-05 23:00:00", outside("2020-09-05 23:00:00")),
        (
            "2020-09-07 12:06:00",
            "时间 2020-09-07 12:06:00 晚于现在（2020-09-07 12:00:00，允许误差 5 分钟）。time 2020-09-07 12:06:00 is in"
            " the future (now is 2020-09-07 12:00:00; 5 minutes of clock skew allowed)",
        ),
    ],
)
def test_the_record_form_keeps_the_same_window(store, at, said):
    stop_the_demo_clock(store, local(store, "2020-09-07 12:00:00"))

    def state():
        return snapshot(store), [store.scalar(f"select count(*) from {t}") for t in ("imports", "audit_log")]

    before = state()
    with pytest.raises(actions.ActionError) as refused:
        record(store, local(store, at))
    assert str(refused.value) == said
    assert state() == before
    gift = record(store, local(store, "2020-09-06 00:00:00"))
    assert store.scalar("select amount_fen from donations where donation_id = :id", id=gift) == 100


def test_the_record_forms_date_picker_offers_the_window(page_store):
    at = signed_in_page(page_store, "act")
    user = at.session_state["user"]
    day = at.date_input(key=field(at, "gift_day"))
    assert (day.min, day.max, day.value) == (dt.date(2020, 9, 6), dt.date(2020, 9, 10), dt.date(2020, 9, 10))
    stop_the_demo_clock(page_store, local(page_store, "2020-09-07 12:00:00"))
    at = AppTest.from_file("../pages/act.py", default_timeout=60)
    at.session_state["user"] = user
    at.run()
    assert at.date_input(key=field(at, "gift_day")).value == dt.date(2020, 9, 7)
    assert at.time_input(key=field(at, "gift_time")).value is None  # empty: the board's now when submitted


def test_a_correction_moves_a_mistyped_time_and_every_minute_and_last_gift_follow(store):
    import_unjudged_times(
        store,
        CANONICAL_HEADER
        + "Y1,2029-09-07 10:00:00,100,10,P001,T001,,qr,张三\nG2,2020-09-07 10:00:00,50,0,P002,,S001,qr,李四\n",
    )
    adjustments.correct(store, "Y1", "金额录错", "ana", amount_fen=8_000, at=local(store, "2020-09-07 11:00"))
    assert last_gifts(store)[("all", "")] == local(store, "2029-09-07 10:00")  # the stale banner is off for good
    assert_rollups_match_ledger(store)

    adjustments.correct(store, "Y1", "年份录错", "ana", occurred_at=local(store, "2020-09-08 10:30:15"))
    assert minutes_with_money(store) == [
        ("2020-09-07 10:00", 5_000, 1),  # G2
        ("2020-09-07 11:00", -2_000, 0),  # the amount's correction stays when it was made
        ("2020-09-08 10:30", 10_000, 1),  # Y1's own money, moved from 2029
    ]
    assert_rollups_match_ledger(store)
    new_time = local(store, "2020-09-08 10:30:15")
    assert adjustments.current(store, "Y1")["occurred_at"] == new_time
    gifts = last_gifts(store)
    assert gifts[("all", "")] == gifts[("project", "P001")] == gifts[("team", "T001")] == new_time
    assert gifts[("channel", "qr")] == gifts[("site", "S002")] == new_time  # T001's home site
    assert gifts[("project", "P002")] == gifts[("site", "S001")] == local(store, "2020-09-07 10:00")
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"], t["last_gift_at"]) == (13_000, 1_000, 2, new_time)
    assert store.query("audit_recent", limit_n=1)[0]["detail"] == ("时间：2029-09-07 10:00:00 → 2020-09-08 10:30:15")
    snap = take_snapshot(store, now=local(store, "2020-09-08 10:32"))
    assert snap.totals["last_gift_at"] == new_time and not snap.is_stale

    # moved again, with its amount: the money leaves 10:30 whole, the new amount is booked now
    adjustments.correct(
        store,
        "Y1",
        "时间和金额",
        "ana",
        occurred_at=local(store, "2020-09-08 09:00"),
        amount_fen=9_000,
        at=local(store, "2020-09-08 12:00"),
    )
    assert minutes_with_money(store) == [
        ("2020-09-07 10:00", 5_000, 1),
        ("2020-09-07 11:00", -2_000, 0),
        ("2020-09-08 09:00", 10_000, 1),
        ("2020-09-08 12:00", 1_000, 0),
    ]
    assert_rollups_match_ledger(store)
    assert last_gifts(store)[("all", "")] == local(store, "2020-09-08 09:00")
    adjustments.correct(store, "G2", "晚录了", "ana", occurred_at=local(store, "2020-09-09 08:00"))  # later than all
    gifts = last_gifts(store)
    assert (
        gifts[("all", "")] == gifts[("project", "P002")] == gifts[("site", "S001")] == local(store, "2020-09-09 08:00")
    )
    assert gifts[("project", "P001")] == local(store, "2020-09-08 09:00")
    assert_rollups_match_ledger(store)
    adjustments.refund(store, "Y1", "退款", "lee", at=local(store, "2020-09-08 13:00"))
    assert_rollups_match_ledger(store)
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["donations"]) == (5_000, 1)


@pytest.mark.parametrize(
    ("at", "said"),
    [("2029-09-08 10:30:00", outside("2029-09-08 10:30:00")), ("2020-09-04 10:30:00", outside("2020-09-04 10:30:00"))],
)
def test_a_correction_cannot_move_a_gift_out_of_the_window(store, at, said):
    import_bytes(store, (CANONICAL_HEADER + "G1,2020-09-07 10:00:00,100,0,P001,,,qr,\n").encode(), "g.csv")
    before = snapshot(store), minutes_with_money(store), store.scalar("select count(*) from adjustments")
    with pytest.raises(adjustments.AdjustmentError) as refused:
        adjustments.correct(store, "G1", "时间", "ana", occurred_at=local(store, at))
    assert str(refused.value) == said
    with pytest.raises(adjustments.AdjustmentError, match="must change something"):
        adjustments.correct(store, "G1", "时间", "ana", occurred_at=local(store, "2020-09-07 10:00"))
    assert (snapshot(store), minutes_with_money(store), store.scalar("select count(*) from adjustments")) == before


def test_the_correction_form_moves_a_gifts_time(page_store):
    store = page_store
    import_unjudged_times(store, CANONICAL_HEADER + "Y1,2029-09-07 10:00:20,100,0,P001,,,qr,\n")
    at = signed_in_page(store, "act")
    at.text_input(key=field(at, "fix_id")).input("Y1").run()
    assert (at.date_input(key=field(at, "fix_day_Y1")).value, at.time_input(key=field(at, "fix_time_Y1")).value) == (
        dt.date(2029, 9, 7),
        dt.time(10, 0),
    )
    at.date_input(key=field(at, "fix_day_Y1")).set_value(dt.date(2020, 9, 7))
    at.text_area(key=field(at, "fix_reason_Y1")).input("年份录错")
    next(b for b in at.button if b.label == "提交").click().run()
    assert not at.exception and at.success[0].value.startswith("已更正：Y1")
    assert adjustments.current(store, "Y1")["occurred_at"] == local(store, "2020-09-07 10:00")
    assert minutes_with_money(store) == [("2020-09-07 10:00", 10_000, 1)]
    assert_rollups_match_ledger(store)
