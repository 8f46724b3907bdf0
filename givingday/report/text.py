"""The report in words: the opening sentences (a fixed template, so the same figures give the same text), the
headline figures and the cells of the tables, the same on the page, in the PDF and in the workbook."""

from __future__ import annotations

from givingday.drift.compare import Drift
from givingday.forecast import words
from givingday.labels import chinese_half
from givingday.money import format_goal_share, format_wan_yuan, format_yuan
from givingday.report.figures import Day, Figures, Goal, Hour, Line, Report
from givingday.report.scope import moment_text, month_day

MONEY_COLUMNS = ["善款（元）", "公众捐款（元）", "配捐（元）", "人次"]


def money_cells(x: Line | Hour | Day | Figures) -> list[str]:
    """A line's money as the tables print it, exact yuan: total, public, matching, 人次."""
    return [
        format_yuan(x.total_fen, ""),
        format_yuan(x.amount_fen, ""),
        format_yuan(x.matched_fen, ""),
        f"{x.donations:,}",
    ]


def breakdown_rows(lines: list[Line], total: Figures) -> list[list[str]]:
    """A breakdown's lines by name, then their 合计 (the headline they add up to)."""
    return [[x.name, *money_cells(x)] for x in lines] + [["合计", *money_cells(total)]]


def ranking_rows(lines: list[Line]) -> list[list[str]]:
    """A top list: rank, name, what it belongs to, money."""
    return [[str(i + 1), x.name, x.group or "—", *money_cells(x)] for i, x in enumerate(lines)]


def day_rows(report: Report) -> list[list[str]]:
    """The event's days side by side with 人数, then the cumulative 合计."""
    begun = report.days_begun
    rows = [
        [d.label, *money_cells(d), "—" if d.donors is None else f"{d.donors:,}"]
        if d in begun
        else [f"{d.label}（未开始）", "—", "—", "—", "—", "—"]
        for d in report.days
    ]
    return rows + [["合计", *money_cells(report.cumulative), f"{report.cumulative.donors:,}"]]


def forecast_lines(report: Report) -> list[str]:
    """Where today and the event will end as of the report's moment (none once the event is over), then how."""
    return [*words.lines(report.forecast), words.METHOD] if report.forecast else []


def title_of(report: Report) -> str:
    return f"{report.event.name} · {report.scope.title}"


def key_figures(report: Report) -> list[tuple[str, str]]:
    """The headline as (label, text) pairs, the same on the page, in the PDF and (as numbers) in the workbook."""
    f, c, s = report.figures, report.cumulative, report.scope
    named_teams = sum(1 for t in report.teams if t.key is not None)
    named_sites = sum(1 for x in report.sites if x.key is not None)
    rows = [
        ("善款总额", f"{format_yuan(f.total_fen)}（{format_wan_yuan(f.total_fen)}）"),
        ("公众捐款", format_yuan(f.amount_fen)),
        ("配捐", format_yuan(f.matched_fen)),
        ("人次", f"{f.donations:,}"),
        ("人数", f"{f.donors:,}"),
        ("平均每笔（公众捐款）", format_yuan(f.average_gift_fen)),
        ("捐款中位数", format_yuan(f.median_gift_fen)),
        ("达成目标的项目", f"{report.goals_reached} / {len(report.goals)}"),
        ("有捐款的队伍", f"{report.active_teams} / {named_teams}"),
        ("有捐款的点位", f"{report.active_sites} / {named_sites}"),
    ]
    if s.day is not None:
        rows += [
            ("活动累计善款", f"{format_yuan(c.total_fen)}（{format_wan_yuan(c.total_fen)}）"),
            ("活动累计人次", f"{c.donations:,}"),
        ]
    if report.event.goal_fen:
        rows.append(("全区目标完成率", format_goal_share(c.total_fen, report.event.goal_fen, 1)))
    peak = report.peak_hour
    rows.append(("捐款高峰", f"{hour_text(peak, s.day is None)}，{format_yuan(peak.total_fen)}" if peak else "—"))
    return rows


def peak_sentence(report: Report) -> str | None:
    """'高峰时段：9月7日20时至21时，筹集 ¥1,234.00，56人次。' (None before any money)."""
    peak = report.peak_hour
    if peak is None:
        return None
    when = hour_text(peak, report.scope.is_event)
    return f"高峰时段：{when}，筹集 {format_yuan(peak.total_fen)}，{peak.donations:,}人次。"


def after_note(report: Report) -> str | None:
    """For the whole event: how many records are later than the moment and so not counted."""
    if report.scope.is_event and report.figures.events_after:
        return f"截至时间之后另有{report.figures.events_after:,}条记录，未计入本报告。"
    return None


