"""The platform's official totals, read from the file organizers download (or the figures they type): bytes to
one row per project, with its money, its 人次 and the moment they were counted at.

The bytes are read as a gift file is (`ingest.formats.read_table`: CSV in UTF-8, UTF-8 with a BOM or GBK, or
XLSX); amounts are read by `money.parse_fen`; projects are the roster's, by id or by name. A file with any bad
line is refused whole, each line named with its reason, so nothing is compared (or kept) from half a file.
Layouts other than the platform's are read through a totals profile (`data/profiles/totals/NAME.toml`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from givingday import config
from givingday.config import Event
from givingday.ingest.formats import TOTAL_WORD, UnreadableFile, read_table
from givingday.ingest.profiles import (
    ProfileError,
    ValueFormats,
    header_columns,
    header_key,
    one_column,
    profile_toml,
)
from givingday.ingest.statements import FileShape
from givingday.ingest.times import parse_time
from givingday.labels import both
from givingday.money import AmountError, parse_fen

# The fields of a totals file, and the headers the platform's own download gives them (compared as
# `profiles.header_key` compares headers: full-width brackets, spaces and case do not matter).
FIELDS = ("project", "raised_yuan", "donations", "as_of")
PLATFORM_HEADERS = {
    "project": ("项目名称", "项目编号", "项目id", "project", "project_id"),
    "raised_yuan": ("已筹金额(元)", "已筹金额", "raised_yuan"),
    "donations": ("捐款人次", "人次", "donations"),
    "as_of": ("统计时间", "as_of"),
}
REQUIRED = ("project", "raised_yuan", "donations")
PROFILE_KEYS = {"title", "match_headers", "columns", "parse"}
SHOWN_PROBLEMS = 20
TYPED = "手工录入 typed on the page"  # the file name of figures typed on the page: one line, named without a number
# Where a file's time is given apart, said on the page and on the command line alike.
AS_OF_WHERE_ZH = "页面上的“统计时间 As of”，命令行的 --as-of"
AS_OF_WHERE_EN = "the page's “统计时间 As of” box, the command line's --as-of"
HEADER_WITHIN = 10  # a download's title lines above its header row, at most
ONE_MICROSECOND = dt.timedelta(microseconds=1)


class TotalsFileError(ValueError):
    """A totals file that cannot be compared: every problem as `FILE:LINE: reason` (or `FILE: reason`)."""

    def __init__(self, problems: list[str]):
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(
                both(f"……另有 {len(problems) - SHOWN_PROBLEMS} 处", f"… and {len(problems) - SHOWN_PROBLEMS} more")
            )
        super().__init__("\n".join(shown))
        self.problems = problems


@dataclass(frozen=True)
class OfficialRow:
    """One project's official figures: money in fen, 人次, and the window's exclusive end they were counted to."""

    line: int
    project_id: str
    theirs_fen: int
    theirs_donations: int
    until: dt.datetime


@dataclass(frozen=True)
class TotalsProfile:
    """Another layout of totals: which column is each field, and how its amounts are written."""

    name: str
    title: str
    columns: dict[str, str]
    match_headers: tuple[str, ...] = ()
    formats: ValueFormats = ValueFormats()

    def matches(self, header: list[str]) -> bool:
        have = {header_key(h) for h in header}
        return bool(self.match_headers) and all(header_key(h) in have for h in self.match_headers)


def profiles_dir() -> Path:
    """Totals profiles live apart from the gift profiles (which the import reads), in their `totals/` folder."""
    return config.profiles_dir() / "totals"


def load_totals_profile(path: Path) -> TotalsProfile:
    raw = profile_toml(path)
    unknown = set(raw) - PROFILE_KEYS
    columns = {k: str(v) for k, v in raw.get("columns", {}).items()}
    if unknown or set(columns) - set(FIELDS) or any(f not in columns for f in REQUIRED):
        raise ProfileError(
            f"{path}: a totals profile has {', '.join(sorted(PROFILE_KEYS))}, and [columns] names "
            f"{', '.join(REQUIRED)} (and optionally as_of)"
        )
    parse = raw.get("parse", {})
    return TotalsProfile(
        name=path.stem,
        title=raw.get("title", path.stem),
        columns=columns,
        match_headers=tuple(raw.get("match_headers", [])),
        formats=ValueFormats(thousands=parse.get("thousands", ","), decimal=parse.get("decimal", ".")),
    )


def find_totals_profile(name_or_path: str) -> TotalsProfile:
    """`--profile NAME` (data/profiles/totals/NAME.toml) or a .toml path."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.exists()):
        path = profiles_dir() / f"{name_or_path}.toml"
    if not path.exists():
        known = ", ".join(p.stem for p in sorted(profiles_dir().glob("*.toml"))) or "none"
        raise ProfileError(f"no totals profile {name_or_path!r} (known: {known})")
    return load_totals_profile(path)


def _readable_profiles() -> list[TotalsProfile]:
    """The totals profiles that can be read; one half-edited file does not stop a comparison by another."""
    folder = profiles_dir()
    found = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            found.append(load_totals_profile(path))
        except ProfileError:
            continue
    return found


