"""The organizers' console: what is moving, filtered by the URL's filters, refreshing itself every 10 s."""

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from givingday.console import exports, sitemap
from givingday.console import figures as console
from givingday.labels import CHANNEL_NAMES
from givingday.money import format_wan, format_yuan
from givingday.web.board import allow_only, board_time, cached_console, current_bucket, shared_store
from givingday.web.widgets import demo_banner, download_buttons

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
TABLE_LABELS = {
    "project": {"key": "编号", "name": "项目", "category": "类别"},
    "team": {"key": "编号", "name": "队伍", "project": "项目", "site": "点位"},
    "site": {"key": "编号", "name": "点位", "street": "街道"},
    "street": {"name": "街道"},
}
MONEY_LABELS = {
    "goal_fen": "目标(元)",
    "total_fen": "已筹(元)",
    "matched_fen": "其中配捐(元)",
    "donations": "人次",
    "share_of_goal": "完成度",
    "last_gift_at": "最后一笔",
}


def clear_filters() -> None:
    for field, key in KEYS.items():
        st.session_state[key] = None if field.endswith("_time") else ""


def filters_from_widgets(event, roster) -> console.Filters:
    """The sidebar's filters ("" = all). The URL seeds them once per session; afterwards the URL follows them."""
    start = console.Filters.from_params(st.query_params.to_dict(), event, roster)
    for field, key in KEYS.items():
        if key not in st.session_state:
            v = getattr(start, field)
            st.session_state[key] = v if isinstance(v, dt.time) else ("" if v is None else str(v))
    projects = {p["project_id"]: p for p in roster["projects"]}
    sites = {s["site_id"]: s for s in roster["sites"]}
    teams = {t["team_id"]: t for t in roster["teams"]}

    def choose(label: str, field: str, options: list[str], everything: str, name=lambda k: k) -> None:
        if st.session_state[KEYS[field]] not in ("", *options):
            st.session_state[KEYS[field]] = ""
        st.selectbox(label, ["", *options], key=KEYS[field], format_func=lambda k: name(k) if k else everything)

    with st.sidebar:
        st.subheader("筛选 Filters")
        days = [d.isoformat() for d in event.day_list]
        choose("日期", "day", days, "全部三天", lambda d: f"{d[5:7]}月{d[8:]}日 第{days.index(d) + 1}天")
        if st.session_state[KEYS["day"]]:
            c1, c2 = st.columns(2)
            c1.time_input("从", key=KEYS["from_time"], step=dt.timedelta(minutes=15))
            c2.time_input("到", key=KEYS["to_time"], step=dt.timedelta(minutes=15))
        categories = sorted({p["category"] for p in roster["projects"] if p["category"]})
        choose("类别", "category", categories, "全部类别")
        category = st.session_state[KEYS["category"]]
        project_ids = [k for k, p in projects.items() if category in ("", p["category"])]
        choose("项目", "project_id", project_ids, "全部项目", lambda k: f"{k} {projects[k]['name']}")
        chosen = st.session_state[KEYS["project_id"]]
        team_ids = [t for t, v in teams.items() if chosen in ("", v["project_id"])]
        choose("队伍", "team_id", team_ids, "全部队伍", lambda k: f"{k} {teams[k]['name']}")
        choose("街道", "street", sorted({s["street"] for s in roster["sites"]}), "全部街道")
        street = st.session_state[KEYS["street"]]
        site_ids = [k for k, v in sites.items() if street in ("", v["street"])]
        choose("点位", "site_id", site_ids, "全部点位", lambda k: f"{k} {sites[k]['name']}")
        choose("渠道", "channel", list(CHANNEL_NAMES), "全部渠道", CHANNEL_NAMES.get)
        st.button("清除筛选 Clear", on_click=clear_filters)
    values = {field: st.session_state.get(key) or None for field, key in KEYS.items()}
    if values["day"] is None:
        values["from_time"] = values["to_time"] = None
    else:
        values["day"] = dt.date.fromisoformat(values["day"])
    f = console.Filters(**values)
    if st.query_params.to_dict() != f.to_params():
        st.query_params.from_dict(f.to_params())
    return f


