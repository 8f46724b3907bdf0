"""Bills and statements: a profile's `[file]`, `[[filters]]` and `[refunds]`, applied as data.

A payment channel's bill (WeChat Pay, Alipay) or a bank statement is not a table from its first line: a preamble
comes before the header, cells are padded, a footer of summary lines follows the rows, expense and neutral rows
sit among the income, and a refund shows as a column or in a status. A profile says each of these, so another
channel's statement is a profile, not a change here. See docs/formats.md, "Bills and statements".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from givingday.labels import both
from givingday.money import AmountError, format_yuan, parse_fen

if TYPE_CHECKING:
    from givingday.ingest.formats import Layout, Table
    from givingday.ingest.profiles import Profile

ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030"}
FILE_KEYS = {"header_within", "footer", "encoding"}
FILTER_KEYS = {"column", "include", "skip", "reason"}
REFUND_KEYS = {"column", "status_column", "full", "partial"}


class StatementError(ValueError):
    """A profile's `[file]`, `[[filters]]` or `[refunds]` that cannot be used (the message names the key)."""


@dataclass(frozen=True)
class FileShape:
    """Where a file's table lies: the header within its first lines, the rows until a footer."""

    header_within: int = 1
    footer: re.Pattern[str] | None = None
    encoding: str | None = None  # "utf-8" or "gb18030": how the profile's files are written


@dataclass(frozen=True)
class RowFilter:
    """Rows kept (`include`) or skipped (`skip`) by one column's value; a skipped row is counted, not rejected."""

    column: str
    values: frozenset[str]
    include: bool
    reason: str

    def skips(self, value: str) -> bool:
        return (value in self.values) != self.include


@dataclass(frozen=True)
class RefundRule:
    """How a row says its money went back: an amount column, or a status (in full, or part with the amount)."""

    column: str | None = None
    status_column: str | None = None
    full: re.Pattern[str] | None = None
    partial: re.Pattern[str] | None = None

    def columns(self) -> list[str]:
        return [c for c in (self.column, self.status_column) if c]


