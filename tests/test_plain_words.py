"""The organizers' pages say things in words and figures a person reads: no None, nan, English enum words, raw
JSON or reprs (issue 15 item 6). Each test asserts the exact text shown."""

import dataclasses
import datetime as dt
import json
import time
from decimal import Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from givingday import accounts, clock
from givingday.console import acts as actions
from givingday.console import alerts, charts, tables, wording
from givingday.console import figures as console
from givingday.ingest.batch import import_bytes
from givingday.store import adjustments
from givingday.web.widgets import NO_ROWS, WRAPPED
from tests.conftest import CANONICAL_HEADER, FIXTURES

PASSWORD = "a long enough password"
DAY_ONE = CANONICAL_HEADER + (
    "G1,2020-09-07 10:00:00,12345.30,0.70,P001,T001,,corporate,某公司\nG2,2020-09-07 10:30:00,20,0,P000,,,qr,王五\n"
)


def drawn(at: AppTest, first_column: str) -> tuple[pd.DataFrame, dict, str]:
    """A table of the page by its first column: its values, each column's display settings, its empty cell."""
    frame = next(d for d in at.dataframe if d.value.columns[0] == first_column)
    return frame.value, json.loads(frame.proto.columns), frame.proto.placeholder


def signed_in(store) -> AppTest:
    """The board for an organizer, on day one's two gifts."""
    accounts.add_user("ana", "organizer", PASSWORD, store.location)
    import_bytes(store, DAY_ONE.encode(), "day1.csv")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["user"] = accounts.sign_in("ana", PASSWORD, location=store.location)
    return at.run()


def test_rejected_rows_wrap_their_content_on_the_data_page(page_store):
    at = signed_in(page_store)
    import_bytes(page_store, (CANONICAL_HEADER + "X1,2020-09-07 10:00:00,1,0,P999,,,qr,张三\n").encode(), "bad.csv")
    at.switch_page("pages/data_status.py").run()
    rejected = next(d for d in at.dataframe if "原因" in d.value.columns)
    assert list(rejected.value["原因"]) == ["未知项目 'P999'。unknown project 'P999'"]
    assert rejected.proto.row_height == WRAPPED


def test_a_table_without_rows_says_so(page_store):
    at = signed_in(page_store).switch_page("pages/alerts.py").run()
    assert not at.exception
    assert at.switch_page("pages/data_status.py").run().title[0].value == "数据状态 Data status"
    at.switch_page("pages/alerts.py").run()
    assert all(len(d.value) for d in at.dataframe)  # no empty grid saying "empty"
    assert [c.value for c in at.caption].count(NO_ROWS) == 4  # failed files, rejected rows, duplicates, large gifts


def test_console_tables_show_money_with_separators_and_no_goal_as_a_dash(page_store):
    at = signed_in(page_store).switch_page("pages/console.py").run()
    assert not at.exception
    assert "范围：全部数据" in [c.value for c in at.caption]
    projects, columns, empty = drawn(at, "编号")
    assert empty == "—"
    money = {"type": "number", "format": "%,.2f"}
    assert {c: columns[c]["type_config"] for c in ("目标(元)", "已筹(元)", "其中配捐(元)")} == dict.fromkeys(
        ("目标(元)", "已筹(元)", "其中配捐(元)"), money
    )
    assert projects[projects["编号"] == "P000"]["目标(元)"].isna().all()  # shown as the dash, never "None"
    assert columns["人次"]["type_config"] == {"type": "number", "format": "%,d"}  # 1,422 人次


def test_day_one_windows_have_no_day_before_columns(store):
    import_bytes(store, DAY_ONE.encode(), "day1.csv")
    at = dt.datetime(2020, 9, 7, 11, 0, tzinfo=store.event.tz)
    w = console.windows(store, console.Filters(), store.event, at)
    assert w["first_day"] is True
    assert tables.windows(w).to_dict("records")[3] == {"窗口": "近60分钟", "善款(元)": Decimal("12366.00"), "人次": 2}


