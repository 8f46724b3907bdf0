"""Record and correct: offline, bank and corporate gifts, pledges, refunds, corrections and file uploads.

Nothing is edited in place: each act is a new event with who, when and why, listed in the audit trail below,
and every total follows it within seconds.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from givingday.console import acts as actions
from givingday.ingest.batch import ImportReport
from givingday.ingest.profiles import ProfileError, find_profile, load_profiles
from givingday.labels import CHANNEL_NAMES, NO_SITE, NO_TEAM
from givingday.money import AmountError, format_yuan, parse_fen
from givingday.store import adjustments
from givingday.store.audit import ACTIONS
from givingday.web.board import allow_only, board_time, cached_console, cached_query, shared_store
from givingday.web.widgets import demo_banner, download_buttons

CHANNEL_CHOICES = {c: CHANNEL_NAMES[c] for c in actions.RECORDED_CHANNELS}


def money_input(label: str, key: str) -> int | str | None:
    """An amount typed as text and parsed exactly to fen (never through a float): fen, None when empty, or
    the reason it is not an amount (shown by the caller once, on submit)."""
    text = st.text_input(label, key=key, placeholder="例如 1000 或 1,234.50")
    if not text.strip():
        return None
    try:
        return parse_fen(text)
    except AmountError as exc:
        return f"{label}：{exc}"


def amount_refused(amount: int | str | None, required: bool = True) -> bool:
    """Says once why an amount cannot be used; True when the form must not go on."""
    if isinstance(amount, str):
        st.error(f"未提交：{amount}")
        return True
    if amount is None and required:
        st.error("未提交：请填写金额。")
        return True
    return False


def pick(label: str, options: dict[str, str], key: str, optional: bool = True) -> str | None:
    keys = ["", *options] if optional else list(options)
    chosen = st.selectbox(label, keys, key=key, format_func=lambda k: f"{k} {options[k]}" if k else "（无）")
    return chosen or None


def done(message: str) -> None:
    st.session_state["act_done"] = message
    cached_console.clear()
    cached_query.clear()
    st.rerun()


def record_gift(user, roster, event, now) -> None:
    projects = {p["project_id"]: p["name"] for p in roster["projects"]}
    teams = {t["team_id"]: t["name"] for t in roster["teams"]}
    sites = {s["site_id"]: s["name"] for s in roster["sites"]}
    with st.form("gift", clear_on_submit=False):
        c1, c2 = st.columns(2)
        channel = c1.selectbox("渠道", list(CHANNEL_CHOICES), format_func=CHANNEL_CHOICES.get, key="gift_channel")
        amount = money_input("金额（元）", "gift_amount")
        project = pick("项目", projects, "gift_project", optional=False)
        c3, c4 = st.columns(2)
        with c3:
            team = pick("队伍（可选）", teams, "gift_team")
        with c4:
            site = pick("点位（可选）", sites, "gift_site")
        local_now = now.astimezone(event.tz)
        c5, c6 = st.columns(2)
        day = c5.date_input("日期", value=local_now.date(), key="gift_day")
        at = c6.time_input("时间", value=local_now.time().replace(microsecond=0), key="gift_time", step=60)
        donor = st.text_input("捐赠人（只保存脱敏后的名字）", key="gift_donor", max_chars=60)
        reference = st.text_input("凭证号 / 银行流水号（可选）", key="gift_ref", max_chars=60)
        reason = st.text_area("备注：谁收的、为什么由人工录入", key="gift_reason", max_chars=500)
        submitted = st.form_submit_button("录入捐款", type="primary")
    if submitted:
        if amount_refused(amount):
            return
        try:
            gift_id = actions.record_gift(
                shared_store(),
                user.name,
                channel=channel,
                project_id=project,
                amount_fen=amount,
                occurred_at=dt.datetime.combine(day, at, event.tz),
                reason=reason,
                team_id=team,
                site_id=site,
                donor_name=donor,
                reference=reference,
                not_after=now,
            )
        except actions.ActionError as exc:
            st.error(f"未录入：{exc}")
        else:
            done(f"已录入 {CHANNEL_CHOICES[channel]} 捐款 {format_yuan(amount)}，编号 {gift_id}。")


def record_pledge(user, roster) -> None:
    projects = {p["project_id"]: p["name"] for p in roster["projects"]}
    with st.form("pledge"):
        donor = st.text_input("认捐方", key="pledge_donor", max_chars=60)
        amount = money_input("认捐金额（元）", "pledge_amount")
        project = pick("项目", projects, "pledge_project", optional=False)
        due = st.date_input("预计到账日期", value=None, key="pledge_due")
        reason = st.text_area("备注：谁联系的、为什么", key="pledge_reason", max_chars=500)
        submitted = st.form_submit_button("登记认捐", type="primary")
    if submitted:
        if amount_refused(amount):
            return
        try:
            pid = actions.record_pledge(
                shared_store(),
                user.name,
                donor_name=donor,
                project_id=project,
                amount_fen=amount,
                reason=reason,
                due_on=due,
            )
        except actions.ActionError as exc:
            st.error(f"未登记：{exc}")
        else:
            done(f"已登记认捐 {format_yuan(amount)}，编号 {pid}。认捐不计入善款，到账后请录入捐款并结清。")
    pledges = cached_query("pledges_open")
    st.markdown(
        f"**未结清的认捐**（{len(pledges)} 笔，合计 {format_yuan(sum(p['amount_fen'] for p in pledges))}，不计入善款）"
    )
    if pledges:
        st.dataframe(
            pd.DataFrame(
                {
                    "编号": [p["pledge_id"] for p in pledges],
                    "认捐方": [p["donor_name_masked"] for p in pledges],
                    "金额(元)": [p["amount_fen"] / 100 for p in pledges],
                    "项目": [projects.get(p["project_id"], p["project_id"]) for p in pledges],
                    "预计到账": [p["due_on"] or "" for p in pledges],
                    "登记人": [p["recorded_by"] for p in pledges],
                }
            ),
            hide_index=True,
        )
        with st.form("close_pledge"):
            pid = st.selectbox("结清认捐", [p["pledge_id"] for p in pledges], key="close_id")
            outcome = st.radio(
                "结果",
                ["fulfilled", "cancelled"],
                horizontal=True,
                key="close_outcome",
                format_func={"fulfilled": "已到账", "cancelled": "取消"}.get,
            )
            gift = st.text_input("到账的捐款编号（已到账时必填）", key="close_gift")
            reason = st.text_input("原因", key="close_reason")
            if st.form_submit_button("结清"):
                try:
                    actions.close_pledge(shared_store(), user.name, pid, outcome, reason, gift or None)
                except actions.ActionError as exc:
                    st.error(f"未结清：{exc}")
                else:
                    done(f"认捐 {pid} 已结清（{outcome}）。")


def correct_or_refund(user, roster, now) -> None:
    projects = {p["project_id"]: p["name"] for p in roster["projects"]}
    teams = {t["team_id"]: t["name"] for t in roster["teams"]}
    sites = {s["site_id"]: s["name"] for s in roster["sites"]}
    gift_id = st.text_input("捐款编号（订单号）", key="fix_id").strip()
    if not gift_id:
        st.caption("在控制台的「最新捐款」、提醒页或平台导出中找到编号。")
        return
    try:
        cur = adjustments.current(shared_store(), gift_id)
    except adjustments.AdjustmentError as exc:
        st.error(str(exc))
        return
    st.write(
        f"当前：{format_yuan(cur['amount_fen'])}（配捐 {format_yuan(cur['matched_fen'])}）· "
        f"{projects.get(cur['project_id'], cur['project_id'])} · {teams.get(cur['team_id'] or '', NO_TEAM)} · "
        f"{sites.get(cur['site_id'] or '', NO_SITE)} · {CHANNEL_NAMES.get(cur['channel'], cur['channel'])}"
    )
    with st.form(f"fix_{gift_id}"):  # keyed by the gift, so its choices start from this gift
        kind = st.radio(
            "操作",
            ["correction", "refund"],
            horizontal=True,
            key=f"fix_kind_{gift_id}",
            format_func={"correction": "更正", "refund": "全额退款"}.get,
        )
        amount = money_input("更正后的金额（元，不改则留空）", f"fix_amount_{gift_id}")
        keys = list(projects)
        project = st.selectbox(
            "项目",
            keys,
            index=keys.index(cur["project_id"]),
            key=f"fix_project_{gift_id}",
            format_func=lambda k: f"{k} {projects[k]}",
        )
        team_keys = ["", *teams]
        team = st.selectbox(
            "队伍",
            team_keys,
            index=team_keys.index(cur["team_id"] or ""),
            key=f"fix_team_{gift_id}",
            format_func=lambda k: f"{k} {teams[k]}" if k else "（无）",
        )
        site_keys = ["", *sites]
        site = st.selectbox(
            "点位",
            site_keys,
            index=site_keys.index(cur["site_id"] or ""),
            key=f"fix_site_{gift_id}",
            format_func=lambda k: f"{k} {sites[k]}" if k else "（无）",
        )
        reason = st.text_area("原因（必填）", key=f"fix_reason_{gift_id}", max_chars=500)
        submitted = st.form_submit_button("提交", type="primary")
    if not submitted or (kind == "correction" and amount_refused(amount, required=False)):
        return
    try:
        if kind == "refund":
            adjustments.refund(shared_store(), gift_id, reason, user.name, at=now)
            done(f"已退款：{gift_id}，{format_yuan(cur['amount_fen'] + cur['matched_fen'])} 从所有合计中扣除。")
        else:
            changed = {  # only what the organizer changed; the rest stays as the gift stands
                "amount_fen": amount if amount is not None and amount != cur["amount_fen"] else None,
                "project_id": project if project != cur["project_id"] else None,
                "team_id": team if team != (cur["team_id"] or "") else None,
                "site_id": site if site != (cur["site_id"] or "") else None,
            }
            if all(v is None for v in changed.values()):
                st.error("未提交：没有任何更改。Nothing was changed.")
                return
            adjustments.correct(shared_store(), gift_id, reason, user.name, at=now, **changed)
            done(f"已更正：{gift_id}。所有合计随之变化。")
    except adjustments.AdjustmentError as exc:
        st.error(f"未提交：{exc}")


def show_report(report: ImportReport) -> None:
    ok = report.outcome == "committed"
    (st.success if ok and not report.rows_rejected else st.warning if ok else st.error)(report.summary())
    if report.rejections:
        st.dataframe(
            pd.DataFrame(
                {
                    "行": [r.line for r in report.rejections],
                    "原因": [r.reason for r in report.rejections],
                    "内容（已脱敏）": [r.row_text for r in report.rejections],
                }
            ),
            hide_index=True,
        )


def upload(user) -> None:
    st.caption(
        "平台导出（CSV、XLSX，UTF-8 或 GBK）、标准格式 CSV / JSON Lines，或按导入配置读取的银行流水。"
        "与收件箱走同一条导入流程：同一笔不会重复计算，坏行会逐行说明原因。"
    )
    with st.form("upload", clear_on_submit=True):
        file = st.file_uploader("选择文件", type=["csv", "xlsx", "jsonl", "json", "txt"], key="upload_file")
        names = [p.name for p in load_profiles()]
        profile_name = st.selectbox(
            "导入配置（银行流水等）", ["", *names], key="upload_profile", format_func=lambda p: p or "自动识别"
        )
        submitted = st.form_submit_button("导入", type="primary")
    if submitted and file is not None:
        try:
            profile = find_profile(profile_name) if profile_name else None
        except ProfileError as exc:
            st.error(str(exc))
            return
        report = actions.upload(shared_store(), user.name, file.name, file.getvalue(), profile)
        cached_console.clear()
        cached_query.clear()
        st.session_state["last_upload"] = report
    if "last_upload" in st.session_state:
        show_report(st.session_state["last_upload"])


def audit_trail(event) -> None:
    rows = cached_query("audit_recent", limit_n=500)
    st.subheader("操作记录 Audit trail")
    frame = pd.DataFrame(
        {
            "操作时间（实际）": [r["acted_at"].astimezone(event.tz).strftime("%m-%d %H:%M:%S") for r in rows],
            "操作人": [r["user_name"] for r in rows],
            "操作": [ACTIONS.get(r["action"], r["action"]) for r in rows],
            "对象": [r["target_id"] or "" for r in rows],
            "金额变化(元)": [None if r["amount_fen"] is None else r["amount_fen"] / 100 for r in rows],
            "原因": [r["reason"] for r in rows],
            "详情": [r["detail"] or "" for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, column_config={"金额变化(元)": st.column_config.NumberColumn(format="%.2f")})
    download_buttons(frame, "audit")


def main() -> None:
    user = allow_only("act")
    event, _, now = board_time()
    roster = shared_store().roster()
    st.title("录入与更正 Record and correct")
    demo_banner()
    if "act_done" in st.session_state:
        st.success(st.session_state.pop("act_done"), icon=":material/check_circle:")
    tabs = st.tabs(["录入捐款", "认捐", "更正 / 退款", "上传文件"], key="act_tabs", on_change="rerun")
    with tabs[0]:
        record_gift(user, roster, event, now)
    with tabs[1]:
        record_pledge(user, roster)
    with tabs[2]:
        correct_or_refund(user, roster, now)
    with tabs[3]:
        upload(user)
    audit_trail(event)


main()
