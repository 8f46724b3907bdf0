"""The live path: a file dropped into the inbox is imported by the worker and filed with its report."""

import json

import pytest

from givingday.ingest.inbox import InboxWorker, hand_to_inbox, process_pending
from tests.conftest import CANONICAL_HEADER, wait_until, write

pytestmark = pytest.mark.both_stores

GIFTS = CANONICAL_HEADER + "I1,2020-09-07 10:00:00,10,0,P001,,,qr,张三\nI2,2020-09-07 10:00:01,5,0,P001,,,qr,\n"


def test_worker_imports_dropped_files(store, tmp_path):
    worker = InboxWorker(store, poll_seconds=0.1)
    worker.start()
    try:
        inbox = store.inbox
        good = hand_to_inbox(write(tmp_path, "export.csv", GIFTS), inbox)
        wait_until(lambda: store.query("totals_overall")[0]["donations"] == 2, 10, "the dropped file's gifts")
        processed = inbox.parent / "processed"
        wait_until(lambda: (processed / (good.name + ".report.json")).exists(), 10, "the file's report")
        report = json.loads((processed / (good.name + ".report.json")).read_text())
        assert (report["rows_new"], report["outcome"]) == (2, "committed")
        assert not good.exists()

        bad = inbox / "garbage.csv"
        bad.write_bytes(b"\x00\x00")
        failed = inbox.parent / "failed"
        wait_until(lambda: (failed / "garbage.csv.report.json").exists(), 10, "the broken file's report")
        assert "binary content" in json.loads((failed / "garbage.csv.report.json").read_text())["message"]
        assert store.query("totals_overall")[0]["donations"] == 2
    finally:
        worker.stop()
        worker.join(5)


def test_half_written_file_waits(store, tmp_path):
    inbox = store.inbox
    inbox.mkdir(parents=True)
    (inbox / ".export.csv.part").write_text(GIFTS)
    assert process_pending(store) == []
    assert store.query("totals_overall")[0]["donations"] == 0


def test_profile_choice_travels_with_the_file(store, tmp_path):
    statement = 'Date,Time,DebitAmount,CreditAmount,TransactionDetails\n07/09/2020,10:00:00,,"1,000",ung ho\n'
    hand_to_inbox(write(tmp_path, "bank.csv", statement), store.inbox, "bank_statement_vn")
    reports = process_pending(store)
    assert [(r.layout, r.rows_new, r.amount_new_fen) for r in reports] == [("profile:bank_statement_vn", 1, 100_000)]
    assert list(store.inbox.iterdir()) == []
