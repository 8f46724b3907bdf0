"""The leadership report's 核对 section: the newest comparison with the platform's official totals made up to the
report's moment, in the page's, the PDF's and the workbook's words, or a sentence saying none was made."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from givingday.drift import compare, kept, official
from givingday.report.figures import build_report
from givingday.report.files import write_report
from givingday.report.scope import make_scope, parse_as_of
from givingday.report.text import RECONCILIATION_HEADER, reconciliation_rows, reconciliation_sentence
from tests.test_drift import AT_NOON, ledger, official_copy  # noqa: F401 (the fixture)
from tests.test_report_files import pdf_text

LATER = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def report_as_of(store, when: str):
    return build_report(store, make_scope(store.event, None, parse_as_of(when, store.event), LATER))


def check(store, text: str) -> list[compare.Drift]:
    rows = official.read_official(text.encode(), "official.csv", store.roster()["projects"], store.event)
    drifts = compare.compare(store, store.event, rows)
    kept.keep(store, drifts, "official.csv", "test")
    return drifts


def test_the_report_says_no_comparison_was_made(ledger):  # noqa: F811
    r = report_as_of(ledger, "2020-09-07 23:00")
    assert r.reconciliation is None
    assert reconciliation_sentence(r) == "截至9月7日23时00分，尚未与平台官方数据核对（可用“核对”页或 drift 命令）。"
    assert reconciliation_rows(r) == []


def test_the_report_carries_the_last_comparison_made_by_its_moment(ledger):  # noqa: F811
    check(ledger, official_copy(ledger, "2020-09-07 11:00"))
    drifts = check(ledger, official_copy(ledger, plant={"P001": (12_345, 0), "P002": (0, -1)}))
    r = report_as_of(ledger, "2020-09-07 23:00")
    assert reconciliation_sentence(r) == (
        "最近一次核对：平台文件“official.csv”，平台统计时间9月7日12时00分，共核对4个项目，其中2个项目的差异超出阈值，见下表。"
    )
    p001 = drifts[0]
    assert reconciliation_rows(r)[:2] == [
        [
            "二七商圈青春志愿行",
            f"{p001.ours_fen // 100:,}.{p001.ours_fen % 100:02d}",
            f"{p001.theirs_fen // 100:,}.{p001.theirs_fen % 100:02d}",
            "-123.45",
            f"{p001.ours_donations:,} / {p001.theirs_donations:,}",
            "是",
            "看不出原因：请核对该项目的捐款明细",
        ],
        [
            "关爱老兵、情暖二七",
            *reconciliation_rows(r)[1][1:3],
            "0.00",
            f"{drifts[1].ours_donations:,} / {drifts[1].ours_donations - 1:,}",
            "是",
            "看不出原因：请核对该项目的捐款明细",
        ],
    ]
    # a report as of 11:30 carries the comparison as of 11:00, not the later one
    earlier = report_as_of(ledger, "2020-09-07 11:30")
    assert "平台统计时间9月7日11时00分" in reconciliation_sentence(earlier)
    assert "各项目差异均在阈值以内" in reconciliation_sentence(earlier)


def test_a_one_project_check_after_a_full_file_replaces_that_project_only(ledger):  # noqa: F811
    full = check(ledger, official_copy(ledger, plant={"P001": (12_345, 0)}))
    ours = {d.project_id: d for d in full}
    p002 = ours["P002"]
    theirs = f"{(p002.ours_fen + 50_000) // 100}.{(p002.ours_fen + 50_000) % 100:02d}"
    data = kept.typed_figures("P002", theirs, str(p002.ours_donations), "2020-09-07 12:30:00")
    kept.check_and_keep(ledger, ledger.event, data, kept.TYPED, "test")
    r = report_as_of(ledger, "2020-09-07 23:00")
    assert reconciliation_sentence(r) == (
        f"各项目取其最近一次核对：共4个项目，来自2次核对（最近一次：平台文件“{kept.TYPED}”，平台统计时间9月7日12时30分；"
        "其余项目的统计时间见项目名后），其中2个项目的差异超出阈值，见下表。"
    )
    typed = r.reconciliation.projects[0]  # ours as of 12:30 against theirs typed
    assert (typed.project_id, typed.flagged) == ("P002", True)
    assert [row[0] for row in reconciliation_rows(r)] == [
        "关爱老兵、情暖二七",
        "二七商圈青春志愿行（9月7日12时00分）",
        *[f"{ours[pid].project_name}（9月7日12时00分）" for pid in ("P000", "P089")],
    ]
    assert reconciliation_rows(r)[1][3] == "-123.45"
    # the report as of 12:15 has only the full file's comparison, as it was
    earlier = report_as_of(ledger, "2020-09-07 12:15")
    assert reconciliation_sentence(earlier).startswith(
        "最近一次核对：平台文件“official.csv”，平台统计时间9月7日12时00分，共核对4个项目"
    )


@pytest.mark.slow
def test_the_pdf_and_the_workbook_carry_the_section(ledger, tmp_path):  # noqa: F811
    check(ledger, official_copy(ledger, plant={"P001": (12_345, 0)}))
    r = report_as_of(ledger, "2020-09-07 23:00")
    write_report(r, tmp_path / "r.pdf")
    flat = "".join(pdf_text(tmp_path / "r.pdf").split())
    assert "十一、核对（与平台官方数据）" in flat
    assert "其中1个项目的差异超出阈值" in flat and "-123.45" in flat
    write_report(r, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    at = next(i for i, row in enumerate(cells) if row[0] == RECONCILIATION_HEADER[0] and row[3] == "差额（元）")
    assert cells[at + 1][:4] == [
        "二七商圈青春志愿行",
        r.reconciliation.projects[0].ours_fen / 100,
        r.reconciliation.projects[0].theirs_fen / 100,
        -123.45,
    ]
    assert cells[at + 1][6:8] == ["是", "看不出原因：请核对该项目的捐款明细"]