def goal_table(report: Report) -> tuple[list[str], list[list[str]]]:
    """Every project with a goal: raised up to the report's moment, and on the day for a day's report."""
    header = ["编号", "项目", "类别", "目标（元）", "累计筹款（元）", "完成率", "状态"]
    if report.scope.day is not None:
        header.insert(5, "当日（元）")
    return header, [_goal_cells(report, g) for g in report.goals]


def _goal_cells(report: Report, g: Goal) -> list[str]:
    cells = [
        g.key,
        g.name,
        g.category or "—",
        format_yuan(g.goal_fen, ""),
        format_yuan(g.raised_fen, ""),
        format_goal_share(g.raised_fen, g.goal_fen, 1),
        "已达成" if g.reached else "未达成",
    ]
    if report.scope.day is not None:
        cells.insert(5, format_yuan(g.window_fen, ""))
    return cells


def check_text(report: Report) -> str:
    if report.problems:
        return "数据核对未通过：" + "；".join(report.problems)
    return (
        f"数据核对：项目、队伍、点位、街道、渠道、类别、分时各项合计均等于善款总额 {format_yuan(report.figures.total_fen)}，"
        "公众捐款 + 配捐 = 善款总额。"
    )


RECONCILIATION_TITLE = "核对（与平台官方数据）"
RECONCILIATION_HEADER = [
    "项目",
    "本系统（元）",
    "平台（元）",
    "差额（元）",
    "人次（本系统/平台）",
    "超出阈值",
    "可能原因",
]


def reconciliation_sentence(report: Report) -> str:
    """Each project's last comparison with the platform's official totals in one sentence, or that none was made;
    when the projects' rows come from several comparisons, the table gives each one's 统计时间."""
    r = report.reconciliation
    if r is None:
        return f"截至{report.scope.as_of_text}，尚未与平台官方数据核对（可用“核对”页或 drift 命令）。"
    when = moment_text(report.event, r.as_of)
    verdict = f"其中{r.flagged}个项目的差异超出阈值，见下表" if r.flagged else "各项目差异均在阈值以内"
    if r.checks > 1:
        return (
            f"各项目取其最近一次核对：共{len(r.projects)}个项目，来自{r.checks}次核对（最近一次：平台文件“{r.file_name}”，"
            f"平台统计时间{when}；其余项目的统计时间见项目名后），{verdict}。"
        )
    return f"最近一次核对：平台文件“{r.file_name}”，平台统计时间{when}，共核对{len(r.projects)}个项目，{verdict}。"


def _checked_name(report: Report, p: Drift) -> str:
    """The project's name, with its own 统计时间 when its row is from an earlier comparison than the newest."""
    r = report.reconciliation
    if p.until == r.as_of:
        return p.project_name
    return f"{p.project_name}（{moment_text(report.event, p.until)}）"


def reconciliation_rows(report: Report) -> list[list[str]]:
    """Each project of the last comparison, flagged first: both sides, the difference (ours minus theirs)."""
    r = report.reconciliation
    if r is None:
        return []
    return [
        [
            _checked_name(report, p),
            format_yuan(p.ours_fen, ""),
            format_yuan(p.theirs_fen, ""),
            ("+" if p.diff_fen > 0 else "") + format_yuan(p.diff_fen, ""),
            f"{p.ours_donations:,} / {p.theirs_donations:,}",
            "是" if p.flagged else "",
            chinese_half(p.cause_text) if p.flagged else "",
        ]
        for p in r.projects
    ]


VOLUNTEER_TITLE = "每志愿者小时筹款最多的点位"
VOLUNTEER_HEADER = ["排名", "点位", "每志愿者小时（元）", "善款（元）", "人次", "志愿者小时"]


def volunteer_sentence(report: Report) -> str:
    """How the list is counted, or that no site had both volunteers on shift and gifts."""
    if not report.volunteer_sites:
        return f"截至{report.scope.as_of_text}，尚无点位同时有志愿者值守和捐款（见名册 shifts.csv）。"
    return (
        f"按志愿者值守时段内的善款（含配捐）除以志愿者小时排序，前{len(report.volunteer_sites)}名；"
        "某小时无人值守时的捐款不计入。"
    )


def volunteer_rows(report: Report) -> list[list[str]]:
    """The top sites per volunteer-hour: rank, site, per volunteer-hour, money, 人次, volunteer-hours."""
    return [
        [
            str(i + 1),
            r.name,
            format_yuan(r.fen_per_volunteer_hour, ""),
            format_yuan(r.total_fen, ""),
            f"{r.donations:,}",
            f"{r.volunteer_hours:,.1f}",
        ]
        for i, r in enumerate(report.volunteer_sites)
    ]


