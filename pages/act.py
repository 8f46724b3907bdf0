"""Record and correct: offline, bank and corporate gifts, pledges, refunds, corrections and file uploads.

Nothing is edited in place: each act is a new event with who, when and why, listed in the audit trail below,
and every total follows it within seconds.
"""

import datetime as dt
import hashlib
import time
import uuid
from contextlib import contextmanager
from functools import partial

import streamlit as st

from givingday.console import acts as actions
from givingday.console import tables, wording
from givingday.ingest.batch import ImportReport
from givingday.ingest.profiles import ProfileError, find_profile, load_profiles
from givingday.ingest.progress import Meter, Progress
from givingday.labels import CHANNEL_NAMES, PLEDGE_OUTCOMES
from givingday.money import AmountError, format_yuan, parse_fen
from givingday.store import adjustments
from givingday.web import mapping
from givingday.web.board import board_time, cached_console, cached_query, on_board_clock, shared_store
from givingday.web.widgets import SAID_FOR_SECONDS, WRAPPED, as_text, done_once, page_top, table

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


def pick(
    label: str, options: dict[str, str], key: str, optional: bool = True, current: str | None = None
) -> str | None:
    """A choice of the roster by id, starting at `current`; None when nothing is chosen."""
    keys = ["", *options] if optional else list(options)
    index = keys.index(current or "") if (current or "") in keys else 0
    chosen = st.selectbox(
        label, keys, index=index, key=key, format_func=lambda k: f"{k} {options[k]}" if k else "（无）"
    )
    return chosen or None


@contextmanager
def refused_as(prefix: str):
    """Shows why an act was refused (nothing was stored), under `prefix`."""
    try:
        yield
    except (actions.ActionError, adjustments.AdjustmentError) as exc:
        st.error(f"{prefix}：{as_text(exc)}")


def forget_cached() -> None:
    """Every figure follows an act at once, not when its cache expires."""
    cached_console.clear()
    cached_query.clear()


def submission(form: str) -> str:
    """The id of this form's submission: the same until it succeeds, so a repeated click books nothing new."""
    key = f"{form}_submission"
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex[:16]
    return st.session_state[key]


def done(message: str, form: str) -> None:
    """The act is stored: say so once, and start the form afresh. Its fields are keyed by the submission, so a
    new submission is a new, empty form in the browser too (the browser keeps what was typed into a field it
    already has)."""
    st.session_state["act_done"] = (message, time.monotonic())
    st.session_state.pop(f"{form}_submission", None)
    forget_cached()
    st.rerun()


def record_gift(user, choices, board) -> None:
    sid = submission("gift")
    with st.form(f"gift_{sid}"):  # a click still on its way from a stored form finds no such form
        c1, c2 = st.columns(2)
        channel = c1.selectbox("渠道", list(CHANNEL_CHOICES), format_func=CHANNEL_CHOICES.get, key="gift_channel")
        amount = money_input("金额（元）", f"gift_amount_{sid}")
        gift = {"channel": channel, "project_id": pick("项目", choices["project"], "gift_project", optional=False)}
        c3, c4 = st.columns(2)
        with c3:
            gift["team_id"] = pick("队伍（可选）", choices["team"], f"gift_team_{sid}")
        with c4:
            gift["site_id"] = pick("点位（可选）", choices["site"], f"gift_site_{sid}")
        first, last, today = actions.form_days(board)
        c5, c6 = st.columns(2)
        day = c5.date_input("日期", value=today, min_value=first, max_value=last, key=f"gift_day_{sid}")
        at = c6.time_input("时间（留空＝提交的此刻，精确到秒）", value=None, key=f"gift_time_{sid}", step=60)
        gift["donor_name"] = st.text_input("捐赠人（只保存脱敏后的名字）", key=f"gift_donor_{sid}", max_chars=60)
        gift["reference"] = st.text_input("凭证号 / 银行流水号（可选）", key=f"gift_ref_{sid}", max_chars=60)
        gift["reason"] = st.text_area("备注：谁收的、为什么由人工录入", key=f"gift_reason_{sid}", max_chars=500)
        submitted = st.form_submit_button("录入捐款", type="primary")
    if submitted and not amount_refused(amount):
        with refused_as("未录入"):
            occurred_at = actions.form_moment(day, at, board)
            try:
                gift_id = actions.record_gift(
                    shared_store(), user.name, amount_fen=amount, occurred_at=occurred_at, submission=sid, **gift
                )
            except actions.AlreadyStored as exc:  # the same form clicked twice: stored once, and said once
                gift_id = exc.act_id
            done(f"已录入 {CHANNEL_CHOICES[channel]} 捐款 {format_yuan(amount)}，编号 {gift_id}。", "gift")


