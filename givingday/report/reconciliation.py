"""The report's 核对: the newest comparison with the platform's official totals made up to the report's moment
(`python -m givingday drift` or the 核对 page keep them), read as the report's other figures are, by a query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckedProject:
    project_id: str
    name: str
    ours_fen: int
    theirs_fen: int
    ours_donations: int
    theirs_donations: int
    flagged: bool
    cause_text: str

    @property
    def diff_fen(self) -> int:
        return self.ours_fen - self.theirs_fen


@dataclass(frozen=True)
class Reconciliation:
    file_name: str
    checked_at: dt.datetime
    as_of: dt.datetime  # the platform's count's exclusive end
    flagged: int
    projects: list[CheckedProject]


def from_rows(rows: list[dict[str, Any]]) -> Reconciliation | None:
    """`report_drift_check`'s rows as one comparison; None when none was made by the report's moment."""
    if not rows:
        return None
    first = rows[0]
    return Reconciliation(
        first["file_name"],
        first["checked_at"],
        first["check_as_of"],
        int(first["flagged"]),
        [
            CheckedProject(
                r["project_id"],
                r["project_name"],
                int(r["ours_fen"]),
                int(r["theirs_fen"]),
                int(r["ours_donations"]),
                int(r["theirs_donations"]),
                bool(r["is_flagged"]),
                r["cause_text"] or "",
            )
            for r in rows
        ],
    )
