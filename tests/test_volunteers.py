"""Sites and volunteers: shifts in the roster, money and 人次 per volunteer-hour to the fen on a hand-made store,
the sites short of hands and the quiet ones, and the leadership report's list."""

import dataclasses
import datetime as dt
import importlib.util
import io
import shutil
import subprocess
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pytest

from givingday import config
from givingday.console import exports, volunteers
from givingday.console.figures import Filters
from givingday.demo import simulate
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import RosterError, load_roster, read_roster
from givingday.report import figures as report
from givingday.report.pdf import pdf_bytes
from givingday.report.scope import make_scope, parse_as_of
from givingday.report.text import volunteer_rows
from givingday.report.workbook import xlsx_bytes
from givingday.web import board
from tests.conftest import CANONICAL_HEADER, FIXTURES
from tests.test_report_files import _tool

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2020, 9, 7)
SHIFTS = (
    "site_id,day,start,end,volunteers\n"
    "S001,1,10:00,12:00,3\n"
    "S001,1,11:30,12:30,2\n"  # overlaps the first: both groups count
    "S002,1,09:30,10:30,4\n"
)
GIFTS = CANONICAL_HEADER + (
    "G1,2020-09-07 10:15:00,100,10,P001,,S001,qr,张三\n"
    "G2,2020-09-07 11:45:00,50,0,P001,,S001,qr,李四\n"
    "G3,2020-09-07 13:10:00,20,0,P001,,S001,qr,王五\n"  # nobody on shift at 升龙广场 at 13:00: counted apart
    "G4,2020-09-07 09:40:00,30,0,P002,,S002,qr,赵六\n"
    "G5,2020-09-07 10:50:00,7,0,P001,T001,,qr,钱七\n"  # T001's home site S002; its 10:00 hour had hands
    "G6,2020-09-08 10:00:00,999,0,P001,,S001,qr,孙八\n"  # another day: outside day one's window
)


def roster_with(tmp_path, shifts: str):
    folder = tmp_path / "roster"
    shutil.copytree(FIXTURES / "roster", folder)
    (folder / "shifts.csv").write_text(shifts, encoding="utf-8")
    return folder


@pytest.fixture
def staffed(store, tmp_path):
    load_roster(store, roster_with(tmp_path, SHIFTS))
    assert import_bytes(store, GIFTS.encode(), "g.csv").rows_new == 6
    return store


def window(day: dt.date):
    start = dt.datetime.combine(day, dt.time(0), TZ)
    return start, start + dt.timedelta(days=1)


def test_money_and_gifts_per_volunteer_hour_by_site_and_hour(staffed):
    cells = volunteers.site_hours(staffed, staffed.event, *window(DAY))
    got = [
        (r.site_id, r.hour, r.total_fen, r.donations, r.volunteer_minutes, r.fen_per_volunteer_hour)
        for r in cells.itertuples()
    ]
    assert got == [
        ("S001", 10, 11_000, 1, 180, 3_667),  # 110.00 yuan over 3 volunteer-hours: 36.666… → 36.67
        ("S001", 11, 5_000, 1, 240, 1_250),  # 3 × 60 + 2 × 30 minutes
        ("S001", 12, 0, 0, 60, 0),
        ("S001", 13, 2_000, 1, 0, None),  # nobody on shift
        ("S002", 9, 3_000, 1, 120, 1_500),
        ("S002", 10, 700, 1, 120, 350),
    ]
    rows = volunteers.sites(cells)
    assert [
        (r.site_id, r.total_fen, r.donations, r.volunteer_minutes, r.fen_per_volunteer_hour, r.unstaffed_fen)
        for r in rows
    ] == [("S001", 16_000, 2, 480, 2_000, 2_000), ("S002", 3_700, 2, 240, 925, 0)]


def test_a_window_ending_mid_day_counts_only_the_shifts_minutes_before_it(staffed):
    start, _ = window(DAY)
    cells = volunteers.site_hours(staffed, staffed.event, start, start + dt.timedelta(hours=11))
    rows = {r.site_id: (r.total_fen, r.volunteer_minutes) for r in volunteers.sites(cells)}
    assert rows == {"S001": (11_000, 180), "S002": (3_700, 240)}


def test_the_console_reads_its_volunteers_once_a_slot_for_every_project_filter(staffed, page_store, monkeypatch):
    slot = [0]
    monkeypatch.setattr(board, "current_bucket", lambda: slot[0])

    def s001_at_ten(view: volunteers.ConsoleView) -> int:
        return int(view.cells.query("site_id == 'S001' and hour == 10")["total_fen"].iloc[0])

    assert s001_at_ten(board.volunteers_view(Filters(day=DAY))) == 11_000
    import_bytes(staffed, (CANONICAL_HEADER + "G7,2020-09-07 10:20:00,1000,0,P001,,S001,qr,周九\n").encode(), "g7.csv")
    assert s001_at_ten(board.volunteers_view(Filters(day=DAY, project_id="P002"))) == 11_000  # read in this slot
    slot[0] = board.FIGURES_SLOTS
    assert s001_at_ten(board.volunteers_view(Filters(day=DAY))) == 111_000


