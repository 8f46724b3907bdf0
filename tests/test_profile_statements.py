"""The profile's statement keys as data: `[file]` (the header after a preamble, a footer, padded cells and a
trailing empty column), `[[filters]]` (rows skipped and counted) and `[refunds]` (an amount column or status
patterns); a profile with a key it does not know is refused with the key named."""

import csv
import io

import openpyxl
import pytest

from givingday import config
from givingday.ingest.batch import import_bytes
from givingday.ingest.formats import read_table
from givingday.ingest.profiles import ProfileError, load_profile, load_profiles
from givingday.store import adjustments
from tests.conftest import FIXTURES, english, snapshot

pytestmark = pytest.mark.both_stores

STATEMENT_PROFILE = """\
title = "A bank's statement with a preamble"
match_headers = ["Booked", "Direction", "Amount", "Ref"]

[file]
header_within = 6
footer = "Total"

[columns]
donation_id = "Ref"
occurred_at = "Booked"
amount_yuan = "Amount"
donor_name = "Payer"

[[filters]]
column = "Direction"
skip = ["DR", ""]
reason = "debit"

[refunds]
column = "Returned"

[credit]
project = "P001"
channel = "bank"
"""

# A preamble of 3 lines, the header on line 4 (padded, with a trailing comma), 5 rows, a footer and a note after.
STATEMENT = """\
Account statement
Account: 6222 **** 0001
Period: 2020-09-07 to 2020-09-08
Booked               ,Direction ,Amount    ,Returned  ,Ref       ,Payer     ,
2020-09-07 10:00:00  ,CR        ,100.00    ,          ,B001      ,Zhang San ,
2020-09-07 11:00:00  ,DR        ,45.00     ,          ,B002      ,Printer   ,
2020-09-07 12:00:00  ,CR        ,50.00     ,20.00     ,B003      ,Li Si     ,
2020-09-08 09:00:00  ,CR        ,ten       ,          ,B004      ,Wang Wu   ,
2020-09-08 10:00:00  ,CR        ,30.00     ,40.00     ,B005      ,Zhao Liu  ,
Total                ,          ,225.00    ,          ,          ,          ,
Printed 2020-09-09
"""


@pytest.fixture
def statement_profile(tmp_path):
    path = tmp_path / "bank_with_preamble.toml"
    path.write_text(STATEMENT_PROFILE, encoding="utf-8")
    return load_profile(path)


def test_a_statement_is_read_from_its_header_to_its_footer(statement_profile):
    table = read_table(STATEMENT.encode(), [statement_profile])
    assert table.header == ["Booked", "Direction", "Amount", "Returned", "Ref", "Payer"]  # the empty last one dropped
    assert table.lines.to_pylist() == [5, 6, 7, 8, 9]
    assert [c.as_py() for c in table.columns[4]] == ["B001", "B002", "B003", "B004", "B005"]  # padding trimmed


def test_a_statement_profile_skips_refunds_and_rejects_by_the_file_lines(store, statement_profile):
    r = import_bytes(store, STATEMENT.encode(), "statement.csv", statement_profile)
    assert (r.layout, r.rows_total, r.rows_new, r.rows_skipped, r.skipped_because) == (
        "profile:bank_with_preamble",
        5,
        2,
        1,
        {"debit": 1},
    )
    assert [(x.line, x.reason) for x in r.rejections] == [
        (8, "金额 'ten' 不是数字。amount 'ten' is not a number"),
        (9, "退款 ¥40.00 超过捐款 ¥30.00。refund ¥40.00 is more than the gift ¥30.00"),
    ]
    assert (r.amount_new_fen, r.refunded_new_fen, r.exit_status) == (15_000, 2_000, 1)
    assert store.query("totals_overall")[0]["amount_fen"] == 13_000


def test_the_statement_is_recognised_among_the_profiles_without_a_flag(store, statement_profile, monkeypatch):
    monkeypatch.setattr(config, "PROFILES_DIR", statement_profile.path.parent)
    r = import_bytes(store, STATEMENT.encode(), "statement.csv")
    assert (r.layout, r.rows_new) == ("profile:bank_with_preamble", 2)


