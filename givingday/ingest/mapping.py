"""Mapping a file no layout or profile recognises, as an organizer does on `/act`: the file's columns and first
rows, the organizer's choices made into a profile (TOML text, read back by the loader every profile on disk goes
through), a dry run that judges every row exactly as the import would and stores nothing, and saving the profile
with `match_headers` so the next such file is recognised on its own. See docs/formats.md, "The mapping screen".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from givingday import clock, config
from givingday.ingest import identity, statements
from givingday.ingest.formats import Table, UnreadableFile, detect_layout, read_table
from givingday.ingest.judge import Rejection, judge_rows
from givingday.ingest.profiles import (
    CREDITABLE,
    MAPPABLE,
    Profile,
    ProfileError,
    header_key,
    load_profile,
    load_profiles,
)
from givingday.store.database import Store


class MappingError(ValueError):
    """Why the choices cannot make a profile, or the profile cannot be saved; the message is shown as it is."""


# A profile's name is its file's name: letters (any script), digits, _ and -, so it can be no path.
NAME = re.compile(r"[^\W_][\w-]{0,59}")
EXAMPLE_TIME = dt.datetime(2020, 9, 7, 13, 5, 9)
# The ways of writing a time the screen offers (None: the import's own reading, ISO and 2020/9/7 and 年月日).
TIME_FORMATS = (None, "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S")
DATE_FORMATS = (None, "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d")
TIME_OF_DAY_FORMATS = (None, "%H:%M", "%H%M%S", "%I:%M:%S %p")
# A value the import reads without a format: it starts with a four-digit year.
_YEAR_FIRST = re.compile(r"\s*\d{4}\D")
# Words in a header that suggest a field, tried in this order; the organizer corrects what is guessed wrong.
HINTS = {
    "occurred_at": ("时间", "time", "日期", "date"),
    "amount_yuan": ("金额", "amount", "credit", "收入"),
    "donation_id": ("单号", "订单号", "交易号", "流水号", "编号", "id"),
    "donor_name": ("姓名", "昵称", "捐赠人", "付款人", "对方", "name"),
    "project": ("项目", "project"),
    "team": ("队伍", "team"),
    "site": ("点位", "site"),
    "channel": ("渠道", "channel"),
    "income": ("收/支", "收支", "income"),
}
# Values of the income column that suggest income.
INCOME_HINTS = ("收入", "income")
# Where a header after a preamble may be: the screen offers the first lines, and a saved profile looks this many
# lines further than this file's header, since a later export's preamble may be longer (more notes, a longer period).
HEADER_LINES = 40
HEADER_MARGIN = 20
MAX_HEADER_WITHIN = 200  # the most a profile's `[file] header_within` may say
# What a row the income filter sets aside is counted as (the profile's `[[filters]]` reason).
NOT_INCOME = "非收入 not income"
# How many of a column's values the screen offers as meaning income.
MAX_VALUES = 50


@dataclass
class Choices:
    """What the organizer chose: the column each field comes from (its header), the fixed value a field takes
    where no column gives it (`[credit]`), and how times and amounts are written."""

    columns: dict[str, str] = field(default_factory=dict)
    credit: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    time_format: str | None = None
    thousands: str = ","
    decimal: str = "."
    title: str = ""
    header_line: int = 1  # the line the header is on, after any preamble (the profile's `[file]`)
    income: tuple[str, tuple[str, ...]] | None = None  # the column that says which rows are income, and its values


@dataclass
class Unrecognised:
    table: Table
    reason: str  # what the import says of it: its columns, and the layouts it expected

    def first_rows(self, n: int = 10) -> list[list[str]]:
        """The first rows' cells under the header's columns (a row with more or fewer cells is cut or filled)."""
        width = len(self.table.header)
        return [(self.table.row_cells(i) + [""] * width)[:width] for i in range(min(n, self.table.n_rows))]

    def values(self, header: str, n: int = 20) -> list[str]:
        """The first `n` values of the column with this header, for guessing how they are written."""
        column = self.table.columns[self.table.header.index(header)]
        return column.slice(0, n).to_pylist()

    def distinct(self, header: str) -> list[str]:
        """The column's values (trimmed, as a filter compares them), most frequent first, at most MAX_VALUES."""
        column = pc.utf8_trim_whitespace(self.table.columns[self.table.header.index(header)])
        counts = pc.value_counts(column).to_pylist()
        return [c["values"] for c in sorted(counts, key=lambda c: -c["counts"])][:MAX_VALUES]

    def header_lines(self) -> list[tuple[int, list[str]]]:
        """The lines a header could be on, as first read (the first line as the header): each with its cells,
        when two or more of them say something."""
        lines = [(1, self.table.header)]
        lines += [
            (self.table.lines[i].as_py(), self.table.row_cells(i)) for i in range(min(HEADER_LINES, self.table.n_rows))
        ]
        return [(n, cells) for n, cells in lines if sum(bool(c.strip()) for c in cells) >= 2]

    def guess_header_line(self) -> int:
        """The first of the lines with the most cells filled: a preamble's lines say one thing each."""
        lines = self.header_lines()
        if not lines:
            return 1
        most = max(sum(bool(c.strip()) for c in cells) for _, cells in lines)
        return next(n for n, cells in lines if sum(bool(c.strip()) for c in cells) == most)

    @property
    def headers(self) -> list[str]:
        """The columns that can be mapped: a column is known by its header, so an empty one cannot."""
        return [h for h in self.table.header if h]