def test_day_two_windows_keep_the_day_before(store):
    store.event = dataclasses.replace(store.event, first_day=dt.date(2020, 9, 6))
    import_bytes(store, DAY_ONE.encode(), "day1.csv")
    w = console.windows(store, console.Filters(), store.event, dt.datetime(2020, 9, 7, 11, 0, tzinfo=store.event.tz))
    assert w["first_day"] is False
    assert list(tables.windows(w).columns) == ["窗口", "善款(元)", "人次", "前一天同时段(元)", "前一天人次", "变化"]


def test_the_chart_counts_gifts_where_given_never_a_refund_as_minus_one(store):
    import_bytes(store, DAY_ONE.encode(), "day1.csv")
    tz = store.event.tz
    adjustments.refund(store, "G2", "重复扫码", "ana", at=dt.datetime(2020, 9, 7, 10, 32, tzinfo=tz))
    moved = dt.datetime(2020, 9, 7, 10, 31, tzinfo=tz)
    adjustments.correct(store, "G1", "时间录错", "ana", occurred_at=moved, at=dt.datetime(2020, 9, 7, 11, tzinfo=tz))
    f = console.Filters(day=dt.date(2020, 9, 7), from_time=dt.time(10, 30), to_time=dt.time(10, 45))
    bars = console.minutes(store, f, store.event)
    shown = [(f"{r.bar_at:%H:%M}", r.total_fen, r.donations) for r in bars.itertuples()]
    assert shown == [("10:30", 2_000, 1), ("10:31", 1_234_600, 1), ("10:32", -2_000, 0)]


def _bars(*times: str, donations: int = 81) -> pd.DataFrame:
    at = pd.to_datetime(list(times)).tz_localize("Asia/Shanghai")
    return pd.DataFrame({"bar_at": at, "total_fen": [100] * len(at), "donations": [donations] * len(at)})


def test_chart_axes_say_hours_within_a_day_dates_across_days_and_whole_counts():
    tz = dt.timezone(dt.timedelta(hours=8))
    day = charts.minutes_chart(_bars("2026-12-01 10:00", "2026-12-01 10:01"), tz).layout
    assert (day.xaxis.tickformat, day.xaxis.hoverformat) == ("%H:%M", "%-m月%-d日 %H:%M")
    assert (day.yaxis2.tickmode, day.yaxis2.tick0, day.yaxis2.dtick, day.yaxis2.tickformat) == ("linear", 0, 20, ",d")
    days = charts.minutes_chart(_bars("2026-12-01 00:00", "2026-12-02 00:00"), tz, "hour").layout
    assert days.xaxis.tickformat is None
    assert [(s.dtickrange, s.value) for s in days.xaxis.tickformatstops] == [
        ((None, 86_400_000), "%-m月%-d日 %H:%M"),
        ((86_400_000, None), "%-m月%-d日"),
    ]
    assert [charts.count_step(m) for m in (0, 5, 6, 11, 24, 81, 251)] == [1, 1, 2, 5, 5, 20, 100]


def test_the_scope_line_names_each_filter_in_words(store):
    event, roster = store.event, store.roster()
    assert wording.scope(console.Filters(), event, roster) == "范围：全部数据"
    f = console.Filters(street="大学路街道", channel="qr")
    assert wording.scope(f, event, roster) == "街道：大学路街道 · 渠道：扫码捐款"
    f = console.Filters(day=dt.date(2020, 9, 7), from_time=dt.time(10), to_time=dt.time(11), project_id="P002")
    assert wording.scope(f, event, roster) == "日期：9月7日 10:00–11:00 · 项目：P002 关爱老兵、情暖二七"
    f = console.Filters(day=dt.date(2020, 9, 8), from_time=dt.time(22), category="特殊关爱")
    assert wording.scope(f, event, roster) == "日期：9月8日 22:00–24:00 · 类别：特殊关爱"
    assert wording.scope(console.Filters(day=dt.date(2020, 9, 9)), event, roster) == "日期：9月9日 全天"
    assert wording.moment(dt.datetime(2020, 9, 5, 16, 0, tzinfo=dt.UTC), event.tz) == "9月6日 00:00"


