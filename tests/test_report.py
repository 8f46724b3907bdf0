"""Leadership's report: as-of rules, exact figures from hand-written gifts, the template's sentences, and
everything adding up on a demo event."""

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from givingday import config
from givingday.demo import simulate
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import read_roster
from givingday.money import format_wan_yuan
from givingday.report import figures as report
from givingday.report.pdf import pdf_bytes
from givingday.report.scope import ONE_MICROSECOND, ReportError, make_scope, moment_text, parse_as_of, parse_day
from givingday.report.text import goal_table, sentences
from givingday.report.workbook import xlsx_bytes
from givingday.store.adjustments import correct, refund
from tests.conftest import CANONICAL_HEADER, open_store

pytestmark = pytest.mark.both_stores

TZ = ZoneInfo("Asia/Shanghai")
GIFTS = CANONICAL_HEADER + (
    "A1,2020-09-07 10:00:00,10,1,P001,T001,,qr,张三\n"
    "A2,2020-09-07 10:30:00,20.5,0,P002,,S002,bank,李四\n"
    "A3,2020-09-07 23:59:59,5,0,P001,,,qr,\n"
    "A4,2020-09-08 00:00:00,100,0,P089,T002,,corporate,王五\n"
    "A5,2020-09-08 09:00:00,3,0,P000,,,livestream,赵六\n"
    "A6,2020-09-08 09:30:00,7,0,P002,T001,,qr,张三\n"  # T001 raises for P001: counted under P002
)
NOW = dt.datetime(2020, 9, 10, 9, 15, 42, tzinfo=TZ)  # after the event: a fixed "now" for the tests


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def gifts_store(store):
    assert import_bytes(store, GIFTS.encode(), "a.csv").rows_new == 6
    refund(store, "A2", "paid twice", "tester", at=at("2020-09-08 12:00"))
    return store


def build(store, day=None, as_of=None, now=NOW):
    event = store.event
    until = parse_as_of(as_of, event) if as_of else None
    return report.build_report(store, make_scope(event, day, until, now))


def money(x):
    return x.amount_fen, x.matched_fen, x.donations


def test_parse_as_of_and_the_moment_in_words(store):
    ev = store.event
    assert parse_as_of("2020-09-07", ev) == at("2020-09-08 00:00")
    assert parse_as_of("2020-09-07 24:00", ev) == at("2020-09-08 00:00")
    assert parse_as_of("2020-09-07 20:30", ev) == at("2020-09-07 20:30") + ONE_MICROSECOND
    assert parse_as_of("2020-09-07T12:30:00+00:00", ev) == at("2020-09-07 20:30") + ONE_MICROSECOND
    with pytest.raises(ReportError, match="not a date"):
        parse_as_of("yesterday", ev)
    assert moment_text(ev, at("2020-09-08 00:00")) == "9月7日24时"
    assert moment_text(ev, parse_as_of("2020-09-07 20:30", ev)) == "9月7日20时30分"
    assert moment_text(ev, parse_as_of("2020-09-07 20:30:05", ev)) == "9月7日20时30分05秒"
    assert moment_text(ev, parse_as_of("2021-01-02 08:00", ev)) == "2021年1月2日8时00分"
    assert parse_day("2020-09-08", ev) == dt.date(2020, 9, 8)
    with pytest.raises(ReportError, match="not a day of the event"):
        parse_day("2020-09-10", ev)
    # the forms the docs use, which work whatever date a demo plays on
    assert parse_day("1", ev) == dt.date(2020, 9, 7) and parse_day("3", ev) == dt.date(2020, 9, 9)
    assert parse_day("today", ev, at("2020-09-08 23:59")) == dt.date(2020, 9, 8)
    for bad in ("0", "4", "١", "tomorrow"):
        with pytest.raises(ReportError, match="day"):
            parse_day(bad, ev, at("2020-09-08 12:00"))
    with pytest.raises(ReportError, match="not a day of the event"):
        parse_day("today", ev, at("2020-09-10 12:00"))
    day = dt.date(2020, 9, 8)
    assert parse_as_of("20:30", ev, day) == at("2020-09-08 20:30") + ONE_MICROSECOND
    assert parse_as_of("24:00", ev, day) == at("2020-09-09 00:00")
    with pytest.raises(ReportError, match="not a date"):
        parse_as_of("20:30", ev)