def test_short_of_hands_and_quiet_sites_by_the_stated_rule():
    def row(site, fen, gifts, minutes):
        return volunteers.SiteRow(site, site, fen, gifts, minutes, 0, 0)

    rows = [
        row("A", 60_000, 10, 120),  # 300 yuan per volunteer-hour: 10 × the median of 30
        row("B", 6_000, 12, 120),
        row("C", 6_000, 10, 120),
        row("D", 600, 1, 240),  # 0.25 人次 per volunteer-hour, the median being 5
        row("E", 0, 0, 60),  # one volunteer-hour: too little to judge
    ]
    judged = volunteers.judge(rows)
    assert judged.median_fen_per_volunteer_hour == 3_000 and judged.median_donations_per_volunteer_hour == 5
    assert [r.site_id for r in judged.short_of_hands] == ["A"]
    assert [r.site_id for r in judged.quiet] == ["D"]
    assert "3 倍" in volunteers.RULE_WORDS and "25%" in volunteers.RULE_WORDS


def test_the_site_lists_download_every_figure_as_a_number():
    rows = [volunteers.SiteRow("S1", "升龙广场", 60_000, 10, 27 * 60, 1_234, 3)]
    frame = volunteers.site_table(rows)
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, "short_of_hands"))).active
    header, values = (list(r) for r in sheet.iter_rows(values_only=True))
    assert dict(zip(header, values, strict=True)) == {
        "点位": "升龙广场",
        "每志愿者小时(元)": 22.22,  # 600 yuan over 27 volunteer-hours
        "每志愿者小时人次": 0.37,  # a number Excel can sum, not the text '0.37'
        "值守时段善款(元)": 600,
        "值守时段人次": 10,
        "志愿者小时": 27,
        "无人值守时段善款(元)": 12.34,
    }


def test_the_report_lists_the_sites_that_raised_most_per_volunteer_hour(staffed):
    event = staffed.event
    now = dt.datetime(2020, 9, 10, 9, 0, tzinfo=TZ)
    r = report.build_report(staffed, make_scope(event, DAY, None, now))
    assert volunteer_rows(r) == [
        ["1", "升龙广场", "20.00", "160.00", "2", "8.0"],
        ["2", "德化步行街", "9.25", "37.00", "2", "4.0"],
    ]
    pdf = subprocess.run([_tool("pdftotext"), "-", "-"], input=pdf_bytes(r), capture_output=True, check=True)
    words = " ".join(pdf.stdout.decode().split())
    assert "十二、每志愿者小时筹款最多的点位" in words and "2 德化步行街 9.25 37.00 2 4.0" in words
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(r)))["汇总"]
    lines = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert [1, "升龙广场", 20, 160, 2, 8] in lines and [2, "德化步行街", 9.25, 37, 2, 4] in lines
    early = report.build_report(staffed, make_scope(event, DAY, parse_as_of("2020-09-07 10:59", event), now))
    assert [(x.site_id, x.total_fen, x.volunteer_minutes) for x in early.volunteer_sites] == [
        ("S001", 11_000, 177),  # 10:00 to 10:59: 59 minutes × 3
        ("S002", 3_700, 240),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("S999,1,09:00,10:00,3", "unknown site 'S999'"),
        ("S001,1,12:00,10:00,3", "the shift ends (10:00) before it starts (12:00)"),
        ("S001,1,10:00,10:00,3", "the shift ends (10:00) before it starts (10:00)"),
        ("S001,1,10:00,11:00,0", "volunteers '0' is not a positive whole number"),
        ("S001,1,10:00,11:00,-2", "volunteers '-2' is not a positive whole number"),
        ("S001,2020-09-07,10:00,11:00,2", "day '2020-09-07' is not a day of the event (1 for the first to 3)"),
        ("S001,4,10:00,11:00,2", "day '4' is not a day of the event (1 for the first to 3)"),
        ("S001,1,9点,11:00,2", "start '9点' is not a time of day (HH:MM, 00:00 to 24:00)"),
        ("S001,1,10:00,24:30,2", "end '24:30' is not a time of day (HH:MM, 00:00 to 24:00)"),
    ],
)
def test_a_bad_shift_is_refused_with_file_line_and_reason_and_nothing_loaded(staffed, tmp_path, line, reason):
    before = staffed.query("roster_shifts")
    folder = roster_with(tmp_path / "bad", SHIFTS + line + "\n")
    with pytest.raises(RosterError) as e:
        load_roster(staffed, folder)
    assert str(e.value) == f"{folder / 'shifts.csv'}:5: {reason}"
    assert staffed.query("roster_shifts") == before and len(before) == 3