def test_a_rejected_row_says_why_in_both_languages_and_shows_its_cells_as_a_line(store):
    bad = (
        CANONICAL_HEADER + "X1,2020-09-07 10:00:00,100,x,P001,,,qr,张三\nX2,2020-09-07 10:00:00,1.234,0,P001,,,,李四\n"
    )
    import_bytes(store, bad.encode(), "bad.csv")
    shown = tables.rejected_rows(store.query("rejected_rows_recent", limit_n=10)).to_dict("records")
    assert [(r["行"], r["原因"]) for r in shown] == [
        (2, "配捐金额 'x' 不是数字。matched amount 'x' is not a number"),
        (3, "金额 '1.234' 超过两位小数。amount '1.234' has more than two decimals"),
    ]
    assert shown[0]["内容（已脱敏）"] == (
        "donation_id: X1 · occurred_at: 2020-09-07 10:00:00 · amount_yuan: 100 · matched_yuan: x · project: P001"
        " · channel: qr · donor_name: 张**"
    )
    assert tables.row_content("a,b,c") == "a,b,c"  # a line that could not be read stays as it was


def test_imports_uploads_and_pledges_are_said_in_words(store):
    upload = (
        CANONICAL_HEADER
        + "U1,2020-09-07 10:00:00,100,0,P001,T404,,qr,张三\nU2,2020-09-07 10:00:00,1,0,P999,,,qr,李四\n"
    )
    report = actions.upload(store, "ana", "u.csv", upload.encode())
    said = "u.csv：已入账，新增 1 笔（捐款 ¥100.00，配捐 ¥0.00），重复 0 笔，退回 1 行。其中 1 笔的队伍、0 笔的点位不在名册中。"
    assert wording.import_summary(report) == said
    empty = actions.upload(store, "ana", "empty.csv", b"")
    assert wording.import_summary(empty) == "empty.csv：未导入（无法读取）：文件是空的。the file is empty"
    shown = tables.recent_imports(store.query("imports_recent", limit_n=5)).to_dict("records")
    assert [(r["文件"], r["结果"]) for r in shown] == [("empty.csv", "无法读取"), ("u.csv", "已入账")]
    pid = actions.record_pledge(store, "ana", donor_name="某公司", amount_fen=1_000, project_id="P001", reason="电话")
    actions.close_pledge(store, "ana", pid, "cancelled", "不捐了")
    audit = tables.audit_trail(store.query("audit_recent", limit_n=5), store.event.tz).to_dict("records")
    assert [(r["操作"], r["详情"]) for r in audit] == [
        ("认捐结清", "已取消"),
        ("登记认捐", "P001 · 预计到账 —"),
        ("上传文件", "empty.csv：未导入（无法读取）：文件是空的。the file is empty"),
        ("上传文件", said),
    ]
    assert audit[-1]["对象"] == f"导入 #{report.import_id}"  # the number 数据状态 lists the import by


