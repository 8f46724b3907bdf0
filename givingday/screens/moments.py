"""A project's or team's moment on the screens that show it, when it reaches its goal: each screen queues the goals
it sees reached, and shows them one after another, a few seconds each, each once. The same rules as the total's
milestones (`render.newly_passed`): a screen's first look is no celebration. The wall's script does the same in
`wall.html`; the page is rendered by the feed with the moment asked for (`render.render`'s `celebrate`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

GOAL_SECONDS = 8  # how long each moment shows; the wall's script reads it from the page
PREFIX = "goal:"  # a moment's `celebrate` value: goal:project:P001, goal:team:T001


def goal_key(dim: str, key: str) -> str:
    return f"{PREFIX}{dim}:{key}"


def is_goal(asked: object) -> bool:
    return isinstance(asked, str) and asked.startswith(PREFIX)


@dataclass
class MomentQueue:
    """One screen's moments: the goals seen reached (None before its first look), those waiting, the one shown."""

    seen: set[str] | None = None
    waiting: list[str] = field(default_factory=list)
    shown: tuple[str, float] | None = None  # the key and until when (monotonic seconds)

    def see(self, reached: list[str]) -> None:
        """The goals reached now, in the snapshot's order: those not seen before join the queue."""
        if self.seen is None:
            self.seen = set(reached)
            return
        new = [k for k in reached if k not in self.seen]
        self.waiting.extend(new)
        self.seen.update(new)

    def current(self, now: float | None = None) -> str | None:
        """The moment to show now: the one showing until its time is up, then the next waiting, or none."""
        now = time.monotonic() if now is None else now
        if self.shown and self.shown[1] > now:
            return self.shown[0]
        self.shown = (self.waiting.pop(0), now + GOAL_SECONDS) if self.waiting else None
        return self.shown[0] if self.shown else None
