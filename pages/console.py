"""The organizers' console: what is moving, filtered by the URL's filters, refreshing itself every 10 s."""

import datetime as dt

import pandas as pd
import streamlit as st

from givingday.console import charts, exports, sitemap, tables, volunteers, wording
from givingday.console import figures as console
from givingday.forecast import words
from givingday.money import format_goal_share, format_wan, format_yuan
from givingday.web.board import allow_only, board_time, console_figures, forecast_now, shared_store, volunteers_view
from givingday.web.widgets import NO_ROWS, as_text, page_top, refreshed_every, table

REFRESH_SECONDS = 10
KEYS = {
    "day": "f_day",
    "from_time": "f_from",
    "to_time": "f_to",
    "category": "f_category",
    "project_id": "f_project",
    "team_id": "f_team",
    "site_id": "f_site",
    "street": "f_street",
    "channel": "f_channel",
}


# The URL's filters as a person reads them, for a note on those a shared link said and this console left out.
URL_LABELS = {
    "day": "日期",
    "from": "从",
    "to": "到",
    "category": "类别",
    "project": "项目",
    "team": "队伍",
    "site": "点位",
    "street": "街道",
    "channel": "渠道",
}


def clear_filters() -> None:
    for field, key in KEYS.items():
        st.session_state[key] = None if field.endswith("_time") else ""


def filters_from_widgets(event, roster) -> tuple[console.Filters, dict[str, str]]:
    """The sidebar's filters ("" = all), and what the URL said that they left out when it seeded them (a shared
    link may be old): the URL seeds them once per session; afterwards the URL follows them."""
    link = st.query_params.to_dict()
    seeding = KEYS["day"] not in st.session_state
    start = console.Filters.from_params(link, event, roster)
    for field, key in KEYS.items():
        if key not in st.session_state:
            v = getattr(start, field)
            st.session_state[key] = v if field.endswith("_time") else ("" if v is None else str(v))  # a time or None
    picked = {field: st.session_state[key] for field, key in KEYS.items() if not field.endswith("_time")}
    choices = console.filter_choices(event, roster, picked)

    def choose(label: str, field: str, everything: str) -> None:
        options = choices[field]
        if st.session_state[KEYS[field]] not in ("", *options):
            st.session_state[KEYS[field]] = ""
        st.selectbox(label, ["", *options], key=KEYS[field], format_func=lambda k: options[k] if k else everything)

    with st.sidebar:
        st.subheader("筛选 Filters")
        choose("日期", "day", "全部三天")
        if st.session_state[KEYS["day"]]:
            c1, c2 = st.columns(2)
            c1.time_input("从", key=KEYS["from_time"], step=dt.timedelta(minutes=15))
            c2.time_input("到", key=KEYS["to_time"], step=dt.timedelta(minutes=15))
        choose("类别", "category", "全部类别")
        choose("项目", "project_id", "全部项目")
        choose("队伍", "team_id", "全部队伍")
        choose("街道", "street", "全部街道")
        choose("点位", "site_id", "全部点位")
        choose("渠道", "channel", "全部渠道")
        st.button("清除筛选 Clear", on_click=clear_filters)
    f = console.Filters.from_choices({field: st.session_state.get(key) for field, key in KEYS.items()})
    if st.query_params.to_dict() != f.to_params():
        st.query_params.from_dict(f.to_params())
    return f, f.dropped(link) if seeding else {}


def show_left_out(dropped: dict[str, str]) -> None:
    """The note on a shared link's filters that this console left out: the figures below are without them."""
    said = "、".join(f"{URL_LABELS[key]} {as_text(value[:60])}" for key, value in dropped.items())
    st.warning(
        f"链接中的筛选在此不适用，已略去：{said}。下面的数字不含这些条件（活动日、名册或时间不符）。"
        " Left out from the link, not valid here: the figures below are without them."
    )


def show_windows(w: dict, event) -> None:
    compared = "活动第一天，没有前一天可比" if w["first_day"] else "与前一天同一时段对比"
    st.markdown(f"**滚动窗口**　截至 {exports.local_text(w['until'], event.tz)}，{compared}")
    table(tables.windows(w), key="windows")


