"""The mapping screen on `/act`: an upload nothing recognises shows its columns and first rows, the organizer maps
them to a gift's fields, sees every row judged as the import would judge it, saves the mapping as a profile and
imports on confirm. Nothing is stored until then; the logic is `ingest/mapping.py`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from givingday import config
from givingday.console import acts as actions
from givingday.console import tables
from givingday.ingest import mapping
from givingday.ingest.batch import ImportReport
from givingday.ingest.formats import UnreadableFile
from givingday.ingest.mapping import Choices, MappingError, Unrecognised
from givingday.ingest.profiles import ProfileError, find_profile
from givingday.labels import CHANNEL_NAMES
from givingday.money import format_yuan
from givingday.web.board import shared_store
from givingday.web.widgets import as_text, table

KEY = "map_file"
FIRST_ROWS = 10
PREVIEW_GIFTS = 20
FIELD_LABELS = {
    "occurred_at": "时间 Time",
    "date": "日期 Date",
    "time_of_day": "时刻 Time of day",
    "amount_yuan": "金额 Amount",
    "donation_id": "编号 Id (订单号、流水号)",
    "donor_name": "捐赠人 Donor's name",
    "project": "项目 Project",
    "team": "队伍 Team",
    "site": "点位 Site",
    "channel": "渠道 Channel",
    "income": "收入行 Income rows: 按此列 by the column",
}
AMOUNT_STYLES = {(",", "."): "1,234.56", (".", ","): "1.234,56"}
NONE = "（无 None）"


@dataclass
class Pending:
    """An upload waiting to be mapped; `token` keys its widgets, so another file starts from fresh choices."""

    file_name: str
    data: bytes
    first: Unrecognised  # as first read, its first line the header
    token: str
    line: int = 1  # the line its header is on, as the organizer says
    found: Unrecognised | None = None  # as read with the header on that line
    saved: tuple[str, str] | None = None  # the profile saved from it: its name and its text

    def key(self, name: str) -> str:
        return f"map_{name}_{self.token}_{self.line}"


def start_if_unknown(file_name: str, data: bytes) -> bool:
    """Keep an upload nothing recognises for the mapping screen; False when it is recognised or unreadable."""
    found = mapping.unrecognised(data)
    if found is None:
        st.session_state.pop(KEY, None)
        return False
    pending = Pending(file_name, data, found, hashlib.sha256(data).hexdigest()[:12], found=found)
    _read_from(pending, found.guess_header_line())
    st.session_state[KEY] = pending
    return True


def _read_from(pending: Pending, line: int) -> None:
    if line != pending.line:
        pending.found = mapping.from_header_line(pending.data, pending.first, line)
        pending.line = line


def _header_line(pending: Pending) -> None:
    """Which line the header is on: a bill's preamble comes before it."""
    lines = dict(pending.first.header_lines())
    if len(lines) < 2:
        return
    options = list(lines)
    line = st.selectbox(
        "表头所在行 The header is on line",
        options,
        index=options.index(pending.line) if pending.line in options else 0,
        key=f"map_header_{pending.token}",
        format_func=lambda n: f"{n}：{', '.join(c for c in lines[n] if c.strip())[:120]}",
    )
    _read_from(pending, line)


def _first_rows(found: Unrecognised) -> pd.DataFrame:
    header = found.table.header
    names = [h if h and header.count(h) == 1 else f"{h or '列'} ({i + 1})" for i, h in enumerate(header)]
    return pd.DataFrame(found.first_rows(FIRST_ROWS), columns=names)


def _column(field: str, headers: list[str], guessed: dict[str, str], key: str, none: str = NONE) -> str:
    options = ["", *headers]
    start = options.index(guessed[field]) if guessed.get(field) in options else 0
    return st.selectbox(FIELD_LABELS[field], options, index=start, key=key, format_func=lambda h: h or none)


def _format(label: str, formats: tuple[str | None, ...], values: list[str], key: str) -> str | None:
    """How a time column is written, starting at the format that reads its first values ("": the import's own
    reading, which a selectbox cannot hold as None without offering to clear it)."""
    options = [f or "" for f in formats]
    start = options.index(mapping.guess_format(values, formats) or "")
    chosen = st.selectbox(
        label,
        options,
        index=start,
        key=key,
        format_func=lambda f: f"{mapping.EXAMPLE_TIME:{f}}" if f else "自动 Auto (2020-09-07 13:05:09, 2020/9/7 13:05)",
    )
    return chosen or None


