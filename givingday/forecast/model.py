"""Where today and the event will end, with an 80% band: today's pace over the day's usual shape.

A day's money is read in three parts. Regular public money (gifts below `[forecast] large_gift_yuan`) has
reached the usual share s(m) of the day's by minute m, so the day's is R(m) / s(m). Large gifts are what came
plus the usual large share of what is still to come. Matching is what came plus the matched rate (today's, once
matching has run an hour; the usual one before) of the regular money still to come, never above the day's pool.
Days still to come are the curve's usual day times this event's level so far. The band is the curve's: the
10th and 90th percentiles of log(final / forecast) at that minute of that day, measured on demo events the
backtest does not report (`forecast/curve.py`). Before the day's first gifts, or before MIN_SHARE of its usual
regular money could have come, there is no figure: a forecast then would be a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from givingday.config import Event
from givingday.forecast.curve import Curve
from givingday.store.database import Store

MIN_SHARE = 0.05  # too early to tell before the usual day has brought this share of its regular money
MIN_GIFTS = 20  # nor before this many gifts today
MATCH_RATE_AFTER = 60  # minutes of matching before today's own matched rate is trusted


@dataclass(frozen=True)
class DaySums:
    """One day's money as of a moment, split as the forecast reads it (`queries/forecast_days.sql`)."""

    regular_fen: int = 0
    regular_after_open_fen: int = 0  # regular money from the minute matching opens
    large_fen: int = 0
    matched_fen: int = 0
    donations: int = 0

    @property
    def total_fen(self) -> int:
        return self.regular_fen + self.large_fen + self.matched_fen


@dataclass(frozen=True)
class Estimate:
    point_fen: int
    low_fen: int
    high_fen: int

    @classmethod
    def around(cls, point: float, band: tuple[float, float]) -> Estimate:
        return cls(round(point), round(point * band[0]), round(point * band[1]))

    def holds(self, final_fen: int) -> bool:
        return self.low_fen <= final_fen <= self.high_fen


@dataclass(frozen=True)
class Forecast:
    """`state`: 'ok'; 'before' (the event has not begun); 'no_gifts' (none today yet); 'too_early';
    'over' (the event has ended: its total is final)."""

    as_of: dt.datetime
    day: dt.date | None  # the event's day the moment lies in
    minute: float  # minutes since that day's midnight, (0, 1440]
    state: str
    today_so_far_fen: int
    event_so_far_fen: int
    today: Estimate | None = None
    event: Estimate | None = None


def _day_of(moment: dt.datetime, event: Event) -> tuple[dt.date, float]:
    """The day a moment closes and its minute: midnight is the 1440th minute of the day before."""
    local = (moment - dt.timedelta(microseconds=1)).astimezone(event.tz)
    midnight = dt.datetime.combine(local.date(), dt.time(0), event.tz)
    return local.date(), (moment - midnight).total_seconds() / 60


def _matched(so_far: int, rate: float, rest_fen: float, pool_fen: int) -> float:
    """What came, plus `rate` of the regular money still to come, up to the pool (no pool: no more matching)."""
    return max(float(so_far), min(float(pool_fen), so_far + rate * rest_fen)) if pool_fen else float(so_far)


def forecast(days: dict[dt.date, DaySums], event: Event, curve: Curve, now: dt.datetime) -> Forecast:
    """The forecast as of `now` from each day's money up to `now` (days outside the event count as they are)."""
    day, minute = _day_of(now, event)
    event_so_far = sum(d.total_fen for d in days.values())
    today = days.get(day, DaySums())
    base = dict(as_of=now, day=day, minute=minute, today_so_far_fen=today.total_fen, event_so_far_fen=event_so_far)
    if now >= event.ends_at:
        return Forecast(**base, state="over", event=Estimate(event_so_far, event_so_far, event_so_far))
    if day not in event.day_list:
        return Forecast(**base, state="before")
    if today.donations == 0:
        return Forecast(**base, state="no_gifts")
    d = event.day_list.index(day)
    share = curve.at("share", d, minute)
    if share < MIN_SHARE or today.donations < MIN_GIFTS:
        return Forecast(**base, state="too_early")

    pool = event.matching.daily_pool_fen
    opens = event.matching.opens_minute
    regular = today.regular_fen / share
    large = today.large_fen + curve.large_ratio[d] * regular * (1 - curve.at("large_share", d, minute))
    rate = curve.matched_rate[d]
    if minute >= opens + MATCH_RATE_AFTER and today.regular_after_open_fen > 0:
        rate = today.matched_fen / today.regular_after_open_fen
    rest_after_open = regular * (1 - curve.at("share", d, max(minute, opens)))
    point_today = regular + large + _matched(today.matched_fen, rate, rest_after_open, pool)

    done = event.day_list[:d]
    level = (sum(days.get(x, DaySums()).regular_fen for x in done) + regular) / sum(curve.regular_fen[: d + 1])
    future = 0.0
    for k in range(d + 1, event.days):
        k_regular = level * curve.regular_fen[k]
        k_after_open = k_regular * (1 - curve.at("share", k, opens))
        future += k_regular * (1 + curve.large_ratio[k]) + _matched(0, curve.matched_rate[k], k_after_open, pool)
    point_event = event_so_far - today.total_fen + point_today + future
    return Forecast(
        **base,
        state="ok",
        today=Estimate.around(point_today, curve.band("", d, minute)),
        event=Estimate.around(point_event, curve.band("event_", d, minute)),
    )


def store_days(store: Store, event: Event, until: dt.datetime, large_fen: int) -> dict[dt.date, DaySums]:
    """Each day's money in the store as of `until`."""
    opens = event.matching.opens_minute
    rows = store.query("forecast_days", since=None, until=until, large_fen=large_fen, opens_minute=opens)
    return {
        r["day_at"].astimezone(event.tz).date(): DaySums(
            r["regular_fen"], r["regular_after_open_fen"], r["large_fen"], r["matched_fen"], r["donations"]
        )
        for r in rows
    }


def store_forecast(store: Store, event: Event, now: dt.datetime, curve: Curve | None = None) -> Forecast:
    """The forecast of the store as of `now`, on the event's curve (`[forecast] shape` and `levels`)."""
    curve = curve or Curve.for_event(event)
    return forecast(store_days(store, event, now, curve.large_fen), event, curve, now)
