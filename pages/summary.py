"""汇总报告: leadership's summary of one day or the whole event as of a moment; prints cleanly (Ctrl-P) and
downloads as PDF and XLSX. Only the roles that may see it get it: app.py lists it for them and `allow_only`
stops anyone else who runs the script."""

import datetime as dt
import html

import pandas as pd
import streamlit as st

from givingday.report import figures as report
from givingday.report import tables
from givingday.report.files import check_text, pdf_bytes, xlsx_bytes
from givingday.web.board import allow_only, cached_report, cached_report_charts, shared_store
from givingday.web.widgets import XLSX_MIME

EVENT = "event"

# Print: white paper, no controls or chrome, the whole page rather than the scrolled window.
PRINT_CSS = """
<style>
@page { size: A4; margin: 12mm; }
@media print {
  header, [data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
  html, body, .stApp, .stApp div, .stApp main {
    position: static !important; overflow: visible !important; height: auto !important; max-height: none !important;
  }
  html, body, .stApp { background: #fff !important; }
  .stApp main, [data-testid="stAppViewContainer"] { display: block !important; }
  .stApp table { display: table !important; width: 100% !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  /* Flex boxes do not split across pages: print the blocks one under another, columns stacked. */
  [data-testid="stVerticalBlock"], [data-testid="stHorizontalBlock"], [data-testid="stColumn"] {
    display: block !important; width: 100% !important; min-width: 0 !important; max-width: 100% !important;
  }
  [data-testid="stElementContainer"] { margin-bottom: .5rem; break-inside: auto !important; }
  .stApp .st-key-summary-metrics [data-testid="stHorizontalBlock"] { display: flex !important; }
  .stApp .st-key-summary-metrics [data-testid="stColumn"] { width: auto !important; flex: 1 1 0 !important; }
  .stApp [data-testid="stMetricValue"] { font-size: 1.4rem !important; }
  .stApp .st-key-summary-controls, .stApp .st-key-summary-downloads { display: none !important; }
  .stApp * { color: #000 !important; border-color: #bbb !important; }
  .stApp table, .stApp th, .stApp td { background: #fff !important; }
  h1, h2, h3 { break-after: avoid; }
  tr, [data-testid="stElementContainer"]:has([data-testid="stImage"]),
  [data-testid="stElementContainer"]:has([data-testid="stMetric"]) { break-inside: avoid; }
  .stApp .summary-demo { border: 2px solid #a00 !important; color: #a00 !important; }
}
.summary-text p { font-size: 1.05rem; line-height: 1.9; text-indent: 2em; margin: 0 0 .4rem 0; }
.summary-demo { border: 2px solid #e05a4a; border-radius: 6px; padding: .4rem .8rem; color: #ff8a7a;
  font-weight: 700; margin-bottom: .6rem; }
</style>
"""


def _scope_controls(event, now: dt.datetime) -> tuple[dt.date | None, dt.datetime | None]:
    """Which day (or the event) and, when asked for, which moment; None keeps the default moment."""
    with st.container(key="summary-controls"):
        left, right = st.columns([3, 2])
        options = [EVENT, *[d.isoformat() for d in event.day_list]]
        choice = left.segmented_control(
            "范围",
            options,
            default=EVENT,
            format_func=lambda o: "全程" if o == EVENT else report.month_day(dt.date.fromisoformat(o)),
            key="summary-scope",
        )
        day = None if choice in (None, EVENT) else dt.date.fromisoformat(choice)
        custom = right.toggle(
            "指定截至时间", key="summary-custom", help="默认：现在（精确到分钟）；已结束的一天为当日24时"
        )
        if not custom:
            return day, None
        default = report.default_until(event, day, now) - report.ONE_MICROSECOND
        c1, c2 = right.columns(2)
        date = c1.date_input("截至日期", value=default.date(), key="summary-date")
        time = c2.time_input(
            "截至时间", value=default.time().replace(second=0, microsecond=0), step=60, key="summary-time"
        )
        return day, dt.datetime.combine(date, time, event.tz) + report.ONE_MICROSECOND


