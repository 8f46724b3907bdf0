"""Progress on a long import: the file judged in chunks, the callback told (stage, rows_done, rows_total), and
the words the command line and `/act` show for it, with a time left only once a rate has been measured.

A chunk is judged alone only when that cannot change what the judge decides: every row has its own id and the
ids rise through the file, so no row is a duplicate of another of the file and none gets an id from its place
among the rows (`ingest/identity.py`). Any other file is judged in one piece and its progress moves by stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from givingday import clock
from givingday.ingest.formats import Layout, Table
from givingday.ingest.judge import Judged, RosterLookup, increasing, judge_rows
from givingday.labels import both
from givingday.money import format_goal_share
from givingday.store.database import Store

# (stage, rows_done, rows_total): stage is one of STAGES; rows_done never falls, and ends at rows_total.
Progress = Callable[[str, int, int], None]

STAGES = {
    "judge": ("判断", "judging"),
    "store": ("保存", "storing"),
    "commit": ("提交", "committing"),
    "done": ("完成", "done"),
}
# A file is judged in at most MAX_CHUNKS chunks of at least MIN_CHUNK rows: the callback is called a bounded
# number of times, and each chunk is big enough that the judge's per-call work stays small.
MAX_CHUNKS = 20
MIN_CHUNK = 5_000


def chunk_rows(n: int) -> int:
    return max(MIN_CHUNK, -(-n // MAX_CHUNKS))


def _slice(table: Table, start: int, stop: int) -> Table:
    return Table(
        table.file_format,
        table.header,
        [c.slice(start, stop - start) for c in table.columns],
        table.lines.slice(start, stop - start),
        table.problems.slice(start, stop - start),
        {i - start: cells for i, cells in table.raw_cells.items() if start <= i < stop},
    )


def _chunkable(table: Table, layout: Layout) -> bool:
    """Whether every row has an id and they rise through the file (then the chunks are independent)."""
    if "donation_id" not in layout.columns:
        return False
    ids = pc.utf8_trim_whitespace(table.columns[layout.columns["donation_id"]])
    return not pc.any(pc.equal(ids, "")).as_py() and increasing(ids)


def judge_with_progress(
    store: Store,
    conn: sa.Connection,
    table: Table,
    layout: Layout,
    board: clock.BoardTime | None,
    progress: Progress | None,
) -> Judged:
    """`judge_rows`, in chunks when the file allows it, telling `progress` the rows judged after each."""
    n = table.n_rows
    if progress is None or n <= MIN_CHUNK or not _chunkable(table, layout):
        if progress:
            progress("judge", 0, n)
        judged = judge_rows(store, conn, table, layout, board)
        if progress:
            progress("judge", n, n)
        return judged
    step = chunk_rows(n)
    progress("judge", 0, n)
    roster = RosterLookup(conn)
    parts: list[Judged] = []
    for start in range(0, n, step):
        stop = min(n, start + step)
        parts.append(judge_rows(store, conn, _slice(table, start, stop), layout, board, roster))
        progress("judge", stop, n)
    whole = Judged(gifts=pa.concat_tables([p.gifts for p in parts]))
    for p in parts:
        whole.rejections += p.rejections
        whole.duplicates += p.duplicates
        whole.unknown_teams += p.unknown_teams
        whole.unknown_sites += p.unknown_sites
        for reason, count in p.skipped.items():
            whole.skipped[reason] = whole.skipped.get(reason, 0) + count
    return whole


class Meter:
    """What a watcher says of the progress calls: rows, share, rate and time left, measured from the first call
    of the judging (the rate is the judging's own, so the time left is the judging's)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.started: float | None = None
        self.stage = ""
        self.done = 0
        self.total = 0

    def update(self, stage: str, rows_done: int, rows_total: int) -> None:
        if stage == "judge" and self.started is None:
            self.started = self.now()
        self.stage, self.done, self.total = stage, rows_done, rows_total

    def share(self) -> float:
        return self.done / self.total if self.total else 0.0

    def rate(self) -> float | None:
        """Rows judged per second, once some rows have been judged in a measurable time."""
        if self.started is None or not self.done:
            return None
        elapsed = self.now() - self.started
        return self.done / elapsed if elapsed > 0 else None

    def seconds_left(self) -> int | None:
        rate = self.rate()
        if self.stage != "judge" or rate is None or self.done >= self.total:
            return None
        return max(1, round((self.total - self.done) / rate))

    def line(self) -> str:
        zh, en = STAGES.get(self.stage, (self.stage, self.stage))
        share = format_goal_share(self.done, self.total) if self.total else "0%"  # 100% only once every row is done
        text = both(
            f"{zh} {self.done:,}/{self.total:,} 行（{share}）", f"{en} {self.done:,}/{self.total:,} rows ({share})"
        )
        rate = self.rate()
        if rate is not None and self.stage == "judge":
            text += f" · {rate:,.0f} 行/秒 rows/s"
        left = self.seconds_left()
        if left is not None:
            text += f" · 剩余约 {left} 秒 about {left} s left"
        return text


def terminal_line(stream: TextIO, name: str, meter: Meter | None = None) -> Progress:
    """A callback that keeps one line of `stream` (a terminal) saying the progress, rewritten in place, and
    clears it when the import is done so the outcome is printed on a clean line."""
    meter = meter or Meter()

    def show(stage: str, rows_done: int, rows_total: int) -> None:
        meter.update(stage, rows_done, rows_total)
        text = "" if stage == "done" else f"{name}: {meter.line()}"
        stream.write(f"\r\x1b[K{text}")
        stream.flush()

    return show
