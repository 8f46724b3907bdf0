"""Progress on a long import: the callback's calls (rising, ending at the total, bounded in number), a file judged
in chunks giving what it gives judged whole, nothing stored when the import stops midway, and the command line's
one updating line on a terminal and nothing extra elsewhere."""

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout

import pytest
import sqlalchemy as sa

from givingday import cli
from givingday.ingest.batch import import_file
from givingday.ingest.progress import MAX_CHUNKS, Meter
from givingday.store.database import Store
from tests.conftest import CANONICAL_HEADER, _closing_stores, run_cli, snapshot, write


def _gifts(n: int, rising: bool = True) -> str:
    order = range(n) if rising else [(i * 7919) % n for i in range(n)]  # 7919 is prime: a shuffle of 0..n-1
    rows = [
        f"G{i:06d},2020-09-07 {9 + i % 12:02d}:{i % 60:02d}:00,{i % 7 + 1}.5,{i % 2},P00{1 + i % 2},T00{1 + i % 2},,qr,"
        f"张{i}"
        for i in order
    ]
    if n > 3:
        rows[3] = rows[3].replace(",qr,", ",carrier pigeon,")  # one row rejected: the chunks carry rejections
    return CANONICAL_HEADER + "\n".join(rows) + "\n"


def _calls(store, path):
    calls = []
    report = import_file(store, path, progress=lambda *c: calls.append(c))
    return report, calls


def test_a_10000_row_file_reports_rising_rows_ending_at_the_total(store, tmp_path):
    report, calls = _calls(store, write(tmp_path, "big.csv", _gifts(10_000)))
    assert (report.rows_new, report.rows_rejected) == (9_999, 1)
    assert calls == [
        ("judge", 0, 10_000),
        ("judge", 5_000, 10_000),
        ("judge", 10_000, 10_000),
        ("store", 10_000, 10_000),
        ("commit", 10_000, 10_000),
        ("done", 10_000, 10_000),
    ]


def test_the_number_of_calls_is_bounded_however_big_the_file(store, tmp_path):
    report, calls = _calls(store, write(tmp_path, "bigger.csv", _gifts(120_001)))
    assert report.rows_new == 120_000
    done = [c[1] for c in calls]
    assert done == sorted(done) and calls[-1] == ("done", 120_001, 120_001)
    assert len([c for c in calls if c[0] == "judge"]) == MAX_CHUNKS + 1  # 0, then after each of the 20 chunks
    assert len(calls) <= MAX_CHUNKS + 5


def test_a_file_judged_in_chunks_reads_the_roster_once(store, tmp_path):
    reads = []

    def count(conn, cursor, statement, *rest):
        if "from projects" in statement:
            reads.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        report, calls = _calls(store, write(tmp_path, "chunks.csv", _gifts(20_000)))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert report.rows_new == 19_999
    assert len([c for c in calls if c[0] == "judge"]) == 5  # 0, then after each of 4 chunks
    assert len(reads) == 1


def test_chunks_judge_as_the_whole_file_does(store, tmp_path, fixture_roster_file):
    text = _gifts(12_000)
    chunked, _ = _calls(store, write(tmp_path, "a.csv", text))
    shutil.copyfile(fixture_roster_file, tmp_path / "whole.duckdb")
    other = Store(str(tmp_path / "whole.duckdb"))
    whole = import_file(other, write(tmp_path, "a.csv", text))
    assert (chunked.rows_new, chunked.rows_rejected, chunked.amount_new_fen, chunked.matched_new_fen) == (
        whole.rows_new,
        whole.rows_rejected,
        whole.amount_new_fen,
        whole.matched_new_fen,
    )
    assert [r.__dict__ for r in chunked.rejections] == [r.__dict__ for r in whole.rejections]
    assert snapshot(store) == snapshot(other)
    other.dispose()


def test_a_file_whose_ids_do_not_rise_is_judged_whole_and_moves_by_stage(store, tmp_path):
    report, calls = _calls(store, write(tmp_path, "shuffled.csv", _gifts(10_000, rising=False)))
    assert report.rows_new == 9_999
    assert [c for c in calls if c[0] == "judge"] == [("judge", 0, 10_000), ("judge", 10_000, 10_000)]


def test_a_file_stopped_midway_leaves_the_store_as_it_was(store, tmp_path):
    import_file(store, write(tmp_path, "first.csv", _gifts(10)))
    before = snapshot(store)
    imports = store.scalar("select count(*) from imports")

    def stop(stage, done, total):
        if stage == "judge" and done == 5_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(store, write(tmp_path, "big.csv", _gifts(10_000)), progress=stop)
    assert snapshot(store) == before
    assert store.scalar("select count(*) from imports") == imports


def test_the_time_left_is_said_only_once_a_rate_is_measured():
    now = iter([100.0, 102.0, 102.0, 102.0, 103.0, 103.0, 103.0]).__next__
    meter = Meter(now=now)
    meter.update("judge", 0, 10_000)
    assert meter.rate() is None and "剩余" not in meter.line()
    meter.update("judge", 5_000, 10_000)
    assert meter.line() == (
        "判断 5,000/10,000 行（50%）。judging 5,000/10,000 rows (50%) · 2,500 行/秒 rows/s · 剩余约 2 秒 about 2 s left"
    )
    meter.update("store", 9_999, 10_000)
    assert meter.line().startswith("保存 9,999/10,000 行（99%）")  # 100% only once every row is


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_line_keeps_one_line_on_a_terminal(db_path, fixture_roster_file, tmp_path, monkeypatch):
    db_path.parent.mkdir(parents=True)
    shutil.copyfile(fixture_roster_file, db_path)
    path = write(tmp_path, "big.csv", _gifts(10_000))
    out, terminal = io.StringIO(), _Terminal()
    monkeypatch.setenv("GIVINGDAY_DB", str(db_path))
    with _closing_stores(), redirect_stdout(out), redirect_stderr(terminal):
        code = cli.main(["import", str(path)])
    err = terminal.getvalue()
    assert code == 1 and out.getvalue().startswith("big.csv: 9999 new, 0 duplicate, 1 rejected")
    assert err.startswith("\r\x1b[Kbig.csv: 判断 0/10,000 行（0%）。judging 0/10,000 rows (0%)\r")
    assert "\r\x1b[Kbig.csv: 判断 5,000/10,000 行（50%）。judging 5,000/10,000 rows (50%) · " in err
    assert "剩余约" in err and " s left\r" in err
    *line, after = err.split("\r\x1b[K")
    assert not any("\n" in part for part in line)  # one line, rewritten in place, then cleared
    assert after.startswith("  big.csv:5: ")  # the rejections follow on a clean line


def test_the_command_line_prints_no_progress_when_not_a_terminal(db_path, fixture_roster_file, tmp_path):
    db_path.parent.mkdir(parents=True)
    shutil.copyfile(fixture_roster_file, db_path)
    ran = run_cli("import", str(write(tmp_path, "big.csv", _gifts(10_000))), db=db_path)
    assert ran.returncode == 1 and ran.stdout.startswith("big.csv: 9999 new")
    assert ran.stderr.startswith("  big.csv:5: ") and ran.stderr.count("\n") == 1
    assert "\r" not in ran.stderr
