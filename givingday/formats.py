"""Reading a donation file, whatever its shape: bytes -> text or workbook -> header and rows -> a mapping.

The format is found from the content (magic bytes, encoding, header), never from the file name, because
files reach us renamed by browsers, e-mail and Excel. See README, "Formats".
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from givingday.profiles import Profile, load_profiles


class UnreadableFile(ValueError):
    """The file as a whole cannot be taken: nothing from it is stored. The message says why."""


# Canonical field -> meaning. Every reader maps its columns onto these names.
FIELDS = (
    "donation_id", "occurred_at", "date", "time_of_day", "amount_yuan", "matched_yuan", "project",
    "team", "site", "channel", "donor_name", "donor_id", "reference", "memo",
)  # fmt: skip

CANONICAL_REQUIRED = ("occurred_at", "amount_yuan", "project")
CANONICAL_COLUMNS = (
    "donation_id", "occurred_at", "amount_yuan", "matched_yuan", "project", "team", "site",
    "channel", "donor_name", "donor_id", "reference", "memo",
)  # fmt: skip

# Platform export (Chinese headers). Keys are normalised headers (see _norm_header).
PLATFORM_COLUMNS = {
    "订单号": "donation_id",
    "捐款时间": "occurred_at",
    "昵称": "donor_name",
    "捐赠金额(元)": "amount_yuan",
    "捐赠金额": "amount_yuan",
    "配捐金额(元)": "matched_yuan",
    "配捐金额": "matched_yuan",
    "项目名称": "project",
    "一起捐队伍": "team",
    "渠道": "channel",
    "点位": "site",
    "公共区域": "site",
    "用户id": "donor_id",
}
PLATFORM_REQUIRED = ("occurred_at", "amount_yuan", "project")


@dataclass
class RawRow:
    line: int
    cells: list[str]
    problem: str | None = None


@dataclass
class Table:
    """What a file holds, before any row is judged."""

    file_format: str  # e.g. "csv/utf-8", "xlsx"
    header: list[str]
    rows: list[RawRow]


@dataclass
class Layout:
    """How the table's columns map onto canonical fields, and how to read their values."""

    name: str  # "canonical", "platform" or "profile:<name>"
    columns: dict[str, int]  # canonical field -> column index
    id_namespace: str
    date_format: str | None = None
    time_format: str | None = None
    thousands: str = ","
    decimal: str = "."
    defaults: dict[str, str] = field(default_factory=dict)
    personal_columns: set[int] = field(default_factory=set)
    profile: Profile | None = None


def _norm_header(h: str) -> str:
    h = unicodedata.normalize("NFKC", h or "").strip().lstrip("\ufeff").strip()
    return h.replace(" ", "")


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode CSV/JSON text: BOMs first, then UTF-8, then GB18030 (a superset of GBK, Excel's default here)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}: binary content, not a CSV, JSON Lines or XLSX file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pos = utf8_error.start
        raise UnreadableFile(
            f"{name}: text is neither UTF-8 nor GBK/GB18030 (undecodable byte 0x{data[pos]:02x} at offset {pos})"
        ) from None


def _csv_table(text: str, encoding: str) -> Table:
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";", "|"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[RawRow] = []
    prev = 0
    try:
        for cells in reader:
            start = prev + 1
            prev = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            cells = [c.strip() for c in cells]
            problem = None
            if len(cells) != len(header):
                problem = (
                    f"{len(cells)} fields where the header has {len(header)}"
                    + (" (an unquoted comma inside an amount or memo?)" if len(cells) > len(header) else "")
                )
            rows.append(RawRow(start, cells, problem))
    except csv.Error as exc:
        raise UnreadableFile(f"line {reader.line_num}: broken CSV ({exc})") from None
    if header is None:
        raise UnreadableFile("no header row")
    return Table(f"csv/{encoding}", header, rows)


def _jsonl_table(text: str, encoding: str) -> Table:
    keys: list[str] = []
    objects: list[tuple[int, dict | None, str | None]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            objects.append((n, None, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            objects.append((n, None, "not a JSON object"))
            continue
        for k in obj:
            if k not in keys:
                keys.append(k)
        objects.append((n, obj, None))
    rows = []
    for n, obj, problem in objects:
        if obj is None:
            rows.append(RawRow(n, [""] * len(keys), problem))
        else:
            rows.append(RawRow(n, ["" if obj.get(k) is None else str(obj.get(k)) for k in keys]))
    return Table(f"jsonl/{encoding}", keys, rows)


def _xlsx_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
    return str(v).strip()


def _xlsx_table(data: bytes) -> Table:
    import openpyxl  # only when a workbook arrives: it is slow to import

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged zip
        raise UnreadableFile(f"a zip file but not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        ws = wb.worksheets[0]
        header: list[str] | None = None
        rows: list[RawRow] = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            cells = (cells + [""] * len(header))[: max(len(header), len(cells))]
            extra = [c for c in cells[len(header) :] if c]
            rows.append(RawRow(n, cells[: len(header)], "cells beyond the header's columns" if extra else None))
    finally:
        wb.close()
    if header is None:
        raise UnreadableFile("the first sheet is empty")
    return Table("xlsx", header, rows)


def read_table(data: bytes) -> Table:
    """Bytes to a table. Raises UnreadableFile (without a file name: the caller adds it)."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_table(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("an old Excel .xls workbook: save it as .xlsx or CSV")
    if data.startswith(b"%PDF"):
        raise UnreadableFile("a PDF document, not a data file")
    text, encoding = decode_text(data, "")
    if text.lstrip().startswith("{"):
        return _jsonl_table(text, encoding)
    return _csv_table(text, encoding)


def detect_layout(table: Table, profile: Profile | None = None, profiles_dir: Path | None = None) -> Layout:
    """Which layout the header matches: an explicit profile, canonical, platform, or a matching profile."""
    header = [_norm_header(h) for h in table.header]
    index = {h: i for i, h in enumerate(header)}
    lower = {h.lower(): i for i, h in enumerate(header)}
    if profile is not None:
        return profile.layout(table.header)

    if all(f in lower for f in CANONICAL_REQUIRED):
        cols = {f: lower[f] for f in CANONICAL_COLUMNS if f in lower}
        personal = {lower[c] for c in ("donor_name", "donor_id") if c in lower}
        return Layout("canonical", cols, "canonical", personal_columns=personal)

    cols = {}
    for h, i in index.items():
        f = PLATFORM_COLUMNS.get(h) or PLATFORM_COLUMNS.get(h.lower())
        if f and f not in cols:
            cols[f] = i
    if all(f in cols for f in PLATFORM_REQUIRED):
        personal = {cols[c] for c in ("donor_name", "donor_id") if c in cols}
        return Layout("platform", cols, "platform", personal_columns=personal)

    for candidate in load_profiles(profiles_dir):
        if candidate.matches(table.header):
            return candidate.layout(table.header)

    shown = ", ".join(h for h in table.header[:12] if h) or "(none)"
    raise UnreadableFile(
        f"not a recognised donation file: its columns are {shown}. Expected the canonical columns "
        f"({', '.join(CANONICAL_REQUIRED)} …), the platform export (捐款时间, 捐赠金额(元), 项目名称 …), "
        "or an import profile (--profile NAME)"
    )


def iter_fields(table: Table, layout: Layout) -> Iterator[tuple[RawRow, dict[str, str]]]:
    cols = list(layout.columns.items())
    for row in table.rows:
        cells = row.cells
        n = len(cells)
        yield row, {f: (cells[i] if i < n else "") for f, i in cols}
