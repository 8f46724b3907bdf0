"""The tables the organizers' pages show and download: exact rows, money as exact decimal yuan."""

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from givingday.console import acts as actions
from givingday.console import alerts, exports, tables
from givingday.console import figures as console
from givingday.ingest.batch import Rejection, import_bytes
from givingday.store import adjustments
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

# Day two (8 Sep), Asia/Shanghai. 王五 gives ¥12.30 twice within a minute under two ids at 升龙广场 (S001);
# a company gives ¥12,345.30 (a large gift) with ¥0.70 matched through T001 (P001's team at S002).
GIFTS = CANONICAL_HEADER + (
    "G1,2020-09-08 10:00:00,12.30,0,P002,,S001,qr,王五\n"
    "G2,2020-09-08 10:00:30,12.30,0,P002,,S001,livestream,王五\n"
    "G3,2020-09-08 11:00:00,12345.30,0.70,P001,T001,,corporate,某公司\n"
)


@pytest.fixture
def gifts(store):
    assert import_bytes(store, GIFTS.encode(), "day2.csv").rows_new == 3
    return store


def at(hh: int, mm: int, store) -> dt.datetime:
    return dt.datetime(2020, 9, 8, hh, mm, tzinfo=store.event.tz)


def rows(frame) -> list[dict]:
    return frame.to_dict("records")


def test_money_is_decimal_yuan_to_the_fen_and_times_local_text():
    assert exports.yuan(1230) == Decimal("12.30") and str(exports.yuan(1230)) == "12.30"
    assert str(exports.yuan(-5)) == "-0.05" and exports.yuan(None) is None
    moment = dt.datetime(2020, 9, 8, 2, 0, tzinfo=dt.UTC)
    assert exports.local_text(moment, dt.timezone(dt.timedelta(hours=8))) == "09-08 10:00:00"
    assert exports.local_text(None) == ""


def test_alert_and_audit_downloads_hold_exact_decimal_yuan(gifts):
    store = gifts
    now = at(12, 0, store)
    roster = store.roster()
    dups = tables.possible_duplicates(alerts.possible_duplicates(store, store.event, now), roster, store.event.tz)
    large = tables.large_gifts(alerts.large_gifts(store, store.event, now), roster, store.event.tz)
    adjustments.refund(store, "G1", "重复扫码", "ana", at=now)
    audit = tables.audit_trail(store.query("audit_recent", limit_n=10), store.event.tz)
    for frame, column, expected in (
        (dups, "金额(元)", ["12.30"]),
        (large, "金额(元)", ["12345.30"]),
        (audit, "金额变化(元)", ["-12.30"]),
    ):
        assert [str(v) for v in frame[column]] == expected
        assert list(frame[column]) == [Decimal(x) for x in expected]
        csv = exports.csv_bytes(frame).decode("utf-8-sig")
        assert f",{expected[0]}," in csv.splitlines()[1]
        ws = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "t")))["t"]
        cell = ws.cell(2, list(frame.columns).index(column) + 1)
        assert Decimal(str(cell.value)) == Decimal(expected[0]) and cell.number_format == "#,##0.00"


def test_duplicate_and_large_gift_tables(gifts):
    store = gifts
    now = at(12, 0, store)
    roster = store.roster()
    dups = tables.possible_duplicates(alerts.possible_duplicates(store, store.event, now), roster, store.event.tz)
    assert list(dups.columns) == [
        "编号",
        "时间",
        "捐赠人",
        "金额(元)",
        "项目",
        "来源",
        "相似的编号",
        "其时间",
        "其来源",
    ]
    assert dups.values.tolist() == [
        [
            "G2",
            "09-08 10:00:30",
            "王**",
            Decimal("12.30"),
            "关爱老兵、情暖二七",
            "day2.csv",
            "G1",
            "09-08 10:00:00",
            "day2.csv",
        ]
    ]
    large = tables.large_gifts(alerts.large_gifts(store, store.event, now), roster, store.event.tz)
    assert list(large.columns) == ["编号", "时间", "捐赠人", "金额(元)", "项目", "渠道", "来源"]
    assert large.values.tolist() == [
        ["G3", "09-08 11:00:00", "某**", Decimal("12345.30"), "二七商圈青春志愿行", "企业捐赠", "day2.csv"]
    ]


