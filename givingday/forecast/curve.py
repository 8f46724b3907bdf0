"""The day's usual shape, read from two files in data/ (`[forecast] shape` and `levels` in event.toml).

The shape file has one row per day of the event and minute of the day (every 5 minutes, 0 to 1440): `share`,
the usual cumulative share of the day's regular public money by that minute; `large_share`, the same for large
gifts; `low` and `high`, the 10th and 90th percentiles of log(final / forecast) of the day's total for a
forecast made then, and `event_low`, `event_high` the same for the event's total. The levels file has one row
per day: its usual regular money, large gifts as a share of it, and matching per yuan of regular money given
after matching opens. Between rows the curve is read linearly. The demo's files are made by
`tools/make_day_shape.py` from demo events drawn for it (`backtest.CALIBRATION_SEEDS`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from givingday import config
from givingday.config import Event

SHAPE_COLUMNS = ("share", "large_share", "low", "high", "event_low", "event_high")
LEVEL_COLUMNS = ("regular_fen", "large_ratio", "matched_rate")


@dataclass(frozen=True)
class Curve:
    minutes: np.ndarray  # the rows' minutes of the day, ascending
    columns: dict[str, np.ndarray]  # SHAPE_COLUMNS, each days × minutes
    regular_fen: np.ndarray  # per day
    large_ratio: np.ndarray
    matched_rate: np.ndarray
    large_fen: int  # a gift this large or larger is a large gift
    source: str = ""

    @property
    def days(self) -> int:
        return len(self.regular_fen)

    def at(self, column: str, day: int, minute: float) -> float:
        """The column on day `day` (0 = the first; a later day than the curve knows reads its last) at `minute`."""
        row = self.columns[column][min(day, self.days - 1)]
        return float(np.interp(minute, self.minutes, row))

    def band(self, prefix: str, day: int, minute: float) -> tuple[float, float]:
        """The 80% band as factors of the forecast: '' for the day's total, 'event_' for the event's."""
        return math.exp(self.at(f"{prefix}low", day, minute)), math.exp(self.at(f"{prefix}high", day, minute))

    @classmethod
    def for_event(cls, event: Event) -> Curve:
        rules = event.forecast
        return read_curve(config.DATA_DIR / rules.shape, config.DATA_DIR / rules.levels, rules.large_gift_fen)


@cache
def read_curve(shape: Path, levels: Path, large_fen: int) -> Curve:
    with open(shape, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    days = sorted({int(r["day"]) for r in rows})
    minutes = np.array(sorted({float(r["minute"]) for r in rows}))
    columns = {c: np.full((len(days), len(minutes)), np.nan) for c in SHAPE_COLUMNS}
    for r in rows:
        i, j = days.index(int(r["day"])), int(np.searchsorted(minutes, float(r["minute"])))
        for c in SHAPE_COLUMNS:
            columns[c][i, j] = float(r[c])
    if any(np.isnan(v).any() for v in columns.values()):
        raise ValueError(f"{shape}: every day needs a row for every minute")
    with open(levels, encoding="utf-8", newline="") as f:
        per_day = {int(r["day"]): r for r in csv.DictReader(f)}
    if sorted(per_day) != days:
        raise ValueError(f"{levels}: one row per day of {shape}'s days {days}")
    level = {c: np.array([float(per_day[d][c]) for d in days]) for c in LEVEL_COLUMNS}
    return Curve(minutes, columns, **level, large_fen=large_fen, source=f"{shape.name}, {levels.name}")


def write_curve(curve: Curve, shape: Path, levels: Path) -> None:
    """The two files, each written whole or not at all, the shape to 5 decimals (0.00001 of ¥3 million is ¥30)."""
    rows = [["day", "minute", *SHAPE_COLUMNS]] + [
        [d + 1, int(m), *(f"{curve.columns[c][d, j]:.5f}" for c in SHAPE_COLUMNS)]
        for d in range(curve.days)
        for j, m in enumerate(curve.minutes)
    ]
    per_day = [["day", *LEVEL_COLUMNS]] + [
        [d + 1, int(curve.regular_fen[d]), f"{curve.large_ratio[d]:.5f}", f"{curve.matched_rate[d]:.5f}"]
        for d in range(curve.days)
    ]
    for path, lines in ((shape, rows), (levels, per_day)):
        part = path.with_name(f".{path.name}.part")
        with open(part, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(lines)
        part.replace(path)
