"""Mapping an unknown file (ingest/mapping.py): its columns, the organizer's choices as a profile, a dry run that
stores nothing, and the saved profile recognising the next such file."""

import pytest

from givingday.ingest import mapping
from givingday.ingest.batch import import_bytes
from givingday.ingest.formats import detect_layout, read_table
from givingday.ingest.mapping import Choices, MappingError
from tests.conftest import english, snapshot

STATEMENT = (
    "流水号,入账日期,入账时间,收款金额,付款人,备注\n"
    'A1,07/09/2020,10:00:00,"1,000.50",张三,捐款\n'
    "A2,07/09/2020,10:05:00,200,李四,\n"
    "A3,31/09/2020,10:06:00,50,王五,\n"
    "A4,08/09/2020,11:00:00,,赵六,支出\n"
    'A1,07/09/2020,10:00:00,"1,000.50",张三,捐款\n'
).encode()
HEADERS = ["流水号", "入账日期", "入账时间", "收款金额", "付款人", "备注"]
CHOICES = Choices(
    columns={
        "donation_id": "流水号",
        "date": "入账日期",
        "time_of_day": "入账时间",
        "amount_yuan": "收款金额",
        "donor_name": "付款人",
    },
    credit={"project": "P001", "channel": "bank"},
    date_format="%d/%m/%Y",
    title="社区收款流水",
)
SAVED = """# Saved from the mapping screen on /act (docs/formats.md).
title = "社区收款流水"
match_headers = ["流水号", "入账日期", "入账时间", "收款金额", "付款人", "备注"]

[columns]
donation_id = "流水号"
date = "入账日期"
time_of_day = "入账时间"
amount_yuan = "收款金额"
donor_name = "付款人"

[parse]
date_format = "%d/%m/%Y"
thousands = ","
decimal = "."

[credit]
project = "P001"
channel = "bank"
"""


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    monkeypatch.setenv("GIVINGDAY_PROFILES", str(folder))
    return folder


def test_an_unknown_file_shows_its_columns_and_first_rows(profiles):
    found = mapping.unrecognised(STATEMENT)
    assert found.headers == HEADERS
    assert found.first_rows(2) == [
        ["A1", "07/09/2020", "10:00:00", "1,000.50", "张三", "捐款"],
        ["A2", "07/09/2020", "10:05:00", "200", "李四", ""],
    ]
    assert english(found.reason).startswith(
        "not a recognised donation file: its columns are 流水号, 入账日期, 入账时间"
    )
    assert mapping.guess(found.headers) == {
        "occurred_at": "入账时间",
        "amount_yuan": "收款金额",
        "donation_id": "流水号",
        "donor_name": "付款人",
    }
    assert mapping.guess_format(["07/09/2020", "31/12/2020"], mapping.DATE_FORMATS) == "%d/%m/%Y"
    assert mapping.guess_format(["09/07/2020", "09/30/2020", "09/31/2020"], mapping.DATE_FORMATS) == "%m/%d/%Y"
    assert mapping.guess_format(["soon", "later"], mapping.DATE_FORMATS) is None
    assert mapping.guess_format(["2020-09-07 10:00:00"], mapping.TIME_FORMATS) is None
    assert mapping.unrecognised(b"\x00\x01binary\x00\x00" * 50) is None  # unreadable: the import says why
    canonical = b"donation_id,occurred_at,amount_yuan,project\nX,2020-09-07 10:00:00,1,P001\n"
    assert mapping.unrecognised(canonical) is None


def test_rows_wider_or_narrower_than_the_header_are_shown_under_its_columns(profiles):
    found = mapping.unrecognised("时间,金额\n2020-09-07 10:00:00,1,000.00\n2020-09-07 10:01:00\n".encode())
    assert found.first_rows() == [["2020-09-07 10:00:00", "1"], ["2020-09-07 10:01:00", ""]]


def test_the_dry_run_judges_every_row_and_stores_nothing(store, profiles):
    before = snapshot(store)
    text, profile = mapping.build("community", CHOICES, HEADERS)
    assert text == SAVED
    assert profile.path == profiles / "community.toml" and not profile.path.exists()
    run = mapping.dry_run(store, read_table(STATEMENT), profile)
    assert (run.rows_total, run.gifts.num_rows, run.duplicates) == (5, 2, 1)
    assert (run.amount_fen, run.matched_fen) == (120_050, 0)
    assert run.gifts.select(
        ["donation_id", "amount_fen", "project_id", "channel", "donor_name_masked"]
    ).to_pylist() == [
        {
            "donation_id": "A1",
            "amount_fen": 100_050,
            "project_id": "P001",
            "channel": "bank",
            "donor_name_masked": "张**",
        },
        {
            "donation_id": "A2",
            "amount_fen": 20_000,
            "project_id": "P001",
            "channel": "bank",
            "donor_name_masked": "李**",
        },
    ]
    assert [(r.line, r.reason) for r in run.rejections] == [
        (4, "日期 '31/09/2020' 不符合格式 '%d/%m/%Y'。date '31/09/2020' does not match '%d/%m/%Y'"),
        (5, "金额为空（支出或空行？）。amount is empty (a debit or empty line?)"),
    ]
    assert snapshot(store) == before
    assert not profiles.exists()