def test_quiet_sites_and_idle_teams_tables(gifts):
    store = gifts
    now = at(12, 0, store)
    today = console.breakdown(store, console.Filters(day=dt.date(2020, 9, 8)), store.event, store.roster())
    sites = today["site"][today["site"]["key"] != ""].to_dict("records")
    quiet = tables.quiet_sites(alerts.quiet_sites(sites, store.event, now, 30), store.event.tz)
    assert rows(quiet) == [
        {
            "点位": "升龙广场",
            "街道": "大学路街道",
            "安静(分钟)": 119,
            "今日已筹(元)": Decimal("24.60"),
            "最后一笔": "09-08 10:00:30",
        },
        {
            "点位": "德化步行街",  # T001's site: its gift is counted there
            "街道": "德化街街道",
            "安静(分钟)": 60,
            "今日已筹(元)": Decimal("12346.00"),
            "最后一笔": "09-08 11:00:00",
        },
    ]
    idle = tables.idle_teams(alerts.idle_teams(today["team"].to_dict("records")))
    assert rows(idle) == [{"编号": "T002", "队伍": "张**的一起捐", "项目": "关爱老兵、情暖二七", "点位": "升龙广场"}]


def test_console_tables_windows_breakdown_and_latest(gifts):
    store = gifts
    roster = store.roster()
    w = console.windows(store, console.Filters(), store.event, at(12, 0, store))
    assert rows(tables.windows(w))[3] == {
        "窗口": "近60分钟",
        "善款(元)": Decimal("12346.00"),
        "人次": 1,
        "前一天同时段(元)": Decimal("0.00"),
        "前一天人次": 0,
        "变化": None,  # nothing the day before: no ratio
    }
    breakdown = console.breakdown(store, console.Filters(), store.event, roster)
    assert rows(tables.breakdown(tables.search(breakdown["project"], "p002"), "project", store.event.tz)) == [
        {
            "编号": "P002",
            "项目": "关爱老兵、情暖二七",
            "类别": "特殊关爱",
            "目标(元)": Decimal("30000.00"),
            "已筹(元)": Decimal("24.60"),
            "其中配捐(元)": Decimal("0.00"),
            "人次": 2,
            "完成度": 0.0008,  # 0.082%, cut down to the 0.08% the table shows
            "最后一笔": "09-08 10:00:30",
        }
    ]
    assert list(tables.breakdown(breakdown["street"], "street", store.event.tz).columns) == [
        "街道",
        "目标(元)",
        "已筹(元)",
        "其中配捐(元)",
        "人次",
        "完成度",
        "最后一笔",
    ]
    adjustments.refund(store, "G1", "重复扫码", "ana")
    latest = tables.latest_gifts(console.latest_gifts(store, console.Filters(), store.event, roster), store.event.tz)
    assert [(r["编号"], r["金额(元)"], r["配捐(元)"], r["渠道"], r["状态"]) for r in rows(latest)] == [
        ("G3", Decimal("12345.30"), Decimal("0.70"), "企业捐赠", ""),
        ("G2", Decimal("12.30"), Decimal("0.00"), "直播义卖", ""),
        ("G1", Decimal("12.30"), Decimal("0.00"), "扫码捐款", "已退款"),
    ]
    assert rows(latest)[0]["队伍"] == "河南省福利彩票发行中心" and rows(latest)[0]["时间"] == "09-08 11:00:00"


