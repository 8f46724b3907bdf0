"""Data status: what the store holds, what came in and what was turned away. Refreshes itself."""

import html

import pandas as pd
import streamlit as st

from givingday.money import format_wan, format_yuan
from givingday.web.board import allow_only, cached_query
from givingday.web.widgets import demo_banner


def _money_table(rows: list[dict], label: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            label: [r["name"] for r in rows],
            "善款(元)": [format_yuan(r["amount_fen"] + r["matched_fen"], "") for r in rows],
            "其中配捐(元)": [format_yuan(r["matched_fen"], "") for r in rows],
            "人次": [r["donations"] for r in rows],
        }
    )


@st.fragment(run_every=5)
def live() -> None:
    allow_only("data")  # a session signed out or removed meanwhile stops here
    t = cached_query("totals_overall")[0]
    c = cached_query("store_counts")[0]
    cols = st.columns(6)
    cols[0].metric("善款合计", format_wan(t["total_fen"]) + "元", help=format_yuan(t["total_fen"]))
    cols[1].metric("公众捐款", format_wan(t["amount_fen"]) + "元", help=format_yuan(t["amount_fen"]))
    cols[2].metric("配捐", format_wan(t["matched_fen"]) + "元", help=format_yuan(t["matched_fen"]))
    cols[3].metric("人次", f"{t['donations']:,}")
    cols[4].metric("人数", f"{t['donors']:,}")
    last = t["last_gift_at"]
    cols[5].metric("最新一笔", last.strftime("%H:%M:%S") if last else "—", help=f"{last:%Y-%m-%d}" if last else None)
    st.caption(
        f"名册：{c['projects']} 个项目，{c['teams']} 支队伍，{c['sites']} 个点位 · "
        f"导入 {c['imports']} 个文件（{c['imports_failed']} 个未导入）· 退回 {c['rejected_rows']} 行"
    )
    left, right = st.columns(2)
    with left:
        st.subheader("项目")
        st.dataframe(
            _money_table(cached_query("totals_by_project", since=None, until=None), "项目"), hide_index=True, height=300
        )
        st.subheader("队伍")
        st.dataframe(
            _money_table(cached_query("totals_by_team", since=None, until=None), "队伍"), hide_index=True, height=300
        )
    with right:
        st.subheader("点位")
        st.dataframe(
            _money_table(cached_query("totals_by_site", since=None, until=None), "点位"), hide_index=True, height=300
        )
        st.subheader("最近导入")
        imports = cached_query("imports_recent", limit_n=20)
        st.dataframe(
            pd.DataFrame(
                {
                    "时间": [r["started_at"].strftime("%m-%d %H:%M:%S") for r in imports],
                    "文件": [r["file_name"] for r in imports],
                    "结果": [r["outcome"] for r in imports],
                    "新增": [r["rows_new"] for r in imports],
                    "重复": [r["rows_duplicate"] for r in imports],
                    "退回": [r["rows_rejected"] for r in imports],
                    "说明": [r["message"] or "" for r in imports],
                }
            ),
            hide_index=True,
            height=300,
        )
    st.subheader("退回的行")
    rejected = cached_query("rejected_rows_recent", limit_n=200)
    if rejected:
        st.dataframe(
            pd.DataFrame(
                {
                    "文件": [r["file_name"] for r in rejected],
                    "行": [r["line"] for r in rejected],
                    "原因": [r["reason"] for r in rejected],
                    "内容（已脱敏）": [r["row_text"] for r in rejected],
                }
            ),
            hide_index=True,
        )
    else:
        st.write("没有退回的行。")


def main() -> None:
    allow_only("data")
    st.title(html.escape("数据状态"))
    demo_banner()
    live()


main()
