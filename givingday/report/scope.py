"""When a report is: a day of the event (or the whole event) and the moment it is as of.

"As of" T means every event (gift, refund, correction) whose own time is at or before T; a window is
[since, until) with until = T + 1 µs, or the next midnight for "24时". Nothing here reads the clock: the
caller passes the board's now (`clock.board_time`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from givingday.config import Event

ONE_MICROSECOND = dt.timedelta(microseconds=1)


class ReportError(ValueError):
    """A day outside the event, an unreadable time: the message is shown to the user."""


@dataclass(frozen=True)
class Scope:
    """A day of the event (or the whole event) and the moment the report is as of."""

    event: Event
    day: dt.date | None  # None: the whole event
    until: dt.datetime  # exclusive end of the window: as-of + 1 µs, or a midnight for "24时"

    @property
    def since(self) -> dt.datetime | None:
        return day_start(self.event, self.day) if self.day else None

    @property
    def is_event(self) -> bool:
        return self.day is None

    @property
    def title(self) -> str:
        return "全程汇总" if self.day is None else f"{month_day(self.day)}日报"

    @property
    def as_of(self) -> dt.datetime:
        """The last moment counted, in the event's zone."""
        return (self.until - ONE_MICROSECOND).astimezone(self.event.tz)

    @property
    def as_of_text(self) -> str:
        return moment_text(self.event, self.until)

    @property
    def file_stem(self) -> str:
        """A file name that says what and when: report-20200907-asof-20200908-0000 or report-event-…."""
        what = "event" if self.day is None else self.day.strftime("%Y%m%d")
        local = self.until.astimezone(self.event.tz)
        stamp = local.strftime("%Y%m%d-%H%M") if _is_midnight(local) else self.as_of.strftime("%Y%m%d-%H%M%S")
        return f"report-{what}-asof-{stamp}"


def day_start(event: Event, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), event.tz)


def day_end(event: Event, day: dt.date) -> dt.datetime:
    return day_start(event, day + dt.timedelta(days=1))


def month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _is_midnight(local: dt.datetime) -> bool:
    return local.time() == dt.time(0)


def moment_text(event: Event, until: dt.datetime) -> str:
    """'9月7日24时' for a midnight end, else '9月7日20时30分' (with seconds when they are not zero); the year
    too when it is not the event's."""
    local = until.astimezone(event.tz)
    if _is_midnight(local):
        day = local.date() - dt.timedelta(days=1)
        text = f"{month_day(day)}24时"
    else:
        t = (until - ONE_MICROSECOND).astimezone(event.tz)
        day = t.date()
        text = f"{month_day(day)}{t.hour}时{t.minute:02d}分" + (f"{t.second:02d}秒" if t.second else "")
    return text if day.year == event.first_day.year else f"{day.year}年{text}"


def parse_as_of(text: str, event: Event, day: dt.date | None = None) -> dt.datetime:
    """`--as-of`: a date ('2020-09-07', meaning its 24时), a date with '24:00', a date and time (ISO 8601;
    without a zone, in the event's zone), or a time alone ('20:30', '24:00') on `day`, the report's day. Returns
    the window's exclusive end."""
    s = text.strip()
    if day is not None and len(s) in (4, 5, 7, 8) and ":" in s:
        s = f"{day.isoformat()} {s}"
    try:
        if len(s) == 10:
            return day_end(event, dt.date.fromisoformat(s))
        if s[10:].strip(" T").startswith("24:00"):
            return day_end(event, dt.date.fromisoformat(s[:10]))
        moment = dt.datetime.fromisoformat(s)
    except ValueError:
        alone = " or a time on the report's day (20:30)" if day is not None else ""
        raise ReportError(
            f"as-of time {text!r} is not a date or a date and time (e.g. 2020-09-07 20:30){alone}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=event.tz)
    return moment + ONE_MICROSECOND


def parse_day(text: str, event: Event, now: dt.datetime | None = None) -> dt.date:
    """`--day`: a date of the event, its number (1 for the first day), or 'today' (the board's today, `now`)."""
    s = text.strip().lower()
    days = ", ".join(d.isoformat() for d in event.day_list)
    if s.isascii() and s.isdigit() and len(s) <= 3:
        if not 1 <= int(s) <= len(event.day_list):
            raise ReportError(f"day {text!r}: the event has days 1 to {len(event.day_list)} ({days})")
        return event.day_list[int(s) - 1]
    if s == "today" and now is not None:
        day = now.astimezone(event.tz).date()
    else:
        try:
            day = dt.date.fromisoformat(s)
        except ValueError:
            raise ReportError(f"day {text!r} is not a date (YYYY-MM-DD), a day number (1) or 'today'") from None
    if day not in event.day_list:
        raise ReportError(f"{day} is not a day of the event ({days})")
    return day


def default_until(event: Event, day: dt.date | None, now: dt.datetime) -> dt.datetime:
    """As of now, to the minute; for a day that is over, its end (24时). The whole event's default stays now
    even after it ends, so corrections recorded since count."""
    moment = now.astimezone(event.tz).replace(second=0, microsecond=0) + ONE_MICROSECOND
    return moment if day is None else min(moment, day_end(event, day))


def make_scope(event: Event, day: dt.date | None, until: dt.datetime | None, now: dt.datetime) -> Scope:
    """The scope for a day (or the event) as of `until`, else as of the default moment. A day's report never
    reaches past the day's end."""
    until = until or default_until(event, day, now)
    if day is not None:
        until = min(until, day_end(event, day))
    return Scope(event, day, until.astimezone(event.tz))