def show_pace(p: console.Pace, m: dict, event) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown("**今日进度 Pace**")
        lines = [
            f"今日已筹 **{format_yuan(p.today_fen)}**",
            f"按近60分钟速度，今日将达 **{format_yuan(p.at_rate_fen)}**",
        ]
        if p.by_yesterday_fen is not None:
            lines.append(f"按昨日走势，今日将达 **{format_yuan(p.by_yesterday_fen)}**")
        if p.day_goal_fen:
            lines.append(
                f"日目标（总目标 ÷ {event.days} 天）{format_yuan(p.day_goal_fen)}："
                f"按当前速度完成 **{format_goal_share(p.at_rate_fen, p.day_goal_fen)}**"
            )
        if p.goal_fen:
            lines.append(
                f"总目标 {format_yuan(p.goal_fen)}：已完成 {format_goal_share(p.event_so_far_fen, p.goal_fen, 1)}，"
                f"按当前速度今日结束时 **{format_goal_share(p.event_at_rate_fen, p.goal_fen, 1)}**"
            )
        st.markdown("  \n".join(lines))
    with right:
        st.markdown("**今日配捐池 Matching pool**")
        used = f"（{format_goal_share(m['used_fen'], m['pool_fen'])}）" if m["pool_fen"] else ""
        st.progress(
            min(1.0, m["used_share"]), text=f"已用 {format_yuan(m['used_fen'])} / {format_yuan(m['pool_fen'])}{used}"
        )
        if m["ran_out_at"] is not None:
            st.write(f"配捐池已于 {m['ran_out_at'].astimezone(event.tz):%H:%M} 用完。")
        elif m["is_open"]:
            st.write(f"配捐进行中，剩余 {format_yuan(m['left_fen'])}。")
        else:
            st.write(f"配捐 {m['opens_at']:%H:%M} 开始。")


def show_forecast() -> None:
    with st.container(key="forecast", border=True):
        st.markdown("**预测 Forecast**　全区全部捐款，不随筛选变化。The whole district, whatever the filters.")
        st.markdown("  \n".join(f"**{line}**" for line in words.lines(forecast_now())))
        st.caption(words.METHOD)


def pick_project(widget_key: str, keys: list[str]) -> None:
    """Choosing a row of the project table narrows the whole console to that project."""
    rows = st.session_state[widget_key].selection.rows
    if rows:
        st.session_state[KEYS["project_id"]] = keys[rows[0]]
        st.session_state[KEYS["team_id"]] = ""


def show_all_projects() -> None:
    st.session_state[KEYS["project_id"]] = ""
    st.session_state[KEYS["team_id"]] = ""