def record_pledge(user, choices, roster) -> None:
    sid = submission("pledge")
    with st.form(f"pledge_{sid}"):
        pledge = {"donor_name": st.text_input("认捐方", key=f"pledge_donor_{sid}", max_chars=60)}
        amount = money_input("认捐金额（元）", f"pledge_amount_{sid}")
        pledge["project_id"] = pick("项目", choices["project"], "pledge_project", optional=False)
        pledge["due_on"] = st.date_input("预计到账日期", value=None, key=f"pledge_due_{sid}")
        pledge["reason"] = st.text_area("备注：谁联系的、为什么", key=f"pledge_reason_{sid}", max_chars=500)
        submitted = st.form_submit_button("登记认捐", type="primary")
    if submitted and not amount_refused(amount):
        with refused_as("未登记"):
            try:
                pid = actions.record_pledge(shared_store(), user.name, amount_fen=amount, submission=sid, **pledge)
            except actions.AlreadyStored as exc:
                pid = exc.act_id
            done(
                f"已登记认捐 {format_yuan(amount)}，编号 {pid}。认捐不计入善款，到账后请录入捐款并结清。",
                "pledge",
            )
    pledges = cached_query("pledges_open")
    st.markdown(f"**未结清的认捐**（{len(pledges)} 笔，合计 {format_yuan(actions.pledged_fen(pledges))}，不计入善款）")
    if pledges:
        table(tables.open_pledges(pledges, roster))
        sid = submission("close")
        with st.form(f"close_pledge_{sid}"):
            named = {p["pledge_id"]: f"{p['donor_name_masked']} · {format_yuan(p['amount_fen'])}" for p in pledges}
            pid = st.selectbox(
                "结清认捐", list(named), key=f"close_id_{sid}", format_func=lambda k: f"{named[k]}（{k}）"
            )
            outcome = st.radio(
                "结果",
                ["fulfilled", "cancelled"],
                horizontal=True,
                key=f"close_outcome_{sid}",
                format_func=PLEDGE_OUTCOMES.get,
            )
            gift = st.text_input("到账的捐款编号（已到账时必填）", key=f"close_gift_{sid}")
            reason = st.text_input("原因", key=f"close_reason_{sid}")
            if st.form_submit_button("结清"):
                with refused_as("未结清"):
                    actions.close_pledge(shared_store(), user.name, pid, outcome, reason, gift or None)
                    done(f"认捐 {pid} 已结清（{PLEDGE_OUTCOMES[outcome]}）。", "close")


def correct_or_refund(user, choices, roster, event, now) -> None:
    sid = submission("fix")
    gift_id = st.text_input("捐款编号（订单号）", key=f"fix_id_{sid}").strip()
    if not gift_id:
        st.caption("在控制台的「最新捐款」、提醒页或平台导出中找到编号。")
        return
    try:
        cur = adjustments.current(shared_store(), gift_id)
    except adjustments.AdjustmentError as exc:
        st.warning(as_text(exc), icon=":material/info:")
        return
    st.write(f"当前：{as_text(actions.describe(cur, roster, event.tz))}")
    when = cur["occurred_at"].astimezone(event.tz)
    with st.form(f"fix_{gift_id}_{sid}"):  # keyed by the gift, so its choices start from this gift
        kind = st.radio(
            "操作",
            ["correction", "refund"],
            horizontal=True,
            key=f"fix_kind_{gift_id}_{sid}",
            format_func={"correction": "更正", "refund": "全额退款"}.get,
        )
        amount = money_input("更正后的金额（元，不改则留空）", f"fix_amount_{gift_id}_{sid}")
        project = pick(
            "项目", choices["project"], f"fix_project_{gift_id}_{sid}", optional=False, current=cur["project_id"]
        )
        team = pick("队伍", choices["team"], f"fix_team_{gift_id}_{sid}", current=cur["team_id"])
        site = pick("点位", choices["site"], f"fix_site_{gift_id}_{sid}", current=cur["site_id"])
        c1, c2 = st.columns(2)
        day = c1.date_input("捐款日期", value=when.date(), key=f"fix_day_{gift_id}_{sid}")
        at = c2.time_input(
            "捐款时间", value=when.time().replace(second=0, microsecond=0), key=f"fix_time_{gift_id}_{sid}"
        )
        reason = st.text_area("原因（必填）", key=f"fix_reason_{gift_id}_{sid}", max_chars=500)
        submitted = st.form_submit_button("提交", type="primary")
    if not submitted or (kind == "correction" and amount_refused(amount, required=False)):
        return
    moved_to = dt.datetime.combine(day, at, event.tz) if kind == "correction" else None
    changed = actions.changes(cur, amount, project, team, site, moved_to)
    store = shared_store()
    # A refund of the same gift, or the same correction, by the same organizer this soon is one click sent twice (a
    # double click): done once, and its outcome said for both (`done_once`: a run stopped between the write and
    # `done` loses nothing). A correction is known by what the form asked, not by what it changes: the second
    # click's run reads the gift already corrected, and would find nothing left to change.
    with refused_as("未提交"):
        if kind == "refund":
            refund = partial(adjustments.refund, store, gift_id, reason, user.name, at=now)
            done_once(("refund", store.location, user.name, gift_id), refund)
            done(f"已退款：{gift_id}，{format_yuan(actions.total_fen(cur))} 从所有合计中扣除。", "fix")
        else:

            def correct() -> None:
                if not changed:
                    raise adjustments.AdjustmentError("没有任何更改。Nothing was changed.")
                adjustments.correct(store, gift_id, reason, user.name, at=now, **changed)

            asked = (amount, project, team, site, moved_to, reason)
            done_once(("correction", store.location, user.name, gift_id, asked), correct)
            done(f"已更正：{gift_id}。所有合计随之变化。", "fix")