def test_a_header_beyond_header_within_is_not_found_and_nothing_is_stored(store, statement_profile, monkeypatch):
    monkeypatch.setattr(config, "PROFILES_DIR", statement_profile.path.parent)
    before = snapshot(store)
    late = "\n".join(["preamble"] * 6) + "\n" + STATEMENT.split("\n", 3)[3]
    r = import_bytes(store, late.encode(), "late.csv")
    assert (r.outcome, r.exit_status) == ("unreadable", 2)
    assert english(r.message).startswith("not a recognised donation file: its columns are preamble.")
    assert snapshot(store) == before


def test_a_statement_whose_header_the_named_profile_cannot_find_is_refused(store, statement_profile):
    before = snapshot(store)
    text = STATEMENT.replace("Direction ,", "Side      ,", 1)
    r = import_bytes(store, text.encode(), "statement.csv", statement_profile)
    assert (r.outcome, r.message) == (
        "unreadable",
        "profile 'bank_with_preamble' finds its header row by the columns Booked, Direction, Amount, Ref, and none"
        " of the file's first 6 lines has them all",
    )
    assert snapshot(store) == before


def test_a_filter_on_a_column_the_file_lacks_is_refused_by_name(store, tmp_path):
    path = tmp_path / "no_side.toml"
    path.write_text(STATEMENT_PROFILE.replace('column = "Direction"', 'column = "Side"'), encoding="utf-8")
    before = snapshot(store)
    r = import_bytes(store, STATEMENT.encode(), "statement.csv", load_profile(path))
    assert english(r.message) == (
        "profile 'no_side' reads 'Side' in a filter, a column this file does not have"
        " (its columns: Booked, Direction, Amount, Returned, Ref, Payer)"
    )
    assert snapshot(store) == before


def test_a_bill_refund_of_a_gift_refunded_on_the_console_books_nothing(store):
    bill = FIXTURES / "bills" / "wechat_bill.csv"
    later = FIXTURES / "bills" / "wechat_bill_later.csv"
    import_bytes(store, bill.read_bytes(), "wechat_bill.csv")
    adjustments.refund(store, "4200000900000000000000000003", "donor asked", "organizer")
    r = import_bytes(store, later.read_bytes(), "wechat_bill_later.csv")
    assert r.refunded_new_fen == 0
    assert store.query("totals_overall")[0]["amount_fen"] == 32_888 - 2_000 + 6_660


BAD_PROFILES = [
    ("colums = {}\n", "unknown key(s) colums (a profile may have columns, credit, file, filters, identity,"),
    ("[file]\nheader_within = 0\n", "[file] header_within must be a whole number of lines from 1 to 200"),
    ("[file]\nfooters = 'x'\n", "unknown key(s) in [file]: footers (known: encoding, footer, header_within)"),
    ("[file]\nencoding = 'latin-1'\n", "[file] encoding must be one of utf-8, utf-8-sig, gbk, gb2312, gb18030"),
    ("[file]\nfooter = '('\n", "[file] footer is not a regular expression (missing ), unterminated subpattern"),
    (
        "[[filters]]\ncolumn = 'D'\ninclude = ['CR']\nskip = ['DR']\nreason = 'x'\n",
        "[[filters]] number 1 must have either include or skip (a list of the column's values)",
    ),
    (
        "[[filters]]\ncolumn = 'D'\ninclude = ['CR']\n",
        "[[filters]] number 1 needs a column and a reason (shown with the count of rows skipped)",
    ),
    ("[refunds]\ncolumn = 'R'\nstatus_column = 'S'\n", "[refunds] names either column (the amount refunded)"),
    (
        "[refunds]\nstatus_column = 'S'\npartial = '已退款(.*)'\n",
        "[refunds] partial must capture the amount refunded as (?P<amount>…)",
    ),
    ("[refunds]\nstatus_column = 'S'\nfulll = 'x'\n", "unknown key(s) in [refunds]: fulll (known: column, full,"),
    ("[parse]\ndate_fmt = '%d'\n", "[parse] may set only date_format, decimal, thousands, time_format"),
]


