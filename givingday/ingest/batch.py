"""Importing one file as one batch: read, judged (`ingest/judge.py`), stored in one transaction, logged.
Idempotent, all-or-nothing per file.

Every way a donation gets in (command line, inbox worker, upload form, the demo) calls `import_bytes`.
A row is either stored, counted as a duplicate of a stored gift (same stable id), or rejected with its line
and reason; the file's rows, its rejections and its import-log line are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from givingday import clock, config
from givingday.ingest.formats import UnreadableFile, detect_layout, read_table
from givingday.ingest.judge import Rejection
from givingday.ingest.profiles import Profile, ProfileError, load_profiles, unreadable_profiles
from givingday.ingest.progress import Progress, judge_with_progress
from givingday.labels import both
from givingday.money import format_yuan
from givingday.store import adjustments, bulk, donors, messages, rollups
from givingday.store.database import Store

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    file: str
    outcome: str = "committed"  # committed | unreadable
    file_format: str | None = None
    layout: str | None = None
    rows_total: int = 0
    rows_new: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0  # set aside by the profile's filters (a bill's expenses): not gifts, not errors
    skipped_because: dict[str, int] = field(default_factory=dict)
    amount_new_fen: int = 0
    refunded_new_fen: int = 0  # refunds the file shows that were not booked before (`adjustments.STATEMENT_REFUND`)
    matched_new_fen: int = 0
    unknown_teams: int = 0
    unknown_sites: int = 0
    duration_ms: int = 0
    import_id: int | None = None
    message: str = ""
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 all stored, 1 some rows rejected, 2 the file could not be taken at all."""
        if self.outcome != "committed":
            return 2
        return 1 if self.rows_rejected else 0

    def summary(self) -> str:
        if self.outcome != "committed":
            return f"{self.file}: not imported: {self.message}"
        text = (
            f"{self.file}: {self.rows_new} new, {self.rows_duplicate} duplicate, {self.rows_rejected} rejected"
            f" ({format_yuan(self.amount_new_fen)} new, matched {format_yuan(self.matched_new_fen)};"
            f" {self.layout}, {self.file_format}, {self.duration_ms} ms)"
        )
        if self.rows_skipped:
            because = ", ".join(f"{n} {reason}" for reason, n in self.skipped_because.items())
            text += f"; skipped: {because}"
        if self.refunded_new_fen:
            text += f"; refunds {format_yuan(self.refunded_new_fen)}"
        if self.unknown_teams or self.unknown_sites:
            text += f"; {self.unknown_teams} gift(s) name an unknown team, {self.unknown_sites} an unknown site"
        return text

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "rejections"}
        d["rejections"] = [r.__dict__ for r in self.rejections]
        return d


_DONATION_COLUMNS = [
    *("donation_id", "occurred_at", "amount_fen", "matched_fen", "project_id", "team_id", "site_id", "channel"),
    *("donor_name_masked", "donor_hash", "team_label", "site_label", "reference", "memo", "source_file"),
    *("source_line", "import_id"),
]


def _staged(judged: pa.Table, source: str, import_id: int) -> pa.Table:
    n = judged.num_rows
    t = judged.append_column("source_file", pa.nulls(n, pa.string()).fill_null(source))
    t = t.append_column("import_id", pa.nulls(n, pa.int64()).fill_null(import_id))
    return t.select([*_DONATION_COLUMNS, "message"])  # the message is stored apart (`store/messages.py`)


def _pause_for_crash_test() -> None:
    """Test hook: `tests/test_crash.py` kills the process here, inside the open transaction."""
    pause = config.pause_before_commit()
    if pause:
        print("paused before commit", flush=True)
        time.sleep(pause)


def _log(conn: sa.Connection, report: ImportReport, sha: str, started: dt.datetime, profile: Profile | None) -> None:
    conn.execute(
        sa.text(
            "insert into imports (import_id, file_name, file_sha256, file_format, profile, started_at, duration_ms,"
            " rows_total, rows_new, rows_duplicate, rows_rejected, rows_skipped, amount_new_fen, outcome, message)"
            " values (:import_id, :file, :sha, :file_format, :profile, :started, :duration_ms, :rows_total,"
            " :rows_new, :rows_duplicate, :rows_rejected, :rows_skipped, :amount_new_fen, :outcome, :message)"
        ),
        {
            "import_id": report.import_id,
            "file": report.file,
            "sha": sha,
            "file_format": report.file_format,
            "profile": profile.name if profile else None,
            "started": started,
            "duration_ms": report.duration_ms,
            "rows_total": report.rows_total,
            "rows_new": report.rows_new,
            "rows_duplicate": report.rows_duplicate,
            "rows_rejected": report.rows_rejected,
            "rows_skipped": report.rows_skipped,
            "amount_new_fen": report.amount_new_fen,
            "outcome": report.outcome,
            "message": report.message[:2000],
        },
    )


