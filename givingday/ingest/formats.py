"""Reading a donation file, whatever its shape: bytes -> text or workbook -> header and rows -> a mapping.

The format is found from the content (magic bytes, encoding, header), never from the file name, because
files reach us renamed by browsers, e-mail and Excel. See docs/formats.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from givingday.ingest import statements
from givingday.ingest.profiles import (
    MAPPABLE,
    Profile,
    ValueFormats,
    header_columns,
    load_profiles,
    one_column,
    personal_columns,
)
from givingday.labels import both


class UnreadableFile(ValueError):
    """The file as a whole cannot be taken: nothing from it is stored. The message says why."""


# A file in the canonical layout has columns named for the fields (`profiles.MAPPABLE`), all but the split
# date and time of day, which only a profile maps.
CANONICAL_COLUMNS = tuple(f for f in MAPPABLE if f not in ("date", "time_of_day"))
# The fields a canonical file or a platform export must have; a profile says its own (`profiles.REQUIRED`).
REQUIRED_FIELDS = ("occurred_at", "amount_yuan", "project")

# Platform export (Chinese headers). Keys are as `header_key` makes them.
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
    "留言": "message",
    "捐赠留言": "message",
    "备注": "message",
}


@dataclass
class Table:
    """What a file holds, before any row is judged: column-major, every cell a string ("" when empty)."""

    file_format: str  # e.g. "csv/utf-8", "xlsx"
    header: list[str]
    columns: list[pa.Array]  # one string array per header column
    lines: pa.Array  # int64: the line (or sheet row) each row starts on
    problems: pa.Array  # string or null: why a row cannot be read at all
    raw_cells: dict[int, list[str]] = field(default_factory=dict)  # rows whose cells did not fit the header

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def row_cells(self, i: int) -> list[str]:
        if i in self.raw_cells:
            return self.raw_cells[i]
        return [c[i].as_py() for c in self.columns]


def _from_rows(file_format: str, header: list[str], rows: list[tuple[int, list[str], str | None]]) -> Table:
    """Build a Table from row-major cells, fitting each row to the header and noting rows that do not fit."""
    width = len(header)
    raw: dict[int, list[str]] = {}
    fitted = []
    for i, (_line, cells, problem) in enumerate(rows):
        if len(cells) != width or problem:
            raw[i] = cells
            cells = (cells + [""] * width)[:width]
        fitted.append(cells)
    columns = (
        [pa.array(list(col), pa.string()) for col in zip(*fitted, strict=True)]
        if fitted
        else [pa.array([], pa.string()) for _ in header]
    )
    return Table(
        file_format,
        header,
        columns,
        pa.array([r[0] for r in rows], pa.int64()),
        pa.array([r[2] for r in rows], pa.string()),
        raw,
    )


@dataclass
class Layout:
    """How the table's columns map onto canonical fields, and how to read their values."""

    name: str  # "canonical", "platform" or "profile:<name>"
    columns: dict[str, int]  # canonical field -> column index
    id_namespace: str  # how ids made from the cells as written began (`identity.legacy_ids`)
    formats: ValueFormats = ValueFormats()
    defaults: dict[str, str] = field(default_factory=dict)
    personal_columns: set[int] = field(default_factory=set)
    profile: Profile | None = None
    identity: tuple[int, ...] | None = None  # the columns a profile says identify a row; None: what it means


# A file in the canonical layout or the platform export may come with a title or notes above its header (导出时间…,
# a sheet's merged title row): its header is looked for within this many lines (or a sheet's filled rows).
HEADER_WITHIN = 30


def _platform_fields(index: dict[str, list[int]]) -> dict[str, list[int]]:
    """Each field the platform export's headers give (`index` as `header_columns` makes it), and its columns."""
    given: dict[str, list[int]] = {}
    for h, columns in index.items():
        f = PLATFORM_COLUMNS.get(h)
        if f:
            given.setdefault(f, []).extend(columns)
    return given


@dataclass(frozen=True)
class _GiftHeader:
    """Looked for after every profile's `[file]`, as one more: the first of a file's first HEADER_WITHIN lines
    that `detect_layout` takes without being told, the canonical layout's, the platform export's, or the header of
    one of `profiles` with no `[file]` of its own. The file is read from that line; its line numbers stay the
    file's own."""

    profiles: tuple[Profile, ...]
    shape: statements.FileShape = statements.FileShape(header_within=HEADER_WITHIN)

    def matches(self, header: list[str]) -> bool:
        index = header_columns(header)
        return (
            all(f in index for f in REQUIRED_FIELDS)
            or all(f in _platform_fields(index) for f in REQUIRED_FIELDS)
            or any(p.shape is None and p.matches(header) for p in self.profiles)
        )


