"""Alerts: quiet sites, idle teams, the data flow, rejected rows, possible duplicates and large gifts."""

import streamlit as st

from givingday.console import alerts, exports, tables
from givingday.money import format_yuan
from givingday.screens.words import age
from givingday.web.board import alerts_figures, allow_only, board_time, cached_query, shared_store
from givingday.web.widgets import WRAPPED, page_top, refreshed_every, table

REFRESH_SECONDS = 15
REJECTED_SHOWN = 1000


def quiet_and_idle(data: dict, event, now, minutes: int) -> None:
    sites = data["sites_today"]
    active = alerts.in_active_hours(event, now)
    quiet = alerts.quiet_sites(sites, event, now, minutes)
    left, right = st.columns(2)
    with left:
        st.subheader(f"安静的点位（超过 {minutes} 分钟没有捐款）")
        if not active:
            st.caption(
                f"现在不在活跃时段（{event.console.active_from:%H:%M}–{event.console.active_until:%H:%M}），仅供参考。"
            )
        (st.warning if quiet and active else st.success)(f"{len(quiet)} / {len(sites)} 个点位安静")
        table(tables.quiet_sites(quiet, event.tz), "quiet_sites", height=300)
    with right:
        teams = alerts.idle_teams(data["teams_today"])
        st.subheader("今日还没有捐款的队伍")
        (st.warning if teams and active else st.success)(f"{len(teams)} 支队伍今日无捐款")
        table(tables.idle_teams(teams), "idle_teams", height=300)


def data_flow(flow: alerts.DataFlow, event) -> None:
    st.subheader("数据流 Data flow")
    c = st.columns(3)
    c[0].metric("最近一个文件", exports.local_text(flow.last_file_at, event.tz) or "—")
    since = flow.minutes_since_last_file
    c[1].metric("距今", "—" if since is None else age(since * 60, "zh"))
    lag = flow.median_lag_minutes
    c[2].metric(
        "近10个文件的延迟中位数",
        "—" if lag is None else age(lag * 60, "zh"),
        help="导入时间减去文件中最新一笔捐款的时间",
    )
    if flow.is_stalled(event):
        st.error(f"已有 {age(since * 60, 'zh')}没有新的数据文件。请检查平台导出和收件箱。", icon=":material/error:")
    left, right = st.columns(2)
    with left:
        st.markdown("**最近导入的文件**")
        table(tables.imports(flow.imports, event.tz), height=260)
    with right:
        st.markdown(f"**未能导入的文件**（{len(flow.failed_files)}）")
        table(tables.failed_files(flow.failed_files, event.tz), height=260)
    rejected = cached_query("rejected_rows_recent", limit_n=REJECTED_SHOWN)
    st.markdown(f"**退回的行**（最近 {len(rejected)} 行，已脱敏）")
    table(tables.rejected_rows(rejected), "rejected_rows", height=400, row_height=WRAPPED)


def suspicious(data: dict, event) -> None:
    roster = shared_store().roster()
    st.subheader(f"可能重复的捐款（今日，{event.console.duplicate_within_seconds} 秒内同一捐赠人同一金额）")
    st.caption("确认是重复后，可在「录入与更正」页按编号退款。")
    table(tables.possible_duplicates(data["duplicates"], roster, event.tz), "possible_duplicates", height=240)
    st.subheader(f"大额捐款（今日，{format_yuan(event.console.large_gift_fen)} 及以上）")
    table(tables.large_gifts(data["large"], roster, event.tz), "large_gifts", height=240)


@st.fragment(run_every=REFRESH_SECONDS)
def live(minutes: int) -> None:
    allow_only("alerts")  # a session signed out or removed meanwhile stops here
    event, _, now = board_time()
    data = alerts_figures()
    quiet_and_idle(data, event, now, minutes)
    data_flow(data["flow"], event)
    suspicious(data, event)
    refreshed_every(REFRESH_SECONDS, now, event.tz)


def main() -> None:
    page_top("alerts", "提醒 Alerts")
    event = board_time().event
    default = alerts.quiet_minutes_asked(st.query_params.get("quiet", ""), event)
    minutes = st.number_input("点位安静多少分钟算提醒", min_value=1, max_value=600, value=default, step=5)
    if str(minutes) != st.query_params.get("quiet"):
        st.query_params["quiet"] = str(minutes)
    live(int(minutes))


main()
