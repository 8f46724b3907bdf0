"""Tables as files: any table a page shows can be downloaded as CSV (Excel-friendly UTF-8) or XLSX.

Money columns (`*_fen`) become yuan as exact decimals, so the CSV says 1234.56 and the workbook holds the
number 1234.56, never a float's 1234.5599999.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd


def for_export(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The columns named in `labels`, renamed, with fen as yuan and times as local wall-clock text."""
    out = pd.DataFrame(index=frame.index)
    for col, label in labels.items():
        values = frame[col]
        if col.endswith("_fen"):
            out[label] = [None if pd.isna(v) else Decimal(int(v)) / 100 for v in values]
        elif col.endswith("_at"):
            out[label] = [None if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M:%S") for v in values]
        else:
            out[label] = [defused(v) for v in values]
    return out.reset_index(drop=True)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> object:
    """Text that a spreadsheet would run as a formula (a rejected row, a file name, a reason: all typed by
    someone) is kept as text by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return _safe(frame).to_csv(index=False).encode("utf-8-sig")


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(defused) if len(frame) else frame  # the BOM makes Excel read the Chinese right


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame = _safe(frame)
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        ws = writer.sheets[sheet[:31]]
        for i, col in enumerate(frame.columns, start=1):
            if any(isinstance(v, Decimal) for v in frame[col]):
                for (cell,) in ws.iter_rows(min_col=i, max_col=i, min_row=2):
                    cell.number_format = "#,##0.00"
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(str(col)) * 2 + 4))
    return buf.getvalue()