def hour_text(h: Hour, with_day: bool) -> str:
    end = h.start.hour + 1
    text = f"{h.start.hour}时至{end}时"
    return f"{month_day(h.start.date())}{text}" if with_day else text


def _names(lines: list[Line], n: int = 3) -> str:
    return "、".join(f"“{x.name}”（{format_wan_yuan(x.total_fen)}）" for x in lines[:n])


DEMO_NOTE = "本报告为演示数据，不是真实统计。"


def paragraphs(report: Report) -> list[str]:
    """The report's opening, written from the numbers by a fixed template (deterministic): the headline, the
    goal and the channels; then projects, teams, sites, the peak hour and the days. (A demo's report says so
    in a banner of its own.)"""
    return ["".join(group) for group in _sentence_groups(report) if group]


def sentences(report: Report) -> list[str]:
    """The same text sentence by sentence, led by the demo note when a demo plays."""
    lead = [DEMO_NOTE] if report.is_demo else []
    return lead + [x for group in _sentence_groups(report) for x in group]


def _sentence_groups(report: Report) -> tuple[list[str], list[str]]:
    s = report.scope
    f, c, ev = report.figures, report.cumulative, report.event
    out: list[str] = []
    more: list[str] = []
    if s.day is None:
        if not f.donations and not f.total_fen:
            return out + [f"截至{s.as_of_text}，{ev.name}尚无捐款记录。"], more
        out.append(
            f"截至{s.as_of_text}，{ev.name}共筹集善款{format_wan_yuan(f.total_fen)}，其中公众捐款{format_wan_yuan(f.amount_fen)}、"
            f"配捐{format_wan_yuan(f.matched_fen)}；共{f.donations:,}人次参与捐款，爱心人士{f.donors:,}人。"
        )
    else:
        if not f.donations and not f.total_fen:
            out.append(f"{month_day(s.day)}（截至{s.as_of_text}）尚无捐款记录。")
        else:
            out.append(
                f"{month_day(s.day)}，{ev.name}当日筹集善款{format_wan_yuan(f.total_fen)}，其中公众捐款{format_wan_yuan(f.amount_fen)}、"
                f"配捐{format_wan_yuan(f.matched_fen)}；{f.donations:,}人次参与捐款，爱心人士{f.donors:,}人。"
            )
        out.append(f"截至{s.as_of_text}，活动累计筹集善款{format_wan_yuan(c.total_fen)}，累计{c.donations:,}人次参与。")
    if ev.goal_fen:
        out.append(
            f"累计完成全区筹款目标{format_wan_yuan(ev.goal_fen)}的{format_goal_share(c.total_fen, ev.goal_fen, 1)}。"
        )
    if not f.donations and not f.total_fen:
        return out, more
    channels = [x for x in report.channels if x.total_fen]
    if len(channels) > 1:
        out.append("分渠道看，" + "，".join(f"{x.name}{format_wan_yuan(x.total_fen)}" for x in channels) + "。")
    named_teams = sum(1 for t in report.teams if t.key is not None)
    named_sites = sum(1 for x in report.sites if x.key is not None)
    more.append(
        f"{len(report.goals)}个设有目标的项目中，{report.goals_reached}个已达成筹款目标；"
        f"{named_sites}个公共区域点位中有{report.active_sites}个、{named_teams}支一起捐队伍中有"
        f"{report.active_teams}支{'当日' if s.day else ''}产生捐款。"
    )
    top_projects, top_sites = report.top(report.projects, 3), report.top(report.sites, 1)
    top_teams = report.top(report.teams, 1)
    parts = []
    if top_projects:
        parts.append(f"筹款居前的项目是{_names(top_projects)}")
    if top_teams:
        parts.append(f"队伍中{_names(top_teams, 1)}最多")
    if top_sites:
        parts.append(f"点位中{_names(top_sites, 1)}最多")
    if parts:
        more.append("；".join(parts) + "。")
    peak = report.peak_hour
    if peak:
        more.append(
            f"{'当日' if s.day else ''}捐款高峰出现在{hour_text(peak, s.day is None)}，"
            f"一小时筹集{format_wan_yuan(peak.total_fen)}、{peak.donations:,}人次。"
        )
    if s.day is None:
        shown = [d for d in report.days_begun if d.day]
        if len(shown) > 1:
            more.append("分日看，" + "，".join(f"{d.label}筹集{format_wan_yuan(d.total_fen)}" for d in shown) + "。")
        if f.events_after:
            more.append(f"另有{f.events_after:,}条捐款或退款记录晚于截至时间，未计入本报告。")
    return out, more
