"""Data status: what the store holds, what came in and what was turned away. Refreshes itself."""

import streamlit as st

from givingday.console import tables
from givingday.labels import IMPORT_ORIGINS
from givingday.money import format_wan, format_yuan
from givingday.web.board import allow_only, cached_query, recent_imports
from givingday.web.widgets import WRAPPED, page_top, table

# The recent imports' choices: each origin, then all ("").
CHOICES = {**{o: f"{zh} {en}" for o, (zh, en) in IMPORT_ORIGINS.items()}, "": "全部 All"}


def money_totals(title: str, query: str) -> None:
    st.subheader(title)
    table(tables.money_totals(cached_query(query, since=None, until=None), title), height=300)


def recent() -> None:
    """The latest imports of the origin chosen (files, unless another is: the demo's one-gift files, or a live
    feed's API posts, come every few seconds and would push an operator's own file off the list), and how many each
    origin has. The choices' words are fixed, the counts said beneath: a widget whose words change is a new widget,
    back at its first choice."""
    st.subheader("最近导入")
    origin = st.radio("来源 Source", list(CHOICES), format_func=CHOICES.get, key="imports_origin", horizontal=True)
    counts = {r["origin"]: r["imports"] for r in cached_query("imports_origin_counts")}
    st.caption(
        " · ".join(f"{zh} {counts.get(o, 0):,}" for o, (zh, _) in IMPORT_ORIGINS.items())
        + f" · 共 {sum(counts.values()):,} 个导入 imports"
    )
    shown = recent_imports(20, origin or None)
    if shown:
        table(tables.recent_imports(shown), height=300)
    elif origin == "file":
        st.caption("还没有文件导入（收件箱或上传）。No file from the inbox or an upload yet.")
    else:
        st.caption("没有这一来源的导入。No import from this source.")


@st.fragment(run_every=5)
def live() -> None:
    allow_only("data")  # a session signed out or removed meanwhile stops here
    t = cached_query("totals_overall")[0]
    c = cached_query("store_counts")[0]
    money = st.columns(3)  # three a row: six in one cut "1,299.17万元" short at 1500 px
    money[0].metric("善款合计", format_wan(t["total_fen"]) + "元", help=format_yuan(t["total_fen"]))
    money[1].metric("公众捐款", format_wan(t["amount_fen"]) + "元", help=format_yuan(t["amount_fen"]))
    money[2].metric("配捐", format_wan(t["matched_fen"]) + "元", help=format_yuan(t["matched_fen"]))
    counts = st.columns(3)
    counts[0].metric("人次", f"{t['donations']:,}")
    counts[1].metric("人数", f"{t['donors']:,}")
    last = t["last_gift_at"]
    counts[2].metric("最新一笔", last.strftime("%H:%M:%S") if last else "—", help=f"{last:%Y-%m-%d}" if last else None)
    st.caption(
        f"名册：{c['projects']} 个项目，{c['teams']} 支队伍，{c['sites']} 个点位 · "
        f"导入 {c['imports']} 个文件（{c['imports_failed']} 个未导入）· 退回 {c['rejected_rows']} 行"
    )
    left, right = st.columns(2)
    with left:
        money_totals("项目", "totals_by_project")
        money_totals("队伍", "totals_by_team")
    with right:
        money_totals("点位", "totals_by_site")
        recent()
    st.subheader("退回的行")
    rejected = cached_query("rejected_rows_recent", limit_n=200)
    if rejected:
        table(tables.rejected_rows(rejected), row_height=WRAPPED)
    else:
        st.write("没有退回的行。")


def main() -> None:
    page_top("data", "数据状态 Data status")
    live()


main()
