"""汇总报告: leadership's summary of one day or the whole event as of a moment; prints cleanly (Ctrl-P) and
downloads as PDF and XLSX. app.py lists this page only for the roles that may see it, and the page checks again
(`allow_only`), as a page file can be run straight from its URL."""

import datetime as dt
import html

import pandas as pd
import streamlit as st

from givingday.money import format_wan_yuan, format_yuan
from givingday.report.pdf import pdf_bytes
from givingday.report.scope import ONE_MICROSECOND, default_until, make_scope, month_day
from givingday.report.text import (
    MONEY_COLUMNS,
    RECONCILIATION_HEADER,
    RECONCILIATION_TITLE,
    VOLUNTEER_HEADER,
    VOLUNTEER_TITLE,
    after_note,
    breakdown_rows,
    check_text,
    day_rows,
    forecast_lines,
    goal_table,
    key_figures,
    paragraphs,
    peak_sentence,
    ranking_rows,
    reconciliation_rows,
    reconciliation_sentence,
    volunteer_rows,
    volunteer_sentence,
)
from givingday.report.workbook import xlsx_bytes
from givingday.web.board import allow_only, board_time, cached_report, cached_report_charts

EVENT = "event"

# On screen, the key figures' size; in print, white paper, no controls or chrome, the whole page rather than the
# scrolled window.
PAGE_CSS = """
<style>
@page { size: A4; margin: 12mm; }
/* The key figures, in exact yuan three a row, fit their third of the page from a 1024-px tablet up. */
.stApp .st-key-summary-metrics [data-testid="stMetricValue"] { font-size: clamp(1.5rem, 2.4vw, 2.25rem); }
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
  .stApp [class*="st-key-chart-screen"] { display: none !important; }
  .stApp [class*="st-key-chart-paper"] { display: block !important; }
}
/* On the screen the charts drawn in the page's dark colours; on paper the white ones the PDF prints. */
@media screen { .stApp [class*="st-key-chart-paper"] { display: none !important; } }
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
            format_func=lambda o: "全程" if o == EVENT else month_day(dt.date.fromisoformat(o)),
            key="summary-scope",
        )
        day = None if choice in (None, EVENT) else dt.date.fromisoformat(choice)
        custom = right.toggle(
            "指定截至时间", key="summary-custom", help="默认：现在（精确到分钟）；已结束的一天为当日24时"
        )
        if not custom:
            return day, None
        default = default_until(event, day, now) - ONE_MICROSECOND
        c1, c2 = right.columns(2)
        date = c1.date_input("截至日期", value=default.date(), key="summary-date")
        time = c2.time_input(
            "截至时间", value=default.time().replace(second=0, microsecond=0), step=60, key="summary-time"
        )
        return day, dt.datetime.combine(date, time, event.tz) + ONE_MICROSECOND


NUMERIC = ("元", "人次", "人数", "完成率", "名次")


def _chart(charts: dict[str, dict[str, bytes]], name: str) -> None:
    """A chart twice: in the page's dark colours for the screen, on white for printing (PAGE_CSS picks)."""
    for medium in ("screen", "paper"):
        with st.container(key=f"chart-{medium}-{name}"):
            st.image(charts[medium][name], width="stretch")


def _table(rows: list[list], columns: list[str]) -> None:
    """A static table (it prints in full, unlike a scrolling grid), figures aligned right."""
    df = pd.DataFrame(rows, columns=columns)
    numeric = [c for c in columns if any(word in c for word in NUMERIC)]
    st.table(df.style.set_properties(subset=numeric, **{"text-align": "right"}), hide_index=True, border="horizontal")


