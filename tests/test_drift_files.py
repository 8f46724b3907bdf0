"""The platform's totals as organizers really send them: title lines above the header (in CSV and in a workbook
with a merged title cell), a 合计 row at the end, rows Excel left blank, GBK and BOMs, amounts and 人次 written
every way, 统计时间 as text, ISO 8601 or an Excel serial, padded names. Each file is read to the fen, or refused
naming the file, the line and the reason with nothing kept (`kept.check_and_keep`)."""

from __future__ import annotations

import datetime as dt
import io
import os
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from givingday.drift import kept, official
from givingday.drift.official import TotalsFileError
from tests.conftest import english, snapshot

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = ["项目名称", "已筹金额(元)", "捐款人次", "统计时间"]
SIX_PM = dt.datetime(2020, 9, 7, 18, 0, tzinfo=ZONE) + dt.timedelta(microseconds=1)  # the window's exclusive end


def read(store, data: bytes, name: str = "official.csv") -> list[tuple[int, str, int, int, dt.datetime]]:
    rows = official.read_official(data, name, store.roster()["projects"], store.event)
    return [(r.line, r.project_id, r.theirs_fen, r.theirs_donations, r.until) for r in rows]


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def workbook(rows: list[list], title: str | None = None) -> bytes:
    """A sheet as the platform's download: a merged title cell over the header when `title`, then the rows (numbers
    stored as numbers, text as text, datetimes as dates)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet()
    when = wb.add_format({"num_format": "yyyy/m/d h:mm"})
    top = 0
    if title:
        ws.merge_range(0, 0, 0, 3, title)
        top = 1
    ws.write_row(top, 0, HEADER)
    for i, row in enumerate(rows, start=top + 1):
        for j, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(i, j, value, when)
            elif value is not None:
                ws.write(i, j, value)
    wb.close()
    return buf.getvalue()


TITLE = ["99公益日项目筹款汇总", "导出时间：2020-09-07 18:05,,,"]
P001 = '二七商圈青春志愿行,"1,234.50",12,2020-09-07 18:00:00'
P002 = "关爱老兵、情暖二七,88,3,2020-09-07 18:00:00"
READ = [(2, "P001", 123_450, 12, SIX_PM), (3, "P002", 8_800, 3, SIX_PM)]


@pytest.mark.parametrize(
    ("lines", "encoding", "expected"),
    [
        pytest.param([",".join(HEADER), P001, P002, '合计,"1,322.50",15,'], "utf-8", READ, id="total-row"),
        pytest.param([",".join(HEADER), P001, P002, "总计：,1322.5,15,"], "gbk", READ, id="total-row-gbk"),
        pytest.param([",".join(HEADER), P001, P002, ",,,", ",,,"], "utf-8", READ, id="blank-rows-excel-left"),
        pytest.param(
            [*TITLE, ",".join(HEADER), P001, P002, "合计,1322.50,15,"],
            "utf-8-sig",
            [(4, "P001", 123_450, 12, SIX_PM), (5, "P002", 8_800, 3, SIX_PM)],
            id="title-and-total-bom",
        ),
        pytest.param(
            [",".join(HEADER), '二七商圈 青春志愿行 ,"¥1,234.50",１２,2020-09-07T18:00:00+08:00', P002],
            "utf-8",
            READ,
            id="spaced-name-full-width-count-iso",
        ),
        pytest.param(
            [",".join(HEADER), "P001,1234.5元,12,44081.75", "P002,88.00,3,2020/9/7 18:00"],
            "gbk",
            READ,
            id="excel-serial-and-slashes",
        ),
        pytest.param(
            [",".join(HEADER), "P001,1234.50,12,2020年9月7日 18:00", "P002,88,3,2020-09-07 18:00"],
            "utf-8",
            READ,
            id="chinese-date",
        ),
    ],
)
def test_a_real_download_is_read_to_the_fen(store, lines, encoding, expected):
    assert read(store, csv_bytes(lines, encoding)) == expected


def test_a_name_that_starts_with_a_total_word_is_a_row_not_the_end_of_the_table(store):
    lines = [",".join(HEADER), P001, "Sum of Love 助学,10,1,2020-09-07 18:00:00", P002, "Total：,1332.50,16,"]
    with pytest.raises(TotalsFileError) as exc:
        read(store, csv_bytes(lines))
    assert exc.value.problems == ["official.csv:3: 未知项目 'Sum of Love 助学'。unknown project 'Sum of Love 助学'"]


def test_an_excel_serial_without_a_time_is_the_end_of_its_day_as_a_date_alone_is(store):
    day_end = dt.datetime(2020, 9, 8, tzinfo=SIX_PM.tzinfo)
    lines = [",".join(HEADER), "P001,1234.50,12,44081", "P002,88,3,2020-09-07"]
    assert [r[-1] for r in read(store, csv_bytes(lines))] == [day_end, day_end]


@pytest.mark.parametrize("title", [None, "99公益日项目筹款汇总（2020-09-07 18:05 导出）"])
def test_a_workbook_with_a_merged_title_numbers_or_text_and_a_total_row_is_read_to_the_fen(store, title):
    rows = [
        ["二七商圈青春志愿行", 1234.5, 12, dt.datetime(2020, 9, 7, 18, 0)],
        ["关爱老兵、情暖二七", "88.00", "3", 44081.75],
        ["合计", 1322.5, 15, None],
    ]
    top = 2 if title else 1
    assert read(store, workbook(rows, title), "official.xlsx") == [
        (top + 1, "P001", 123_450, 12, SIX_PM),
        (top + 2, "P002", 8_800, 3, SIX_PM),
    ]


@pytest.mark.parametrize(
    ("line", "where", "reason"),
    [
        (
            "P002,88,3,2029-09-07 18:00:00",
            "official.csv:3",
            "统计时间 '2029-09-07 18:00:00' is outside the event's days (2020-09-06 to 2020-09-10)",
        ),
        (
            "P002,88,3,2019-09-07",
            "official.csv:3",
            "统计时间 '2019-09-07' is outside the event's days (2020-09-06 to 2020-09-10)",
        ),
        (
            "P002,88,3,2020-09-07 18:0",
            "official.csv:3",
            "统计时间 '2020-09-07 18:0' is not a date and time (2020-09-07 21:00)",
        ),
        ("P002,88", "official.csv:3", "2 fields where the header has 4"),
        ("P002,-88,3,2020-09-07 18:00", "official.csv:3", "已筹金额 (amount raised): amount '-88' is negative"),
        ("P002,,3,2020-09-07 18:00", "official.csv:3", "已筹金额 (amount raised): amount is empty"),
        ("P001,88,3,2020-09-07 18:00", "official.csv:3", "project 'P001' is already on line 2"),
        ("不在名册的项目,88,3,2020-09-07 18:00", "official.csv:3", "unknown project '不在名册的项目'"),
    ],
)
def test_a_bad_line_is_refused_with_file_line_and_reason_and_nothing_is_kept(store, line, where, reason):
    before = snapshot(store), kept.recent_checks(store)
    with pytest.raises(TotalsFileError) as exc:
        kept.check_and_keep(store, store.event, csv_bytes([",".join(HEADER), P001, line]), "official.csv", "test")
    [problem] = exc.value.problems
    assert problem.startswith(f"{where}: ") and english(problem) == reason
    assert (snapshot(store), kept.recent_checks(store)) == before


# ------------------------------------------------------------------------------------------------ generated files

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
)
NAMES = {
    "P000": "助力慈善、温暖二七",
    "P001": "二七商圈青春志愿行",
    "P002": "关爱老兵、情暖二七",
    "P089": "汤河乡援建对口扶贫",
}
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def written_amount(fen: int, form: int) -> str:
    yuan, cents = divmod(fen, 100)
    plain = f"{yuan}.{cents:02d}"
    return [plain, f'"{yuan:,}.{cents:02d}"', f'"￥{yuan:,}.{cents:02d}"', f"{plain}元", plain.translate(FULL_WIDTH)][
        form
    ]


def written_time(form: int) -> str:
    return ["2020-09-07 18:00:00", "2020/9/7 18:00", "2020-09-07T18:00:00+08:00", "44081.75", "2020年9月7日 18:00"][
        form
    ]


@FUZZ
@given(
    projects=st.lists(st.sampled_from(sorted(NAMES)), min_size=1, max_size=4, unique=True),
    fens=st.lists(st.integers(0, 10**9), min_size=4, max_size=4),
    counts=st.lists(st.integers(0, 10**5), min_size=4, max_size=4),
    amount_form=st.integers(0, 4),
    time_form=st.integers(0, 4),
    by_name=st.booleans(),
    padded=st.booleans(),
    titles=st.integers(0, 3),
    total=st.booleans(),
    blank_rows=st.integers(0, 2),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
)
def test_any_download_of_the_class_is_read_to_the_fen(
    store, projects, fens, counts, amount_form, time_form, by_name, padded, titles, total, blank_rows, encoding
):
    lines = [f"99公益日项目筹款汇总 第{i + 1}行,,," for i in range(titles)] + [",".join(HEADER)]
    for i, pid in enumerate(projects):
        name = NAMES[pid] if by_name else pid
        lines.append(
            f"{'  ' + name + ' ' if padded else name},{written_amount(fens[i], amount_form)},{counts[i]},"
            f"{written_time(time_form)}"
        )
    if total:
        lines.append(f"合计,{sum(fens[: len(projects)]) / 100:.2f},{sum(counts[: len(projects)])},")
    lines += [",,,"] * blank_rows
    first = titles + 2
    assert read(store, csv_bytes(lines, encoding)) == [
        (first + i, pid, fens[i], counts[i], SIX_PM) for i, pid in enumerate(projects)
    ]


def test_a_download_cut_at_any_byte_is_read_as_far_as_it_is_whole_or_refused_by_name(store):
    """A file still being written: each row read is the whole file's row, to the fen and second, or the file is
    refused naming itself."""
    whole = csv_bytes([*TITLE, ",".join(HEADER), P001, P002.replace("18:00:00", "18:30:00"), "合计,1322.50,15,"])
    full = read(store, whole)
    for cut in range(len(whole)):
        try:
            got = read(store, whole[:cut])
        except TotalsFileError as exc:
            assert all(p.startswith("official.csv") for p in exc.problems), (cut, exc.problems)
        else:
            assert got == full[: len(got)], (cut, whole[:cut][-30:].decode("utf-8", "replace"), got)


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_by_name_and_nothing_is_kept(store, data):
    before = snapshot(store), kept.recent_checks(store)
    try:
        official.read_official(data, "official.csv", store.roster()["projects"], store.event)
    except TotalsFileError as exc:
        assert all(p.startswith("official.csv") for p in exc.problems), exc.problems
    assert (snapshot(store), kept.recent_checks(store)) == before


@pytest.mark.parametrize(
    ("as_of", "said"),
    [("2029-09-07 21:00", "2029-09-07 21:00:00+08:00"), ("2020-09-05", "2020-09-06 00:00:00+08:00")],
)
def test_an_as_of_for_the_whole_file_outside_the_event_is_refused_and_nothing_is_kept(store, as_of, said):
    from givingday.report.scope import parse_as_of

    before = snapshot(store), kept.recent_checks(store)
    data = csv_bytes(["项目名称,已筹金额(元),捐款人次", "P001,1234.50,12"])
    with pytest.raises(TotalsFileError) as exc:
        kept.check_and_keep(store, store.event, data, "official.csv", "test", parse_as_of(as_of, store.event))
    assert [english(p) for p in exc.value.problems] == [
        f"统计时间 '{said}' is outside the event's days (2020-09-06 to 2020-09-10)"
    ]
    assert exc.value.problems[0].startswith("official.csv: ")
    assert (snapshot(store), kept.recent_checks(store)) == before
