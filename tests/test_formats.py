"""The platform export in every encoding and as a workbook; the real bank statements through profiles."""

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from givingday.ingest.batch import import_bytes, import_file
from givingday.ingest.profiles import find_profile
from tests.conftest import SHARED_REAL, snapshot

PLATFORM = (
    "订单号,捐款时间,昵称,捐赠金额(元),配捐金额(元),项目名称,一起捐队伍,手机号\n"
    "202009070001,2020-09-07 10:00:01,张三丰,99.00,9.90,二七商圈青春志愿行,河南省福利彩票发行中心,13812345678\n"
    "202009070002,2020/09/07 10:00:05,匿名,1,0,关爱老兵、情暖二七,,13900000000\n"
    "202009070003,2020-09-07 10:01:00,李四,20,,汤河乡援建对口扶贫,新队伍（未登记）,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_platform_csv_in_each_encoding(store, encoding):
    r = import_bytes(store, PLATFORM.encode(encoding), "export.csv")
    assert r.layout == "platform"
    assert (r.rows_new, r.rows_rejected) == (3, 0)
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"]) == (12000, 990, 3)
    teams = {
        x["key"]: x["amount_fen"] for x in store.query("totals_by_team", since=None, until=None) if x["amount_fen"]
    }
    assert teams == {"T001": 9900, None: 2100}  # the unknown team counts as "no team"
    assert r.unknown_teams == 1


def test_platform_phone_column_never_stored(store):
    import_bytes(store, PLATFORM.encode("gbk"), "export.csv")
    with store.engine.connect() as c:
        import sqlalchemy as sa

        dump = " ".join(str(v) for row in c.execute(sa.text("select * from donations")) for v in row)
    for phone in ("13812345678", "13900000000", "12345678", "00000000"):  # whole or in part; not "138": a
        assert phone not in dump  # a random-salted donor hash may hold those three digits
    assert "张三丰" not in dump and "张**" in dump


def test_platform_headers_without_unit_suffix_and_fullwidth(store):
    text = "订单号,捐款时间,昵称,捐赠金额,配捐金额（元）,项目名称\nX1,2020-09-07 10:00:00,王,5,1,P001\n"
    r = import_bytes(store, text.encode("gbk"), "export.csv")
    assert (r.layout, r.rows_new, r.amount_new_fen, r.matched_new_fen) == ("platform", 1, 500, 100)


def _workbook(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_platform_xlsx(store):
    data = _workbook(
        [
            ["订单号", "捐款时间", "昵称", "捐赠金额(元)", "配捐金额(元)", "项目名称", "一起捐队伍"],
            [202009070001, dt.datetime(2020, 9, 7, 10, 0, 1), "张三", 99, 9.9, "二七商圈青春志愿行", "T001"],
            ["202009070002", "2020-09-07 10:00:05", None, 0.1, None, "P002", None],
            [None, None, None, None, None, None, None],
            ["202009070003", "2020-09-07 10:00:06", "钱", -3, 0, "P002", None],
        ]
    )
    r = import_bytes(store, data, "export.xlsx")
    assert (r.file_format, r.layout, r.rows_new, r.rows_rejected) == ("xlsx", "platform", 2, 1)
    assert r.rejections[0].line == 5 and "negative" in r.rejections[0].reason
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"]) == (9910, 990)
    ids = sorted(x["donation_id"] for x in store.query_rows("select donation_id from donations"))
    assert ids == ["202009070001", "202009070002"]


# An export with its notes above the header: read from the header, each line numbered as in the file.
NOTES = "导出时间：2020-09-07 12:05\n说明：仅供核对，金额单位为元\n\n"
CANONICAL_ROWS = "2020-09-07 10:00:00,12.34,P001,N1\n2020-09-07 10:01:00,-5,P001,N2\n2020-09-07 10:02:00,7,P999,N3\n"


def _gift_lines(store) -> list[tuple]:
    return [
        (g["source_line"], g["amount_fen"])
        for g in store.query_rows("select source_line, amount_fen from donations order by source_line")
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_canonical_file_with_notes_above_its_header(store, delimiter):
    text = NOTES + "occurred_at,amount_yuan,project,donation_id\n" + CANONICAL_ROWS
    r = import_bytes(store, text.replace(",", delimiter).encode(), "notes.csv")
    assert (r.outcome, r.layout, r.rows_new, r.amount_new_fen) == ("committed", "canonical", 1, 1234)
    assert [(x.line, "negative" in x.reason or "P999" in x.reason) for x in r.rejections] == [(6, True), (7, True)]
    assert _gift_lines(store) == [(5, 1234)]


def test_a_platform_export_with_a_title_above_its_header_in_gbk(store):
    text = "99公益日捐款明细\n\n" + PLATFORM
    r = import_bytes(store, text.encode("gbk"), "export.csv")
    assert (r.layout, r.rows_new, r.rows_rejected) == ("platform", 3, 0)
    assert _gift_lines(store) == [(4, 9900), (5, 100), (6, 2000)]


def test_a_platform_workbook_with_a_merged_title_row(store):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["二七区99公益日捐款明细"])
    ws.merge_cells("A1:G1")
    ws.append(["导出时间", "2020-09-07 12:05"])
    ws.append([])
    ws.append(["订单号", "捐款时间", "昵称", "捐赠金额(元)", "配捐金额(元)", "项目名称", "一起捐队伍"])
    ws.append(["X1", "2020-09-07 10:00:01", "张三", 99, 9.9, "二七商圈青春志愿行", "T001"])
    ws.append(["X2", "2020-09-07 10:00:05", "李四", -1, 0, "P002", None])
    buf = io.BytesIO()
    wb.save(buf)
    r = import_bytes(store, buf.getvalue(), "export.xlsx")
    assert (r.layout, r.rows_new, r.amount_new_fen, r.matched_new_fen) == ("platform", 1, 9900, 990)
    assert [x.line for x in r.rejections] == [6]
    assert _gift_lines(store) == [(5, 9900)]


def test_a_header_below_the_lines_looked_at_is_not_found_and_nothing_is_stored(store):
    before = snapshot(store)
    text = (
        "".join(f"说明第{i}行\n" for i in range(1, 31))
        + "occurred_at,amount_yuan,project,donation_id\n"
        + CANONICAL_ROWS
    )
    r = import_bytes(store, text.encode(), "late.csv")
    assert r.outcome == "unreadable"
    assert "not a recognised donation file: its columns are 说明第1行" in r.message
    assert snapshot(store) == before
    found = import_bytes(store, text.split("\n", 1)[1].encode(), "late.csv")  # one note fewer: on line 30, found
    assert (found.rows_new, [x.line for x in found.rejections]) == (1, [32, 33])


def _expected_bank(path, amount_col, thousands, cap_fen=100_000_000):
    """An independent reading of a statement: credit lines at or under the cap, summed in fen."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    kept = []
    for r in rows:
        text = (r[amount_col] or "").replace(thousands, "")
        if not text:
            continue
        fen = int(Decimal(text) * 100)
        if 0 < fen <= cap_fen:
            kept.append(fen)
    return len(rows), len(kept), sum(kept)


@pytest.fixture
def statement_store(store):
    """The store with an event on the statements' days (1 to 11 September 2024), so every row is in its window."""
    store.event = dataclasses.replace(store.event, first_day=dt.date(2024, 9, 1), days=11)
    return store


@pytest.mark.parametrize(
    ("name", "profile", "amount_col", "thousands"),
    [
        ("bank_statement_vietinbank_2024-09.csv", "bank_statement_vn", "CreditAmount", ","),
        ("bank_statement_agribank_2024-09.csv", "bank_statement_vn", "CreditAmount", ","),
        ("bank_statement_vietcombank_2024-09.csv", "bank_statement_vcb", "Credit", "."),
    ],
)
def test_real_bank_statements(statement_store, name, profile, amount_col, thousands):
    store = statement_store
    path = SHARED_REAL / name
    total_rows, kept, fen = _expected_bank(path, amount_col, thousands)
    r = import_file(store, path)  # the profile is found from the header
    assert r.layout == f"profile:{profile}"
    assert (r.rows_total, r.rows_new, r.rows_rejected) == (total_rows, kept, total_rows - kept)
    assert r.amount_new_fen == fen
    assert store.query("totals_overall")[0]["amount_fen"] == fen
    assert {x["key"] for x in store.query("totals_by_channel", since=None, until=None)} == {"bank"}
    reasons = {x.reason.split(" ")[0] + " " + x.reason.split(" ")[-2] for x in r.rejections}
    assert all("cap" in x.reason or "empty" in x.reason for x in r.rejections), reasons
    again = import_file(store, path)
    assert (again.rows_new, again.rows_duplicate) == (0, kept)


def _stored_after_import(store, statement: str, columns: str, *, limit: int) -> list[dict]:
    """Import one of the real statements and read back its first stored rows, the time as the board shows it."""
    import_file(store, SHARED_REAL / statement)
    return store.query_rows(
        f"select strftime(occurred_at, '%Y-%m-%d %H:%M:%S') as at, {columns} from donations"
        f" order by source_line limit {limit}"
    )


def test_real_statement_details(statement_store):
    first = _stored_after_import(
        statement_store,
        "bank_statement_vietinbank_2024-09.csv",
        "amount_fen, donor_name_masked, memo, source_line",
        limit=2,
    )
    # Line 2's memo runs over two lines; the next record starts on line 4.
    assert first == [
        {
            "at": "2024-09-10 12:01:29",
            "amount_fen": 30_000_000,
            "donor_name_masked": "T**",
            "memo": "CT nhanh 247 den: TRAN KHANH VAN chuyen tien ung ho nguoi dan vung bao lu",
            "source_line": 2,
        },
        {
            "at": "2024-09-10 12:01:46",
            "amount_fen": 10_000_000,
            "donor_name_masked": "C**",
            "memo": "CT nhanh 247 den: Phong Ha Chau chuyen tien",
            "source_line": 4,
        },
    ]


def test_a_statement_reaching_back_before_the_event_keeps_only_the_days_in_its_window(store):
    """Vietcombank's statement runs from 1 September; an event of 9 to 11 September with a day's margin takes
    8 September on and rejects every earlier line, naming its time and the window."""
    store.event = dataclasses.replace(store.event, first_day=dt.date(2024, 9, 9), days=3)
    path = SHARED_REAL / "bank_statement_vietcombank_2024-09.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    day = [dt.datetime.strptime(r["TNXDate"], "%d/%m/%Y").date() for r in rows]
    early = [i for i, d in enumerate(day) if d < dt.date(2024, 9, 8)]
    kept = [
        int(Decimal(r["Credit"].replace(".", "")) * 100)
        for r, d in zip(rows, day, strict=True)
        if d >= dt.date(2024, 9, 8)
        and r["Credit"]
        and 0 < int(Decimal(r["Credit"].replace(".", "")) * 100) <= 100_000_000
    ]
    r = import_file(store, path)
    assert (r.rows_new, r.amount_new_fen) == (len(kept), sum(kept))
    outside = [x for x in r.rejections if "不在" in x.reason]
    assert [x.line for x in outside] == [i + 2 for i in early]
    assert len(early) == 14 + 5 + 9 + 42 + 32 + 34 + 59
    assert outside[0].reason == (
        "时间 2024-09-01 00:00:00 不在 2024-09-08 至 2024-09-12 之内（活动自 2024-09-09 起 3 天，前后各放宽 1 天）。"
        "time 2024-09-01 00:00:00 is outside 2024-09-08 to 2024-09-12 (the event's 3 days from 2024-09-09,"
        " widened by 1 day(s) either side)"
    )
    assert store.scalar("select min(occurred_at) from donations") == dt.datetime(2024, 9, 8, tzinfo=store.event.tz)


def test_agribank_date_without_time_is_midnight(statement_store):
    row = _stored_after_import(
        statement_store, "bank_statement_agribank_2024-09.csv", "amount_fen, reference, source_line", limit=1
    )
    assert row == [{"at": "2024-09-09 00:00:00", "amount_fen": 50_000_000, "reference": "1375649", "source_line": 2}]


def test_broken_statement_rejects_each_row_and_loses_nothing(statement_store):
    store = statement_store
    import_file(store, SHARED_REAL / "bank_statement_vietinbank_2024-09.csv")
    before = snapshot(store)
    r = import_file(
        store, SHARED_REAL / "bank_statement_agribank_broken_rows.csv", find_profile("bank_statement_agribank_docs")
    )
    assert (r.rows_total, r.rows_new, r.rows_rejected, r.exit_status) == (27, 0, 27, 1)
    assert [x.line for x in r.rejections] == list(range(2, 29))
    assert all("fields where the header has 7" in x.reason for x in r.rejections)
    after = snapshot(store)
    assert after["donations"] == before["donations"] and after["by_project"] == before["by_project"]
    assert after["rejected"] == before["rejected"] + 27
    # The phone number in line 17's memo is scrubbed from the stored rejected row.
    texts = store.query_rows("select row_text from rejected_rows where line = 17")
    assert "0988860793" not in texts[0]["row_text"]


def test_profile_missing_column_is_a_file_error(store):
    r = import_bytes(store, b"Date,Amount\n01/09/2024,5\n", "x.csv", find_profile("bank_statement_vcb"))
    assert r.outcome == "unreadable" and "expects a column 'TNXDate'" in r.message