def _columns(header: list[str], profile: TotalsProfile | None) -> tuple[dict[str, int], ValueFormats]:
    """Each field's column and how amounts are written: the profile's, the platform's headers, or a profile in
    profiles/totals/ that matches."""
    index = header_columns(header)
    missing = [PLATFORM_HEADERS[f][0] for f in REQUIRED]
    if profile is None:
        platform = {
            f: sorted(i for h in names for i in index.get(header_key(h), [])) for f, names in PLATFORM_HEADERS.items()
        }
        if all(platform[f] for f in REQUIRED):
            return {f: one_column(header, f, cols) for f, cols in platform.items() if cols}, ValueFormats()
        missing = [PLATFORM_HEADERS[f][0] for f in REQUIRED if not platform[f]]
        profile = next((p for p in _readable_profiles() if p.matches(header)), None)
    if profile is not None:
        cols = {f: index.get(header_key(c), []) for f, c in profile.columns.items()}
        if all(cols.get(f) for f in REQUIRED):
            return {f: one_column(header, f, c) for f, c in cols.items() if c}, profile.formats
        missing = [profile.columns.get(f, PLATFORM_HEADERS[f][0]) for f in REQUIRED if not cols.get(f)]
    shown = ", ".join(h for h in header[:12] if h) or "(none)"
    wanted = "、".join(PLATFORM_HEADERS[f][0] for f in REQUIRED)
    lacking = "、".join(missing)
    raise UnreadableFile(
        both(
            f"缺少列 {lacking}：应有 {wanted}（和 统计时间 列，或另给出整个文件的统计时间：{AS_OF_WHERE_ZH}），"
            f"此文件的列是 {shown}",
            f"missing column {lacking}: expected 项目名称 (or a project id), 已筹金额(元) and 捐款人次 (and 统计时间, "
            f"or the whole file's time: {AS_OF_WHERE_EN}); its columns are {shown}",
        )
    )


def _has_columns(header: list[str], profile: TotalsProfile | None) -> bool:
    try:
        _columns(header, profile)
    except UnreadableFile:
        return False
    return True


# The platform's 合计 row (or a sheet's own 总计 / Total) ends the figures: it names no project.
TOTAL_ROW = re.compile(rf"(?:[\s\"']*[,;\t|])*{TOTAL_WORD}(?:[,;\t|]|$)")  # a first cell of the word alone
EXCEL_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")  # days since 1899-12-30: 44081.75 is 2020-09-07 18:00
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(frozen=True)
class _HeaderFinder:
    """What `read_table` asks of a profile with a `[file]`: a CSV or a sheet is read from the first of its first
    HEADER_WITHIN lines (title lines, a merged title cell) that has the columns, to its 合计 row; the line
    numbers stay the file's own."""

    profile: TotalsProfile | None
    shape: FileShape = FileShape(header_within=HEADER_WITHIN, footer=TOTAL_ROW)

    def matches(self, header: list[str]) -> bool:
        return _has_columns(header, self.profile)


def parse_moment(text: str, event: Event) -> dt.datetime:
    """A 统计时间 cell ('2020-09-07 21:00:00', '2020/9/7 21:00', ISO 8601 with a zone, 2020年9月7日 21:00, an Excel
    serial, a date alone for its 24时) as the exclusive end of the window it counted, the event's zone unless it
    says its own: a gift at 21:00:00 is counted by 21:00:00."""
    s = text.strip()
    if EXCEL_SERIAL.fullmatch(s) and "." not in s:  # a date cell with no time: its 24时, as a date alone
        day = EXCEL_EPOCH.date() + dt.timedelta(days=int(s) + 1)
        return dt.datetime.combine(day, dt.time(0), event.tz)
    if EXCEL_SERIAL.fullmatch(s):
        moment = EXCEL_EPOCH + dt.timedelta(seconds=round(float(s) * 86_400))
        return moment.replace(tzinfo=event.tz) + ONE_MICROSECOND
    date_alone = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if date_alone:
        y, m, d = (int(x) for x in date_alone.groups())
        return dt.datetime.combine(dt.date(y, m, d) + dt.timedelta(days=1), dt.time(0), event.tz)
    if re.search(r"[:时分]\d(?!\d)", s):
        raise ValueError(s)  # '18:0': a minute of one digit is a file cut mid-cell, not 18:00
    if not re.search(r"\d[:时]\d\d", s):
        raise ValueError(s)  # '2020-09-07 18': an hour without its minutes, cut from 18:30?
    return parse_time(s, event.tz) + ONE_MICROSECOND


def outside_event(until: dt.datetime, said: str, event: Event) -> str | None:
    """Why no count of this event's gifts is as of `until` (a 统计时间 written `said`): it lies outside the event's
    days widened by `[import] margin_days`, the days a gift may have (a year mistyped, a picker left on today)."""
    if event.takes_from < until <= event.takes_until:
        return None
    first, last = event.takes_from.date(), (event.takes_until - dt.timedelta(days=1)).date()
    return both(
        f"统计时间 {said!r} 不在活动日期 {first} 至 {last} 之内",
        f"统计时间 {said!r} is outside the event's days ({first} to {last})",
    )


