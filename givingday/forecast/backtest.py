"""Demo events replayed in memory: the forecast made at set times against where each day and the event ended.

The same events make the demo's curve (`make_curve`, on CALIBRATION_SEEDS) and test it (`backtest`, on seeds
from 1): the two sets never meet, so the band is not tuned on the seeds it is judged on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from givingday import config
from givingday.config import Event
from givingday.demo.simulate import Gifts, draw_event
from givingday.forecast.curve import SHAPE_COLUMNS, Curve
from givingday.forecast.model import DaySums, forecast
from givingday.ingest.roster import read_roster

CALIBRATION_SEEDS = range(1001, 1201)
TIMES = (dt.time(10), dt.time(12), dt.time(15), dt.time(18), dt.time(21))
STEP = 5  # the curve's rows, minutes apart
# A band pools the errors of forecasts this many rows either side (5 minutes): around 10:00 and 21:00 the
# errors' scale changes fast, and a wider pool mixes scales, which widens the band (docs/forecast.md).
POOLED = 1
PARTS = ("regular", "regular_after_open", "large", "matched", "donations")


class Replay:
    """One demo event's money per minute, so a day's sums as of any minute are two lookups."""

    def __init__(self, gifts: Gifts, event: Event, large_fen: int):
        self.event = event
        minutes = event.days * 1440
        at = ((gifts.at - event.starts_at.timestamp()) // 60).astype(np.int64)
        inside = (at >= 0) & (at < minutes)
        at, amount, matched = at[inside], gifts.amount[inside], gifts.matched[inside]
        opens = event.matching.opens_minute
        regular = np.where(amount < large_fen, amount, 0)
        values = {
            "regular": regular,
            "regular_after_open": np.where(at % 1440 >= opens, regular, 0),
            "large": amount - regular,
            "matched": matched,
            "donations": np.ones(len(at), dtype=np.int64),
        }
        self.cum = {
            k: np.r_[0, np.cumsum(np.bincount(at, weights=v, minlength=minutes))].round().astype(np.int64)
            for k, v in values.items()
        }

    def days_at(self, minute: int) -> dict[dt.date, DaySums]:
        """Each day's sums before the event's `minute` (0 = the first day's midnight)."""
        out = {}
        for d, day in enumerate(self.event.day_list):
            lo, hi = d * 1440, min(minute, (d + 1) * 1440)
            if hi <= lo:
                break
            out[day] = DaySums(*(int(self.cum[k][hi] - self.cum[k][lo]) for k in PARTS))
        return out

    def day_final(self, d: int) -> int:
        return self.days_at((d + 1) * 1440)[self.event.day_list[d]].total_fen

    def event_final(self) -> int:
        return sum(x.total_fen for x in self.days_at(self.event.days * 1440).values())

    def forecast_at(self, minute: int, curve: Curve):
        return forecast(self.days_at(minute), self.event, curve, self.event.starts_at + dt.timedelta(minutes=minute))


def replays(event: Event, seeds, large_fen: int, scale: float = 1.0) -> list[Replay]:
    roster = read_roster(config.ROSTER_DIR)
    return [Replay(draw_event(event, roster, event.first_day, seed, scale), event, large_fen) for seed in seeds]


def make_curve(event: Event, seeds=CALIBRATION_SEEDS, scale: float = 1.0) -> Curve:
    """The day's usual shape and levels from demo events, then its bands from the same events' forecasts."""
    large_fen = event.forecast.large_gift_fen
    runs = replays(event, seeds, large_fen, scale)
    minutes = np.arange(0, 1441, STEP)
    opens = event.matching.opens_minute

    def summed(part: str, d: int, at: np.ndarray) -> np.ndarray:
        return np.sum([r.cum[part][d * 1440 + at] - r.cum[part][d * 1440] for r in runs], axis=0).astype(float)

    days = range(event.days)
    regular_end = [summed("regular", d, np.array([1440]))[0] for d in days]
    large_end = [summed("large", d, np.array([1440]))[0] for d in days]
    after = np.array([opens + 120])
    columns = {c: np.zeros((event.days, len(minutes))) for c in SHAPE_COLUMNS}
    for d in days:
        columns["share"][d] = summed("regular", d, minutes) / regular_end[d]
        columns["large_share"][d] = summed("large", d, minutes) / large_end[d] if large_end[d] else minutes / 1440
    curve = Curve(
        minutes,
        columns,
        regular_fen=np.array(regular_end) / len(runs),
        large_ratio=np.array(large_end) / np.array(regular_end),
        matched_rate=np.array(
            [summed("matched", d, after)[0] / summed("regular_after_open", d, after)[0] for d in days]
        ),
        large_fen=large_fen,
    )
    errors = {p: np.full((event.days, len(minutes), len(runs)), np.nan) for p in ("", "event_")}
    for i, r in enumerate(runs):
        finals = [r.day_final(d) for d in days]
        final = r.event_final()
        for d in days:
            for j, m in enumerate(minutes):
                f = r.forecast_at(d * 1440 + int(m), curve)
                if f.state == "ok":
                    errors[""][d, j, i] = np.log(finals[d] / f.today.point_fen)
                    errors["event_"][d, j, i] = np.log(final / f.event.point_fen)
    for prefix, e in errors.items():
        for d in days:
            for j in range(len(minutes)):
                pooled = e[d, max(0, j - POOLED) : j + POOLED + 1].ravel()
                pooled = pooled[~np.isnan(pooled)]
                if len(pooled):
                    columns[f"{prefix}low"][d, j], columns[f"{prefix}high"][d, j] = np.quantile(pooled, [0.1, 0.9])
    return curve


@dataclass(frozen=True)
class Scores:
    """How forecasts made at one time of day fared: how many were made, held the final, and their error."""

    time: dt.time
    made: int
    too_early: int
    day_coverage: float
    day_mape: float
    event_coverage: float
    event_mape: float


def backtest(event: Event, curve: Curve, seeds, scale: float = 1.0) -> list[Scores]:
    """For each time of TIMES, the forecasts made then on every day of every seed's event."""
    runs = replays(event, seeds, curve.large_fen, scale)
    out = []
    for t in TIMES:
        day_hits, day_errors, event_hits, event_errors, early = [], [], [], [], 0
        for r in runs:
            final = r.event_final()
            for d in range(event.days):
                f = r.forecast_at(d * 1440 + t.hour * 60 + t.minute, curve)
                if f.state != "ok":
                    early += 1
                    continue
                day_final = r.day_final(d)
                day_hits.append(f.today.holds(day_final))
                day_errors.append(abs(f.today.point_fen - day_final) / day_final)
                event_hits.append(f.event.holds(final))
                event_errors.append(abs(f.event.point_fen - final) / final)
        out.append(
            Scores(
                t,
                len(day_hits),
                early,
                float(np.mean(day_hits)),
                float(np.mean(day_errors)),
                float(np.mean(event_hits)),
                float(np.mean(event_errors)),
            )
        )
    return out


def score_lines(scores: list[Scores], seeds: int) -> list[str]:
    """The backtest as printed: a row per time, then one line, coverage over all five times and error at 18:00."""
    out = [
        f"backtest on demo seeds 1-{seeds} (band made from seeds {CALIBRATION_SEEDS.start}-{CALIBRATION_SEEDS.stop - 1})",
        "time   made early  today: coverage  mape   event: coverage  mape",
    ]
    for s in scores:
        out.append(
            f"{s.time:%H:%M}  {s.made:>4} {s.too_early:>5}  {s.day_coverage:>15.2f}  {s.day_mape:.3f}"
            f"  {s.event_coverage:>15.2f}  {s.event_mape:.3f}"
        )
    made = sum(s.made for s in scores)
    coverage = sum(s.day_coverage * s.made for s in scores) / made if made else float("nan")
    at_18 = next(s for s in scores if s.time == dt.time(18))
    out.append(f"coverage={coverage:.2f} mape_18={at_18.day_mape:.3f}")
    return out