def test_a_chosen_project_and_the_shares_of_goals(gifts):
    store = gifts
    breakdown = console.breakdown(store, console.Filters(project_id="P001"), store.event, store.roster())
    assert tables.chosen_project(breakdown, "P001") == {
        "name": "二七商圈青春志愿行",
        "total_fen": 1_234_600,
        "donations": 1,
        "goal_fen": 5_000_000,
        "share_of_goal": 0.2469,  # 24.692%, cut down to the 24.69% a table shows
    }
    assert tables.chosen_project(breakdown, None) is None
    assert tables.chosen_project(breakdown, "P404") is None
    p = console.Pace(
        today_fen=100, at_rate_fen=300, by_yesterday_fen=None, event_so_far_fen=500, goal_fen=1_000, day_goal_fen=600
    )
    assert p.event_at_rate_fen == 700
    m = console.matching_today(store, store.event, at(12, 0, store))
    assert m["used_share"] == 70 / store.event.matching.daily_pool_fen


def test_data_flow_tables_and_its_figures(gifts):
    store = gifts
    flow = alerts.DataFlow(
        last_file_at=at(11, 50, store),
        minutes_since_last_file=6.0,
        imports=[
            {
                "started_at": at(11, 50, store),
                "file_name": "day2.csv",
                "rows_new": 3,
                "newest_gift_at": at(11, 0, store),
                "lag_minutes": 50.0,
            },
            *[{"lag_minutes": m} for m in (1.0, 3.0, 2.0)],
        ],
        failed_files=[{"file_name": "bad.csv", "failed_at": at(11, 55, store), "message": "binary content"}],
    )
    assert flow.median_lag_minutes == 3.0  # of 1, 2, 3, 50: the upper middle
    assert alerts.DataFlow(None, None, [], []).median_lag_minutes is None
    assert store.event.stale_after_seconds == 300
    assert flow.is_stalled(store.event)  # six minutes without a file, five allowed
    assert not dataclasses.replace(flow, minutes_since_last_file=4.0).is_stalled(store.event)
    assert not alerts.DataFlow(None, None, [], []).is_stalled(store.event)
    assert rows(tables.imports(flow.imports[:1], store.event.tz)) == [
        {"导入时间": "09-08 11:50:00", "文件": "day2.csv", "新增": 3, "最新一笔": "09-08 11:00:00", "延迟(分钟)": 50.0}
    ]
    assert rows(tables.failed_files(flow.failed_files, store.event.tz)) == [
        {"时间": "09-08 11:55:00", "文件": "bad.csv", "原因": "binary content"}
    ]
    assert alerts.quiet_minutes_asked("45", store.event) == 45
    assert alerts.quiet_minutes_asked("9999", store.event) == 600
    assert alerts.quiet_minutes_asked("0", store.event) == 1
    assert alerts.quiet_minutes_asked("x", store.event) == store.event.console.quiet_site_minutes


def test_rejected_rows_from_the_store_and_from_an_upload(store):
    import_bytes(store, (CANONICAL_HEADER + "R1,2020-09-08 10:00:00,1,0,P999,,,qr,\n").encode(), "bad.csv")
    assert rows(tables.rejected_rows(store.query("rejected_rows_recent", limit_n=10))) == [
        {
            "文件": "bad.csv",
            "行": 2,
            "原因": "未知项目 'P999'。unknown project 'P999'",
            "内容（已脱敏）": "donation_id: R1 · occurred_at: 2020-09-08 10:00:00 · amount_yuan: 1 · matched_yuan: 0"
            " · project: P999 · channel: qr · donor_name: 爱心人士",
        }
    ]
    assert rows(tables.rejected_rows([Rejection(3, "bad amount", "x,y")])) == [
        {"行": 3, "原因": "bad amount", "内容（已脱敏）": "x,y"}
    ]
    assert list(tables.rejected_rows([]).columns) == ["行", "原因", "内容（已脱敏）"]


