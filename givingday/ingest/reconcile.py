"""After a start: the import log checked against the reports the inbox filed in `processed/`.

Every committed inbox file leaves a report beside it in `processed/`. If the store lacks one of those imports
(a write-ahead log cut short or set aside loses the newest commits), the file is said loudly and imported again
from `processed/`: gifts keep their ids, so what the store still holds is not counted twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from givingday.ingest.batch import ImportReport, import_file
from givingday.ingest.profiles import ProfileError, find_profile
from givingday.store.database import Store

log = logging.getLogger(__name__)
REPORT_SUFFIX = ".report.json"
# A lost commit is always newer than the newest one kept, so only reports written since then (with this margin
# for the time between an import's start and its report) are read, not the whole folder.
MARGIN = dt.timedelta(minutes=10)


@dataclass
class Missing:
    """A committed file in processed/ that the store's import log does not hold."""

    file: str  # the name it was imported under (its gifts' source)
    import_id: int | None
    rows_new: int
    amount_new_fen: int
    layout: str | None
    path: Path | None  # the file itself in processed/, when it is still there


def missing_imports(store: Store, processed: Path) -> list[Missing]:
    """Only a DuckDB file loses commits so: a PostgreSQL server recovers its own, and `processed/` beside its inbox
    belongs to no one database (a new or restored database must not take another's files)."""
    if not store.is_duckdb or not processed.is_dir():
        return []
    newest = store.query("imports_recent", limit_n=1)
    since = newest[0]["started_at"] - MARGIN if newest else None
    known = {(r["file_name"], r["import_id"]) for r in store.query("imports_since", since=since)}
    missing = []
    for report_path in sorted(processed.glob(f"*{REPORT_SUFFIX}")):
        if since is not None and report_path.stat().st_mtime < since.timestamp():
            continue
        try:
            r = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("reconcile: cannot read %s", report_path)
            continue
        if r.get("outcome") != "committed" or (r.get("file"), r.get("import_id")) in known:
            continue
        data = report_path.with_name(report_path.name[: -len(REPORT_SUFFIX)])
        missing.append(
            Missing(
                r.get("file") or data.name,
                r.get("import_id"),
                int(r.get("rows_new") or 0),
                int(r.get("amount_new_fen") or 0),
                r.get("layout"),
                data if data.is_file() else None,
            )
        )
    return missing


def reimport(store: Store, missing: list[Missing]) -> list[ImportReport]:
    """Import each missing file again from processed/ under its first name; gifts already stored stay single."""
    reports = []
    for m in missing:
        if m.path is None:
            log.error(
                "reconcile: %s (import #%s, %d gifts) is not in the store and its file is gone",
                m.file,
                m.import_id,
                m.rows_new,
            )
            continue
        profile = None
        if m.layout and m.layout.startswith("profile:"):
            try:
                profile = find_profile(m.layout.removeprefix("profile:"))
            except ProfileError as exc:
                log.error("reconcile: %s needs profile %s: %s", m.file, m.layout, exc)
                continue
        report = import_file(store, m.path, profile, source=m.file)
        log.warning("reconcile: %s was missing from the store; imported again: %s", m.file, report.summary())
        reports.append(report)
    return reports