def breakdown(frame: pd.DataFrame, dim: str, search: str, tz, selectable: bool = False) -> None:
    shown = tables.search(frame, search)
    key = f"table_{dim}_{search}_{len(shown)}"  # a new table (no stale selection) whenever its rows change
    keys = list(shown["key"])
    table(
        tables.breakdown(shown, dim, tz),
        dim,
        height=420,
        key=key,
        on_select=(lambda: pick_project(key, keys)) if selectable else "ignore",
        selection_mode="single-row",
        pinned=1 if dim == "street" else 2,  # what a row is: its id and name (a street has its name alone)
        column_config={"完成度": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
        empty=_none_found(frame, search),
    )


def _none_found(frame: pd.DataFrame, search: str) -> str:
    """What an empty table says: that the search found nothing in it, or that it has nothing yet."""
    if len(frame) and search:
        return as_text(f"没有名称或编号含“{search}”的一行。Nothing here has “{search}” in its name or id.")
    return NO_ROWS


@st.fragment(run_every=REFRESH_SECONDS)
def live(f: console.Filters) -> None:
    allow_only("console")  # a session signed out or removed meanwhile stops here
    if (st.session_state.get(KEYS["project_id"]) or None) != f.project_id:
        st.rerun()  # a project was chosen or unchosen in a table: the filters (outside this fragment) follow
    event, _, now = board_time()
    roster = shared_store().roster()
    data = console_figures(f)
    total = data["range_total_fen"]  # refreshed with the rest: the same reading as the windows below
    st.markdown(f"### 筛选范围内 {format_yuan(total)}（{format_wan(total)}元）· {data['range_donations']:,} 人次")
    st.caption(wording.scope(f, event, roster))
    show_windows(data["windows"], event)
    show_pace(data["pace"], data["matching"], event)
    show_forecast()
    if len(data["minutes"]):
        start, end, unit = data["chart"]
        st.plotly_chart(
            charts.minutes_chart(data["minutes"], event.tz, unit), key="minutes", config={"displayModeBar": False}
        )
        span = f"{wording.moment(start, event.tz)} – {wording.moment(end, event.tz)}"
        whole = f"（活动日期及前后 {event.margin_days} 天；合计含全部数据）" if f.day is None else ""
        st.caption(f"每{charts.PER[unit]}一柱：{span}{whole}")
    elif data["range_donations"] or data["range_total_fen"]:
        st.info(
            "捐款都在活动日期之外，图表不画。Every gift here lies outside the event's days.", icon=":material/info:"
        )
    else:
        st.info("筛选范围内还没有捐款。No gifts in this view yet.", icon=":material/info:")
    chosen = tables.chosen_project(data["tables"], f.project_id)
    if chosen:
        goal = chosen["goal_fen"]
        st.info(
            f"已选项目：**{chosen['name']}**　已筹 {format_yuan(chosen['total_fen'])}，{chosen['donations']} 人次"
            + (
                f"，目标 {format_yuan(goal)}（{format_goal_share(chosen['total_fen'], goal)}）"
                if goal
                else "，未设目标"
            )
            + "。下面的队伍、点位和最新捐款只含此项目。",
            icon=":material/filter_alt:",
        )
        st.button("显示全部项目 Show all projects", on_click=show_all_projects)
    search = st.text_input("搜索名称或编号 Search", key="search", placeholder="例如：升龙 / P001 / 大学路")
    tabs = st.tabs(
        ["项目", "队伍", "点位", "街道", "地图", "最新捐款", "志愿者"], key="console_tabs", on_change="rerun"
    )
    with tabs[0]:
        st.caption("点选一行，查看该项目的队伍、点位和最新捐款。")
        breakdown(data["tables"]["project"], "project", search, event.tz, selectable=True)
    with tabs[1]:
        breakdown(data["tables"]["team"], "team", search, event.tz)
    with tabs[2]:
        breakdown(data["tables"]["site"], "site", search, event.tz)
    with tabs[3]:
        breakdown(data["tables"]["street"], "street", search, event.tz)
    with tabs[4]:
        st.plotly_chart(
            sitemap.figure(data["tables"]["site"], roster, data["windows"]["until"]),
            key="map",
            config={"displayModeBar": False},
        )
    with tabs[5]:
        if search:
            st.caption(
                f"在最新的 {len(data['latest'])} 笔中按编号、项目、队伍、点位搜索；更早的一笔请在“录入与更正”按编号查找。"
                " Searched among the newest gifts shown; an older one is found by its id on the Record page."
            )
        found = tables.search(data["latest"], search, tables.GIFT_SEARCHED)
        latest = tables.latest_gifts(found, event.tz)
        table(latest, "latest_gifts", height=420, pinned=2, empty=_none_found(data["latest"], search))
    with tabs[6]:
        show_volunteers(f)
    refreshed_every(REFRESH_SECONDS, now, event.tz)


def show_volunteers(f: console.Filters) -> None:
    v = volunteers_view(f)
    if not v.has_shifts:
        st.info("此范围内没有志愿者班次（名册 shifts.csv）。No volunteer shifts in this view.", icon=":material/info:")
        return
    st.markdown("**每志愿者小时善款 Money per volunteer-hour**（按点位与时段 by site and hour）")
    st.plotly_chart(volunteers.heatmap(v.cells), key="volunteers_heatmap", config={"displayModeBar": False})
    st.caption(
        f"志愿者小时最多的 {volunteers.HEATMAP_SITES} 个点位；多天时按时段合计；空格为无人值守。"
        f"The {volunteers.HEATMAP_SITES} sites with most volunteer-hours; hours summed over the days; "
        "a blank cell had nobody on shift."
    )
    j = v.judged
    if j.median_fen_per_volunteer_hour is not None:
        st.caption(
            f"有人值守点位的中位数 median of staffed sites：每志愿者小时 {format_yuan(j.median_fen_per_volunteer_hour)}，"
            f"{j.median_donations_per_volunteer_hour:.2f} 人次。"
        )
    st.markdown("**人手紧张 Short of hands**")
    table(volunteers.site_table(j.short_of_hands), "short_of_hands")
    st.markdown("**有人值守但冷清 Staffed but quiet**")
    table(volunteers.site_table(j.quiet), "staffed_but_quiet")
    st.caption(volunteers.RULE_WORDS)


def main() -> None:
    page_top("console", "组织者控制台 Organizers' console")
    event, roster = board_time().event, shared_store().roster()
    f, dropped = filters_from_widgets(event, roster)
    if dropped:
        show_left_out(dropped)
    live(f)


main()