@dataclass
class DryRun:
    """What importing the file with the profile would do, judged now and stored nowhere."""

    rows_total: int
    gifts: pa.Table  # the new gifts, as the import would stage them
    duplicates: int  # rows the store or an earlier row of the file already holds
    rejections: list[Rejection]
    skipped: dict[str, int]  # rows the income filter set aside, by reason

    @property
    def amount_fen(self) -> int:
        return pc.sum(self.gifts.column("amount_fen")).as_py() or 0

    @property
    def matched_fen(self) -> int:
        return pc.sum(self.gifts.column("matched_fen")).as_py() or 0


def unrecognised(data: bytes, profiles_dir: Path | None = None) -> Unrecognised | None:
    """The file's table when it reads but nothing recognises it; None when it is recognised, or cannot be read
    at all (then the import says why, and no mapping helps)."""
    try:
        table = read_table(data)
    except UnreadableFile:
        return None
    try:
        detect_layout(table, profiles_dir=profiles_dir)
    except UnreadableFile as exc:
        return Unrecognised(table, str(exc))
    return None


def from_header_line(data: bytes, found: Unrecognised, line: int) -> Unrecognised:
    """The file read with its header on `line` (one of `found.header_lines()`), as a profile's `[file]` reads it."""
    if line == 1:
        return found
    cells = dict(found.header_lines())[line]
    probe = Profile(
        name="header",
        path=Path("header.toml"),
        title="",
        columns={},
        match_headers=[c.strip() for c in cells if c.strip()],
        shape=statements.FileShape(header_within=line),
    )
    return Unrecognised(read_table(data, [probe]), found.reason)


def guess(headers: list[str]) -> dict[str, str]:
    """A first mapping from the headers' words, each column for one field at most."""
    guessed: dict[str, str] = {}
    for f, words in HINTS.items():
        found = next((h for w in words for h in headers if h not in guessed.values() and w in header_key(h)), None)
        if found:
            guessed[f] = found
    return guessed


def guess_income(values: list[str]) -> list[str]:
    """The values of an income column that say income, as far as their words tell."""
    return [v for v in values if any(w in header_key(v) for w in INCOME_HINTS)]


def guess_format(values: list[str], formats: tuple[str | None, ...]) -> str | None:
    """The one of `formats` that reads the most of the values given (a mistyped row does not hide the others'
    format); None, the import's own reading, when most start with the year or no format reads any."""
    values = [v for v in values if v]
    if not values or 2 * sum(bool(_YEAR_FIRST.match(v)) for v in values) > len(values):
        return None
    best, most = None, 0
    for fmt in formats:
        read = sum(_reads(v, fmt) for v in values) if fmt else 0
        if read > most:
            best, most = fmt, read
    return best