def _credit(field: str, headers: list[str], fixed: dict[str, str], guessed: dict[str, str], key: str) -> str:
    """A column, or one value for every row: "col:HEADER" or "fix:VALUE" ("" for neither)."""
    options = ["", *(f"col:{h}" for h in headers), *(f"fix:{v}" for v in fixed)]
    start = options.index(f"col:{guessed[field]}") if field in guessed else 0

    def shown(o: str) -> str:
        if not o:
            return NONE
        kind, _, value = o.partition(":")
        return f"列 Column：{value}" if kind == "col" else f"固定 Every row：{value} {fixed[value]}"

    return st.selectbox(FIELD_LABELS[field], options, index=start, key=key, format_func=shown)


def _income(found: Unrecognised, guessed: dict[str, str], key) -> tuple[str, tuple[str, ...]] | None:
    """Which rows are income: a column and the values that say so (the others are skipped), or every row."""
    c1, c2 = st.columns(2)
    with c1:
        column = _column("income", found.headers, guessed, key("income"), "（每一行 Every row）")
    if not column:
        return None
    values = found.distinct(column)
    chosen = c2.multiselect(
        f"「{column}」中表示收入的值 Values that mean income",
        values,
        default=mapping.guess_income(values),
        key=key(f"income_{column}"),
    )
    return column, tuple(chosen)