# Text with a stray NUL here and there (a padded field from a bank's system) is still text, and the NULs go;
# more than one byte in this many is a binary file (or UTF-16 without its BOM), refused.
BINARY_NUL_SHARE = 64
# The word of a sheet's own total row (合计 / 总计 / Total / Sum), which names no project, site or gift: a cell that
# is this word alone, spaces, quotes or a colon beside it.
TOTAL_WORD = r"[\s\"']*(?:合\s*计|总\s*计|(?i:total|sum))[\s\"'：:]*"


def _without_nul(text: str) -> str:
    return text.replace("\x00", "")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV/JSON text: BOMs first, then UTF-8, then GB18030 (a superset of GBK, Excel's default here)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return _without_nul(data[3:].decode("utf-8", errors="strict")), "utf-8-sig"
        except UnicodeDecodeError as exc:
            byte, at = data[3 + exc.start], 3 + exc.start
            raise UnreadableFile(
                both(
                    f"标记为 UTF-8 文本，但第 {at} 个字节 0x{byte:02x} 不是 UTF-8",
                    f"marked as UTF-8 text but byte 0x{byte:02x} at offset {at} is not UTF-8",
                )
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _without_nul(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile(
                both("标记为 UTF-16 文本，但无法按 UTF-16 解码", "marked as UTF-16 text but cannot be decoded as such")
            ) from None
    head = data[:4096]
    if head.count(b"\x00") * BINARY_NUL_SHARE > len(head):
        raise UnreadableFile(
            both("二进制内容，不是 CSV、JSON Lines 或 XLSX 文件", "binary content, not a CSV, JSON Lines or XLSX file")
        )
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pos = utf8_error.start
        raise UnreadableFile(
            both(
                f"文本既不是 UTF-8 也不是 GBK/GB18030（第 {pos} 个字节 0x{data[pos]:02x} 无法解码）",
                f"text is neither UTF-8 nor GBK/GB18030 (undecodable byte 0x{data[pos]:02x} at offset {pos})",
            )
        ) from None


def _fast_csv(body: bytes, delimiter: str) -> Table | None:
    """pyarrow's CSV reader of the text's UTF-8 bytes, when every record is one line (then line numbers are
    exact); else None."""
    bad_rows = []

    def on_bad_row(row: object) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        t = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                auto_dict_encode=False,
                check_utf8=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    physical = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if bad_rows or t.num_rows < 1 or t.num_rows != physical or any(not pa.types.is_string(c.type) for c in t.columns):
        return None
    header = [c[0].as_py().strip() for c in t.columns]
    columns = [pc.utf8_trim_whitespace(c.combine_chunks().slice(1)) for c in t.columns]
    n = t.num_rows - 1
    return Table("", header, columns, pa.array(np.arange(2, n + 2)), pa.nulls(n, pa.string()))


def _csv_table(text: str, encoding: str, utf8: bytes | None = None) -> Table:
    """The table of a CSV text; `utf8` is the text's UTF-8 bytes when the caller has them (the file's own)."""
    delimiter = statements.delimiter_of(text[: text.find("\n")] if "\n" in text else text)
    fast = _fast_csv(text.encode("utf-8") if utf8 is None else utf8, delimiter)
    if fast is not None:
        fast.file_format = f"csv/{encoding}"
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str], str | None]] = []
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
                extra = len(cells) > len(header)
                problem = both(
                    f"本行 {len(cells)} 列，表头 {len(header)} 列"
                    + ("（金额或备注里有未加引号的逗号？）" if extra else ""),
                    f"{len(cells)} fields where the header has {len(header)}"
                    + (" (an unquoted comma inside an amount or memo?)" if extra else ""),
                )
            rows.append((start, cells, problem))
    except csv.Error as exc:
        raise UnreadableFile(
            both(f"第 {reader.line_num} 行：CSV 格式损坏（{exc}）", f"line {reader.line_num}: broken CSV ({exc})")
        ) from None
    if header is None:
        raise UnreadableFile(both("没有表头行", "no header row"))
    return _from_rows(f"csv/{encoding}", header, rows)