def test_default_moment(store):
    ev = store.event
    during = at("2020-09-08 15:42:31")
    # a day that is over: its 24时; today: now, to the minute; the event: now
    assert make_scope(ev, dt.date(2020, 9, 7), None, during).until == at("2020-09-08 00:00")
    today = make_scope(ev, dt.date(2020, 9, 8), None, during)
    assert today.until == at("2020-09-08 15:42") + ONE_MICROSECOND and today.as_of_text == "9月8日15时42分"
    assert make_scope(ev, None, None, during).until == today.until
    assert make_scope(ev, None, None, NOW).as_of_text == "9月10日9时15分"  # corrections after the event count
    # an asked-for moment past the day's end stops at the day's end
    late = parse_as_of("2020-09-09 08:00", ev)
    assert make_scope(ev, dt.date(2020, 9, 8), late, during).until == at("2020-09-09 00:00")
    assert make_scope(ev, dt.date(2020, 9, 7), None, during).file_stem == "report-20200907-asof-20200908-0000"


def test_as_of_counts_every_event_at_its_own_time(gifts_store):
    before_refund = build(gifts_store, as_of="2020-09-08 11:00")
    f = before_refund.figures
    assert (f.amount_fen, f.matched_fen, f.total_fen, f.donations, f.donors) == (14550, 100, 14650, 6, 5)
    assert f.events_after == 1 and f.last_gift_at == at("2020-09-08 09:30")
    after = build(gifts_store)  # as of now: the refund of A2 (20.50) counts
    f = after.figures
    assert (f.amount_fen, f.matched_fen, f.donations, f.donors, f.events_after) == (12500, 100, 5, 4, 0)
    assert f.median_gift_fen == Decimal("700") and f.average_gift_fen == Decimal(12500) / 5
    assert after.problems == [] and before_refund.problems == []
    # the store's own totals agree with the report as of now
    t = gifts_store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"], t["donors"]) == (12500, 100, 5, 4)


def test_a_day_counts_its_own_events(gifts_store):
    day1 = build(gifts_store, dt.date(2020, 9, 7))
    assert day1.scope.as_of_text == "9月7日24时"
    assert money(day1.figures) == (3550, 100, 3)  # A1, A2, A3; A2's refund is a day-two event
    day2 = build(gifts_store, dt.date(2020, 9, 8))
    assert money(day2.figures) == (11000 - 2050, 0, 3 - 1)  # A4, A5, A6 less A2's refund
    assert day2.figures.donors == 3  # the donors of the day's own gifts
    assert money(day2.cumulative) == (12500, 100, 5)
    assert [(d.label, money(d), d.donors) for d in day2.days] == [
        ("9月7日", (3550, 100, 3), 2),  # 李四's gift was refunded in full by 9月8日24时
        ("9月8日", (8950, 0, 2), 3),
        ("9月9日", (0, 0, 0), 0),
    ]
    assert [(h.start.hour, h.total_fen, h.donations) for h in day2.hours if h.donations] == [
        (0, 10000, 1),
        (9, 1000, 2),
        (12, -2050, -1),
    ]
    assert day2.peak_hour.start == at("2020-09-08 00:00")
    # the goal table counts everything up to the moment; its window column only the day
    goals = {g.key: (g.raised_fen, g.window_fen, g.reached) for g in day2.goals}
    assert goals == {"P001": (1600, 0, False), "P002": (700, -1350, False), "P089": (10000, 10000, False)}
    assert day2.problems == []


