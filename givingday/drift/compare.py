"""The ledger against the platform's official totals, project by project, each as of the platform's own time
(every event at its own time, as the report counts: `totals_by_project` with the window's end): the difference,
whether it is beyond the event's `[drift]` thresholds, and for a flagged one the likely cause (`causes.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from givingday.config import Event
from givingday.drift.causes import likely_cause
from givingday.drift.official import OfficialRow, stated
from givingday.store.database import Store


@dataclass(frozen=True)
class Drift:
    """One project: ours and theirs as of `until` (the official count's exclusive end), money in fen."""

    project_id: str
    project_name: str
    until: dt.datetime
    ours_fen: int
    theirs_fen: int
    ours_donations: int
    theirs_donations: int
    flagged: bool
    cause: str | None = None  # causes.CAUSE_NAMES' key; None when not flagged or nothing seen
    cause_text: str = ""

    @property
    def diff_fen(self) -> int:
        """Ours minus theirs: positive when the board counts more than the platform."""
        return self.ours_fen - self.theirs_fen

    @property
    def diff_donations(self) -> int:
        return self.ours_donations - self.theirs_donations

    def as_dict(self) -> dict:
        return {
            "project": self.project_id,
            "project_name": self.project_name,
            "as_of": stated(self.until).isoformat(),
            "ours_fen": self.ours_fen,
            "theirs_fen": self.theirs_fen,
            "diff_fen": self.diff_fen,
            "ours_donations": self.ours_donations,
            "theirs_donations": self.theirs_donations,
            "diff_donations": self.diff_donations,
            "flagged": self.flagged,
            "cause": self.cause,
            "cause_text": self.cause_text,
        }


def in_order(drifts: list[Drift]) -> list[Drift]:
    """Flagged first, then the largest difference in money, then the project's id: the same order every time."""
    return sorted(drifts, key=lambda d: (not d.flagged, -abs(d.diff_fen), -abs(d.diff_donations), d.project_id))


def is_flagged(event: Event, diff_fen: int, theirs_fen: int, diff_donations: int) -> bool:
    rules = event.drift
    return abs(diff_fen) > rules.tolerance_fen(theirs_fen) or abs(diff_donations) > rules.threshold_donations


def compare(store: Store, event: Event, official: list[OfficialRow]) -> list[Drift]:
    """Every project of the official figures against the ledger as of its time, flagged first."""
    ours: dict[dt.datetime, dict[str, dict]] = {}
    for until in sorted({r.until for r in official}):
        rows = store.query("totals_by_project", since=None, until=until)
        ours[until] = {r["key"]: r for r in rows}
    out = []
    for r in official:
        mine = ours[r.until][r.project_id]
        ours_fen = int(mine["amount_fen"]) + int(mine["matched_fen"])
        ours_n = int(mine["donations"])
        flagged = is_flagged(event, ours_fen - r.theirs_fen, r.theirs_fen, ours_n - r.theirs_donations)
        drift = Drift(r.project_id, mine["name"], r.until, ours_fen, r.theirs_fen, ours_n, r.theirs_donations, flagged)
        if flagged:
            tolerance = event.drift.tolerance_fen(r.theirs_fen)
            cause = likely_cause(store, event, r.project_id, r.until, drift.diff_fen, drift.diff_donations, tolerance)
            drift = Drift(**{**drift.__dict__, "cause": cause.code, "cause_text": cause.text})
        out.append(drift)
    return in_order(out)