def show_windows(w: dict, event) -> None:
    until = w["until"].astimezone(event.tz)
    st.markdown(f"**滚动窗口**　截至 {until:%m-%d %H:%M:%S}，与前一天同一时段对比")
    rows = w["rows"]
    frame = pd.DataFrame(
        {
            "窗口": [r["label"] for r in rows],
            "善款(元)": [r["total_fen"] / 100 for r in rows],
            "人次": [r["donations"] for r in rows],
            "前一天同时段(元)": [None if r["before_fen"] is None else r["before_fen"] / 100 for r in rows],
            "前一天人次": [r["before_donations"] for r in rows],
            "变化": [None if not r["before_fen"] else r["total_fen"] / r["before_fen"] - 1 for r in rows],
        }
    )
    money = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(
        frame,
        hide_index=True,
        key="windows",
        column_config={
            "善款(元)": money,
            "前一天同时段(元)": money,
            "变化": st.column_config.NumberColumn(format="percent"),
        },
    )


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
                f"按当前速度完成 **{p.at_rate_fen / p.day_goal_fen:.0%}**"
            )
        if p.goal_fen:
            lines.append(
                f"总目标 {format_yuan(p.goal_fen)}：已完成 {p.event_so_far_fen / p.goal_fen:.1%}，"
                f"按当前速度今日结束时 **{p.event_at_rate_fen / p.goal_fen:.1%}**"
            )
        st.markdown("  \n".join(lines))
    with right:
        st.markdown("**今日配捐池 Matching pool**")
        used = m["used_fen"] / m["pool_fen"] if m["pool_fen"] else 0
        st.progress(
            min(1.0, used), text=f"已用 {format_yuan(m['used_fen'])} / {format_yuan(m['pool_fen'])}（{used:.0%}）"
        )
        if m["ran_out_at"] is not None:
            st.write(f"配捐池已于 {m['ran_out_at'].astimezone(event.tz):%H:%M} 用完。")
        elif m["is_open"]:
            st.write(f"配捐进行中，剩余 {format_yuan(m['left_fen'])}。")
        else:
            st.write(f"配捐 {m['opens_at']:%H:%M} 开始。")


def minutes_chart(frame: pd.DataFrame, event) -> go.Figure:
    local = frame["minute_at"].dt.tz_convert(event.tz).dt.tz_localize(None) if len(frame) else frame["minute_at"]
    fig = go.Figure()
    fig.add_bar(x=local, y=frame["total_fen"] / 100, name="善款(元)", marker_color="#e4572e")
    fig.add_scatter(x=local, y=frame["donations"], name="人次", yaxis="y2", mode="lines", line_color="#4c78a8")
    fig.update_layout(
        height=280,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
        yaxis=dict(title="元/分钟", rangemode="tozero"),
        yaxis2=dict(title="人次/分钟", overlaying="y", side="right", showgrid=False, rangemode="tozero"),
        bargap=0,
    )
    return fig


def pick_project(widget_key: str, keys: list[str]) -> None:
    """Choosing a row of the project table narrows the whole console to that project."""
    rows = st.session_state[widget_key].selection.rows
    if rows:
        st.session_state[KEYS["project_id"]] = keys[rows[0]]
        st.session_state[KEYS["team_id"]] = ""


def show_all_projects() -> None:
    st.session_state[KEYS["project_id"]] = ""
    st.session_state[KEYS["team_id"]] = ""


def table(frame: pd.DataFrame, dim: str, search: str, tz, selectable: bool = False) -> None:
    labels = {**TABLE_LABELS[dim], **MONEY_LABELS}
    shown = frame
    if search:
        hit = frame["name"].str.contains(search, case=False, regex=False)
        shown = frame[hit | frame["key"].str.contains(search, case=False, regex=False)]
    display = pd.DataFrame({labels[c]: shown[c] for c in labels})
    for c in ("goal_fen", "total_fen", "matched_fen"):
        display[labels[c]] = shown[c] / 100
    display[labels["last_gift_at"]] = [
        "" if pd.isna(v) else v.astimezone(tz).strftime("%m-%d %H:%M:%S") for v in shown["last_gift_at"]
    ]
    money = st.column_config.NumberColumn(format="%.2f")
    key = f"table_{dim}_{search}_{len(shown)}"  # a new table (no stale selection) whenever its rows change
    keys = list(shown["key"])
    st.dataframe(
        display,
        hide_index=True,
        height=420,
        key=key,
        on_select=(lambda: pick_project(key, keys)) if selectable else "ignore",
        selection_mode="single-row",
        column_config={
            labels["goal_fen"]: money,
            labels["total_fen"]: money,
            labels["matched_fen"]: money,
            labels["share_of_goal"]: st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        },
    )
    download_buttons(exports.for_export(shown, labels), dim)


