"""The inbox takes a file only when it is complete, never follows a link, and survives its folder going
wrong: each case once imported wrong money or took the board's inbox down."""

import json
import logging
import os
import time

from givingday.ingest.inbox import (
    QUIET_SECONDS,
    UNTERMINATED_SECONDS,
    Arrivals,
    InboxWorker,
    _ends_complete,
    hand_to_inbox,
)
from tests.conftest import CANONICAL_HEADER, write


def _wait_for(predicate, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_file_is_ready_only_when_whole(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    arrivals = Arrivals()
    cut = inbox / "cut.csv"
    cut.write_text(CANONICAL_HEADER + "X1,2020-09-07 10:00:00,10")  # a writer paused inside '1000'
    whole = inbox / "whole.csv"
    whole.write_text(CANONICAL_HEADER)
    t0 = 1000.0
    assert arrivals.ready(inbox, t0) == []  # first look: nothing is known quiet yet
    assert arrivals.ready(inbox, t0 + QUIET_SECONDS) == [whole]
    assert arrivals.ready(inbox, t0 + UNTERMINATED_SECONDS - 1) == [whole]
    assert arrivals.ready(inbox, t0 + UNTERMINATED_SECONDS) == [cut, whole]  # given up waiting for the rest

    fresh = Arrivals()
    closed = inbox / "closed.csv"
    closed.write_text(CANONICAL_HEADER)
    fresh.closed("closed.csv")  # its writer closed it: no quiet period needed
    assert closed in fresh.ready(inbox, t0)
    with (inbox / "growing.csv").open("a") as f:  # changed after its close: waits again
        f.write(CANONICAL_HEADER)
    assert inbox / "growing.csv" not in fresh.ready(inbox, t0)

    book = inbox / "book.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # a workbook whose zip directory is not written yet
    assert book not in Arrivals().ready(inbox, t0) and book not in arrivals.ready(inbox, t0 + 2 * QUIET_SECONDS)


def test_a_file_that_waited_while_the_board_was_down_is_taken_at_the_second_look(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    waited, cut, fresh, growing = inbox / "waited.csv", inbox / "cut.csv", inbox / "fresh.csv", inbox / "growing.csv"
    waited.write_text(CANONICAL_HEADER)
    cut.write_text(CANONICAL_HEADER + "X1,2020-09-07 10:00:00,10")
    growing.write_text(CANONICAL_HEADER)
    before = time.time() - 10 * QUIET_SECONDS
    for path in (waited, cut, growing):
        os.utime(path, (before, before))
    fresh.write_text(CANONICAL_HEADER)
    arrivals = Arrivals()
    assert arrivals.ready(inbox, 1000.0) == []  # one look cannot tell a file at rest from one being copied
    with growing.open("a") as f:  # a copier that stamped an old time and is still writing
        f.write("X2,2020-09-07 10:00:00,10,0,P001,,,qr,\n")
    os.utime(growing, (before, before))
    assert arrivals.ready(inbox, 1000.1) == [waited]  # the cut one waits for its line break, the others quietly
    assert Arrivals().ready(inbox, 1000.0) == []
    assert arrivals.ready(inbox, 1000.1 + QUIET_SECONDS) == [fresh, growing, waited]
    files_seen_later = Arrivals()
    files_seen_later.ready(inbox, 1000.0)
    late = inbox / "late.csv"  # not there at the first look: its old time counts for nothing
    late.write_text(CANONICAL_HEADER)
    os.utime(late, (before, before))
    assert late not in files_seen_later.ready(inbox, 1000.1)


def test_text_is_whole_only_when_its_last_line_ends_whatever_its_encoding(tmp_path):
    cases = {
        "utf8.csv": (CANONICAL_HEADER.encode(), True),
        "utf16le.csv": (("\ufeff" + CANONICAL_HEADER).encode("utf-16-le"), True),
        "utf16be.csv": (("\ufeff" + CANONICAL_HEADER).encode("utf-16-be"), True),
        "utf16le-cut.csv": (("\ufeff" + CANONICAL_HEADER + "X1,2020").encode("utf-16-le"), False),
        "zeros.csv": (CANONICAL_HEADER.encode() + b"X1,20" + b"\x00" * 5000, False),  # space set aside, unwritten
        "nul-inside.csv": (CANONICAL_HEADER.encode() + b"X1,\x00,1\n", True),
    }
    for name, (data, whole) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert _ends_complete(tmp_path / name) is whole, name


def test_a_starting_board_takes_the_files_waiting_in_its_inbox_before_it_answers(store):
    store.inbox.mkdir(parents=True, exist_ok=True)
    (store.inbox / "waited.csv").write_text(CANONICAL_HEADER + "W1,2020-09-07 10:00:00,12.34,0,P001,,,qr,\n")
    before = time.time() - 10 * QUIET_SECONDS
    os.utime(store.inbox / "waited.csv", (before, before))
    worker = InboxWorker(store)
    worker.start()
    try:
        assert worker.first_look.wait(15)
        t = store.query("totals_overall")[0]  # taken by the first look, not after a quiet wait
        assert (t["donations"], t["amount_fen"]) == (1, 1234)
    finally:
        worker.stop()
        worker.join(5)


def test_a_slow_writer_never_gets_a_row_cut_short(store, tmp_path):
    rows = [f"S{i},2020-09-07 10:{i // 60:02d}:{i % 60:02d},1000,0,P001,,,qr,\n" for i in range(1000)]
    text = CANONICAL_HEADER + "".join(rows)
    worker = InboxWorker(store, poll_seconds=0.05)
    worker.start()
    try:
        store.inbox.mkdir(parents=True, exist_ok=True)
        half = len(text) // 2 + 7  # inside a row
        with (store.inbox / "slow.csv").open("w") as f:
            f.write(text[:half])
            f.flush()
            time.sleep(QUIET_SECONDS * 1.5)  # the pause that once let half a file in
            f.write(text[half:])
        assert _wait_for(lambda: worker.files_done == 1)
        t = store.query("totals_overall")[0]
        assert (t["donations"], t["amount_fen"]) == (1000, 1000 * 100_000)
        assert store.scalar("select count(*) from imports") == 1
    finally:
        worker.stop()
        worker.join(5)


def test_long_names_and_links_are_filed_with_their_report(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    store.inbox.mkdir(parents=True, exist_ok=True)
    (store.inbox / "passwd.csv").symlink_to(secret)
    gifts = CANONICAL_HEADER + "L1,2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    long_name = "捐" * 81 + ".csv"  # 247 bytes: a valid name, but not with '.report.json' after it
    (store.inbox / long_name).write_text(gifts)
    source = tmp_path / long_name  # handed over by the command line, which adds a time stamp
    source.write_text(gifts.replace("L1", "L2"))
    hand_to_inbox(source, store.inbox)
    worker = InboxWorker(store, poll_seconds=0.05)
    worker.start()
    try:
        assert _wait_for(lambda: worker.files_done == 3)
    finally:
        worker.stop()
        worker.join(5)
    assert store.query("totals_overall")[0]["donations"] == 2
    failed = store.inbox.parent / "failed"
    report = json.loads((failed / "passwd.csv.report.json").read_text())
    assert "link" in report["message"] and (failed / "passwd.csv").is_symlink()
    assert "root:" not in json.dumps(report) and store.scalar("select count(*) from rejected_rows") == 0
    processed = sorted(p.name for p in (store.inbox.parent / "processed").iterdir())
    assert len(processed) == 4 and all(n.startswith("捐") or n[8] == "-" for n in processed)


def test_an_inbox_that_is_not_a_folder_is_said_once_and_recovers(store, tmp_path, caplog):
    store.inbox.parent.mkdir(parents=True, exist_ok=True)
    store.inbox.write_text("not a folder")
    worker = InboxWorker(store, poll_seconds=0.01)
    with caplog.at_level(logging.ERROR, logger="givingday.ingest.inbox"):
        worker.start()
        try:
            assert _wait_for(lambda: worker.problem is not None)
            start = worker.last_poll_at
            assert _wait_for(lambda: worker.last_poll_at > start + 0.3)  # some thirty looks later
            assert "not a folder" in worker.problem
            assert len([r for r in caplog.records if "cannot take files" in r.message]) == 1
            store.inbox.unlink()
            gifts = CANONICAL_HEADER + "Z1,2020-09-07 10:00:00,1,0,P001,,,qr,\n"
            hand_to_inbox(write(tmp_path, "z.csv", gifts), store.inbox)
            assert _wait_for(lambda: store.query("totals_overall")[0]["donations"] == 1)
            assert worker.problem is None
        finally:
            worker.stop()
            worker.join(5)


def test_a_file_the_board_died_importing_twice_is_moved_aside(store, tmp_path):
    from givingday.ingest.inbox import _attempts_marker, process_pending
    from tests.conftest import snapshot

    gifts = CANONICAL_HEADER + "K1,2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    store.inbox.mkdir(parents=True, exist_ok=True)
    once = store.inbox / "once.csv"
    once.write_text(gifts)
    _attempts_marker(once).write_text("1")  # the board died once during it: tried again
    twice = store.inbox / "twice.csv"
    twice.write_text(gifts.replace("K1", "K2"))
    _attempts_marker(twice).write_text("2")
    before = snapshot(store)
    reports = {r.file: r for r in process_pending(store)}
    assert reports["once.csv"].rows_new == 1
    assert reports["twice.csv"].outcome == "unreadable" and "stopped 2 times" in reports["twice.csv"].message
    assert snapshot(store)["donations"]["donations"] == before["donations"]["donations"] + 1
    assert sorted(p.name for p in store.inbox.iterdir()) == []  # no marker left behind
    assert (store.inbox.parent / "failed" / "twice.csv").exists()


def test_a_file_that_fails_outside_the_judge_is_in_the_import_log(store, monkeypatch):
    import errno

    from givingday.ingest import inbox
    from givingday.ingest.inbox import PROFILE_SUFFIX, process_pending

    store.inbox.mkdir(parents=True, exist_ok=True)
    gifts = CANONICAL_HEADER + "F1,2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    (store.inbox / "a.csv").write_text(gifts)
    (store.inbox / ("a.csv" + PROFILE_SUFFIX)).write_text("no_such_profile")
    process_pending(store)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(inbox, "import_file", disk_full)
    (store.inbox / "b.csv").write_text(gifts)
    process_pending(store)
    logged = store.query_rows("select file_name, outcome, message from imports order by import_id")
    assert [(r["file_name"], r["outcome"]) for r in logged] == [("a.csv", "unreadable"), ("b.csv", "error")]
    assert "no_such_profile" in logged[0]["message"] and "No space left" in logged[1]["message"]
    assert store.query("totals_overall")[0]["donations"] == 0