@pytest.mark.parametrize(("extra", "said"), BAD_PROFILES)
def test_a_bad_profile_is_refused_with_what_is_wrong(tmp_path, extra, said):
    path = tmp_path / "bad.toml"
    base = (
        'match_headers = ["A"]\n'
        + extra
        + '\n[columns]\noccurred_at = "A"\namount_yuan = "B"\n[credit]\nproject = "P001"\n'
    )
    if extra.startswith("colums"):
        base = (
            extra
            + 'match_headers = ["A"]\n[columns]\noccurred_at = "A"\namount_yuan = "B"\n[credit]\nproject = "P001"\n'
        )
    path.write_text(base, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert str(exc.value).startswith(f"{path}: {said}")


def test_a_file_table_needs_match_headers(tmp_path):
    path = tmp_path / "blind.toml"
    path.write_text(
        '[file]\nheader_within = 20\n[columns]\noccurred_at = "A"\namount_yuan = "B"\n[credit]\nproject = "P001"\n'
    )
    with pytest.raises(ProfileError, match=r"a profile with \[file\] needs match_headers"):
        load_profile(path)


def test_the_shipped_profiles_load_and_each_bill_is_recognised_by_one():
    profiles = {p.name: p for p in load_profiles(config.PROFILES_DIR)}
    assert {"wechat_pay_bill", "alipay_bill_classic", "alipay_bill"} <= set(profiles)
    found = {}
    for name in ("wechat_bill.csv", "alipay_bill_classic.csv", "alipay_bill_gbk.csv"):
        table = read_table((FIXTURES / "bills" / name).read_bytes(), list(profiles.values()))
        found[name] = [p.name for p in profiles.values() if p.matches(table.header)]
    assert found == {
        "wechat_bill.csv": ["wechat_pay_bill"],
        "alipay_bill_classic.csv": ["alipay_bill_classic"],
        "alipay_bill_gbk.csv": ["alipay_bill"],
    }


def test_a_bad_profile_in_the_folder_is_left_out_and_named_when_nothing_else_fits(store, tmp_path, monkeypatch):
    """A half-edited profile must not stop every import of an unattended board: the file imports if another
    layout recognises it, and a file nothing recognises is refused naming the profile that was left out."""
    shipped = (config.PROFILES_DIR / "wechat_pay_bill.toml").read_text(encoding="utf-8")
    (tmp_path / "wechat_pay_bill.toml").write_text(shipped, encoding="utf-8")
    (tmp_path / "typo.toml").write_text('match_headers = ["A"]\nfooter = "x"\n', encoding="utf-8")
    monkeypatch.setattr(config, "PROFILES_DIR", tmp_path)
    r = import_bytes(store, (FIXTURES / "bills" / "wechat_bill.csv").read_bytes(), "wechat_bill.csv")
    assert (r.outcome, r.rows_new, r.rows_skipped) == ("committed", 5, 3)
    before = snapshot(store)
    r = import_bytes(store, b"Datum,Betrag\n2020-09-07,5\n", "other.csv")
    assert (r.outcome, r.exit_status) == ("unreadable", 2)
    assert r.message.endswith(
        f"(import profiles left out, unreadable: {tmp_path / 'typo.toml'}: unknown key(s) footer (a profile may"
        " have columns, credit, file, filters, identity, match_headers, parse, personal_columns, refunds, title))"
    )
    assert snapshot(store) == before


def test_a_wechat_bill_saved_as_a_workbook_is_read_after_its_preamble(store):
    wb = openpyxl.Workbook()
    text = (FIXTURES / "bills" / "wechat_bill.csv").read_bytes().decode("utf-8-sig")
    for line in text.splitlines():
        wb.active.append(next(csv.reader([line])))
    buf = io.BytesIO()
    wb.save(buf)
    r = import_bytes(store, buf.getvalue(), "wechat_bill.xlsx")
    assert (r.layout, r.file_format, r.rows_new, r.rows_skipped, r.refunded_new_fen) == (
        "profile:wechat_pay_bill",
        "xlsx",
        5,
        3,
        5_000,
    )
    assert store.query("totals_overall")[0]["amount_fen"] == 32_888
    lines = store.query_rows("select source_line from donations order by source_line")
    assert [x["source_line"] for x in lines] == [18, 19, 20, 21, 22]


def test_a_profile_changed_in_the_folder_is_read_again(tmp_path):
    path = tmp_path / "bank_with_preamble.toml"
    path.write_text(STATEMENT_PROFILE, encoding="utf-8")
    [first] = load_profiles(tmp_path)
    assert load_profiles(tmp_path)[0] is first  # unchanged: not read again
    path.write_text(STATEMENT_PROFILE.replace('reason = "debit"', 'reason = "借方 debit"'), encoding="utf-8")
    [second] = load_profiles(tmp_path)
    assert [f.reason for f in second.filters] == ["借方 debit"]
    path.unlink()
    assert load_profiles(tmp_path) == []
