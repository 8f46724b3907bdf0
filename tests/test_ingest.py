"""Ingestion: exact sums, idempotency, overlap, every kind of bad row and bad file."""

import json

import pytest

from givingday.ingest.batch import import_file
from givingday.ingest.formats import UnreadableFile, detect_layout, read_table
from tests.conftest import CANONICAL_HEADER, snapshot, write

pytestmark = pytest.mark.both_stores

GOOD = CANONICAL_HEADER + (
    "A1,2020-09-07 09:01:00,10,0,P001,,,qr,张三\n"
    "A2,2020-09-07T10:05:00+08:00,9.9,1.5,关爱老兵、情暖二七,张**的一起捐,,qr,\n"
    "A3,2020-09-07 10:06:00,100.00,0,P001,T001,S001,livestream,王五\n"
    "A4,2020/9/7 21:30,0.01,,P089,,,offline,匿名\n"
)


def test_canonical_exact_sums(store, tmp_path):
    r = import_file(store, write(tmp_path, "a.csv", GOOD))
    assert (r.rows_new, r.rows_duplicate, r.rows_rejected, r.exit_status) == (4, 0, 0, 0)
    assert r.amount_new_fen == 1000 + 990 + 10000 + 1
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["total_fen"], t["donations"]) == (11991, 150, 12141, 4)
    rows = store.query("totals_by_project", since=None, until=None)
    assert [(r["key"], r["amount_fen"], r["matched_fen"], r["donations"]) for r in rows] == [
        ("P001", 11000, 0, 2),
        ("P002", 990, 150, 1),
        ("P089", 1, 0, 1),
        ("P000", 0, 0, 0),
    ]


def test_stored_row_is_masked_and_resolved(store, tmp_path):
    import_file(store, write(tmp_path, "a.csv", GOOD))
    with store.engine.connect() as c:
        import sqlalchemy as sa

        rows = c.execute(
            sa.text(
                "select donation_id, occurred_at, team_id, site_id, channel,"
                " donor_name_masked, source_file, source_line from donations order by donation_id"
            )
        ).all()
    assert [(r[0], f"{r[1]:%Y-%m-%d %H:%M:%S}", *r[2:]) for r in rows] == [
        ("A1", "2020-09-07 09:01:00", None, None, "qr", "张**", "a.csv", 2),
        # team given without a site: the team's home site (S001)
        ("A2", "2020-09-07 10:05:00", "T002", "S001", "qr", "爱心人士", "a.csv", 3),
        ("A3", "2020-09-07 10:06:00", "T001", "S001", "livestream", "王**", "a.csv", 4),
        ("A4", "2020-09-07 21:30:00", None, None, "offline", "爱心人士", "a.csv", 5),
    ]


def test_same_file_twice_changes_nothing(store, tmp_path):
    f = write(tmp_path, "a.csv", GOOD)
    import_file(store, f)
    before = snapshot(store)
    r = import_file(store, f)
    assert (r.rows_new, r.rows_duplicate, r.amount_new_fen) == (0, 4, 0)
    assert snapshot(store) == before