def stated(until: dt.datetime) -> dt.datetime:
    """The platform's time as it said it: a counted window's end without the microsecond that makes a gift at
    that very second count (a date alone stays its 24时, the next midnight)."""
    return until if until.microsecond == 0 else until - ONE_MICROSECOND


def project_lookup(projects: list[dict]) -> dict[str, str]:
    """The roster's project ids by id and by name, each as `name_key` reads it."""
    found: dict[str, str] = {}
    for p in projects:
        found[name_key(p["project_id"])] = p["project_id"]
        found[name_key(p["name"])] = p["project_id"]
    return found


def name_key(name: str) -> str:
    """A project as a download may write it: NFKC (full-width letters), no spaces anywhere (a re-typed name's
    "二七商圈 青春志愿行")."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def read_official(
    data: bytes,
    file_name: str,
    projects: list[dict],
    event: Event,
    until: dt.datetime | None = None,
    profile: TotalsProfile | None = None,
) -> list[OfficialRow]:
    """Every project's official figures in the file; `until` (`--as-of`) is every row's time, in place of any
    统计时间 column. Raises TotalsFileError naming the file, each bad line and its reason."""
    try:
        table = read_table(data, profiles=[_HeaderFinder(profile)])
        cols, formats = _columns(table.header, profile)
    except UnreadableFile as exc:
        raise TotalsFileError([f"{file_name}: {exc}"]) from None
    outside = None if until is None else outside_event(until, stated(until).isoformat(sep=" "), event)
    if outside:
        raise TotalsFileError([f"{file_name}: {outside}"])
    if "as_of" not in cols and until is None:
        raise TotalsFileError(
            [
                f"{file_name}: "
                + both(
                    f"没有 统计时间 列：请给出整个文件的统计时间（{AS_OF_WHERE_ZH}）",
                    f"no 统计时间 column: give the whole file's time ({AS_OF_WHERE_EN})",
                )
            ]
        )
    if table.n_rows == 0:
        raise TotalsFileError([f"{file_name}: " + both("没有数据行", "no rows of figures")])
    lookup = project_lookup(projects)
    cells = {f: table.columns[i].to_pylist() for f, i in cols.items()}
    lines = table.lines.to_pylist()
    rows, problems, seen = [], [], {}
    cut = not data.startswith(b"PK\x03\x04") and not data.rstrip(b" \t\x00").endswith((b"\n", b"\r"))
    for n in range(table.n_rows):
        line = lines[n]
        if not any(cells[f][n].strip() for f in cells) and not table.problems[n].as_py():
            continue  # a row Excel left with only commas
        why = _row(n, line, cells, lookup, formats, event, until, seen, table.problems[n].as_py(), cut)
        if isinstance(why, str):
            problems.append(f"{file_name}: {why}" if file_name == TYPED else f"{file_name}:{line}: {why}")
        else:
            rows.append(why)
            seen[why.project_id] = line
    if problems:
        raise TotalsFileError(problems)
    return rows


def _row(n, line, cells, lookup, formats, event, until, seen, problem, cut) -> OfficialRow | str:
    """One line as an OfficialRow, or the reason it cannot be one. `cut`: the file ends mid-line, so its last
    row's 统计时间 may be a date whose time is still to be written."""
    if problem:
        return problem
    name = cells["project"][n]
    pid = lookup.get(name_key(name))
    if not name.strip():
        return both("项目为空", "project is empty")
    if pid is None:
        return both(f"未知项目 {name!r}", f"unknown project {name!r}")
    if pid in seen:
        return both(f"项目 {name!r} 已在第 {seen[pid]} 行出现", f"project {name!r} is already on line {seen[pid]}")
    try:
        fen = parse_fen(cells["raised_yuan"][n], formats.thousands, formats.decimal)
    except AmountError as exc:
        return both(f"已筹金额：{exc.zh}", f"已筹金额 (amount raised): {exc.en}")
    count = unicodedata.normalize("NFKC", cells["donations"][n]).strip().replace(",", "")
    if not count:
        return both("捐款人次为空", "捐款人次 is empty")
    if not (count.isascii() and count.isdigit()):
        return both(
            f"捐款人次 {cells['donations'][n]!r} 不是整数", f"捐款人次 {cells['donations'][n]!r} is not a whole number"
        )
    moment = until
    if "as_of" in cells and until is None:
        try:
            moment = parse_moment(cells["as_of"][n], event)
        except ValueError:
            at = cells["as_of"][n]
            return both(f"统计时间 {at!r} 不是日期时间", f"统计时间 {at!r} is not a date and time (2020-09-07 21:00)")
        if cut and n == len(cells["as_of"]) - 1 and moment.microsecond == 0:
            at = cells["as_of"][n]
            return both(
                f"统计时间 {at!r} 没有时刻，且文件在行中结束：文件还在写入？",
                f"统计时间 {at!r} has no time of day and the file ends mid-line: is it still being written?",
            )
        outside = outside_event(moment, cells["as_of"][n], event)
        if outside:
            return outside
    return OfficialRow(line, pid, fen, int(count), moment)