def test_pledges_audit_and_data_status_tables(gifts):
    store = gifts
    pid = actions.record_pledge(
        store, "ana", donor_name="某企业", project_id="P002", amount_fen=50_010, reason="电话认捐", due_on=None
    )
    pledges = store.query("pledges_open")
    assert actions.pledged_fen(pledges) == 50_010
    assert rows(tables.open_pledges(pledges, store.roster())) == [
        {
            "编号": pid,
            "认捐方": "某**",
            "金额(元)": Decimal("500.10"),
            "项目": "关爱老兵、情暖二七",
            "预计到账": "",
            "登记人": "ana",
        }
    ]
    audit = rows(tables.audit_trail(store.query("audit_recent", limit_n=10), store.event.tz))
    assert [{k: v for k, v in r.items() if k != "操作时间"} for r in audit] == [
        {
            "操作人": "ana",
            "操作": "登记认捐",
            "对象": pid,
            "金额变化(元)": Decimal("500.10"),
            "原因": "电话认捐",
            "详情": "P002 · 预计到账 —",
        }
    ]
    assert rows(tables.money_totals(store.query("totals_by_project", since=None, until=None), "项目"))[0] == {
        "项目": "二七商圈青春志愿行",
        "善款(元)": Decimal("12346.00"),
        "其中配捐(元)": Decimal("0.70"),
        "人次": 1,
    }
    [imported] = rows(tables.recent_imports(store.query("imports_recent", limit_n=5)))
    assert {k: v for k, v in imported.items() if k != "时间"} == {
        "编号": store.scalar("select max(import_id) from imports"),
        "文件": "day2.csv",
        "结果": "已入账",
        "新增": 3,
        "重复": 0,
        "退回": 0,
        "跳过": 0,
        "说明": "",
    }


def test_the_correction_form_changes_only_what_differs(gifts):
    store = gifts
    roster = store.roster()
    g3 = adjustments.current(store, "G3")
    assert actions.changes(g3, None, "P001", "T001", "S002") == {}
    assert actions.changes(g3, 1_234_530, "P001", "T001", "S002") == {}
    assert actions.changes(g3, 100, "P002", None, "S002") == {"amount_fen": 100, "project_id": "P002", "team_id": ""}
    tz = store.event.tz
    same_minute, next_minute = dt.datetime(2020, 9, 8, 11, 0, tzinfo=tz), dt.datetime(2020, 9, 8, 11, 1, tzinfo=tz)
    assert actions.changes(g3, None, "P001", "T001", "S002", same_minute) == {}  # the form shows minutes
    assert actions.changes(g3, None, "P001", "T001", "S002", next_minute) == {"occurred_at": next_minute}
    assert (
        actions.describe(g3, roster, tz)
        == "2020-09-08 11:00:00 · ¥12,345.30（配捐 ¥0.70）· 二七商圈青春志愿行 · 河南省福利彩票发行中心 · 德化步行街 · 企业捐赠"
    )
    g1 = adjustments.current(store, "G1")
    assert (
        actions.describe(g1, roster, tz)
        == "2020-09-08 10:00:00 · ¥12.30（配捐 ¥0.00）· 关爱老兵、情暖二七 · 无队伍 · 升龙广场 · 扫码捐款"
    )
    assert actions.choices(roster)["site"] == {"S001": "升龙广场", "S002": "德化步行街"}
    with pytest.raises(actions.ActionError, match="unknown team 'T404'"):
        actions.record_pledge(
            store, "ana", donor_name="", project_id="P001", amount_fen=100, reason="x", team_id="T404"
        )