def _json_document_as_lines(text: str) -> str:
    """A file (or an API post) holding one JSON document, a gift or an array of gifts, as JSON Lines, one gift a
    line (an array's Nth gift is its line N); JSON Lines as they are, each line judged on its own."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            where = f"{exc.msg}: line {exc.lineno} column {exc.colno}"
            raise UnreadableFile(both(f"不是有效的 JSON（{where}）", f"not valid JSON ({where})")) from None
        return text
    gifts = doc if isinstance(doc, list) else [doc]
    return "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gifts)


def _jsonl_table(text: str, encoding: str) -> Table:
    keys: list[str] = []
    objects: list[tuple[int, dict | None, str | None]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            objects.append((n, None, both(f"不是有效的 JSON（{exc.msg}）", f"not valid JSON ({exc.msg})")))
            continue
        if not isinstance(obj, dict):
            objects.append((n, None, both("不是 JSON 对象", "not a JSON object")))
            continue
        for k in obj:
            if k not in keys:
                keys.append(k)
        objects.append((n, obj, None))
    rows = []
    for n, obj, problem in objects:
        if obj is None:
            rows.append((n, [""] * len(keys), problem))
        else:
            rows.append((n, ["" if obj.get(k) is None else str(obj.get(k)).strip() for k in keys], None))
    return _from_rows(f"jsonl/{encoding}", keys, rows)


def _xlsx_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):  # a duration-formatted cell: as the clock time it shows
        return (dt.datetime.min + v).time().isoformat() if dt.timedelta(0) <= v < dt.timedelta(days=1) else str(v)
    return str(v).strip()


# What one workbook may cost. A zip can hold far more than it weighs (2 MB of whitespace cells once unpacked to
# gigabytes in memory); these bound the unpacked parts and the cells read, and a workbook beyond them is refused.
MAX_XLSX_UNPACKED_BYTES = 256 * 2**20
MAX_XLSX_CELLS = 20_000_000
MAX_XLSX_COLUMNS = 200


def _check_workbook_size(data: bytes) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(_not_a_workbook(exc)) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        size, most = f"{unpacked / 2**20:,.0f} MB", f"{MAX_XLSX_UNPACKED_BYTES / 2**20:,.0f} MB"
        raise UnreadableFile(
            both(
                f"工作簿解压后有 {size}，超过单个文件上限 {most}；请把工作表另存为 CSV",
                f"the workbook unpacks to {size}, more than the {most} one file may take; save the sheet as CSV",
            )
        )


def _not_a_workbook(exc: Exception) -> str:
    kind = type(exc).__name__
    return both(
        f"是 zip 文件，但不是可读的 XLSX 工作簿（{kind}）", f"a zip file but not a readable XLSX workbook ({kind})"
    )


def _xlsx_table(data: bytes, profiles: list[Profile]) -> Table:
    import openpyxl  # only when a workbook arrives: it is slow to import

    _check_workbook_size(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged zip
        raise UnreadableFile(_not_a_workbook(exc)) from None
    try:
        ws = wb.worksheets[0]
        filled: list[tuple[int, list[str]]] = []  # the rows with anything in them, and their row numbers
        cells_read = 0
        for n, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_XLSX_COLUMNS), start=1):
            cells_read += len(values)
            if cells_read > MAX_XLSX_CELLS:
                raise UnreadableFile(
                    both(
                        f"工作表超过 {MAX_XLSX_CELLS:,} 个单元格（第 {n} 行）；请把需要的行另存为 CSV",
                        f"the sheet has more than {MAX_XLSX_CELLS:,} cells (row {n}); save the rows that matter as CSV",
                    )
                )
            cells = [_xlsx_cell(v) for v in values]
            if any(cells):
                filled.append((n, cells))
    finally:
        wb.close()
    if not filled:
        raise UnreadableFile(both("第一个工作表是空的", "the first sheet is empty"))
    start, stop = statements.sheet_span([cells for _, cells in filled], profiles)
    header = filled[start][1]
    while len(header) > 1 and not header[-1]:
        header.pop()
    rows: list[tuple[int, list[str], str | None]] = []
    for n, cells in filled[start + 1 : stop]:
        extra = [c for c in cells[len(header) :] if c]
        cells = (cells + [""] * len(header))[: len(header)]
        rows.append((n, cells, "cells beyond the header's columns" if extra else None))
    return _from_rows("xlsx", header, rows)


# A JSON document or JSON Lines: the first character after any whitespace (what `str.strip` takes) opens one.
_JSON_START = re.compile(r"\s*[{\[]")


# An .xlsx saved with a password is an OLE compound file (as an old .xls is) holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def read_table(data: bytes, profiles: list[Profile] | None = None) -> Table:
    """Bytes to a table. Raises UnreadableFile (without a file name: the caller adds it).

    A text file or sheet whose header row one of `profiles` finds after a preamble (its `[file]`) is read from
    that row to its footer; one whose header `detect_layout` takes alone (`_GiftHeader`), from that row. The line
    numbers stay the file's own."""
    if not data or data.isspace():
        raise UnreadableFile(both("文件是空的", "the file is empty"))
    profiles = load_profiles() if profiles is None else profiles
    finder = _GiftHeader(tuple(profiles))
    profiles = [*profiles, finder]
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_table(data, profiles)
    if data.startswith(b"\xd0\xcf\x11\xe0") and _ENCRYPTED_PACKAGE in data:
        raise UnreadableFile(
            both(
                "一个设有密码的 Excel 工作簿：请去掉密码后另存为 .xlsx 或 CSV",
                "a password-protected Excel workbook: remove its password, then save it as .xlsx or CSV",
            )
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            both("旧版 Excel .xls 工作簿：请另存为 .xlsx 或 CSV", "an old Excel .xls workbook: save it as .xlsx or CSV")
        )
    if data.startswith(b"%PDF"):
        raise UnreadableFile(both("PDF 文档，不是数据文件", "a PDF document, not a data file"))
    text, encoding = decode_text(data)
    if _JSON_START.match(text):
        return _jsonl_table(_json_document_as_lines(text), encoding)
    located = statements.locate(data, text, encoding, profiles)
    if located is None or (located.profile is finder and located.lines_before == 0):  # the file as it is
        return _csv_table(text, encoding, data if encoding == "utf-8" and b"\x00" not in data else None)
    table = _csv_table(located.text, located.encoding)
    table.lines = pc.add(table.lines, located.lines_before)
    return statements.without_empty_last_column(table)


