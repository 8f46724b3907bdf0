"""What time it is for the board: the real time, or the demo's clock while a demo giving day plays.

The demo writes `demo_clock.json` beside the store: at real time `real_epoch` the demo's clock read
`demo_epoch`, and it runs `speed` times faster. Its presence is also how every page knows to say "演示数据".
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from givingday import config

CLOCK_FILE = "demo_clock.json"


@dataclass(frozen=True)
class DemoClock:
    real_epoch: float
    demo_epoch: float
    speed: float
    first_day: str = ""  # the demo event's first day (ISO date); it replaces the configured one
    seed: int = 99
    scale: float = 1.0

    def now_epoch(self, real: float | None = None) -> float:
        return self.demo_epoch + ((time.time() if real is None else real) - self.real_epoch) * self.speed

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now_epoch(), dt.UTC)

    def on_board(self, real: dt.datetime) -> dt.datetime:
        """A moment of the real clock (when a file was imported) on the demo's clock, where gifts are."""
        return dt.datetime.fromtimestamp(self.now_epoch(real.timestamp()), real.tzinfo or dt.UTC)


def on_board_clock(location: str, real: dt.datetime) -> dt.datetime:
    """A real moment as the board shows it: moved onto the demo's clock while a demo plays, else itself."""
    demo = read_clock(location)
    return real if demo is None else demo.on_board(real)


def clock_path(location: str) -> Path:
    return config.beside_store(location, CLOCK_FILE)


def read_clock(location: str) -> DemoClock | None:
    path = clock_path(location)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return DemoClock(
        float(raw["real_epoch"]),
        float(raw["demo_epoch"]),
        float(raw.get("speed", 1.0)),
        str(raw.get("first_day", "")),
        int(raw.get("seed", 99)),
        float(raw.get("scale", 1.0)),
    )


def write_clock(location: str, clock: DemoClock) -> None:
    path = clock_path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(clock.__dict__), encoding="utf-8")
    tmp.replace(path)


def effective_event(event: config.Event, clock: DemoClock | None) -> config.Event:
    """The event as the board shows it: during a demo its days start on the demo's first day."""
    if clock is None or not clock.first_day:
        return event
    return replace(event, first_day=dt.date.fromisoformat(clock.first_day))


class BoardTime(NamedTuple):
    event: config.Event  # as the board shows it: during a demo its days start on the demo's first day
    is_demo: bool
    now: dt.datetime  # UTC: the demo clock's during a demo, else the real one


def board_time(location: str, event: config.Event) -> BoardTime:
    """The event, whether a demo plays, and the board's now. Read once per use; every page, report and command
    asks here."""
    return time_on(event, read_clock(location))


def time_on(event: config.Event, demo: DemoClock | None) -> BoardTime:
    """The board's time under a demo clock (or the real one when None), before or without its file."""
    return BoardTime(effective_event(event, demo), demo is not None, demo.now() if demo else dt.datetime.now(dt.UTC))


CLOCK_SKEW = dt.timedelta(minutes=5)  # how far ahead of the board's now a gift may be stamped (clocks differ)


def gift_time_refused(at: dt.datetime, board: BoardTime) -> str | None:
    """Why no gift can be at `at` on this board, or None: outside the event's days widened by `[import]
    margin_days`, or later than the board's now beyond CLOCK_SKEW. Imports, the record form and corrections ask
    here, so one window holds everywhere."""
    event = board.event
    shown = f"{at.astimezone(event.tz):%Y-%m-%d %H:%M:%S}"
    if not event.takes_from <= at < event.takes_until:
        first, last = event.takes_from.date(), (event.takes_until - dt.timedelta(days=1)).date()
        return (
            f"时间 {shown} 不在 {first} 至 {last} 之内（活动自 {event.first_day} 起 {event.days} 天，"
            f"前后各放宽 {event.margin_days} 天）。time {shown} is outside {first} to {last} (the event's "
            f"{event.days} days from {event.first_day}, widened by {event.margin_days} day(s) either side)"
        )
    if at > board.now + CLOCK_SKEW:
        now = f"{board.now.astimezone(event.tz):%Y-%m-%d %H:%M:%S}"
        minutes = int(CLOCK_SKEW.total_seconds() // 60)
        return (
            f"时间 {shown} 晚于现在（{now}，允许误差 {minutes} 分钟）。time {shown} is in the future "
            f"(now is {now}; {minutes} minutes of clock skew allowed)"
        )
    return None