def test_overlapping_export_adds_only_new_rows(store, tmp_path):
    import_file(store, write(tmp_path, "a.csv", GOOD))
    overlap = CANONICAL_HEADER + (
        "A3,2020-09-07 10:06:00,100.00,0,P001,T001,S001,livestream,王五\n"
        "A4,2020/9/7 21:30,0.01,,P089,,,offline,匿名\n"
        "A5,2020-09-07 22:00:00,520,0,P002,,,qr,赵六\n"
        "A5,2020-09-07 22:00:00,520,0,P002,,,qr,赵六\n"
    )
    r = import_file(store, write(tmp_path, "b.csv", overlap))
    assert (r.rows_new, r.rows_duplicate, r.amount_new_fen) == (1, 3, 52000)
    assert store.query("totals_overall")[0]["amount_fen"] == 11991 + 52000


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("B1,not a time,10,0,P001,,,qr,x", "time 'not a time' is not a date and time"),
        ("B1,2020-02-30 10:00:00,10,0,P001,,,qr,x", "is not a valid date"),
        ("B1,,10,0,P001,,,qr,x", "time is empty"),
        ("B1,2020-09-07 10:00:00,abc,0,P001,,,qr,x", "amount 'abc' is not a number"),
        ("B1,2020-09-07 10:00:00,0,0,P001,,,qr,x", "amount '0' is not positive"),
        ("B1,2020-09-07 10:00:00,-5,0,P001,,,qr,x", "amount '-5' is negative"),
        ("B1,2020-09-07 10:00:00,1.234,0,P001,,,qr,x", "amount '1.234' has more than two decimals"),
        ("B1,2020-09-07 10:00:00,2000000,0,P001,,,qr,x", "above the cap of ¥1,000,000.00"),
        ("B1,2020-09-07 10:00:00,10,x,P001,,,qr,x", "matched amount 'x' is not a number"),
        ("B1,2020-09-07 10:00:00,10,0,不存在的项目,,,qr,x", "unknown project '不存在的项目'"),
        ("B1,2020-09-07 10:00:00,10,0,,,,qr,x", "project is empty"),
        ("B1,2020-09-07 10:00:00,10,0,P001,,,pigeon,x", "unknown channel 'pigeon'"),
        ("B1,2020-09-07 10:00:00,10,0,P001,,,qr,x,extra", "10 fields where the header has 9"),
    ],
)
def test_each_bad_row_is_rejected_with_line_and_reason(store, tmp_path, row, reason):
    text = CANONICAL_HEADER + "G1,2020-09-07 10:00:00,10,0,P001,,,qr,张三\n" + row + "\n"
    r = import_file(store, write(tmp_path, "bad.csv", text))
    assert (r.rows_new, r.rows_rejected, r.exit_status) == (1, 1, 1)
    assert r.rejections[0].line == 3
    assert reason in r.rejections[0].reason
    stored = store.query("rejected_rows_recent", limit_n=10)
    assert [(x["file_name"], x["line"]) for x in stored] == [("bad.csv", 3)]
    assert reason in stored[0]["reason"]
    assert store.query("totals_overall")[0]["amount_fen"] == 1000


def test_rejected_row_is_kept_masked(store, tmp_path):
    text = CANONICAL_HEADER + "B1,2020-09-07 10:00:00,-1,0,P001,,,qr,张三丰 13812345678\n"
    import_file(store, write(tmp_path, "bad.csv", text))
    row = json.loads(store.query("rejected_rows_recent", limit_n=1)[0]["row_text"])
    assert row["donor_name"] == "爱心人士"
    assert "13812345678" not in json.dumps(row, ensure_ascii=False)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "binary content"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls"),
        (  # an .xlsx saved with a password: an OLE file whose directory names its encrypted package
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le"),
            "一个设有密码的 Excel 工作簿：请去掉密码后另存为 .xlsx 或 CSV。a password-protected Excel workbook: remove"
            " its password, then save it as .xlsx or CSV",
        ),
        (b"PK\x03\x04not really a workbook", "not a readable XLSX"),
        (b"%PDF-1.4 ...", "a PDF document"),
        ("name,age\n张三,30\n".encode(), "not a recognised donation file: its columns are name, age"),
        (b"\xff\xfe\x00", "cannot be decoded as such"),
        (b"occurred_at,amount_yuan,project\n\x81\x30\x81", "neither UTF-8 nor GBK"),
    ],
)
def test_bad_file_stores_nothing(store, tmp_path, content, why):
    import_file(store, write(tmp_path, "ok.csv", GOOD))
    before = snapshot(store)
    p = tmp_path / "broken.csv"
    p.write_bytes(content)
    r = import_file(store, p)
    assert r.outcome == "unreadable" and r.exit_status == 2
    assert why in r.message
    assert snapshot(store) == before
    last = store.query("imports_recent", limit_n=1)[0]
    assert (last["file_name"], last["outcome"], last["rows_new"]) == ("broken.csv", "unreadable", 0)