def detect_layout(
    table: Table,
    profile: Profile | None = None,
    profiles_dir: Path | None = None,
    profiles: list[Profile] | None = None,
) -> Layout:
    """Which layout the header matches: an explicit profile, canonical, platform, or a matching profile (of
    `profiles`, else those in `profiles_dir`)."""
    index = header_columns(table.header)
    if profile is not None:
        if profile.shape is not None and not profile.matches(table.header):
            raise UnreadableFile(
                f"profile {profile.name!r} finds its header row by the columns {', '.join(profile.match_headers)},"
                f" and none of the file's first {profile.shape.header_within} lines has them all"
            )
        return profile.layout(table.header)

    if all(f in index for f in REQUIRED_FIELDS):
        cols = {f: one_column(table.header, f, index[f]) for f in CANONICAL_COLUMNS if f in index}
        return Layout("canonical", cols, "canonical", personal_columns=personal_columns(cols))

    cols = {f: one_column(table.header, f, sorted(columns)) for f, columns in _platform_fields(index).items()}
    if all(f in cols for f in REQUIRED_FIELDS):
        return Layout("platform", cols, "platform", personal_columns=personal_columns(cols))

    for candidate in load_profiles(profiles_dir) if profiles is None else profiles:
        if candidate.matches(table.header):
            return candidate.layout(table.header)

    shown = ", ".join(h for h in table.header[:12] if h) or "(none)"
    raise UnreadableFile(
        both(
            f"无法识别的捐款文件：它的列是 {shown}。应为标准格式、平台导出（捐款时间、捐赠金额(元)、项目名称……）"
            "或按导入配置读取（页面上的“导入配置”，命令行的 --profile NAME）",
            f"not a recognised donation file: its columns are {shown}. Expected the canonical columns "
            f"({', '.join(REQUIRED_FIELDS)} …), the platform export (捐款时间, 捐赠金额(元), 项目名称 …), "
            "or an import profile (the page's “导入配置” box, the command line's --profile NAME)",
        )
    )
