"""The report files as a person gets them from the command line: the PDF's text (pdftotext) and the workbook's
sheets carry the figures `givingday totals --as-of` prints for the same moment. Pages are rendered to PNG in
screenshots/ to be looked at."""

import json
import shutil
import subprocess

import openpyxl
import pytest

from givingday.config import ROOT
from givingday.money import format_yuan
from givingday.report.workbook import SHEETS
from tests.conftest import STORE_KINDS, keep_beside, run_cli

SHOTS = ROOT / "screenshots"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run tools/install_report_tools.sh as root (Debian's poppler-utils)"
    return path


@pytest.fixture(scope="module", params=STORE_KINDS)
def demo_db(request, tmp_path_factory):
    """The whole demo event at 5% of its size, as the command line makes it, on DuckDB and on PostgreSQL."""
    folder = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        db = folder / "g.duckdb"
        if request.param == "postgresql":
            keep_beside(mp, folder)
            db = request.getfixturevalue("pg_server").database()
        args = ("simulate", "--start", "2020-09-07", "--backfill-until", "2020-09-10 00:00", "--scale", "0.05")
        r = run_cli(*args, db=db)
        assert r.returncode == 0, r.stderr
        yield db


def totals(db, as_of: str, by: str | None = None):
    args = ["totals", "--json", "--as-of", as_of] + (["--by", by] if by else [])
    r = run_cli(*args, db=db)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def report(db, out, *args: str):
    r = run_cli("report", *args, "--out", str(out), db=db)
    assert r.returncode == 0, r.stderr
    return r.stdout


def pdf_text(path) -> str:
    return subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "scope, as_of, said",
    [
        (["--event"], "2020-09-08 20:30", "截至9月8日20时30分，二七区“99公益日”爱心募捐共筹集善款"),
        (["--day", "2020-09-07"], "2020-09-07", "9月7日，二七区“99公益日”爱心募捐当日筹集善款"),
    ],
)
def test_pdf_text_carries_the_totals(demo_db, tmp_path, scope, as_of, said):
    out = tmp_path / "report.pdf"
    printed = report(demo_db, out, *scope, "--as-of", as_of)
    t = totals(demo_db, as_of)  # day one is all there is before its 24时
    assert format_yuan(t["total_fen"]) in printed
    text = pdf_text(out)
    flat = "".join(text.split())
    for figure in (
        format_yuan(t["total_fen"]),
        format_yuan(t["amount_fen"]),
        format_yuan(t["matched_fen"]),
        f"{t['donations']:,}",
        f"{t['donors']:,}",
    ):
        assert figure in text, figure
    assert said in flat
    assert "演示数据" in flat and "数据核对：" in flat and "未通过" not in flat
    # every project with a goal, its total to the fen in the goal table; the top project by name too
    projects = totals(demo_db, as_of, "project")
    for p in projects:
        if p["key"] != "P000":
            assert format_yuan(p["total_fen"], "") in text, p
    assert projects[0]["name"] in flat
    for site in totals(demo_db, as_of, "site")[:10]:
        if site["key"]:
            assert format_yuan(site["total_fen"], "") in text, site
    # the Chinese font travels inside the file
    fonts = subprocess.run([_tool("pdffonts"), str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("CJK" in r[0] and r[-5] == "yes" for r in rows), fonts
    SHOTS.mkdir(exist_ok=True)
    stem = SHOTS / f"report-{scope[-1].lstrip('-')}"
    subprocess.run([_tool("pdftoppm"), "-r", "60", "-png", str(out), str(stem)], check=True)
    pages = sorted(SHOTS.glob(f"{stem.name}-*.png"))
    assert len(pages) >= 4 and all(p.stat().st_size > 10_000 for p in pages)


def _sheet(wb, name):
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    return header, [dict(zip(header, r, strict=True)) for r in body], dict(zip(header, total, strict=True))


def fen(value) -> int:
    assert isinstance(value, int | float) and not isinstance(value, bool), value  # a number, not text
    return round(value * 100)


@pytest.mark.slow
def test_workbook_sheets_carry_the_totals(demo_db, tmp_path):
    as_of = "2020-09-08 20:30"
    out = tmp_path / "report.xlsx"
    report(demo_db, out, "--event", "--as-of", as_of)
    t = totals(demo_db, as_of)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(SHEETS)
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r[0]}
    assert fen(summary["善款总额（元）"]) == t["total_fen"]
    assert fen(summary["公众捐款（元）"]) == t["amount_fen"]
    assert fen(summary["配捐（元）"]) == t["matched_fen"]
    assert (summary["人次"], summary["人数"]) == (t["donations"], t["donors"])

    def check(sheet, by, key_column):
        _, rows, total = _sheet(wb, sheet)
        assert (fen(total["善款合计（元）"]), total["人次"]) == (t["total_fen"], t["donations"])
        assert sum(fen(r["善款合计（元）"]) for r in rows) == t["total_fen"]
        assert sum(fen(r["公众捐款（元）"]) + fen(r["配捐（元）"]) for r in rows) == t["total_fen"]
        if by:
            got: dict = {}
            for r in rows:
                k = r[key_column]
                got[k] = got.get(k, 0) + fen(r["善款合计（元）"])
            want = {x["key"]: x["total_fen"] for x in totals(demo_db, as_of, by)}
            assert got == want
        return rows

    check("项目", "project", "编号")
    teams = check("队伍", "team", "队伍编号")
    assert any(r["队伍编号"] is None and r["队伍"] == "无队伍" for r in teams)
    check("点位", "site", "点位编号")
    check("街道", None, None)
    hours = check("分时", None, None)
    assert hours[0]["时段开始"].hour == 0 and len(hours) == 24 + 21  # day one, then day two up to 20:30


def test_report_command_errors(db_path, tmp_path):
    """Refused before any figure is read: an empty store will do."""
    r = run_cli("report", "--event", "--out", str(tmp_path / "r.docx"), db=db_path)
    assert r.returncode == 2 and "as .pdf or .xlsx" in r.stderr
    r = run_cli("report", "--day", "2020-09-10", "--out", str(tmp_path / "r.pdf"), db=db_path)
    assert r.returncode == 2 and "not a day of the event" in r.stderr
    r = run_cli("report", "--out", str(tmp_path / "r.pdf"), db=db_path)
    assert r.returncode == 2 and "one of the arguments --day --event is required" in r.stderr
    r = run_cli("totals", "--as-of", "noon", db=db_path)
    assert r.returncode == 2 and "not a date" in r.stderr