def import_bytes(
    store: Store,
    data: bytes,
    source: str,
    profile: Profile | None = None,
    also: Callable[[sa.Connection, ImportReport], None] | None = None,
    board: clock.BoardTime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file's content. `source` is the name shown in reports and kept with each gift.

    `also` runs inside the import's transaction once the report is complete (the console's audit trail), so
    the gifts and the record of who brought them in commit together or not at all. Gift times are judged on
    `board`'s clock when given (the demo's backfill), else on the board's (`clock.board_time`). `progress` is
    told (stage, rows_done, rows_total) as the rows are judged and stored (`ingest/progress.py`); an exception
    it raises stops the import with nothing stored.
    """
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    sha = hashlib.sha256(data).hexdigest()
    try:  # reading and recognising the file need no lock: other writers wait only for the judging and storing
        profiles = [profile] if profile else load_profiles()
        table = read_table(data, profiles)
        layout = detect_layout(table, profile, profiles=profiles)
        unreadable = None
    except (UnreadableFile, ProfileError) as exc:
        unreadable = str(exc)
        if not profile and (broken := unreadable_profiles()):
            unreadable += f" (import profiles left out, unreadable: {'; '.join(broken)})"
    try:
        with store.writing() as conn:
            import_id = conn.execute(sa.text("select nextval('import_id_seq')")).scalar()
            if unreadable is not None:
                report = ImportReport(file=source, outcome="unreadable", message=unreadable, import_id=import_id)
                report.duration_ms = round((time.perf_counter() - t0) * 1000)
                _log(conn, report, sha, started, profile)
                if also:
                    also(conn, report)
                return report
            judged = judge_with_progress(store, conn, table, layout, board, progress)
            gifts = judged.gifts
            report = ImportReport(
                file=source,
                file_format=table.file_format,
                layout=layout.name,
                rows_total=table.n_rows,
                rows_duplicate=judged.duplicates,
                rows_rejected=len(judged.rejections),
                rows_skipped=sum(judged.skipped.values()),
                skipped_because=judged.skipped,
                unknown_teams=judged.unknown_teams,
                unknown_sites=judged.unknown_sites,
                import_id=import_id,
                rejections=judged.rejections,
            )
            if progress:
                progress("store", table.n_rows, table.n_rows)
            if gifts.num_rows:
                staged = _staged(gifts, source, import_id)
                report.rows_new = bulk.insert_staged(
                    conn, "donations", staged, _DONATION_COLUMNS, distinct_key="donation_id"
                )
                report.rows_duplicate += gifts.num_rows - report.rows_new
                messages.add_import(conn, import_id, staged)
                if report.rows_new == gifts.num_rows:  # all new: what was staged is what was stored
                    report.amount_new_fen = pc.sum(gifts["amount_fen"]).as_py()
                    report.matched_new_fen = pc.sum(gifts["matched_fen"]).as_py()
                if report.rows_new:  # summed from the staged gifts when every one was stored
                    with bulk.arrow_view(conn, staged if report.rows_new == gifts.num_rows else None) as view:
                        gifts_at = view or rollups.IMPORTED_GIFTS
                        rollups.add_events(conn, rollups.new_gifts(gifts_at), {"import_id": import_id}, report.rows_new)
                        donors.add_import(conn, import_id, gifts_at)  # after the rollups' lock (boards take turns)
                if 0 < report.rows_new < gifts.num_rows:
                    sums = conn.execute(
                        sa.text("select sum(amount_fen), sum(matched_fen) from donations where import_id = :id"),
                        {"id": import_id},
                    ).one()
                    report.amount_new_fen, report.matched_new_fen = int(sums[0]), int(sums[1])
                refunded = gifts.filter(pc.greater(gifts["refunded_fen"], 0))
                if refunded.num_rows:
                    report.refunded_new_fen = adjustments.book_statement_refunds(
                        conn,
                        list(
                            zip(refunded["donation_id"].to_pylist(), refunded["refunded_fen"].to_pylist(), strict=True)
                        ),
                        f"退款（账单 {source}）refunded in the bill",
                        f"import:{source}",
                    )
            if report.rejections:
                rejected = pa.table(
                    {
                        "import_id": pa.array([import_id] * len(report.rejections), type=pa.int64()),
                        "file_name": [source] * len(report.rejections),
                        "line": pa.array([r.line for r in report.rejections], type=pa.int64()),
                        "reason": [r.reason for r in report.rejections],
                        "row_text": [r.row_text for r in report.rejections],
                    }
                )
                bulk.insert_staged(conn, "rejected_rows", rejected, rejected.column_names, skip_conflicts=False)
            report.duration_ms = round((time.perf_counter() - t0) * 1000)
            _log(conn, report, sha, started, profile)
            if also:
                also(conn, report)
            if progress:
                progress("commit", table.n_rows, table.n_rows)
            _pause_for_crash_test()
    except sa.exc.OperationalError as exc:  # the disk is full, the store's file cannot be written
        reason = str(exc.orig or exc).splitlines()[0]
        report = ImportReport(
            file=source,
            outcome="error",
            message=both(
                f"数据库无法写入（{reason}）；此文件的内容一条也没有保存：排除原因后请重新导入",
                f"the store could not be written ({reason}); nothing from this file is stored: import it again"
                " once the cause is mended",
            ),
        )
        record_failure(store, report)
        return report
    store.wrote(report.rows_new)
    if progress:
        progress("done", report.rows_total, report.rows_total)
    return report


def import_file(
    store: Store,
    path: Path,
    profile: Profile | None = None,
    source: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ImportReport(
            file=str(path),
            outcome="unreadable",
            message=both(f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})"),
        )
    return import_bytes(store, data, source or Path(path).name, profile, progress=progress)


def record_failure(store: Store, report: ImportReport) -> None:
    """Put a file that failed outside the judge (a profile that cannot be found, a full disk, a file that
    stopped the board) in the import log, so the alerts and the data page show it beside the others.

    Best effort, in a transaction of its own: when the store cannot be written either, the report written
    beside the file in `failed/` is the record.
    """
    try:
        with store.writing() as conn:
            report.import_id = conn.execute(sa.text("select nextval('import_id_seq')")).scalar()
            _log(conn, report, None, dt.datetime.now(dt.UTC), None)
    except Exception:
        log.exception("could not log the failed import of %s", report.file)
