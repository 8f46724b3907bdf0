"""Payment-channel bills (WeChat Pay, Alipay classic and statement layouts) through their shipped profiles: only
income is a gift, expenses and neutral rows are skipped and counted, refunds are booked so the total is the net,
and overlapping bills never count a gift twice. The bills are written by tests/fixtures/bills/make_bills.py."""

import pytest

from givingday.ingest.batch import import_file
from tests.conftest import FIXTURES, assert_rollups_match_ledger, run_cli, snapshot
from tests.fixtures.bills import make_bills

pytestmark = pytest.mark.both_stores

BILLS = FIXTURES / "bills"
NOT_INCOME = "非收入 not income"


def _net(store) -> tuple[int, int]:
    t = store.query("totals_overall")[0]
    return t["amount_fen"], t["donations"]


def _report(r) -> tuple:
    return (r.rows_total, r.rows_new, r.rows_duplicate, r.rows_rejected, r.rows_skipped, r.skipped_because)


@pytest.mark.parametrize("name", sorted(make_bills.BILLS))
def test_the_bills_on_disk_are_what_the_script_writes(name):
    assert (BILLS / name).read_bytes() == make_bills.BILLS[name]()


def test_wechat_bill(store):
    r = import_file(store, BILLS / "wechat_bill.csv")
    assert (r.layout, r.file_format, r.exit_status) == ("profile:wechat_pay_bill", "csv/utf-8-sig", 0)
    assert _report(r) == (8, 5, 0, 0, 3, {NOT_INCOME: 3})
    assert (r.amount_new_fen, r.refunded_new_fen) == (37_888, 5_000)
    assert _net(store) == (32_888, 4)  # the gift refunded in full no longer counts as one
    assert "; skipped: 3 非收入 not income; refunds ¥50.00" in r.summary()
    gifts = store.query_rows(
        "select donation_id, source_line, amount_fen, channel, project_id, donor_name_masked, reference"
        " from donations order by source_line"
    )
    assert [g["source_line"] for g in gifts] == [18, 19, 20, 21, 22]  # the file's own lines, after the preamble
    assert gifts[0] == {
        "donation_id": "4200000900000000000000000001",
        "source_line": 18,
        "amount_fen": 10_000,
        "channel": "qr",
        "project_id": "P000",
        "donor_name_masked": "张**",
        "reference": "***",  # long digit runs are scrubbed from texts, as everywhere (masking.scrub)
    }
    assert_rollups_match_ledger(store)


def test_wechat_refunds_are_events_at_the_gift_time(store):
    import_file(store, BILLS / "wechat_bill.csv")
    refunds = store.query_rows(
        "select a.adjustment_id, a.kind, a.amount_delta_fen, a.donation_delta, a.occurred_at = d.occurred_at as at_gift"
        " from adjustments a join donations d using (donation_id) order by a.adjustment_id"
    )
    assert refunds == [
        {
            "adjustment_id": "refund:statement:4200000900000000000000000003:3000",
            "kind": "refund",
            "amount_delta_fen": -3_000,
            "donation_delta": 0,
            "at_gift": True,
        },
        {
            "adjustment_id": "refund:statement:4200000900000000000000000004:2000",
            "kind": "refund",
            "amount_delta_fen": -2_000,
            "donation_delta": -1,
            "at_gift": True,
        },
    ]


def test_a_bill_imported_again_adds_nothing(store):
    import_file(store, BILLS / "wechat_bill.csv")
    again = import_file(store, BILLS / "wechat_bill.csv")
    assert _report(again) == (8, 0, 5, 0, 3, {NOT_INCOME: 3})
    assert (again.amount_new_fen, again.refunded_new_fen, again.exit_status) == (0, 0, 0)
    assert _net(store) == (32_888, 4)
    assert store.scalar("select count(*) from adjustments") == 2


def test_overlapping_bills_count_each_gift_once_and_book_only_the_new_refund(store):
    import_file(store, BILLS / "wechat_bill.csv")
    later = import_file(store, BILLS / "wechat_bill_later.csv")
    assert _report(later) == (4, 1, 2, 0, 1, {NOT_INCOME: 1})
    # gift 3 was refunded 30.00 of 50.00; the later bill says in full: only the other 20.00 is booked now
    assert (later.amount_new_fen, later.refunded_new_fen) == (6_660, 2_000)
    assert _net(store) == (32_888 + 6_660 - 2_000, 4)
    assert store.query_rows(
        "select adjustment_id, amount_delta_fen, donation_delta from adjustments"
        " where donation_id = '4200000900000000000000000003' order by amount_delta_fen"
    ) == [
        {
            "adjustment_id": "refund:statement:4200000900000000000000000003:3000",
            "amount_delta_fen": -3_000,
            "donation_delta": 0,
        },
        {
            "adjustment_id": "refund:statement:4200000900000000000000000003:5000",
            "amount_delta_fen": -2_000,
            "donation_delta": -1,
        },
    ]
    # the earlier bill imported after the later one takes nothing back and books nothing
    earlier = import_file(store, BILLS / "wechat_bill.csv")
    assert (earlier.rows_new, earlier.refunded_new_fen) == (0, 0)
    assert _net(store) == (37_548, 4)
    assert_rollups_match_ledger(store)