def test_the_demo_shifts_are_what_the_generator_makes_and_about_4000_volunteers(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_demo_shifts", config.ROOT / "tools" / "make_demo_shifts.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    shutil.copy(config.ROSTER_DIR / "sites.csv", tmp_path / "sites.csv")
    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.main()
    assert (tmp_path / "shifts.csv").read_text() == (config.ROSTER_DIR / "shifts.csv").read_text()
    shifts = read_roster(config.ROSTER_DIR, days=3).shifts
    first_day = [s for s in shifts if s["day_number"] == 1]
    assert 3_800 <= sum(s["volunteers"] for s in first_day) <= 4_200
    assert len({s["site_id"] for s in first_day}) == 137


def test_the_demo_gives_more_at_a_site_while_its_volunteers_are_on_shift():
    """Offices are staffed by day only: their share of the gifts given at sites falls in the evening, and stays
    level when the roster has no shifts."""
    event, roster = config.load_event(), read_roster(config.ROSTER_DIR, days=3)
    offices = {s["name"] for s in roster.sites if s["kind"] == "office"}

    def office_share(r, hours):
        gifts = simulate.draw_event(event, r, DAY, seed=5, scale=1.0)
        start = dt.datetime.combine(DAY, dt.time(0), event.tz).timestamp()
        hour = (gifts.at - start) // 3600
        chosen = np.isin(hour, hours) & (gifts.site != "")
        return np.isin(gifts.site[chosen], list(offices)).mean()

    morning, evening = [9, 10, 11], [19, 20, 21]
    assert office_share(roster, morning) > 2 * office_share(roster, evening)
    unstaffed = dataclasses.replace(roster, shifts=[])
    assert 0.7 < office_share(unstaffed, morning) / office_share(unstaffed, evening) < 1.4


@pytest.mark.parametrize(
    ("data", "read"),
    [
        pytest.param(
            "site_id,day,start,end,volunteers,备注\r\nS001,1,10:00,12:00,3,上午班\r\n".encode("gbk"),
            [("S001", 1, 600, 720, 3)],
            id="gbk-resaved-by-excel",
        ),
        pytest.param(
            ("\ufeff" + SHIFTS + ",,,,\r\n,,,,\r\n").encode(),
            [("S001", 1, 600, 720, 3), ("S001", 1, 690, 750, 2), ("S002", 1, 570, 630, 4)],
            id="bom-and-rows-excel-left-empty",
        ),
        pytest.param(
            (SHIFTS + "合计,,,,9\n").encode("gb18030"),
            [("S001", 1, 600, 720, 3), ("S001", 1, 690, 750, 2), ("S002", 1, 570, 630, 4)],
            id="total-row",
        ),
        pytest.param(
            "site_id,day,start,end,volunteers\n S001 ,１,9:00:00,１２:００,３\n".encode(),
            [("S001", 1, 540, 720, 3)],
            id="excel-seconds-full-width-padded",
        ),
    ],
)
def test_a_shifts_file_as_excel_saves_it_is_read_exactly(tmp_path, data, read):
    folder = roster_with(tmp_path, "")
    (folder / "shifts.csv").write_bytes(data)
    shifts = read_roster(folder, days=3).shifts
    assert [
        (s["site_id"], s["day_number"], s["start_minute"], s["end_minute"], s["volunteers"]) for s in shifts
    ] == read


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"site_id,day,start,end,volunteers\nS001,1,10:00,12:00,3\n\xff\xfe\xff,1,10:00,12:00,3\n", "text is neither"),
        (b"site_id,day,start,end,volunteers\nS001,1,10:00,12:00,3\nS002,1,10:0", "3: start '10:0' is not a time"),
        (b"site_id,day,start,end,volunteers\nS001,1,10:00,12:00,3\nS002,1", "3: start '' is not a time of day"),
        (b"site_id,day,start,end,volunteers\nS001,1,10:00:30,12:00,3\n", "2: start '10:00:30' is not a time"),
    ],
)
def test_a_broken_shifts_file_is_refused_by_file_and_line_and_nothing_loaded(staffed, tmp_path, data, reason):
    before = staffed.query("roster_shifts")
    folder = roster_with(tmp_path / "bad", "")
    (folder / "shifts.csv").write_bytes(data)
    with pytest.raises(RosterError) as e:
        load_roster(staffed, folder)
    assert str(e.value).startswith(f"{folder / 'shifts.csv'}") and reason in str(e.value)
    assert staffed.query("roster_shifts") == before and len(before) == 3