def test_a_saved_profile_recognises_the_next_such_file_and_imports_the_previewed_total(store, profiles):
    run = mapping.dry_run(store, read_table(STATEMENT), mapping.build("community", CHOICES, HEADERS)[1])
    saved = mapping.save("community", CHOICES, HEADERS)
    assert (profiles / "community.toml").read_text(encoding="utf-8") == SAVED
    assert saved.name == "community" and saved.path == profiles / "community.toml"
    assert mapping.unrecognised(STATEMENT) is None
    assert detect_layout(read_table(STATEMENT)).name == "profile:community"
    report = import_bytes(store, STATEMENT, "statement.csv")
    assert (report.rows_new, report.rows_duplicate, report.rows_rejected) == (2, 1, 2)
    assert report.amount_new_fen == run.amount_fen == 120_050
    assert store.query("totals_overall")[0]["total_fen"] == 120_050
    again = mapping.dry_run(store, read_table(STATEMENT), saved)  # the same file again adds nothing
    assert (again.gifts.num_rows, again.duplicates, again.amount_fen) == (0, 3, 0)


@pytest.mark.parametrize("name", ["../evil", "a/b", "", ".hidden", "_x", "with space", "x" * 61, "c:\\x"])
def test_a_name_that_could_be_a_path_is_refused(profiles, name):
    with pytest.raises(MappingError) as exc:
        mapping.save(name, CHOICES, HEADERS)
    assert str(exc.value) == (
        f"配置名 {name.strip()!r} 不可用：只能用字母、数字、_ 和 -（不超过 60 个字符）。"
        "A profile's name is letters, digits, _ and - (at most 60)."
    )
    assert not profiles.exists()


def test_a_chinese_name_is_a_name(profiles):
    assert mapping.save("社区流水-2", CHOICES, HEADERS).path == profiles / "社区流水-2.toml"


def test_an_existing_profile_is_replaced_only_when_asked(profiles):
    mapping.save("community", CHOICES, HEADERS)
    other = Choices(**{**vars(CHOICES), "credit": {"project": "P002", "channel": "bank"}})
    with pytest.raises(MappingError) as exc:
        mapping.save("community", other, HEADERS)
    assert str(exc.value) == (
        "已有名为 community 的导入配置：换一个名字，或确认替换。"
        "A profile named 'community' exists: choose another name, or confirm replacing it."
    )
    assert (profiles / "community.toml").read_text(encoding="utf-8") == SAVED
    assert mapping.save("community", other, HEADERS, replace=True).credit == {"project": "P002", "channel": "bank"}
    assert [p.name for p in profiles.iterdir()] == ["community.toml"]


def test_another_profile_matching_the_columns_is_refused(profiles):
    mapping.save("community", CHOICES, HEADERS)
    with pytest.raises(MappingError) as exc:
        mapping.save("again", CHOICES, HEADERS)
    assert str(exc.value) == (
        "导入配置 community 也匹配这些列，下次会先选它：请用它的名字保存以替换它。"
        "Profile 'community' matches these columns too and would be chosen: save under its name to replace it."
    )
    assert not (profiles / "again.toml").exists()


@pytest.mark.parametrize(
    ("columns", "credit", "message"),
    [
        (
            {"amount_yuan": "收款金额"},
            {"project": "P001"},
            "请选择时间列（或日期列）。Choose the column with the time (or the date).",
        ),
        ({"date": "入账日期"}, {"project": "P001"}, "请选择金额列。Choose the column with the amount."),
        (
            {"date": "入账日期", "amount_yuan": "收款金额"},
            {"channel": "bank"},
            "请选择项目列，或选定一个项目。Choose the project's column, or one project for every row.",
        ),
    ],
)
def test_a_mapping_without_what_every_gift_needs_is_refused(profiles, columns, credit, message):
    with pytest.raises(MappingError) as exc:
        mapping.build("community", Choices(columns=columns, credit=credit), HEADERS)
    assert str(exc.value) == message


def test_a_header_with_quotes_and_backslashes_survives_the_round_trip(store, profiles):
    data = b'when "paid",amount\\yuan\n2020-09-07 10:00:00,5\n'
    headers = mapping.unrecognised(data).headers
    assert headers == ['when "paid"', "amount\\yuan"]
    choices = Choices(columns={"occurred_at": 'when "paid"', "amount_yuan": "amount\\yuan"}, credit={"project": "P002"})
    saved = mapping.save("quoted", choices, headers)
    assert saved.match_headers == headers and saved.columns == choices.columns
    assert import_bytes(store, data, "q.csv").amount_new_fen == 500