def test_breakdowns_exact_rows(gifts_store):
    r = build(gifts_store)
    assert [(x.key, x.name, money(x)) for x in r.channels] == [
        ("qr", "扫码捐款", (2200, 100, 3)),
        ("livestream", "直播义卖", (300, 0, 1)),
        ("corporate", "企业捐赠", (10000, 0, 1)),
        ("bank", "银行转账", (0, 0, 0)),
        ("offline", "线下现金", (0, 0, 0)),
    ]
    assert [(x.group, x.key, x.name, money(x)) for x in r.project_teams] == [
        ("P000", None, "无队伍", (300, 0, 1)),
        ("P001", "T001", "河南省福利彩票发行中心", (1000, 100, 1)),
        ("P001", None, "无队伍", (500, 0, 1)),
        ("P002", "T001", "河南省福利彩票发行中心", (700, 0, 1)),
        ("P002", None, "无队伍", (0, 0, 0)),  # A2 and its refund
        ("P089", "T002", "张**的一起捐", (10000, 0, 1)),
    ]
    assert [(x.key, x.name, x.group, money(x)) for x in r.sites] == [
        ("S001", "升龙广场", "大学路街道", (10000, 0, 1)),  # A4 through T002's home site
        ("S002", "德化步行街", "德化街街道", (1700, 100, 2)),
        (None, "无点位", None, (800, 0, 2)),
    ]
    assert [(x.name, money(x)) for x in r.streets] == [
        ("大学路街道", (10000, 0, 1)),
        ("德化街街道", (1700, 100, 2)),
        ("无点位", (800, 0, 2)),
    ]
    assert [(x.name, money(x)) for x in r.categories] == [
        ("困难帮扶", (10000, 0, 1)),
        ("特殊关爱", (700, 0, 1)),
        ("文化惠民", (0, 0, 0)),
        ("便民利民", (1500, 100, 2)),
        ("未分类（母项目）", (300, 0, 1)),
    ]
    assert [t.name for t in r.top(r.teams)] == ["张**的一起捐", "河南省福利彩票发行中心"]
    assert (r.active_teams, r.active_sites, r.goals_reached, len(r.goals)) == (2, 2, 0, 3)


def test_the_opening_is_written_from_the_numbers(gifts_store):
    r = build(gifts_store, as_of="2020-09-08 11:00")
    assert sentences(r) == [
        "截至9月8日11时00分，二七区“99公益日”爱心募捐共筹集善款146.50元，其中公众捐款145.50元、配捐1.00元；"
        "共6人次参与捐款，爱心人士5人。",
        "累计完成全区筹款目标600.00万元的0.0%。",
        "分渠道看，扫码捐款23.00元，直播义卖3.00元，企业捐赠100.00元，银行转账20.50元。",
        "3个设有目标的项目中，0个已达成筹款目标；2个公共区域点位中有2个、2支一起捐队伍中有2支产生捐款。",
        "筹款居前的项目是“汤河乡援建对口扶贫”（100.00元）、“关爱老兵、情暖二七”（27.50元）、"
        "“二七商圈青春志愿行”（16.00元）；队伍中“张**的一起捐”（100.00元）最多；点位中“升龙广场”（100.00元）最多。",
        "捐款高峰出现在9月8日0时至1时，一小时筹集100.00元、1人次。",
        "分日看，9月7日筹集36.50元，9月8日筹集110.00元。",
        "另有1条捐款或退款记录晚于截至时间，未计入本报告。",
    ]
    day = build(gifts_store, dt.date(2020, 9, 9))
    assert sentences(day)[:2] == [
        "9月9日（截至9月9日24时）尚无捐款记录。",
        "截至9月9日24时，活动累计筹集善款126.00元，累计5人次参与。",
    ]
    assert format_wan_yuan(6_481_598_76) == "648.16万元" and format_wan_yuan(987_650) == "9,876.50元"


@pytest.mark.slow
def test_same_store_and_moment_give_the_same_files(gifts_store):
    a, b = build(gifts_store, as_of="2020-09-08 11:00"), build(gifts_store, as_of="2020-09-08 11:00")
    assert a == b
    assert pdf_bytes(a) == pdf_bytes(b)
    assert xlsx_bytes(a) == xlsx_bytes(b)


# ---------------------------------------------------------------------------------------------------------
# Everything adds up on a demo event


