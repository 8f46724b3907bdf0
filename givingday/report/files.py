"""The report as a file, its format chosen by the name: the PDF (`report.pdf`) or the workbook
(`report.workbook`), written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from givingday.report.figures import Report
from givingday.report.pdf import pdf_bytes
from givingday.report.workbook import xlsx_bytes

FORMATS = (".pdf", ".xlsx")


def write_report(report: Report, out: Path) -> Path:
    """Write the PDF or the workbook, chosen by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{out}: the report is written as .pdf or .xlsx")
    data = pdf_bytes(report) if suffix == ".pdf" else xlsx_bytes(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
