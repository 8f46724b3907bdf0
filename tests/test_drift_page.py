"""The 核对 page (Streamlit's AppTest, no browser): an organizer types a project's official figures, the page
compares them as of their time and shows the difference in yuan, flagged, with its cause; a bad figure is said
with its reason and nothing is kept; a leader may not open the page."""

import pytest
from streamlit.testing.v1 import AppTest

from givingday.ingest.batch import import_bytes
from tests.conftest import CANONICAL_HEADER, unescaped
from tests.signed_in import add_users, signed_in_page

GIFTS = CANONICAL_HEADER + (
    "G1,2020-09-07 10:00:00,12345.67,0,P001,,,qr,张三\n"
    "G2,2020-09-07 10:05:00,100,0,P001,,,qr,李四\n"
    "G3,2020-09-07 12:30:00,50,0,P001,,,qr,王五\n"
)


@pytest.fixture
def drift_store(page_store):
    import_bytes(page_store, GIFTS.encode(), "page.csv")
    add_users(page_store, {"ana": "organizer", "lee": "leader"})
    return page_store


def drift_page(store, name: str = "ana") -> AppTest:
    return signed_in_page(store, "drift", name)


def type_figures(at: AppTest, raised: str, count: str, as_of: str = "2020-09-07 12:00") -> AppTest:
    next(s for s in at.selectbox if s.label == "项目 Project").set_value("P001")
    inputs = {t.label: t for t in at.text_input}
    inputs["已筹金额（元）Raised, yuan"].input(raised)
    inputs["捐款人次 Gifts"].input(count)
    inputs["统计时间 As of"].input(as_of)
    next(b for b in at.button if b.label == "核对 Compare" and "typed" in str(b.form_id)).click()
    return at.run()


def test_typed_figures_are_compared_as_of_their_time_and_kept(drift_store):
    at = drift_page(drift_store).run()
    assert not at.exception
    assert [c.value for c in at.caption if "尚未核对" in c.value] == ["尚未核对。No comparison yet."]
    at = type_figures(at, "12,569.01", "3")  # the platform says ¥123.34 and one gift more than our 12:00
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [
        "1 / 1 个项目的差异超出阈值（差额 = 本系统 − 平台，合计 -¥123.34）。1 project(s) beyond the threshold."
    ]
    frame = at.dataframe[0].value
    row = frame.iloc[0].to_dict()
    assert (row["编号"], str(row["本系统(元)"]), str(row["平台(元)"]), str(row["差额(元)"])) == (
        "P001",
        "12445.67",
        "12569.01",
        "-123.34",
    )
    assert (row["本系统人次"], row["平台人次"], row["超出阈值"]) == (2, 3, "⚠ 是")
    assert row["可能原因 Likely cause"].endswith("no cause the board can see: check the project's gifts")
    assert drift_store.scalar("select count(*) from drift_checks") == 1


def test_a_bad_typed_figure_is_said_and_nothing_is_kept(drift_store):
    at = type_figures(drift_page(drift_store).run(), "十二", "3")
    said = unescaped(at.error[0].value)
    assert said.startswith(
        "未核对，未保存任何内容 Not compared, nothing kept:\n\n手工录入 typed on the page: 已筹金额："
    )
    assert said.endswith("amount '十二' is not a number")
    assert drift_store.scalar("select count(*) from drift_checks") == 0


def test_a_leader_may_not_open_the_page(drift_store):
    at = drift_page(drift_store, "lee").run()
    assert not at.dataframe and not at.text_input


def test_compare_without_a_file_says_to_choose_one_and_keeps_nothing(drift_store):
    at = drift_page(drift_store).run()
    next(b for b in at.button if b.label == "核对 Compare" and "upload" in str(b.form_id)).click()
    at = at.run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == ["请先选择平台导出的文件。Choose the platform's file first."]
    assert drift_store.scalar("select count(*) from drift_checks") == 0
