"""The report's 核对: each project's newest comparison with the platform's official totals made up to the report's
moment (`python -m givingday drift` or the 核对 page keep them), read as the report's other figures are, by a
query: a one-project check typed after a full file's comparison replaces that project's row, not the section."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from givingday.drift.compare import Drift
from givingday.drift.kept import kept_drift


@dataclass(frozen=True)
class Reconciliation:
    file_name: str
    checked_at: dt.datetime
    as_of: dt.datetime  # the platform's count's exclusive end, of the newest comparison
    flagged: int
    projects: list[Drift]  # each with its own comparison's official time (`until`)
    checks: int = 1  # how many comparisons the projects' rows come from


def from_rows(rows: list[dict[str, Any]]) -> Reconciliation | None:
    """`report_drift_check`'s rows (each project's newest) with the newest comparison's file and time; None when
    none was made by the report's moment."""
    if not rows:
        return None
    newest = max(rows, key=lambda r: r["check_id"])
    return Reconciliation(
        newest["file_name"],
        newest["checked_at"],
        newest["check_as_of"],
        sum(1 for r in rows if r["is_flagged"]),
        [kept_drift(r) for r in rows],
        len({r["check_id"] for r in rows}),
    )
