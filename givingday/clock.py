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
    demo = read_clock(location)
    return BoardTime(effective_event(event, demo), demo is not None, demo.now() if demo else dt.datetime.now(dt.UTC))
