"""核对: the platform's official per-project totals, uploaded or typed, against the ledger as of their time; the
comparison flagged first, and the comparisons kept. The rules are `givingday.drift`; this page lays them out."""

import hashlib
import time

import streamlit as st

from givingday.console import exports, tables
from givingday.drift import kept, official
from givingday.ingest.profiles import ProfileError
from givingday.money import format_yuan
from givingday.report.scope import ReportError, moment_text, parse_as_of
from givingday.web.board import board_time, shared_store
from givingday.web.widgets import REPEAT_SECONDS, WRAPPED, as_text, done_once, page_top, table

CHECKS_SHOWN = 20


def _repeated() -> bool:
    """Whether this session compared any figures less than REPEAT_SECONDS ago."""
    last = st.session_state.get("drift_last")
    return last is not None and time.monotonic() - last < REPEAT_SECONDS


def _compare(user, data: bytes, name: str, as_of: str, profile_name: str = "") -> None:
    """Compare and keep; the comparison to show next, or the file's problems said line by line."""
    event = board_time().event
    digest = hashlib.sha256(data)
    for part in (name, as_of, profile_name):
        digest.update(b"\x00" + part.encode())
    said = digest.hexdigest()
    store = shared_store()

    def check() -> int:
        until = parse_as_of(as_of, event) if as_of.strip() else None
        profile = official.find_totals_profile(profile_name) if profile_name else None
        return kept.check_and_keep(store, event, data, name, user.name, until, profile)[0]

    try:  # the same figures from the same organizer twice within REPEAT_SECONDS: a double click, kept once
        check_id, _ = done_once(("drift", store.location, user.name, said), check)
    except (official.TotalsFileError, ProfileError, ReportError) as exc:
        st.error(as_text(f"未核对，未保存任何内容 Not compared, nothing kept:\n\n{exc}"))
        return
    st.session_state["drift_check"] = check_id
    st.session_state["drift_last"] = time.monotonic()


def upload(user) -> None:
    with st.form("drift_upload", clear_on_submit=True):
        file = st.file_uploader(
            "平台导出的项目汇总（点 Upload 或把文件拖进框内）Official totals (CSV/XLSX)", type=["csv", "xlsx", "txt"]
        )
        as_of = st.text_input("统计时间 As of（文件没有“统计时间”列时填写，如 2020-09-07 21:00）", key="drift_as_of")
        folder = official.profiles_dir()
        names = [p.stem for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
        profile = st.selectbox("汇总文件配置 Totals profile", ["", *names], format_func=lambda p: p or "自动识别 auto")
        if st.form_submit_button("核对 Compare", type="primary"):
            if file is None:
                if not _repeated():  # a second click after the form cleared itself: the first one was taken
                    st.warning("请先选择平台导出的文件。Choose the platform's file first.")
            else:
                _compare(user, file.getvalue(), file.name, as_of, profile)


def typed(user) -> None:
    event, _, now = board_time()
    projects = {p["project_id"]: p["name"] for p in shared_store().roster()["projects"]}
    with st.form("drift_typed"):
        c = st.columns([3, 2, 1, 2])
        project = c[0].selectbox("项目 Project", list(projects), format_func=lambda k: f"{k} {projects[k]}")
        raised = c[1].text_input("已筹金额（元）Raised, yuan")
        count = c[2].text_input("捐款人次 Gifts")
        as_of = c[3].text_input("统计时间 As of", value=f"{now.astimezone(event.tz):%Y-%m-%d %H:%M}")
        if st.form_submit_button("核对 Compare", type="primary"):
            _compare(user, kept.typed_figures(project, raised, count, as_of), kept.TYPED, "")


def shown_check(checks: list[kept.Check]) -> None:
    event = board_time().event
    ids = [c.check_id for c in checks]
    wanted = st.session_state.get("drift_check")
    by_id = {c.check_id: c for c in checks}

    def label(i: int) -> str:
        c = by_id[i]
        return (
            f"#{i} · {exports.local_text(c.checked_at, event.tz)} · {c.file_name} · 平台统计时间"
            f" {moment_text(event, c.until)} · {c.flagged} 个超出阈值"
        )

    chosen = st.selectbox(
        "显示的核对 Comparison shown", ids, index=ids.index(wanted) if wanted in ids else 0, format_func=label
    )
    drifts = kept.check_rows(shared_store(), chosen)
    flagged = [d for d in drifts if d.flagged]
    if flagged:
        st.warning(
            f"{len(flagged)} / {len(drifts)} 个项目的差异超出阈值（差额 = 本系统 − 平台，合计"
            f" {format_yuan(sum(d.diff_fen for d in drifts))}）。{len(flagged)} project(s) beyond the threshold.",
            icon=":material/rule:",
        )
    else:
        st.success(f"{len(drifts)} 个项目均在阈值以内。Every project within the threshold.")
    cause = st.column_config.TextColumn(width="large")
    table(
        tables.drift_rows(drifts),
        f"drift-{chosen}",
        row_height=WRAPPED,
        pinned=3,  # the flag and the project, while the likely cause is read at the far right
        column_config={tables.DRIFT_LABELS["cause_text"]: cause},
    )


def main() -> None:
    user = page_top("drift", "核对 Drift")
    rules = board_time().event.drift
    st.caption(
        "把平台的官方项目汇总与本系统的账目按平台的统计时间逐项目核对（每笔按它自己的时间计）。"
        f"金额差超过 {format_yuan(rules.threshold_fen)}"
        + (f" 或平台数字的 {rules.threshold_share:.1%}" if rules.threshold_share else "")
        + f"、人次差超过 {rules.threshold_donations} 即标出（event.toml 的 [drift]）。"
    )
    # Keyed, the tab chosen stays chosen when a comparison reruns the page: a refusal of typed figures is seen.
    left, right = st.tabs(
        ["上传平台文件 Upload", "手工录入 Type a project's figures"], key="drift_tab", on_change="rerun"
    )
    with left:
        upload(user)
    with right:
        typed(user)
    checks = kept.recent_checks(shared_store(), CHECKS_SHOWN)
    st.subheader("核对结果 Comparison")
    if not checks:
        st.caption("尚未核对。No comparison yet.")
        return
    shown_check(checks)
    st.subheader("保存的核对 Comparisons kept")
    table(tables.drift_checks([c.__dict__ for c in checks], board_time().event.tz))


main()