def show_report(report: ImportReport) -> None:
    ok = report.outcome == "committed"
    (st.success if ok and not report.rows_rejected else st.warning if ok else st.error)(
        as_text(wording.import_summary(report))
    )
    if report.rejections:
        table(tables.rejected_rows(report.rejections), row_height=WRAPPED)


def progress_bar() -> Progress:
    """A bar showing the rows judged and the time left while an upload is imported, gone once it is done."""
    bar = st.progress(0.0, text="读取文件。reading the file")
    meter = Meter()

    def show(stage: str, rows_done: int, rows_total: int) -> None:
        meter.update(stage, rows_done, rows_total)
        if stage == "done":
            bar.empty()
        else:
            bar.progress(meter.share(), text=meter.line())

    return show


def upload(user) -> None:
    st.caption(
        "平台导出（CSV、XLSX，UTF-8 或 GBK）、标准格式 CSV / JSON Lines，或按导入配置读取的银行流水。"
        "与收件箱走同一条导入流程：同一笔不会重复计算，坏行会逐行说明原因。认不出的文件可以在下面对应各列，保存为导入配置。"
    )
    # The file stays chosen after 导入: emptied, a double click's second click came with no file and, stopping the
    # first click's run before it imported, lost the upload. The same file sent twice is imported once (`done_once`).
    with st.form("upload"):
        file = st.file_uploader(
            f"选择文件（点 Upload 或把文件拖进框内，每个不超过 {st.get_option('server.maxUploadSize')}MB）Choose a file",
            type=["csv", "xlsx", "jsonl", "json", "txt"],
            key="upload_file",
        )
        titles = {p.name: f"{p.title}（{p.name}）" for p in load_profiles()}
        profile_name = st.selectbox(
            "导入配置（银行流水等）",
            ["", *titles],
            key="upload_profile",
            format_func=lambda p: titles.get(p, "自动识别"),
        )
        submitted = st.form_submit_button("导入", type="primary")
    if submitted and file is None:
        st.warning("请先选择文件。Choose a file first.")
    if submitted and file is not None:
        try:
            profile = find_profile(profile_name) if profile_name else None
        except ProfileError as exc:
            st.error(as_text(exc))
            return
        if profile is None and mapping.start_if_unknown(file.name, file.getvalue()):
            st.session_state.pop("last_upload", None)
        else:
            store, data = shared_store(), file.getvalue()
            sent = ("upload", store.location, user.name, file.name, profile_name, hashlib.sha256(data).hexdigest())
            st.session_state["last_upload"], _ = done_once(
                sent, lambda: actions.upload(store, user.name, file.name, data, profile, progress_bar())
            )
            forget_cached()
    if mapped := mapping.screen(user):
        st.session_state["last_upload"] = mapped
        forget_cached()
        st.rerun()
    if "last_upload" in st.session_state:
        show_report(st.session_state["last_upload"])


def audit_trail(event) -> None:
    st.subheader("操作记录 Audit trail")
    acts = on_board_clock(cached_query("audit_recent", limit_n=500), "acted_at")
    table(tables.audit_trail(acts, event.tz), "audit")


def main() -> None:
    user = page_top("act", "录入与更正 Record and correct")
    board = board_time()
    event, _, now = board
    roster = shared_store().roster()
    choices = actions.choices(roster)
    said = st.session_state.get("act_done")
    if said is not None and time.monotonic() - said[1] < SAID_FOR_SECONDS:
        st.success(said[0], icon=":material/check_circle:")
    tabs = st.tabs(["录入捐款", "认捐", "更正 / 退款", "上传文件"], key="act_tabs", on_change="rerun")
    with tabs[0]:
        record_gift(user, choices, board)
    with tabs[1]:
        record_pledge(user, choices, roster)
    with tabs[2]:
        correct_or_refund(user, choices, roster, event, now)
    with tabs[3]:
        upload(user)
    audit_trail(event)


main()
