"""The mapping screen (web/mapping.py) through Streamlit's AppTest: an unknown file mapped, previewed with the
exact total, saved and imported on confirm; nothing stored before. AppTest cannot upload a file, so the script
hands the screen the bytes as the upload form does (tests/test_mapping_browser.py uploads one in Chromium)."""

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from givingday.accounts import User
from givingday.ingest.formats import detect_layout, read_table
from tests.conftest import snapshot, unescaped
from tests.test_mapping import BILL, PREAMBLE, SAVED, STATEMENT


def script():
    import streamlit as st

    from givingday.web import mapping

    if "started" not in st.session_state:
        st.session_state.started = mapping.start_if_unknown("community.csv", st.session_state.data)
    report = mapping.screen(st.session_state.user)
    if report is not None:
        st.session_state.report = report
        st.rerun()


KEY = hashlib.sha256(STATEMENT).hexdigest()[:12]


def key(name: str) -> str:
    return f"map_{name}_{KEY}_1"  # the header on line 1


def opened(data: bytes) -> AppTest:
    """The screen as an organizer's upload of `data` opens it."""
    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["data"] = data
    at.session_state["user"] = User("ana", "organizer")
    return at.run()


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("GIVINGDAY_PROFILES", str(tmp_path / "profiles"))


@pytest.fixture
def screen(page_store, profiles):
    return opened(STATEMENT)


def test_an_unknown_file_is_mapped_previewed_saved_and_imported_on_confirm(screen, page_store, tmp_path):
    at = screen
    before = snapshot(page_store)
    assert not at.exception
    assert at.session_state["started"] is True
    assert at.warning[0].value.startswith("community\\.csv：没有认出这种文件")
    assert list(at.dataframe[0].value.columns) == ["流水号", "入账日期", "入账时间", "收款金额", "付款人", "备注"]
    assert [unescaped(e.value) for e in at.error] == [
        "请选择项目列，或选定一个项目。Choose the project's column, or one project for every row."
    ]
    at.radio(key=key("split")).set_value("split").run()
    at.selectbox(key=key("date")).set_value("入账日期").run()
    assert at.selectbox(key=key("d_入账日期")).value == "%d/%m/%Y"  # guessed from the column's values
    at.selectbox(key=key("time_of_day")).set_value("入账时间")
    at.selectbox(key=key("project")).set_value("fix:P001")
    at.selectbox(key=key("channel")).set_value("fix:bank")
    at.text_input(key=key("name")).input("community")
    at.text_input(key=key("title")).input("社区收款流水").run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["2", "¥1,200.50", "1", "0", "2"]
    assert list(at.dataframe[1].value["金额(元)"].astype(str)) == ["1000.50", "200.00"]
    assert list(at.dataframe[2].value["原因"]) == [
        "日期 '31/09/2020' 不符合格式 '%d/%m/%Y'。date '31/09/2020' does not match '%d/%m/%Y'",
        "金额为空（支出或空行？）。amount is empty (a debit or empty line?)",
    ]
    assert snapshot(page_store) == before  # previewing stores nothing

    next(b for b in at.button if b.label == "保存导入配置 Save profile").click().run()
    assert not at.exception
    assert (tmp_path / "profiles" / "community.toml").read_text(encoding="utf-8") == SAVED
    assert at.success[0].value.startswith("已保存导入配置 community：")
    assert snapshot(page_store) == before  # saving the profile stores no gift either

    next(b for b in at.button if b.label.startswith("确认导入")).click().run()
    assert not at.exception
    report = at.session_state["report"]
    assert (report.rows_new, report.rows_duplicate, report.rows_rejected) == (2, 1, 2)
    assert report.amount_new_fen == 120_050
    assert page_store.query("totals_overall")[0]["total_fen"] == 120_050
    assert not at.subheader  # the screen is gone once the file is imported
    assert detect_layout(read_table(STATEMENT)).name == "profile:community"