def test_failed_files_and_the_audit_trail_are_on_the_boards_clock_during_a_demo(page_store):
    """One clock (item 7): while a demo plays, a failed file's time and an act's are on the demo's clock, as
    imports and gifts are."""
    store = page_store
    demo_start = dt.datetime(2020, 9, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in the event's zone
    clock.write_clock(store.location, clock.DemoClock(time.time(), demo_start.timestamp(), 1.0, "2020-09-07"))
    failed = store.inbox.parent / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    (failed / "x.csv.report.json").write_text('{"outcome": "unreadable", "message": "binary content"}')
    flow = alerts.data_flow(store)
    assert f"{flow.failed_files[0]['failed_at'].astimezone(store.event.tz):%m-%d %H:%M}" == "09-07 10:00"
    at = signed_in(store)
    actions.record_pledge(store, "ana", donor_name="某公司", amount_fen=1_000, project_id="P001", reason="电话")
    at.switch_page("pages/act.py").run()
    assert not at.exception
    audit = next(d.value for d in at.dataframe if "操作时间" in d.value.columns)
    assert audit["操作时间"].iloc[0].startswith("09-07 10:0")


def test_a_pledge_to_close_is_named_by_who_and_how_much(page_store):
    at = signed_in(page_store)
    pid = actions.record_pledge(
        page_store, "ana", donor_name="某公司", amount_fen=100_000, project_id="P001", reason="电话"
    )
    at.switch_page("pages/act.py").run()
    assert not at.exception
    close = at.selectbox(key=f"close_id_{at.session_state['close_submission']}")
    assert close.options == [f"某** · ¥1,000.00（{pid}）"]


def test_the_forms_refusals_are_chinese_first(store):
    import_bytes(store, DAY_ONE.encode(), "day1.csv")
    adjustments.refund(store, "G2", "重复", "ana")
    with pytest.raises(adjustments.AdjustmentError) as twice:
        adjustments.refund(store, "G2", "重复", "ana")
    assert str(twice.value) == "捐款 'G2' 已全额退款。gift 'G2' has already been refunded"
    with pytest.raises(adjustments.AdjustmentError) as elsewhere:
        adjustments.correct(store, "G1", "录错", "ana", team_id="T404")
    assert str(elsewhere.value) == "未知队伍 'T404'。unknown team 'T404'"
    with pytest.raises(actions.ActionError) as unnamed:
        actions.close_pledge(store, "ana", "pledge-x", "fulfilled", "到账")
    assert str(unnamed.value) == "已到账的认捐须填写到账的捐款编号。a fulfilled pledge names the gift that fulfilled it"


def test_an_import_profile_is_offered_by_its_title(page_store):
    at = signed_in(page_store).switch_page("pages/act.py").run()
    assert not at.exception
    offered = at.selectbox(key="upload_profile").options
    assert offered[0] == "自动识别"
    assert "银行流水（Agribank 单据格式，逗号千分位）（bank_statement_agribank_docs）" in offered


def test_an_uploaded_bill_says_what_it_skipped_and_refunded(store):
    bill = (FIXTURES / "bills" / "wechat_bill.csv").read_bytes()
    report = actions.upload(store, "ana", "wechat_bill.csv", bill)
    assert wording.import_summary(report) == (
        "wechat_bill.csv：已入账，新增 5 笔（捐款 ¥378.88，配捐 ¥0.00），重复 0 笔，退回 0 行。按导入配置 wechat_pay_bill 读取。"
        f"跳过 3 行（3 行{next(iter(report.skipped_because))}），不是捐款。其中退款 ¥50.00，已从合计中扣除。"
    )


def test_an_error_of_several_lines_keeps_each_line_escaped():
    from givingday.web.widgets import as_text

    said = as_text("evil.csv:2: 未知项目 '<script>'\nevil.csv:3: 未知项目 '=cmd|'")
    assert said.split("  \n") == ["evil\\.csv\\:2\\: 未知项目 '\\<script\\>'", "evil\\.csv\\:3\\: 未知项目 '=cmd\\|'"]


def test_one_huge_minute_does_not_flatten_the_chart():
    """A ¥200,000 gift among a day of ¥100-¥300 minutes: the money axis stops a little above the other bars, the
    huge bar is drawn cut at the top with its money written there; without one, the axis fits every bar."""
    tz = dt.timezone(dt.timedelta(hours=8))
    at = pd.date_range("2026-12-01 10:00", periods=120, freq="min", tz="Asia/Shanghai")
    fen = [10_000 + (i % 3) * 10_000 for i in range(120)]  # ¥100, ¥200, ¥300 by turns
    fen[50] = 20_000_000  # ¥200,000
    fen[70] = -30_000  # a refund
    frame = pd.DataFrame({"bar_at": at, "total_fen": fen, "donations": [3] * 120})
    layout = charts.minutes_chart(frame, tz).layout
    assert layout.yaxis.range == (-330.0, 375.0)  # the refund's depth, and a quarter above the next bar (¥300)
    assert [(a.text, a.y, a.x) for a in layout.annotations] == [
        ("¥200,000.00", 375.0, pd.Timestamp("2026-12-01 10:50"))
    ]
    fen[50] = 40_000  # a busy minute, not an outlier
    calm = charts.minutes_chart(frame.assign(total_fen=fen), tz).layout
    assert calm.yaxis.range is None and calm.annotations == ()
    busy = [100_000 * (i + 1) if i < 8 else f for i, f in enumerate(fen)]  # a busy hour's eight tall bars: not few
    assert charts.minutes_chart(frame.assign(total_fen=busy), tz).layout.yaxis.range is None
    few = charts.minutes_chart(frame.head(15).assign(total_fen=[20_000_000] + fen[1:15]), tz).layout
    assert few.yaxis.range is None  # too few bars to call one an outlier: every bar whole