def _choices(pending: Pending) -> Choices:
    """The organizer's choices, from the widgets."""
    found, key = pending.found, pending.key
    headers, guessed = found.headers, mapping.guess(found.headers)
    choices = Choices(header_line=pending.line)
    split = st.radio(
        "时间写在 The time is in",
        ["one", "split"],
        horizontal=True,
        key=key("split"),
        format_func={"one": "一列 One column", "split": "两列：日期、时刻 Two: date, time of day"}.get,
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        if split == "one":
            at = choices.columns["occurred_at"] = _column("occurred_at", headers, guessed, key("occurred_at"))
            if at:
                choices.date_format = _format("写法 Written as", mapping.TIME_FORMATS, found.values(at), key(f"f_{at}"))
        else:
            day = choices.columns["date"] = _column("date", headers, guessed, key("date"))
            if day:
                choices.date_format = _format(
                    "日期写法 Date as", mapping.DATE_FORMATS, found.values(day), key(f"d_{day}")
                )
    with c2:
        if split == "split":
            tod = choices.columns["time_of_day"] = _column("time_of_day", headers, guessed, key("time_of_day"))
            if tod:
                choices.time_format = _format(
                    "时刻写法 Time as", mapping.TIME_OF_DAY_FORMATS, found.values(tod), key(f"t_{tod}")
                )
        choices.columns["amount_yuan"] = _column("amount_yuan", headers, guessed, key("amount_yuan"))
        choices.thousands, choices.decimal = st.radio(
            "金额写法 Amounts as", list(AMOUNT_STYLES), format_func=AMOUNT_STYLES.get, horizontal=True, key=key("money")
        )
    with c3:
        for f in ("donation_id", "donor_name"):
            choices.columns[f] = _column(f, headers, guessed, key(f))
    choices.income = _income(found, guessed, key)
    roster = actions.choices(shared_store().roster())
    fixed = {**roster, "channel": CHANNEL_NAMES}
    for column, f in zip(st.columns(4), ("project", "team", "site", "channel"), strict=True):
        with column:
            kind, _, value = _credit(f, headers, fixed[f], guessed, key(f)).partition(":")
            (choices.columns if kind == "col" else choices.credit)[f] = value
    return choices


def _preview(run: mapping.DryRun) -> None:
    c = st.columns(5)
    c[0].metric("将新增 New gifts", f"{run.gifts.num_rows:,}")
    c[1].metric("合计 Total", format_yuan(run.amount_fen), help=f"其中配捐 matched {format_yuan(run.matched_fen)}")
    c[2].metric(
        "重复 Duplicates", f"{run.duplicates:,}", help="已在库中，或文件中前面已有 stored, or earlier in the file"
    )
    c[3].metric("跳过 Skipped", f"{sum(run.skipped.values()):,}", help=mapping.NOT_INCOME)
    c[4].metric("退回 Rejected", f"{len(run.rejections):,}")
    if run.gifts.num_rows:
        st.caption(f"将新增的捐款（前 {PREVIEW_GIFTS} 笔）The new gifts (the first {PREVIEW_GIFTS})")
        gifts = run.gifts.slice(0, PREVIEW_GIFTS).to_pylist()
        table(tables.judged_gifts(gifts, shared_store().roster(), shared_store().event.tz))
    if run.rejections:
        st.caption("退回的行及原因 Rejected rows and why")
        table(tables.rejected_rows(run.rejections))


def _save(pending: Pending, choices: Choices, text: str | None) -> None:
    key = pending.key
    name = st.session_state.get(key("name"), "").strip()
    exists = bool(mapping.NAME.fullmatch(name)) and (config.profiles_dir() / f"{name}.toml").exists()
    replace = exists and st.checkbox(f"替换已有的导入配置 {name} Replace the profile {name}", key=key("replace"))
    if st.button("保存导入配置 Save profile", key=key("save"), disabled=text is None):
        try:
            saved = mapping.save(name, choices, pending.found.headers, replace=replace)
        except MappingError as exc:
            st.error(as_text(exc))
        else:
            pending.saved = (saved.name, text)


def screen(user) -> ImportReport | None:
    """The screen for the upload waiting to be mapped, if any; the import's report once the organizer confirms."""
    pending: Pending | None = st.session_state.get(KEY)
    if pending is None:
        return None
    st.subheader("对应各列 Map the columns")
    found = pending.first
    st.warning(
        f"{as_text(pending.file_name)}：没有认出这种文件，请把它的列对应到捐款的字段。"
        f"Not recognised: map its columns to a gift's fields. ({as_text(found.reason)})",
        icon=":material/table_view:",
    )
    _header_line(pending)
    found, key = pending.found, pending.key
    shown = min(found.table.n_rows, FIRST_ROWS)
    st.caption(
        f"共 {found.table.n_rows:,} 行，前 {shown} 行如下。{found.table.n_rows:,} rows, the first {shown} below."
    )
    st.dataframe(_first_rows(found), hide_index=True)
    choices = _choices(pending)
    c1, c2 = st.columns(2)
    name = c1.text_input("导入配置名 Profile name", mapping.suggest_name(pending.file_name), key=key("name"))
    choices.title = c2.text_input("标题 Title", pending.file_name, key=key("title"), max_chars=80)
    st.markdown("**预览 Preview**（尚未保存任何数据 nothing is stored yet）")
    text = None
    try:
        text, profile = mapping.build(name, choices, found.headers)
        run = mapping.dry_run(shared_store(), found.table, profile)
    except (MappingError, UnreadableFile) as exc:
        st.error(as_text(exc))
        text = run = None
    if run is not None:
        _preview(run)
    _save(pending, choices, text)
    if pending.saved and pending.saved[1] != text:
        st.info("保存后映射又改了：请再保存一次。The mapping changed since it was saved: save it again.")
    elif pending.saved and run is not None:
        st.success(
            f"已保存导入配置 {as_text(pending.saved[0])}：下次这种文件会自动识别。"
            f"Saved: the next such file is recognised on its own."
        )
        label = f"确认导入 Import {run.gifts.num_rows:,} 笔，{format_yuan(run.amount_fen)}"
        if st.button(label, type="primary", key=key("import")):
            try:
                profile = find_profile(pending.saved[0])
            except ProfileError as exc:  # removed or spoilt on disk since it was saved
                st.error(f"未导入 Not imported: {as_text(exc)}")
                return None
            report = actions.upload(shared_store(), user.name, pending.file_name, pending.data, profile)
            st.session_state.pop(KEY, None)
            return report
    if st.button("放弃 Discard", key=key("discard")):
        st.session_state.pop(KEY, None)
        st.rerun()
    return None