NUMERIC = ("元", "人次", "人数", "完成率", "名次")


def _table(df: pd.DataFrame) -> None:
    """A static table (it prints in full, unlike a scrolling grid), figures aligned right."""
    numeric = [c for c in df.columns if any(word in c for word in NUMERIC)]
    st.table(df.style.set_properties(subset=numeric, **{"text-align": "right"}), hide_index=True, border="horizontal")


def _file(where, label: str, make, file_name: str, mime: str, icon: str) -> None:
    """A download made only when clicked (a report's files take a moment to draw)."""
    where.download_button(label, data=make, file_name=file_name, mime=mime, on_click="ignore", icon=icon)


def body() -> None:
    allow_only("summary")
    st.html(PRINT_CSS)
    event, demo, now = report.board_time(shared_store())
    day, until = _scope_controls(event, now)
    scope = report.make_scope(event, day, until, now)
    r = cached_report(scope.day, scope.until)
    f = r.figures

    st.title(html.escape(f"{event.name} · {scope.title}"))
    st.caption(f"数据截至{scope.as_of_text}（{scope.event.tz.key}）")
    if demo:
        st.html('<div class="summary-demo">演示数据：当前显示的是模拟的公益日数据，不是真实统计。DEMO DATA</div>')
    st.html('<div class="summary-text">' + "".join(f"<p>{html.escape(p)}</p>" for p in report.paragraphs(r)) + "</div>")

    cols = st.container(key="summary-metrics").columns([1.3, 1.3, 1.1, 0.9, 0.9])
    cols[0].metric("善款总额", report.yuan(f.total_fen), help=report.wan(f.total_fen))
    cols[1].metric("公众捐款", report.yuan(f.amount_fen), help=report.wan(f.amount_fen))
    cols[2].metric("配捐", report.yuan(f.matched_fen), help=report.wan(f.matched_fen))
    cols[3].metric("人次", f"{f.donations:,}")
    cols[4].metric("人数", f"{f.donors:,}")

    st.subheader("主要数据")
    _table(tables.headline(r))

    with st.container(key="summary-downloads"):
        a, b, _ = st.columns([1, 1, 3])
        _file(a, "下载 PDF 报告", lambda: pdf_bytes(r), f"{scope.file_stem}.pdf", "application/pdf", "📄")
        _file(b, "下载 Excel 报表", lambda: xlsx_bytes(r), f"{scope.file_stem}.xlsx", XLSX_MIME, "📊")

    charts = cached_report_charts(scope.day, scope.until)
    left, right = st.columns(2)
    with left:
        st.subheader("分渠道")
        _table(tables.by(r, r.channels, "渠道"))
        st.subheader("分类别（公益+）")
        _table(tables.by(r, r.categories, "类别"))
    with right:
        st.subheader("三天对比" if scope.is_event else f"各日对比（截至{scope.as_of_text}）")
        _table(tables.days(r))
        st.image(charts["days"], width="stretch")

    st.subheader("分时走势")
    peak = r.peak_hour
    if peak:
        st.write(
            f"高峰时段：{report.hour_text(peak, scope.is_event)}，筹集 {report.yuan(peak.total_fen)}，{peak.donations:,}人次。"
        )
    st.image(charts["hourly"], width="stretch")

    st.subheader("项目前十")
    st.image(charts["projects"], width="stretch")
    _table(tables.top(r, "projects"))
    left, right = st.columns(2)
    with left:
        st.subheader("一起捐队伍前十")
        _table(tables.top(r, "teams"))
    with right:
        st.subheader("公共区域点位前十")
        _table(tables.top(r, "sites"))
    st.subheader("分街道")
    _table(tables.by(r, r.streets, "街道"))

    st.subheader(f"项目目标完成情况（累计至{scope.as_of_text}）")
    _table(tables.goals(r))

    if r.problems:
        st.error(check_text(r))
    else:
        st.caption(check_text(r))
    if scope.is_event and f.events_after:
        st.caption(f"截至时间之后另有{f.events_after:,}条记录，未计入本报告。")


body()
