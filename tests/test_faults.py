"""Faults a server meets: a disk that fills up during an import. The file is refused with the reason, nothing
of it is stored, the board keeps its figures, and the same file imports whole once there is room again.

The small disk is a tmpfs mounted for the test, which needs root (CI runs as root); elsewhere the test is
skipped and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from givingday.ingest.batch import import_file
from givingday.ingest.inbox import process_pending
from tests.conftest import CANONICAL_HEADER, FIXTURES, open_store, run_cli, snapshot

ROWS = 20_000  # about a megabyte of write-ahead log: more than the room left below


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB file system of its own."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path, leave: int = 64 * 1024) -> Path:
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (shutil.disk_usage(disk).free - leave))
    return filler


def _gifts(tmp_path: Path) -> Path:
    rows = "".join(f"D{i},2020-09-07 10:{i % 60:02d}:00,{i % 900 + 1},0,P001,,,qr,某人{i}\n" for i in range(ROWS))
    path = tmp_path / "many.csv"
    path.write_text(CANONICAL_HEADER + rows, encoding="utf-8")
    return path


EXPECTED_FEN = sum((i % 900 + 1) * 100 for i in range(ROWS))


def test_a_full_disk_refuses_the_file_keeps_the_store_and_imports_it_later(small_disk, tmp_path):
    store = open_store(small_disk / "store" / "g.duckdb", FIXTURES / "roster")
    first = tmp_path / "first.csv"
    first.write_text(CANONICAL_HEADER + "A1,2020-09-07 09:00:00,12.34,0,P001,,,qr,张三\n", encoding="utf-8")
    assert import_file(store, first).rows_new == 1
    before = snapshot(store)
    many = _gifts(tmp_path)
    filler = _fill(small_disk)

    report = import_file(store, many)
    assert report.outcome == "error" and report.exit_status == 2
    assert "the store could not be written" in report.message and "No space left on device" in report.message
    assert snapshot(store) == before  # nothing of the file, and the earlier gift still there

    filler.unlink()
    store.inbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(many, store.inbox / "many.csv")  # the inbox meets the same disk: filed, the worker goes on
    filler = _fill(small_disk)
    (inbox_report,) = process_pending(store)
    assert inbox_report.outcome == "error" and snapshot(store) == before

    filler.unlink()
    again = import_file(store, many)
    assert (again.outcome, again.rows_new) == ("committed", ROWS)
    total = store.query("totals_overall")[0]
    assert (total["donations"], total["amount_fen"]) == (ROWS + 1, EXPECTED_FEN + 1234)
    store.dispose()


def test_the_command_line_says_the_disk_is_full_and_exits_2(small_disk, tmp_path):
    db = small_disk / "store" / "g.duckdb"
    open_store(db, FIXTURES / "roster").dispose()
    many = _gifts(tmp_path)
    filler = _fill(small_disk)
    ran = run_cli("import", str(many), db=db)
    assert ran.returncode == 2, ran
    assert "many.csv: not imported: 数据库无法写入（" in ran.stderr and "Traceback" not in ran.stderr
    assert "the store could not be written" in ran.stderr
    filler.unlink()
    assert run_cli("import", str(many), db=db).returncode == 0
    totals = run_cli("totals", "--json", db=db)
    assert f'"amount_fen": {EXPECTED_FEN}' in totals.stdout