def test_malicious_strings_are_inert(store, tmp_path):
    text = CANONICAL_HEADER + (
        '\'; drop table donations; --,2020-09-07 10:00:00,10,0,P001,<script>alert(1)</script>,,qr,=HYPERLINK("x")\n'
    )
    r = import_file(store, write(tmp_path, "evil.csv", text))
    assert r.rows_new == 1
    assert store.query("totals_overall")[0]["donations"] == 1
    with store.engine.connect() as c:
        import sqlalchemy as sa

        row = c.execute(sa.text("select donation_id, team_label, donor_name_masked from donations")).one()
    assert row.donation_id == "'; drop table donations; --"
    assert row.team_label == "<script>alert(1)</script>"  # stored as text; pages escape it
    assert row.donor_name_masked == "=**"


def test_jsonl(store, tmp_path):
    lines = [
        {"donation_id": "J1", "occurred_at": "2020-09-08 11:00:00", "amount_yuan": "99", "project": "P001"},
        {
            "donation_id": "J2",
            "occurred_at": "2020-09-08 11:01:00",
            "amount_yuan": 5,
            "matched_yuan": 5,
            "project": "P002",
            "donor_name": "钱七",
        },
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{not json}\n"
    r = import_file(store, write(tmp_path, "gifts.jsonl", text))
    assert (r.rows_new, r.rows_rejected, r.layout) == (2, 1, "canonical")
    assert r.rejections[0].line == 3 and "not valid JSON" in r.rejections[0].reason
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"]) == (10400, 500)


def test_a_json_file_of_one_gift_or_an_array_is_read_as_the_api_reads_it(store, tmp_path):
    """A .json file saved by a volunteer's script: pretty-printed, one gift or an array; the Nth gift is line N."""
    gifts = [
        {"donation_id": "A1", "occurred_at": "2020-09-08 11:00:00", "amount_yuan": "10", "project": "P001"},
        {"donation_id": "A2", "occurred_at": "2020-09-08 11:01:00", "amount_yuan": "abc", "project": "P001"},
    ]
    r = import_file(store, write(tmp_path, "array.json", json.dumps(gifts, indent=2)))
    assert (r.rows_new, r.rows_rejected, r.rejections[0].line) == (1, 1, 2)
    one = {"donation_id": "A3", "occurred_at": "2020-09-08 11:02:00", "amount_yuan": "5", "project": "P001"}
    assert import_file(store, write(tmp_path, "one.json", json.dumps(one, indent=2))).rows_new == 1
    assert store.query("totals_overall")[0]["amount_fen"] == 1500
    before = snapshot(store)
    broken = import_file(store, write(tmp_path, "broken.json", '[{"donation_id": "A4",'))
    assert broken.outcome == "unreadable" and "not valid JSON (Expecting" in broken.message
    assert snapshot(store) == before


def test_rows_without_id_get_stable_ids(store, tmp_path):
    text = "occurred_at,amount_yuan,project\n2020-09-07 10:00:00,10,P001\n2020-09-07 10:00:00,10,P001\n"
    r1 = import_file(store, write(tmp_path, "noid.csv", text))
    assert r1.rows_new == 2  # two identical gifts in one file are two gifts
    r2 = import_file(store, write(tmp_path, "noid-again.csv", text + "2020-09-07 10:01:00,20,P001\n"))
    assert (r2.rows_new, r2.rows_duplicate) == (1, 2)
    assert store.query("totals_overall")[0]["amount_fen"] == 4000


def test_an_unrecognised_file_says_where_a_profile_is_chosen_on_the_page_and_the_command_line():
    """/act's upload shows this message too, where --profile cannot be typed."""
    with pytest.raises(UnreadableFile) as refused:
        detect_layout(read_table("name,age\n张三,30\n".encode(), profiles=[]), profiles=[])
    assert str(refused.value) == (
        "无法识别的捐款文件：它的列是 name, age。应为标准格式、平台导出（捐款时间、捐赠金额(元)、项目名称……）或按导入"
        "配置读取（页面上的“导入配置”，命令行的 --profile NAME）。not a recognised donation file: its columns are name,"
        " age. Expected the canonical columns (occurred_at, amount_yuan, project …), the platform export (捐款时间,"
        " 捐赠金额(元), 项目名称 …), or an import profile (the page's “导入配置” box, the command line's --profile NAME)"
    )