def test_a_column_the_file_has_twice_is_said_in_the_dry_run(store, profiles):
    data = b"time,amount,amount\n2020-09-07 10:00:00,5,6\n"
    _, profile = mapping.build(
        "twice",
        Choices(columns={"occurred_at": "time", "amount_yuan": "amount"}, credit={"project": "P001"}),
        ["time", "amount"],
    )
    with pytest.raises(ValueError, match=r"column 2 \('amount'\) and column 3 \('amount'\) both give amount_yuan"):
        mapping.dry_run(store, read_table(data), profile)


BILL = (
    "时间,收/支,金额,对方,单号\n"
    "2020-09-07 10:00:00,收入,10.00,张三,W1\n"
    "2020-09-07 10:01:00,支出,5.00,李四,W2\n"
    "2020-09-07 10:02:00, / ,1.00,王五,W3\n"
    "2020-09-07 10:03:00,收入,20.50,赵六,W4\n"
).encode()
BILL_CHOICES = Choices(
    columns={"occurred_at": "时间", "amount_yuan": "金额", "donation_id": "单号", "donor_name": "对方"},
    credit={"project": "P001"},
    income=("收/支", ("收入",)),
)


def test_rows_that_are_not_income_are_skipped_not_rejected(store, profiles):
    found = mapping.unrecognised(BILL)
    assert mapping.guess(found.headers)["income"] == "收/支"
    assert found.distinct("收/支") == ["收入", "支出", "/"]
    assert mapping.guess_income(found.distinct("收/支")) == ["收入"]
    run = mapping.dry_run(store, found.table, mapping.build("bill", BILL_CHOICES, found.headers)[1])
    assert run.gifts.column("donation_id").to_pylist() == ["W1", "W4"]
    assert (run.amount_fen, run.skipped, run.rejections) == (3_050, {"非收入 not income": 2}, [])
    saved = mapping.save("bill", BILL_CHOICES, found.headers)
    assert (
        (profiles / "bill.toml")
        .read_text(encoding="utf-8")
        .endswith(
            '[credit]\nproject = "P001"\n\n[[filters]]\ncolumn = "收/支"\ninclude = ["收入"]\nreason = "非收入 not income"\n'
        )
    )
    assert [(f.column, f.reason) for f in saved.filters] == [("收/支", "非收入 not income")]
    report = import_bytes(store, BILL, "bill.csv")
    assert (report.rows_new, report.rows_skipped, report.rows_rejected, report.exit_status) == (2, 2, 0, 0)
    assert report.amount_new_fen == 3_050 and store.query("totals_overall")[0]["total_fen"] == 3_050


def test_an_income_column_without_values_is_refused(profiles):
    choices = Choices(**{**vars(BILL_CHOICES), "income": ("收/支", ())})
    with pytest.raises(MappingError) as exc:
        mapping.build("bill", choices, ["时间", "收/支", "金额", "对方", "单号"])
    assert str(exc.value) == "请选择「收/支」列中表示收入的值。Choose the values of '收/支' that mean income."


PREAMBLE = (
    "\ufeff社区收款明细,,,,\n"
    "导出时间：[2020-09-10 09:00:00],,,,\n"
    ",,,,\n"
    "共2笔记录,收入：1笔,,,\n"
    "单号,时间,收/支,金额,对方\n"
    "W1,2020-09-07 10:00:00,收入,10.00,张三\n"
    "W2,2020-09-07 10:01:00,支出,5.00,李四\n"
).encode()


def test_a_header_after_a_preamble_is_found_and_saved_as_the_profiles_file_shape(store, profiles):
    first = mapping.unrecognised(PREAMBLE)
    assert first.headers == ["社区收款明细"]
    assert [n for n, _ in first.header_lines()] == [4, 5, 6, 7]
    assert first.guess_header_line() == 5
    found = mapping.from_header_line(PREAMBLE, first, 5)
    assert found.headers == ["单号", "时间", "收/支", "金额", "对方"]
    assert found.first_rows() == [
        ["W1", "2020-09-07 10:00:00", "收入", "10.00", "张三"],
        ["W2", "2020-09-07 10:01:00", "支出", "5.00", "李四"],
    ]
    choices = Choices(**{**vars(BILL_CHOICES), "header_line": 5})
    run = mapping.dry_run(store, found.table, mapping.build("preamble", choices, found.headers)[1])
    assert (run.amount_fen, run.skipped, run.rejections) == (1_000, {"非收入 not income": 1}, [])
    saved = mapping.save("preamble", choices, found.headers)
    assert "\n[file]\nheader_within = 25\n" in saved.path.read_text(encoding="utf-8")
    assert mapping.unrecognised(PREAMBLE) is None  # the next such file is recognised, preamble and all
    report = import_bytes(store, PREAMBLE, "preamble.csv")
    assert (report.layout, report.rows_new, report.rows_skipped, report.amount_new_fen) == (
        "profile:preamble",
        1,
        1,
        1_000,
    )
    assert store.query("totals_overall")[0]["total_fen"] == 1_000
