"""Alerts: quiet sites, idle teams, the data flow, rejected rows, possible duplicates and large gifts."""

import datetime as dt

import pandas as pd
import streamlit as st

from givingday.console import alerts
from givingday.labels import CHANNEL_NAMES
from givingday.money import format_yuan
from givingday.web.board import allow_only, board_time, cached_alerts, cached_query, current_bucket, shared_store
from givingday.web.widgets import demo_banner, download_buttons

REFRESH_SECONDS = 15
REJECTED_SHOWN = 1000


def local(at: dt.datetime | None, tz) -> str:
    return "" if at is None or pd.isna(at) else at.astimezone(tz).strftime("%m-%d %H:%M:%S")


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
        frame = pd.DataFrame(
            {
                "点位": [s["name"] for s in quiet],
                "街道": [s["street"] for s in quiet],
                "安静(分钟)": [s["quiet_minutes"] for s in quiet],
                "今日已筹(元)": [s["total_fen"] / 100 for s in quiet],
                "最后一笔": [local(s["last_gift_at"], event.tz) for s in quiet],
            }
        )
        st.dataframe(frame, hide_index=True, height=300)
        download_buttons(frame, "quiet_sites")
    with right:
        teams = alerts.idle_teams(data["teams_today"])
        st.subheader("今日还没有捐款的队伍")
        (st.warning if teams and active else st.success)(f"{len(teams)} 支队伍今日无捐款")
        frame = pd.DataFrame(
            {
                "编号": [t["key"] for t in teams],
                "队伍": [t["name"] for t in teams],
                "项目": [t["project"] for t in teams],
                "点位": [t["site"] for t in teams],
            }
        )
        st.dataframe(frame, hide_index=True, height=300)
        download_buttons(frame, "idle_teams")


def data_flow(flow: alerts.DataFlow, event) -> None:
    st.subheader("数据流 Data flow")
    c = st.columns(3)
    c[0].metric("最近一个文件", local(flow.last_file_at, event.tz) or "—")
    since = flow.minutes_since_last_file
    c[1].metric("距今", "—" if since is None else f"{since:.1f} 分钟")
    lags = [i["lag_minutes"] for i in flow.imports[:10]]
    c[2].metric(
        "近10个文件的延迟中位数",
        "—" if not lags else f"{sorted(lags)[len(lags) // 2]:.1f} 分钟",
        help="导入时间减去文件中最新一笔捐款的时间",
    )
    if since is not None and since > event.stale_after_seconds / 60:
        st.error(f"已有 {since:.0f} 分钟没有新的数据文件。请检查平台导出和收件箱。", icon=":material/error:")
    left, right = st.columns(2)
    with left:
        st.markdown("**最近导入的文件**")
        st.dataframe(
            pd.DataFrame(
                {
                    "导入时间": [local(i["started_at"], event.tz) for i in flow.imports],
                    "文件": [i["file_name"] for i in flow.imports],
                    "新增": [i["rows_new"] for i in flow.imports],
                    "最新一笔": [local(i["newest_gift_at"], event.tz) for i in flow.imports],
                    "延迟(分钟)": [i["lag_minutes"] for i in flow.imports],
                }
            ),
            hide_index=True,
            height=260,
        )
    with right:
        st.markdown(f"**未能导入的文件**（{len(flow.failed_files)}）")
        st.dataframe(
            pd.DataFrame(
                {
                    "时间": [local(f["failed_at"], event.tz) for f in flow.failed_files],
                    "文件": [f["file_name"] for f in flow.failed_files],
                    "原因": [f["message"] for f in flow.failed_files],
                }
            ),
            hide_index=True,
            height=260,
        )
    rejected = cached_query("rejected_rows_recent", limit_n=REJECTED_SHOWN)
    st.markdown(f"**退回的行**（最近 {len(rejected)} 行，已脱敏）")
    frame = pd.DataFrame(
        {
            "文件": [r["file_name"] for r in rejected],
            "行": [r["line"] for r in rejected],
            "原因": [r["reason"] for r in rejected],
            "内容": [r["row_text"] for r in rejected],
        }
    )
    st.dataframe(frame, hide_index=True, height=260)
    download_buttons(frame, "rejected_rows")


def suspicious(data: dict, event) -> None:
    names = {p["project_id"]: p["name"] for p in shared_store().roster()["projects"]}
    dups = data["duplicates"]
    st.subheader(f"可能重复的捐款（今日，{event.console.duplicate_within_seconds} 秒内同一捐赠人同一金额）")
    frame = pd.DataFrame(
        {
            "编号": [d["donation_id"] for d in dups],
            "时间": [local(d["occurred_at"], event.tz) for d in dups],
            "捐赠人": [d["donor_name_masked"] for d in dups],
            "金额(元)": [d["amount_fen"] / 100 for d in dups],
            "项目": [names.get(d["project_id"], d["project_id"]) for d in dups],
            "来源": [d["source_file"] for d in dups],
            "相似的编号": [d["earlier_id"] for d in dups],
            "其时间": [local(d["earlier_at"], event.tz) for d in dups],
            "其来源": [d["earlier_source"] for d in dups],
        }
    )
    st.caption("确认是重复后，可在「录入与更正」页按编号退款。")
    st.dataframe(
        frame, hide_index=True, height=240, column_config={"金额(元)": st.column_config.NumberColumn(format="%.2f")}
    )
    download_buttons(frame, "possible_duplicates")
    big = data["large"]
    st.subheader(f"大额捐款（今日，{format_yuan(event.console.large_gift_fen)} 及以上）")
    frame = pd.DataFrame(
        {
            "编号": [g["donation_id"] for g in big],
            "时间": [local(g["occurred_at"], event.tz) for g in big],
            "捐赠人": [g["donor_name_masked"] for g in big],
            "金额(元)": [g["amount_fen"] / 100 for g in big],
            "项目": [names.get(g["project_id"], g["project_id"]) for g in big],
            "渠道": [CHANNEL_NAMES.get(g["channel"], g["channel"]) for g in big],
            "来源": [g["source_file"] for g in big],
        }
    )
    st.dataframe(
        frame, hide_index=True, height=240, column_config={"金额(元)": st.column_config.NumberColumn(format="%.2f")}
    )
    download_buttons(frame, "large_gifts")


@st.fragment(run_every=REFRESH_SECONDS)
def live(minutes: int) -> None:
    allow_only("alerts")  # a session signed out or removed meanwhile stops here
    event, _, now = board_time()
    data = cached_alerts(current_bucket() // 3)
    quiet_and_idle(data, event, now, minutes)
    data_flow(data["flow"], event)
    suspicious(data, event)
    st.caption(f"每 {REFRESH_SECONDS} 秒自动刷新 · 数据时间 {now.astimezone(event.tz):%m-%d %H:%M:%S}")


def main() -> None:
    allow_only("alerts")
    event = board_time().event
    st.title("提醒 Alerts")
    demo_banner()
    asked = st.query_params.get("quiet", "")
    default = max(1, min(600, int(asked))) if asked.isdigit() else event.console.quiet_site_minutes
    minutes = st.number_input("点位安静多少分钟算提醒", min_value=1, max_value=600, value=default, step=5)
    if str(minutes) != st.query_params.get("quiet"):
        st.query_params["quiet"] = str(minutes)
    live(int(minutes))


main()