START = dt.date(2020, 9, 7)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The whole demo event at a tenth of its size, with refunds and corrections at known times."""
    store = open_store(tmp_path_factory.mktemp("demo") / "g.duckdb", config.ROSTER_DIR)
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), START, seed=7, scale=0.1)
    simulate.backfill(store, gifts, store.event.ends_at.timestamp(), chunk_seconds=6 * 3600)
    ids = [r["donation_id"] for r in store.query_rows("select donation_id from donations order by donation_id")]
    for i, gift in enumerate(ids[100:3000:300]):
        refund(store, gift, "test refund", "tester", at=at("2020-09-08 13:00") + dt.timedelta(minutes=i))
    for gift, project, team in ((ids[5000], "P089", ""), (ids[5001], "P003", "T002"), (ids[5002], None, "")):
        correct(store, gift, "test correction", "tester", project_id=project, team_id=team, site_id="")
    yield store
    store.dispose()


def _sum(lines):
    return sum(x.amount_fen for x in lines), sum(x.matched_fen for x in lines), sum(x.donations for x in lines)


@pytest.mark.parametrize("day", [None, *[START + dt.timedelta(days=i) for i in range(3)]])
@pytest.mark.parametrize("as_of", [None, "2020-09-08 13:05"])
def test_everything_adds_up_on_the_demo_event(demo_store, day, as_of):
    r = build(demo_store, day, as_of, now=dt.datetime.now(dt.UTC))  # corrections are recorded now
    f = r.figures
    want = money(f)
    assert f.total_fen == f.amount_fen + f.matched_fen
    for lines in (r.projects, r.teams, r.sites, r.streets, r.channels, r.categories, r.hours, r.project_teams):
        assert _sum(lines) == want
    for p in r.projects:  # named teams add up to at most the project (unless a refund in the window took 无队伍
        # below nothing); with 无队伍, exactly
        under = [x for x in r.project_teams if x.group == p.key]
        named = [x for x in under if x.key is not None]
        no_team = sum(x.total_fen for x in under if x.key is None)
        assert _sum(named)[0] + _sum(named)[1] <= p.total_fen - min(no_team, 0)
        assert _sum(under) == money(p)
        assert sum(1 for x in under if x.key is None) <= 1
    for street in r.streets:
        if street.key is not None:
            assert _sum([s for s in r.sites if s.group == street.key]) == money(street)
    assert _sum(r.days) == money(r.cumulative)
    if day is not None:
        assert money(next(d for d in r.days if d.day == day)) == want
    assert r.problems == []
    if as_of is None and day is None:  # the whole store: the same as the store's own totals
        t = demo_store.query("totals_overall")[0]
        assert want == (t["amount_fen"], t["matched_fen"], t["donations"]) and f.donors == t["donors"]
        assert f.total_fen > 0 and len(r.goals) == 89


def test_chinese_line_breaking():
    from givingday.report.pdf import wrap_lines

    def one_per_char(s):
        return float(len(s))

    assert wrap_lines("共筹集善款15.49万元，其中", 6, one_per_char) == ["共筹集善款", "15.49万", "元，其中"]
    assert wrap_lines("最多的是“德化步行街”。", 5, one_per_char) == ["最多的是", "“德化步行", "街”。"]
    assert "".join(wrap_lines("截至9月7日24时，全区共筹集", 4, one_per_char)) == "截至9月7日24时，全区共筹集"


def test_days_still_to_come_have_no_bar_and_say_so(gifts_store):
    from givingday.report.text import day_rows

    r = build(gifts_store, as_of="2020-09-08 12:00")
    assert [d.day for d in r.days_begun] == [dt.date(2020, 9, 7), dt.date(2020, 9, 8)]
    rows = day_rows(r)
    assert rows[2] == ["9月9日（未开始）", "—", "—", "—", "—", "—"]
    assert rows[0][0] == "9月7日" and rows[-1][0] == "合计"


def test_the_pages_charts_are_drawn_in_its_dark_colours(gifts_store):
    import io

    from PIL import Image

    from givingday.report import charts

    r = build(gifts_store, as_of="2020-09-08 12:00")
    for draw in (charts.days_png, charts.hourly_png, charts.top_projects_png):
        paper = Image.open(io.BytesIO(draw(r))).convert("RGB").getpixel((2, 2))
        screen = Image.open(io.BytesIO(draw(r, screen=True))).convert("RGB").getpixel((2, 2))
        assert (paper, screen) == ((255, 255, 255), (23, 22, 20)), draw.__name__


def test_a_goal_short_of_reached_never_reads_100_percent_in_the_report(gifts_store):
    """The goals table says 完成率 100.0% only beside 已达成: a project ¥40 short of ¥1,000,000 reads 99.9%."""
    day2 = build(gifts_store, dt.date(2020, 9, 8))
    goal = day2.goals[0]
    short = dataclasses.replace(goal, goal_fen=1_000_000_00, raised_fen=1_000_000_00 - 4_000)
    reached = dataclasses.replace(short, raised_fen=short.goal_fen)
    report_short = dataclasses.replace(day2, goals=[short, reached])
    _, cells = goal_table(report_short)
    assert [(c[6], c[7]) for c in cells] == [("99.9%", "未达成"), ("100.0%", "已达成")]
