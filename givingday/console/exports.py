"""Tables as the pages show them and as files: one shape for the screen, the CSV and the XLSX.

Money columns (`*_fen`) become yuan as exact decimals to the fen, so the CSV says 12.30 and the workbook holds
the number 12.30, never a float's 12.299999. Times (`*_at`) become local wall-clock text. A ratio (a share of a
goal, a change against the day before) stays a ratio in the table, which the page shows as a percentage; the CSV
says it as the page does (612.23%), the workbook holds the ratio formatted as a percentage: never the bare 6.1223
that a reader takes for 6%.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

TIME_FORMAT = "%m-%d %H:%M:%S"
MONEY_FORMAT = "%,.2f"  # yuan as a table shows it: 15,813.95 (printf with thousands separators, as Streamlit reads it)
COUNT_FORMAT = "%,d"  # 1,422 人次
EMPTY = "—"  # a cell with no value (no goal, no day before): never "None" or "nan"
RATIOS = ("share_of_goal", "change")  # fields that hold a ratio, shown and written as a percentage


def yuan(fen: object) -> Decimal | None:
    """Fen as exact yuan with two places (1230 -> Decimal('12.30')); None stays None."""
    return None if fen is None or pd.isna(fen) else Decimal(int(fen)).scaleb(-2)


def local_text(at: object, tz: dt.tzinfo | None = None) -> str:
    """A moment as wall-clock text in `tz` (as it stands when None); "" for no moment."""
    if at is None or pd.isna(at):
        return ""
    return (at.astimezone(tz) if tz else at).strftime(TIME_FORMAT)


def table(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]], labels: Mapping[str, str], tz: dt.tzinfo | None = None
) -> pd.DataFrame:
    """Every table a page shows or offers as a file: the fields named in `labels`, in that order and renamed,
    with money as exact yuan and times as local text. `attrs["counts"]` names the columns that count gifts or
    rows (shown with thousands separators)."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows), columns=list(labels))
    out = pd.DataFrame(index=frame.index)
    for field, label in labels.items():
        values = frame[field]
        if field.endswith("_fen"):
            out[label] = [yuan(v) for v in values]
        elif field.endswith("_at"):
            out[label] = [local_text(v, tz) for v in values]
        else:
            out[label] = list(values)
    out = out.reset_index(drop=True)
    out.attrs["counts"] = [label for field, label in labels.items() if is_count(field)]
    out.attrs["ratios"] = [label for field, label in labels.items() if field in RATIOS]
    return out


def is_count(field: str) -> bool:
    """A field that counts gifts or rows: `donations`, `before_donations`, `rows_new`…"""
    return field.endswith("donations") or field.startswith("rows_")


def money_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that hold exact decimals: yuan, and a rate given to two places (shown and written so)."""
    return [c for c in frame.columns if any(isinstance(v, Decimal) for v in frame[c])]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> object:
    """Text that a spreadsheet would run as a formula (a rejected row, a file name, a reason: all typed by
    someone) is kept as text by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    out = _safe(frame).copy()
    for col in frame.attrs.get("ratios", []):  # after _safe: a fall of 12.50% is a number, not a formula
        out[col] = [None if v is None or pd.isna(v) else f"{v:.2%}" for v in frame[col]]
    return out.to_csv(index=False).encode("utf-8-sig")  # the BOM makes Excel read the Chinese right


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(defused) if len(frame) else frame


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        money, ratios = set(money_columns(frame)), set(frame.attrs.get("ratios", []))
        frame = _safe(frame)
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        ws = writer.sheets[sheet[:31]]
        for i, col in enumerate(frame.columns, start=1):
            if col in money or col in ratios:
                for (cell,) in ws.iter_rows(min_col=i, max_col=i, min_row=2):
                    cell.number_format = "#,##0.00" if col in money else "0.00%"
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(str(col)) * 2 + 4))
    return buf.getvalue()