@st.fragment(run_every=REFRESH_SECONDS)
def live(f: console.Filters) -> None:
    allow_only("console")  # a session signed out or removed meanwhile stops here
    if (st.session_state.get(KEYS["project_id"]) or None) != f.project_id:
        st.rerun()  # a project was chosen or unchosen in a table: the filters (outside this fragment) follow
    event, _, now = board_time()
    roster = shared_store().roster()
    data = cached_console(f, current_bucket() // 3)
    show_windows(data["windows"], event)
    show_pace(data["pace"], data["matching"], event)
    if len(data["minutes"]):
        st.plotly_chart(minutes_chart(data["minutes"], event), key="minutes", config={"displayModeBar": False})
    else:
        st.info("筛选范围内还没有捐款。No gifts in this view yet.", icon=":material/info:")
    chosen = data["tables"]["project"][data["tables"]["project"]["key"] == f.project_id]
    if f.project_id and len(chosen):
        p = next(p for p in roster["projects"] if p["project_id"] == f.project_id)
        row = chosen.iloc[0]
        st.info(
            f"已选项目：**{p['name']}**　已筹 {format_yuan(int(row['total_fen']))}，{int(row['donations'])} 人次"
            + (
                f"，目标 {format_yuan(int(p['goal_fen']))}（{row['total_fen'] / p['goal_fen']:.0%}）"
                if p["goal_fen"]
                else ""
            )
            + "。下面的队伍、点位和最新捐款只含此项目。",
            icon=":material/filter_alt:",
        )
        st.button("显示全部项目 Show all projects", on_click=show_all_projects)
    search = st.text_input("搜索名称或编号 Search", key="search", placeholder="例如：升龙 / P001 / 大学路")
    tabs = st.tabs(["项目", "队伍", "点位", "街道", "地图", "最新捐款"], key="console_tabs", on_change="rerun")
    with tabs[0]:
        st.caption("点选一行，查看该项目的队伍、点位和最新捐款。")
        table(data["tables"]["project"], "project", search, event.tz, selectable=True)
    with tabs[1]:
        table(data["tables"]["team"], "team", search, event.tz)
    with tabs[2]:
        table(data["tables"]["site"], "site", search, event.tz)
    with tabs[3]:
        table(data["tables"]["street"], "street", search, event.tz)
    with tabs[4]:
        st.plotly_chart(
            sitemap.figure(data["tables"]["site"], roster, data["windows"]["until"]),
            key="map",
            config={"displayModeBar": False},
        )
    with tabs[5]:
        latest = data["latest"]
        labels = {
            "donation_id": "编号",
            "occurred_at": "时间",
            "donor_name_masked": "捐赠人",
            "amount_fen": "金额(元)",
            "matched_fen": "配捐(元)",
            "project": "项目",
            "team": "队伍",
            "site": "点位",
            "channel": "渠道",
            "source_file": "来源",
        }
        out = exports.for_export(latest, labels)
        out["渠道"] = [CHANNEL_NAMES.get(c, c) for c in out["渠道"]]
        out["状态"] = [
            "已退款" if r else ("已更正" if a else "")
            for r, a in zip(latest["is_refunded"], latest["adjustments"], strict=True)
        ]
        st.dataframe(
            out,
            hide_index=True,
            height=420,
            column_config={
                "金额(元)": st.column_config.NumberColumn(format="%.2f"),
                "配捐(元)": st.column_config.NumberColumn(format="%.2f"),
            },
        )
        download_buttons(out, "latest_gifts")
    st.caption(f"每 {REFRESH_SECONDS} 秒自动刷新 · 数据时间 {now.astimezone(event.tz):%m-%d %H:%M:%S}")


def main() -> None:
    allow_only("console")
    event = board_time().event
    st.title("组织者控制台 Organizers' console")
    demo_banner()
    f = filters_from_widgets(event, shared_store().roster())
    data = cached_console(f, current_bucket() // 3)
    start, end = f.time_range(event)
    span = "全部数据" if f.day is None else f"{start:%m-%d %H:%M} – {end:%m-%d %H:%M}"
    total = data["range_total_fen"]
    st.markdown(f"### 筛选范围内 {format_yuan(total)}（{format_wan(total)}元）· {data['range_donations']:,} 人次")
    st.caption(
        f"范围：{span}" + ("，" + "，".join(f"{k}={v}" for k, v in f.to_params().items()) if f.to_params() else "")
    )
    live(f)


main()