def _reads(value: str, fmt: str) -> bool:
    try:
        dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _string(s: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's."""
    return json.dumps(s, ensure_ascii=False)


def profile_toml(choices: Choices, headers: list[str]) -> str:
    """The profile as a file, its fields in the documented order: its `match_headers` are every column of this
    file, so only such files match it."""
    seen: dict[str, str] = {}
    for h in headers:
        seen.setdefault(header_key(h), h)
    lines = [
        "# Saved from the mapping screen on /act (docs/formats.md).",
        f"title = {_string(choices.title)}",
        f"match_headers = [{', '.join(_string(h) for h in seen.values())}]",
        "",
        "[columns]",
        *(f"{f} = {_string(choices.columns[f])}" for f in MAPPABLE if choices.columns.get(f)),
        "",
        "[parse]",
        *(
            f"{k} = {_string(v)}"
            for k, v in (("date_format", choices.date_format), ("time_format", choices.time_format))
            if v
        ),
        f"thousands = {_string(choices.thousands)}",
        f"decimal = {_string(choices.decimal)}",
        "",
        "[credit]",
        *(f"{f} = {_string(choices.credit[f])}" for f in CREDITABLE if choices.credit.get(f)),
    ]
    if choices.header_line > 1:
        lines += ["", "[file]", f"header_within = {min(choices.header_line + HEADER_MARGIN, MAX_HEADER_WITHIN)}"]
    if choices.income:
        column, values = choices.income
        lines += [
            "",
            "[[filters]]",
            f"column = {_string(column)}",
            f"include = [{', '.join(_string(v) for v in values)}]",
            f"reason = {_string(NOT_INCOME)}",
        ]
    return "\n".join(lines) + "\n"


def _check(choices: Choices) -> None:
    """What every mapping needs, said to the organizer before the loader says it to an engineer."""
    mapped = {f for f, c in choices.columns.items() if c}
    if "occurred_at" not in mapped and "date" not in mapped:
        raise MappingError("请选择时间列（或日期列）。Choose the column with the time (or the date).")
    if "amount_yuan" not in mapped:
        raise MappingError("请选择金额列。Choose the column with the amount.")
    if "project" not in mapped and not choices.credit.get("project"):
        raise MappingError("请选择项目列，或选定一个项目。Choose the project's column, or one project for every row.")
    if choices.income and not choices.income[1]:
        raise MappingError(
            f"请选择「{choices.income[0]}」列中表示收入的值。Choose the values of {choices.income[0]!r} that mean income."
        )


def suggest_name(file_name: str) -> str:
    """A profile's name from the file's: its stem with whatever a name may not hold made `_`."""
    stem = re.sub(r"[^\w-]+", "_", Path(file_name).stem).strip("_-")[:60]
    return stem if NAME.fullmatch(stem) else "mapped"


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.fullmatch(name):
        raise MappingError(
            f"配置名 {name!r} 不可用：只能用字母、数字、_ 和 -（不超过 60 个字符）。"
            "A profile's name is letters, digits, _ and - (at most 60)."
        )
    return name


def build(name: str, choices: Choices, headers: list[str], folder: Path | None = None) -> tuple[str, Profile]:
    """The profile's TOML text and the profile as the loader reads it from a file (so the screen is held to the
    same rules as a profile written by hand)."""
    name = check_name(name)
    _check(choices)
    text = profile_toml(dataclasses.replace(choices, title=choices.title.strip() or name), headers)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            raise MappingError(f"配置无效 Invalid profile: {str(exc).replace(str(path), f'{name}.toml')}") from None
    return text, dataclasses.replace(profile, path=(folder or config.profiles_dir()) / f"{name}.toml")


def dry_run(store: Store, table: Table, profile: Profile, board: clock.BoardTime | None = None) -> DryRun:
    """Judge every row as `batch.import_bytes` would, on a connection that only reads: the new gifts (neither
    stored already nor repeated in the file), the duplicates, the rows skipped as not income and the rejected
    rows. Raises UnreadableFile when the profile cannot read the file (a column mapped twice, a header it lacks)."""
    layout = detect_layout(table, profile)
    with store.engine.connect() as conn:
        judged = judge_rows(store, conn, table, layout, board)
        held = identity.stored(conn, judged.gifts.column("donation_id").combine_chunks())
    return DryRun(
        rows_total=table.n_rows,
        gifts=judged.gifts.filter(pc.invert(held)),
        duplicates=judged.duplicates + pc.sum(held.cast(pa.int64())).as_py(),
        rejections=judged.rejections,
        skipped=judged.skipped,
    )


def save(name: str, choices: Choices, headers: list[str], folder: Path | None = None, replace: bool = False) -> Profile:
    """Write the profile as `folder/NAME.toml` (default: `config.profiles_dir()`). An existing profile of that
    name is replaced only when `replace` says so; another profile that matches these columns is refused, since
    it, not this one, would be chosen for the next such file."""
    folder = folder or config.profiles_dir()
    text, profile = build(name, choices, headers, folder)
    path = profile.path
    rivals = [p.name for p in load_profiles(folder) if p.name != profile.name and p.matches(headers)]
    if rivals:
        raise MappingError(
            f"导入配置 {rivals[0]} 也匹配这些列，下次会先选它：请用它的名字保存以替换它。"
            f"Profile {rivals[0]!r} matches these columns too and would be chosen: save under its name to replace it."
        )
    folder.mkdir(parents=True, exist_ok=True)
    if not replace:
        try:
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
        except FileExistsError:
            raise MappingError(
                f"已有名为 {profile.name} 的导入配置：换一个名字，或确认替换。"
                f"A profile named {profile.name!r} exists: choose another name, or confirm replacing it."
            ) from None
    else:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return load_profile(path)