def test_a_mapping_changed_after_saving_must_be_saved_again(screen, tmp_path):
    at = screen
    at.radio(key=key("split")).set_value("split").run()
    at.selectbox(key=key("date")).set_value("入账日期")
    at.selectbox(key=key("project")).set_value("fix:P001")
    at.text_input(key=key("name")).input("community").run()
    next(b for b in at.button if b.label == "保存导入配置 Save profile").click().run()
    at.selectbox(key=key("project")).set_value("fix:P002").run()
    assert [i.value for i in at.info] == [
        "保存后映射又改了：请再保存一次。The mapping changed since it was saved: save it again."
    ]
    assert not [b for b in at.button if b.label.startswith("确认导入")]
    next(b for b in at.button if b.label == "保存导入配置 Save profile").click().run()
    assert [unescaped(e.value) for e in at.error] == [
        "已有名为 community 的导入配置：换一个名字，或确认替换。"
        "A profile named 'community' exists: choose another name, or confirm replacing it."
    ]
    at.checkbox(key=key("replace")).check().run()
    next(b for b in at.button if b.label == "保存导入配置 Save profile").click().run()
    assert 'project = "P002"' in (tmp_path / "profiles" / "community.toml").read_text(encoding="utf-8")
    assert [b.label for b in at.button if b.label.startswith("确认导入")] == ["确认导入 Import 2 笔，¥1,200.50"]


def test_discarding_the_mapping_stores_nothing(screen, page_store, tmp_path):
    at = screen
    before = snapshot(page_store)
    next(b for b in at.button if b.label == "放弃 Discard").click().run()
    assert not at.exception and not at.subheader
    assert snapshot(page_store) == before and not (tmp_path / "profiles").exists()


def test_rows_that_are_not_income_are_skipped_in_the_preview(page_store, profiles):
    at = opened(BILL)
    bill = lambda name: f"map_{name}_{hashlib.sha256(BILL).hexdigest()[:12]}_1"  # noqa: E731
    assert at.selectbox(key=bill("income")).value == "收/支"  # guessed from the header, as its values are
    assert at.multiselect(key=bill("income_收/支")).value == ["收入"]
    assert at.multiselect(key=bill("income_收/支")).options == ["收入", "支出", "/"]
    at.selectbox(key=bill("project")).set_value("fix:P001").run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["2", "¥30.50", "0", "2", "0"]
    at.multiselect(key=bill("income_收/支")).unselect("收入").run()
    assert [unescaped(e.value) for e in at.error] == [
        "请选择「收/支」列中表示收入的值。Choose the values of '收/支' that mean income."
    ]
    at.selectbox(key=bill("income")).set_value("").run()  # every row is income: the expenses count too
    assert [m.value for m in at.metric] == ["4", "¥36.50", "0", "0", "0"]


def test_a_bill_with_a_preamble_starts_at_its_header(page_store, profiles):
    at = opened(PREAMBLE)
    token = hashlib.sha256(PREAMBLE).hexdigest()[:12]
    assert at.selectbox(key=f"map_header_{token}").value == 5
    assert list(at.dataframe[0].value.columns) == ["单号", "时间", "收/支", "金额", "对方"]
    at.selectbox(key=f"map_project_{token}_5").set_value("fix:P001").run()
    assert [m.value for m in at.metric] == ["1", "¥10.00", "0", "1", "0"]
    at.selectbox(key=f"map_header_{token}").set_value(4).run()  # the wrong line: its cells are the columns now
    assert list(at.dataframe[0].value.columns) == ["共2笔记录", "收入：1笔", "列 (3)", "列 (4)", "列 (5)"]


def test_a_files_headers_cannot_put_markdown_on_the_page(page_store, profiles):
    """A header is shown as the text it is: no link, image or colour from a file reaches the organizer's page."""
    at = opened("![pixel](http://evil.invalid/p.png),:red[金额],[点我](http://evil.invalid)\n1,2,3\n".encode())
    assert not at.exception
    shown = at.warning[0].value
    assert "\\!\\[pixel\\]\\(http\\://evil\\.invalid/p\\.png\\)" in shown
    assert "\\:red\\[金额\\]" in shown and "\\[点我\\]\\(http" in shown
    assert "](http" not in shown