def body() -> None:
    allow_only("summary")
    st.html(PAGE_CSS)
    event, demo, now = board_time()
    day, until = _scope_controls(event, now)
    scope = make_scope(event, day, until, now)
    r = cached_report(scope.day, scope.until)
    f = r.figures

    st.title(html.escape(f"{event.name} · {scope.title}"))
    st.caption(f"数据截至{scope.as_of_text}（{scope.event.tz.key}）")
    if demo:
        st.html('<div class="summary-demo">演示数据：当前显示的是模拟的公益日数据，不是真实统计。DEMO DATA</div>')
    st.html('<div class="summary-text">' + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(r)) + "</div>")

    # Money three a row and the counts beneath: five a row cut "¥300,000.00" to "¥300,000…" at 1400 px and every
    # figure at 1280 (a laptop), and a district's ten-million total is longer still.
    metrics = st.container(key="summary-metrics")
    money = metrics.columns(3)
    money[0].metric("善款总额", format_yuan(f.total_fen), help=format_wan_yuan(f.total_fen))
    money[1].metric("公众捐款", format_yuan(f.amount_fen), help=format_wan_yuan(f.amount_fen))
    money[2].metric("配捐", format_yuan(f.matched_fen), help=format_wan_yuan(f.matched_fen))
    counts = metrics.columns(3)
    counts[0].metric("人次", f"{f.donations:,}")
    counts[1].metric("人数", f"{f.donors:,}")

    forecast = forecast_lines(r)
    if forecast:
        with st.container(key="summary-forecast", border=True):
            st.markdown("**预测 Forecast**  \n" + "  \n".join(forecast[:-1]))
            st.caption(forecast[-1])

    st.subheader("主要数据")
    _table([list(pair) for pair in key_figures(r)], ["指标", "数值"])

    with st.container(key="summary-downloads"):
        files = [
            ("下载 PDF 报告", pdf_bytes, "pdf", "application/pdf", ":material/picture_as_pdf:"),
            (
                "下载 Excel 报表",
                xlsx_bytes,
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ":material/table_view:",
            ),
        ]
        for column, (label, write, suffix, mime, icon) in zip(st.columns([1, 1, 3]), files, strict=False):
            column.download_button(
                label,
                data=lambda write=write: write(r),
                file_name=f"{scope.file_stem}.{suffix}",
                mime=mime,
                on_click="ignore",
                icon=icon,
            )
        st.caption(
            "PDF 报告在点击后生成，需十几秒，下载会自动开始，点一次即可。The PDF is made when clicked: allow a few seconds."
        )

    charts = cached_report_charts(scope.day, scope.until)
    left, right = st.columns(2)
    with left:
        st.subheader("分渠道")
        _table(breakdown_rows(r.channels, f), ["渠道", *MONEY_COLUMNS])
        st.subheader("分类别（公益+）")
        _table(breakdown_rows(r.categories, f), ["类别", *MONEY_COLUMNS])
    with right:
        st.subheader("三天对比" if scope.is_event else f"各日对比（截至{scope.as_of_text}）")
        _table(day_rows(r), ["日期", *MONEY_COLUMNS, "人数"])
        _chart(charts, "days")

    st.subheader("分时走势")
    if peak_sentence(r):
        st.write(peak_sentence(r))
    _chart(charts, "hourly")

    st.subheader("项目前十")
    chart, ranking = st.columns([2, 3])
    with chart:
        _chart(charts, "projects")
    with ranking:
        _table(ranking_rows(r.top(r.projects)), ["名次", "项目", "类别", *MONEY_COLUMNS])
    left, right = st.columns(2)
    with left:
        st.subheader("一起捐队伍前十")
        _table(
            [row[:5] + row[6:] for row in ranking_rows(r.top(r.teams))],  # without 配捐
            ["名次", "队伍", "所属项目", "善款（元）", "公众捐款（元）", "人次"],
        )
    with right:
        st.subheader("公共区域点位前十")
        _table(
            [row[:5] + row[6:] for row in ranking_rows(r.top(r.sites))],  # without 配捐
            ["名次", "点位", "街道", "善款（元）", "公众捐款（元）", "人次"],
        )
    st.subheader("分街道")
    _table(breakdown_rows(r.streets, f), ["街道", *MONEY_COLUMNS])

    st.subheader(f"项目目标完成情况（累计至{scope.as_of_text}）")
    goal_header, goal_rows = goal_table(r)
    _table(goal_rows, goal_header)

    if r.problems:
        st.error(check_text(r))
    else:
        st.caption(check_text(r))
    if after_note(r):
        st.caption(after_note(r))

    st.subheader(RECONCILIATION_TITLE)
    (st.warning if r.reconciliation and r.reconciliation.flagged else st.write)(reconciliation_sentence(r))
    if r.reconciliation is not None:
        _table(reconciliation_rows(r), RECONCILIATION_HEADER)

    st.subheader(VOLUNTEER_TITLE)
    st.write(volunteer_sentence(r))
    if r.volunteer_sites:
        _table(volunteer_rows(r), VOLUNTEER_HEADER)


body()