def _unknown(table: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise StatementError(f"unknown key(s) in {where}: {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def _table(raw: object, known: set[str], where: str) -> dict:
    """A profile's table `where` with only the keys it may have."""
    if not isinstance(raw, dict):
        raise StatementError(f"{where} must be a table")
    _unknown(raw, known, where)
    return raw


def _pattern(text: object, where: str) -> re.Pattern[str]:
    if not isinstance(text, str) or not text:
        raise StatementError(f"{where} must be a regular expression in a string")
    try:
        return re.compile(text)
    except re.error as exc:
        raise StatementError(f"{where} is not a regular expression ({exc})") from None


def file_shape(raw: object) -> FileShape | None:
    if raw is None:
        return None
    raw = _table(raw, FILE_KEYS, "[file]")
    within = raw.get("header_within", 1)
    if not isinstance(within, int) or isinstance(within, bool) or not 1 <= within <= 200:
        raise StatementError("[file] header_within must be a whole number of lines from 1 to 200")
    encoding = raw.get("encoding")
    if encoding is not None and str(encoding).lower() not in ENCODINGS:
        raise StatementError(f"[file] encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    footer = raw.get("footer")
    return FileShape(
        header_within=within,
        footer=None if footer is None else _pattern(footer, "[file] footer"),
        encoding=None if encoding is None else ENCODINGS[str(encoding).lower()],
    )


def row_filters(raw: object) -> tuple[RowFilter, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise StatementError('filters must be [[filters]] tables: column = "…", include = ["…"], reason = "…"')
    filters = []
    for n, f in enumerate(raw, start=1):
        where = f"[[filters]] number {n}"
        _unknown(f, FILTER_KEYS, where)
        if ("include" in f) == ("skip" in f):
            raise StatementError(f"{where} must have either include or skip (a list of the column's values)")
        values = f.get("include", f.get("skip"))
        column, reason = f.get("column"), f.get("reason")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise StatementError(f"{where}: include or skip must be a list of texts")
        if not isinstance(column, str) or not column or not isinstance(reason, str) or not reason.strip():
            raise StatementError(f"{where} needs a column and a reason (shown with the count of rows skipped)")
        filters.append(RowFilter(column, frozenset(v.strip() for v in values), "include" in f, reason.strip()))
    return tuple(filters)


def refund_rule(raw: object) -> RefundRule | None:
    if raw is None:
        return None
    raw = _table(raw, REFUND_KEYS, "[refunds]")
    column, status = raw.get("column"), raw.get("status_column")
    if (column is None) == (status is None):
        raise StatementError("[refunds] names either column (the amount refunded) or status_column with patterns")
    if column is not None:
        if not isinstance(column, str) or not column or "full" in raw or "partial" in raw:
            raise StatementError("[refunds] column is a column's name, and takes no full or partial pattern")
        return RefundRule(column=column)
    if not isinstance(status, str) or not status or not ({"full", "partial"} & set(raw)):
        raise StatementError("[refunds] status_column needs a column's name and a full or partial pattern")
    partial = None if "partial" not in raw else _pattern(raw["partial"], "[refunds] partial")
    if partial is not None and "amount" not in partial.groupindex:
        raise StatementError("[refunds] partial must capture the amount refunded as (?P<amount>…)")
    full = None if "full" not in raw else _pattern(raw["full"], "[refunds] full")
    return RefundRule(status_column=status, full=full, partial=partial)


def statement_columns(profile: Profile) -> list[tuple[str, str]]:
    """Every column the profile's filters and refund rule read, with what reads it (for the missing-column error)."""
    named = [(f.column, "a filter") for f in profile.filters]
    if profile.refunds is not None:
        named += [(c, "[refunds]") for c in profile.refunds.columns()]
    return named


# -- Finding the table in the text ---------------------------------------------------------------------------------


def _decoded(data: bytes, encoding: str, lines: int | None = None) -> str | None:
    """The text in `encoding` (None if it is not), or its first `lines` lines: a line break is one byte in
    every encoding a profile may name, never part of another character, so the head decodes as the whole."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if lines is not None:
        end = -1
        for _ in range(lines):
            end = body.find(b"\n", end + 1)
            if end < 0:
                break
        body = body if end < 0 else body[:end]
    try:
        return body.replace(b"\x00", b"").decode(encoding)
    except UnicodeDecodeError:
        return None


def _head(text: str, lines: int) -> list[str]:
    """`text.split("\n", lines)[:lines]`, without copying the rest of a long text."""
    head, start = [], 0
    for _ in range(lines):
        end = text.find("\n", start)
        if end < 0:
            head.append(text[start:])
            break
        head.append(text[start:end])
        start = end + 1
    return head


def _header_at(rows: list[list[str]], profile: Profile) -> int | None:
    for i, cells in enumerate(rows[: profile.shape.header_within]):
        if len(cells) > 1 and profile.matches([c.strip() for c in cells]):
            return i
    return None


def _footer_at(texts: list[str], header_at: int, profile: Profile) -> int | None:
    """The first line after the header that the profile's footer matches (the line as text, stripped)."""
    footer = profile.shape.footer
    if footer is None:
        return None
    return next((i for i in range(header_at + 1, len(texts)) if footer.match(texts[i].strip())), None)


@dataclass
class Located:
    """The text from a statement's header row to its last row, and how many lines came before it."""

    text: str
    encoding: str
    lines_before: int
    profile: Profile


def delimiter_of(line: str) -> str:
    """A CSV text's delimiter, as its header line shows it: the most frequent of these, a comma on a tie."""
    return max([",", "\t", ";", "|"], key=line.count)


def _cells(line: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter_of(line)), [])
    except csv.Error:  # a line too long or too broken to be a header
        return []


def _footer_offset(text: str, after: int, profile: Profile) -> int:
    """Where the first line after offset `after` that starts with the profile's footer begins; else the end."""
    footer = profile.shape.footer
    if footer is None or after < 0:
        return len(text)
    m = re.compile(rf"^[ \t]*(?:{footer.pattern})", re.MULTILINE).search(text, after + 1)
    return m.start() if m else len(text)


def locate(data: bytes, text: str, encoding: str, profiles: list[Profile]) -> Located | None:
    """The first profile with a `[file]` whose header is within its lines, and its table's text; None if none is."""
    texts = {ENCODINGS.get(encoding, encoding): text}
    for profile in profiles:
        if profile.shape is None:
            continue
        wanted = profile.shape.encoding or ENCODINGS.get(encoding, encoding)
        within = profile.shape.header_within
        head_text = texts[wanted] if wanted in texts else _decoded(data, wanted, within)
        if head_text is None:
            continue
        head = _head(head_text, within)
        at = _header_at([_cells(line) for line in head], profile)
        if at is None:
            continue
        if wanted not in texts:
            texts[wanted] = _decoded(data, wanted)
        whole = texts[wanted]
        if whole is None:
            continue
        start = sum(len(line) + 1 for line in head[:at])
        end = _footer_offset(whole, whole.find("\n", start), profile)
        same = ENCODINGS.get(encoding, encoding) == wanted
        return Located(whole[start:end], encoding if same else wanted, at, profile)
    return None


def sheet_span(sheet: list[list[str]], profiles: list[Profile]) -> tuple[int, int | None]:
    """Where a workbook's table lies: from the header row the first profile with a `[file]` finds, to its footer
    (the cells read as one line); else the whole sheet."""
    for profile in profiles:
        if profile.shape is None:
            continue
        at = _header_at(sheet, profile)
        if at is not None and profile.shape.footer is None:
            return at, None
        if at is not None:
            return at, _footer_at([",".join(cells).rstrip(",") for cells in sheet], at, profile)
    return 0, None


def without_empty_last_column(table: Table) -> Table:
    """Drop a trailing column with no name and nothing in it (a header and rows that end in a comma)."""
    while len(table.header) > 1 and not table.header[-1] and pc.all(pc.equal(table.columns[-1], "")).as_py():
        table.header.pop()
        table.columns.pop()
        for i, cells in table.raw_cells.items():
            table.raw_cells[i] = cells[:-1] if cells and not cells[-1] else cells
    return table


# -- Judging the rows ----------------------------------------------------------------------------------------------


def column(table: Table, name: str) -> pa.Array:
    """The one column of the table a profile's filter or refund rule names."""
    from givingday.ingest.profiles import header_columns, header_key, one_column

    return table.columns[one_column(table.header, name, header_columns(table.header)[header_key(name)])]


def skipped_rows(table: Table, layout: Layout) -> tuple[pa.Array, dict[str, int]]:
    """Which rows the profile's filters skip (a boolean mask), and how many each reason skipped."""
    skip = pa.nulls(table.n_rows, pa.bool_()).fill_null(False)
    readable = pc.is_null(table.problems)  # a row cut short (a file still being written) is rejected, not skipped
    counts: dict[str, int] = {}
    for f in layout.profile.filters if layout.profile else ():
        values = pc.utf8_trim_whitespace(column(table, f.column))
        enc = values.dictionary_encode()
        mine = pa.array([f.skips(v) for v in enc.dictionary.to_pylist()], pa.bool_()).take(enc.indices)
        mine = pc.and_(pc.and_(mine, readable), pc.invert(skip))
        n = pc.sum(mine.cast(pa.int64())).as_py() or 0
        if n:
            counts[f.reason] = counts.get(f.reason, 0) + n
        skip = pc.or_(skip, mine)
    return skip, counts


def take_rows(table: Table, keep: pa.Array) -> Table:
    """The table with only the rows `keep` marks, line numbers and unfitted cells following them."""
    from givingday.ingest.formats import Table

    kept = pc.indices_nonzero(keep).to_pylist()
    new_place = {old: new for new, old in enumerate(kept)}
    return Table(
        table.file_format,
        table.header,
        [c.filter(keep) for c in table.columns],
        table.lines.filter(keep),
        table.problems.filter(keep),
        {new_place[i]: cells for i, cells in table.raw_cells.items() if i in new_place},
    )


# What `refund_reader`'s reader says of a row refunded in full: the gift's amount, whatever it is.
FULL_REFUND = -1


def refund_reader(layout: Layout) -> tuple[str, Callable[[str], int]] | None:
    """The column a profile's `[refunds]` reads, and how: a cell's text to the fen refunded so far (0 for none,
    FULL_REFUND for all of it), or ValueError with the reason the row is rejected."""
    rule = layout.profile.refunds if layout.profile else None
    if rule is None:
        return None
    formats = layout.formats

    def amount(text: str, where: str) -> int:
        try:
            return parse_fen(text, formats.thousands, formats.decimal)
        except AmountError as exc:
            raise ValueError(both(f"退款金额无法读取{where}：{exc}", f"refund{where}: {exc}")) from None

    def said(text: str) -> int:
        text = text.strip()
        if rule.column is not None:
            return amount(text, "") if text else 0
        if rule.full is not None and rule.full.fullmatch(text):
            return FULL_REFUND
        m = rule.partial.fullmatch(text) if rule.partial is not None else None
        return amount(m.group("amount"), f" in {text!r}") if m else 0

    return rule.column or rule.status_column, said


def refunds_over(fen: pa.Array, amounts: pa.Array) -> pa.Array:
    """Why a row is rejected for a refund larger than its gift (null where it is not)."""
    over = pc.fill_null(pc.greater(fen, amounts), False)
    if not pc.any(over).as_py():
        return pa.nulls(len(fen), pa.string())
    return pa.array(
        [
            both(
                f"退款 {format_yuan(r)} 超过捐款 {format_yuan(a)}",
                f"refund {format_yuan(r)} is more than the gift {format_yuan(a)}",
            )
            if o
            else None
            for r, a, o in zip(fen.to_pylist(), amounts.to_pylist(), over.to_pylist(), strict=True)
        ],
        pa.string(),
    )