def test_a_bill_of_only_expenses_is_no_error_and_changes_nothing(store):
    before = snapshot(store)
    r = import_file(store, BILLS / "wechat_bill_expenses.csv")
    assert (r.outcome, r.exit_status) == ("committed", 0)
    assert _report(r) == (3, 0, 0, 0, 3, {NOT_INCOME: 3})
    assert snapshot(store) == before
    [logged] = store.query("imports_recent", limit_n=1)
    assert (logged["rows_total"], logged["rows_new"], logged["rows_skipped"]) == (3, 0, 3)


def test_alipay_classic_bill(store):
    r = import_file(store, BILLS / "alipay_bill_classic.csv")
    assert (r.layout, r.file_format, r.exit_status) == ("profile:alipay_bill_classic", "csv/gb18030", 0)
    # the summary lines after the dashed footer are not rows; the unpaid (closed) row is skipped, not rejected
    assert _report(r) == (6, 3, 0, 0, 3, {NOT_INCOME: 2, "未付款 not paid": 1})
    assert (r.amount_new_fen, r.refunded_new_fen) == (28_000, 4_000)
    assert _net(store) == (24_000, 2)
    ids = store.query_rows("select donation_id, source_line, occurred_at from donations order by source_line")
    assert [(g["donation_id"], g["source_line"]) for g in ids] == [
        ("2020090722001401", 6),
        ("2020090722001402", 7),
        ("2020090722001403", 8),
    ]
    assert f"{ids[0]['occurred_at']:%Y-%m-%d %H:%M:%S}" == "2020-09-07 10:20:05"  # 付款时间, when the money came


@pytest.mark.parametrize(
    ("name", "file_format"), [("alipay_bill_utf8.csv", "csv/utf-8"), ("alipay_bill_gbk.csv", "csv/gb18030")]
)
def test_alipay_statement_bill(store, name, file_format):
    r = import_file(store, BILLS / name)
    assert (r.layout, r.file_format, r.exit_status) == ("profile:alipay_bill", file_format, 0)
    assert _report(r) == (5, 3, 0, 0, 2, {NOT_INCOME: 2})  # 不计收支 (the refund's own row) and 支出
    assert (r.amount_new_fen, r.refunded_new_fen) == (20_500, 5_600)  # 交易关闭 in full, 已退款(￥16.00) in part
    assert _net(store) == (14_900, 2)
    masked = store.query_rows("select donor_name_masked from donations order by source_line")
    assert [m["donor_name_masked"] for m in masked] == ["陈**", "林**", "黄**"]
    assert_rollups_match_ledger(store)


def test_the_same_bill_in_either_encoding_is_the_same_gifts(store):
    import_file(store, BILLS / "alipay_bill_utf8.csv")
    r = import_file(store, BILLS / "alipay_bill_gbk.csv")
    assert (r.rows_new, r.rows_duplicate, r.refunded_new_fen) == (0, 3, 0)
    assert _net(store) == (14_900, 2)


def test_every_bill_together(store):
    for name in ("wechat_bill.csv", "wechat_bill_later.csv", "alipay_bill_classic.csv", "alipay_bill_gbk.csv"):
        assert import_file(store, BILLS / name).exit_status == 0
    assert _net(store) == (37_548 + 24_000 + 14_900, 4 + 2 + 2)
    assert_rollups_match_ledger(store)


def test_the_command_line_reports_skipped_rows_and_exits_0(store, db_path):
    store.dispose()
    r = run_cli("import", str(BILLS / "wechat_bill_expenses.csv"), db=db_path)
    assert r.returncode == 0, r.stderr
    assert "0 new, 0 duplicate, 0 rejected" in r.stdout and "skipped: 3 非收入 not income" in r.stdout
    status = run_cli("status", db=db_path)
    assert "wechat_bill_expenses.csv: committed, 0 new, 0 duplicate, 0 rejected, 3 skipped" in status.stdout


def test_a_bill_still_being_written_rejects_its_cut_line_instead_of_skipping_it(store, tmp_path):
    """The last line of a bill caught mid-write has no 收/支: it is a broken row, not an expense."""
    whole = (BILLS / "wechat_bill.csv").read_bytes()
    cut = tmp_path / "wechat_bill_half.csv"
    cut.write_bytes(whole + "2020-09-08 10:00:00,二维码收款,孙八".encode())
    r = import_file(store, cut)
    assert _report(r)[:5] == (9, 5, 0, 1, 3)
    assert r.rejections[0].reason.endswith("3 fields where the header has 11")
    assert _net(store) == (32_888, 4)
