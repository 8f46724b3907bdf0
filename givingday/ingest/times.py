"""A gift's time from its text: the usual 'YYYY-MM-DD HH:MM:SS' of a whole column read as digits at once, and any
other way of writing a time (ISO 8601 with a zone, 2020/9/7 21:30, 2020年9月7日, a profile's own format, a
workbook's typed cell) read by Python, once per distinct value (`ingest/judge.py` asks both).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from givingday.ingest.formats import Layout
from givingday.labels import both

_DATE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


def parse_time(text: str, tz: dt.tzinfo) -> dt.datetime:
    """A time written any way `_DATE_TIME` or ISO 8601 knows, in `tz` unless it says its own zone."""
    s = text.strip()
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        m = _DATE_TIME.fullmatch(s)
        if not m:
            raise ValueError(both(f"时间 {s!r} 不是日期和时间", f"time {s!r} is not a date and time")) from None
        y, mo, d, hh, mm, ss, zone = m.groups()
        try:
            t = dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            raise ValueError(both(f"时间 {s!r} 不是有效日期", f"time {s!r} is not a valid date")) from None
        if zone:
            t = dt.datetime.fromisoformat(t.isoformat() + ("+00:00" if zone == "Z" else zone))
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    if not 2000 <= t.year <= 2100:
        raise ValueError(both(f"时间 {s!r} 不在 2000–2100 年之间", f"time {s!r} is outside the years 2000–2100"))
    return t


# How a workbook's typed date, time or date-and-time cell reads as text (formats._xlsx_cell): ISO 8601, whatever
# the profile says the column's text looks like, since a spreadsheet re-saved by Excel types those columns.
_TYPED_CELL = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,6})?)?|\d{2}:\d{2}:\d{2}(\.\d{1,6})?")


def _strptime(text: str, fmt: str) -> dt.datetime:
    """`text` in the profile's format, or as a workbook's typed cell reads."""
    try:
        return dt.datetime.strptime(text, fmt)
    except ValueError:
        if not _TYPED_CELL.fullmatch(text):
            raise
        if ":" in text and "-" not in text:
            return dt.datetime.combine(dt.date(2000, 1, 1), dt.time.fromisoformat(text))
        return dt.datetime.fromisoformat(text)


class TimeReader:
    """Times in the layout's formats, from one key: `occurred_at`, or `date` + "\x1f" + `time_of_day`."""

    def __init__(self, layout: Layout, tz: dt.tzinfo):
        self.tz = tz
        self.date_format = layout.formats.date_format
        self.time_format = layout.formats.time_format
        self.split = "occurred_at" not in layout.columns

    def __call__(self, key: str) -> int:
        """Microseconds since the epoch (UTC)."""
        t = self._parse(key)
        return int(t.timestamp()) * 1_000_000 + t.microsecond

    def _parse(self, key: str) -> dt.datetime:
        if not self.split:
            if not key:
                raise ValueError(both("时间为空", "time is empty"))
            if self.date_format:
                try:
                    return _strptime(key, self.date_format).replace(tzinfo=self.tz)
                except ValueError:
                    raise ValueError(
                        both(
                            f"时间 {key!r} 不符合格式 {self.date_format!r}",
                            f"time {key!r} does not match {self.date_format!r}",
                        )
                    ) from None
            return parse_time(key, self.tz)
        ds, _, ts = key.partition("\x1f")
        if not ds:
            raise ValueError(both("日期为空", "date is empty"))
        try:
            day = _strptime(ds, self.date_format).date() if self.date_format else parse_time(ds, self.tz).date()
        except ValueError:
            shape = self.date_format or "YYYY-MM-DD"
            raise ValueError(
                both(f"日期 {ds!r} 不符合格式 {shape!r}", f"date {ds!r} does not match {shape!r}")
            ) from None
        clock = dt.time(0)
        if ts:
            try:
                clock = _strptime(ts, self.time_format).time() if self.time_format else dt.time.fromisoformat(ts)
            except ValueError:
                raise ValueError(both(f"时刻 {ts!r} 不是时间", f"time of day {ts!r} is not a time")) from None
        return dt.datetime.combine(day, clock, self.tz)


# 'YYYY-MM-DD HH:MM:SS': where its digits are, how many each field has, and its separators.
_USUAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_USUAL_FIELD_WIDTHS = (4, 2, 2, 2, 2, 2)
_USUAL_SEPARATORS = [4, 7, 10, 13, 16]
_USUAL_SEPARATOR_BYTES = np.frombuffer(b"-- ::", np.uint8)
_USUAL_WIDTH = 19
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def usual_local_seconds(at: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each value written exactly 'YYYY-MM-DD HH:MM:SS' (zero-padded, a real date and clock time) as local
    seconds since 1970-01-01 00:00, and where a value is so written. Read as digits of the values' bytes:
    every such value is 19 bytes, so the values lie one after another, a row of a byte matrix each."""
    n = len(at)
    shaped = pc.fill_null(pc.equal(pc.binary_length(at), _USUAL_WIDTH), False).to_numpy(zero_copy_only=False)
    seconds = np.zeros(n, np.int64)
    if not shaped.any():
        return seconds, shaped
    usual = (at if shaped.all() else at.filter(pa.array(shaped))).cast(pa.large_string())
    offset = np.frombuffer(usual.buffers()[1], np.int64, count=1, offset=usual.offset * 8)[0]
    chars = np.frombuffer(usual.buffers()[2], np.uint8, count=len(usual) * _USUAL_WIDTH, offset=offset)
    chars = chars.reshape(-1, _USUAL_WIDTH)
    digits = chars[:, _USUAL_DIGITS] - np.uint8(ord("0"))  # a byte that is not a digit wraps to above 9
    ok = (digits <= 9).all(axis=1) & (chars[:, _USUAL_SEPARATORS] == _USUAL_SEPARATOR_BYTES).all(axis=1)
    values, i = [], 0
    for width in _USUAL_FIELD_WIDTHS:
        value = np.zeros(len(usual), np.int32)
        for column in digits[:, i : i + width].T:
            value = value * 10 + column
        values.append(value)
        i += width
    y, mo, d, hh, mm, ss = values
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_ok = (mo >= 1) & (mo <= 12)
    days_in_month = _DAYS_IN_MONTH[np.where(month_ok, mo, 0)] + (leap & (mo == 2))
    ok &= month_ok & (d >= 1) & (d <= days_in_month) & (hh <= 23) & (mm <= 59) & (ss <= 59)
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil; years here are >= 0).
    y = y - (mo <= 2)
    era, year_of_era = y // 400, y % 400
    day_of_year = (153 * np.where(mo > 2, mo - 3, mo + 9) + 2) // 5 + d - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146_097 + day_of_era - 719_468
    local = np.where(ok, days.astype(np.int64) * 86_400 + hh * 3_600 + mm * 60 + ss, 0)
    if shaped.all():
        return local, ok
    seconds[shaped] = local
    shaped[shaped] = ok
    return seconds, shaped
