"""The summary page's tables as it shows them: money as exact yuan text, ranks, and a 合计 row where one adds up."""

from __future__ import annotations

import pandas as pd

from givingday.report.figures import Day, Figures, Line, Report, percent
from givingday.report.files import key_figures, plain

MONEY = ["善款（元）", "公众捐款（元）", "配捐（元）", "人次"]
# A top-ten table: its heading for the name and the group, and which money columns it has room for.
TOP = {
    "projects": ("项目", "类别", MONEY),
    "teams": ("队伍", "所属项目", ["善款（元）", "公众捐款（元）", "人次"]),
    "sites": ("点位", "街道", ["善款（元）", "公众捐款（元）", "人次"]),
}


def _money(x: Line | Day | Figures) -> dict[str, str]:
    return {
        "善款（元）": plain(x.total_fen),
        "公众捐款（元）": plain(x.amount_fen),
        "配捐（元）": plain(x.matched_fen),
        "人次": f"{x.donations:,}",
    }


def _cells(x: Line | Day | Figures, columns: list[str] = MONEY) -> list[str]:
    money = _money(x)
    return [money[c] for c in columns]


def headline(report: Report) -> pd.DataFrame:
    """The key figures, one a row."""
    return pd.DataFrame(key_figures(report), columns=["指标", "数值"])


def by(report: Report, lines: list[Line], heading: str) -> pd.DataFrame:
    """A breakdown (channels, categories, streets) with the report's total as its last row."""
    rows = [[x.name, *_cells(x)] for x in lines] + [["合计", *_cells(report.figures)]]
    return pd.DataFrame(rows, columns=[heading, *MONEY])


def days(report: Report) -> pd.DataFrame:
    """Each day of the report beside the others, and their sum (人数 counts a donor once over the days)."""
    rows = [[d.label, *_cells(d), "—" if d.donors is None else f"{d.donors:,}"] for d in report.days]
    total = report.cumulative
    return pd.DataFrame([*rows, ["合计", *_cells(total), f"{total.donors:,}"]], columns=["日期", *MONEY, "人数"])


def top(report: Report, what: str) -> pd.DataFrame:
    """The top ten of "projects", "teams" or "sites", ranked."""
    name, group, money = TOP[what]
    lines = report.top(getattr(report, what))
    rows = [[i + 1, x.name, x.group or "—", *_cells(x, money)] for i, x in enumerate(lines)]
    return pd.DataFrame(rows, columns=["名次", name, group, *money])


def goals(report: Report) -> pd.DataFrame:
    """Each project against its goal up to the report's moment; for a day, with that day's money too."""
    with_day = report.scope.day is not None
    columns = ["编号", "项目", "类别", "目标（元）", "累计筹款（元）", "完成率", "状态"]
    if with_day:
        columns.insert(5, "当日（元）")
    rows = []
    for g in report.goals:
        day = [plain(g.window_fen)] if with_day else []
        raised = [plain(g.goal_fen), plain(g.raised_fen), *day, percent(g.ratio)]
        rows.append([g.key, g.name, g.category or "—", *raised, "已达成" if g.reached else "未达成"])
    return pd.DataFrame(rows, columns=columns)