def test_the_sidebar_offers_what_the_choices_above_allow(store):
    roster = store.roster()
    everything = console.filter_choices(store.event, roster, {})
    assert everything["day"] == {
        "2020-09-07": "09月07日 第1天",
        "2020-09-08": "09月08日 第2天",
        "2020-09-09": "09月09日 第3天",
    }
    assert list(everything["category"]) == ["便民利民", "困难帮扶", "特殊关爱"]
    assert everything["team_id"] == {"T001": "T001 河南省福利彩票发行中心", "T002": "T002 张**的一起捐"}
    assert everything["channel"]["qr"] == "扫码捐款"
    narrowed = console.filter_choices(
        store.event, roster, {"category": "特殊关爱", "project_id": "P002", "street": "大学路街道"}
    )
    assert (list(narrowed["project_id"]), list(narrowed["team_id"]), list(narrowed["site_id"])) == (
        ["P002"],
        ["T002"],
        ["S001"],
    )
    ruled_out = console.filter_choices(store.event, roster, {"category": "特殊关爱", "project_id": "P001"})
    assert list(ruled_out["team_id"]) == ["T001", "T002"]  # P001 is not under 特殊关爱: every team is offered
    assert console.Filters.from_choices(
        {"day": "2020-09-08", "from_time": dt.time(10), "to_time": None, "project_id": "P001", "street": ""}
    ) == console.Filters(day=dt.date(2020, 9, 8), from_time=dt.time(10), project_id="P001")
    assert console.Filters.from_choices({"day": "", "from_time": dt.time(10), "channel": "qr"}) == console.Filters(
        channel="qr"
    )


def test_a_refund_takes_the_gift_with_its_matching(gifts):
    assert actions.total_fen(adjustments.current(gifts, "G3")) == 1_234_600


def test_a_short_table_is_as_tall_as_its_rows_and_a_long_one_scrolls_at_the_pages_height():
    from givingday.web.widgets import WRAPPED, fitted_height

    assert fitted_height(2, 300) == 35 + 2 * 35 + 3  # two quiet sites: no empty grid under them
    assert fitted_height(50, 300) == 300
    assert fitted_height(3, 400, WRAPPED) == 35 + 3 * 72 + 3


def test_a_pinned_column_keeps_its_format(monkeypatch):
    """The street table pins its name; a figure pinned by mistake once lost its thousands separators."""
    from givingday.web import widgets

    given = {}
    monkeypatch.setattr(widgets.st, "dataframe", lambda frame, **options: given.update(options["column_config"]))
    frame = exports.table(
        [{"street": "大学路街道", "goal_fen": 1_234_500, "donations": 3_210}],
        {"street": "街道", "goal_fen": "目标(元)", "donations": "人次"},
    )
    widgets.table(frame, pinned=2)
    assert given["街道"]["pinned"] is True
    assert (given["目标(元)"]["pinned"], given["目标(元)"]["type_config"]["format"]) == (True, exports.MONEY_FORMAT)
    assert (given["人次"]["pinned"], given["人次"]["type_config"]["format"]) == (None, exports.COUNT_FORMAT)


def test_imports_are_told_by_origin_on_either_database(store):
    one = CANONICAL_HEADER + "{id},2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    names = ["bank.csv", "demo-20200907-1000-1.csv", "api:qr-1", "console:ana", "demo-x.csv"]
    for i, name in enumerate(names):
        import_bytes(store, one.format(id=f"O{i}").encode(), name)
    recent = store.query("imports_recent", limit_n=9)
    assert [(r["file_name"], r["origin"]) for r in recent] == [
        ("demo-x.csv", "demo"),
        ("console:ana", "console"),
        ("api:qr-1", "api"),
        ("demo-20200907-1000-1.csv", "demo"),
        ("bank.csv", "file"),
    ]
    assert [r["file_name"] for r in store.query("imports_recent", limit_n=1, origin="demo")] == ["demo-x.csv"]
    assert store.query("imports_recent", limit_n=9, origin="nothing") == []
    counts = {r["origin"]: r["imports"] for r in store.query("imports_origin_counts")}
    assert counts == {"file": 1, "demo": 2, "api": 1, "console": 1}
    assert store.query("imports_by_origin") == [{"demo_files": 2, "other_files": 3}]
