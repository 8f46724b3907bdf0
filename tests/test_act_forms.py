"""The forms of /act submitted twice, or the page reloaded after a success: each act is stored once, and the page
says one truthful outcome."""

import datetime as dt
import time

import pytest
from streamlit.testing.v1 import AppTest

from givingday import clock
from givingday.money import format_yuan
from givingday.web import widgets
from tests.conftest import unescaped
from tests.test_console_page import console_store, field, signed  # noqa: F401 - console_store is a fixture

pytestmark = pytest.mark.both_stores

BEFORE_FEN = 16_000  # the two gifts of console_store


def act_page(store) -> AppTest:
    at = AppTest.from_file("../pages/act.py", default_timeout=60)
    at.session_state["user"] = signed("ana", store)
    return at.run()


def fill_gift(at: AppTest, at_time: dt.time | None = dt.time(10, 5)) -> None:
    at.text_input(key=field(at, "gift_amount")).input("88")
    at.time_input(key=field(at, "gift_time")).set_value(at_time)
    at.selectbox(key="gift_project").select("P002")
    at.text_area(key=field(at, "gift_reason")).input("现金箱")


def submit(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def total(store) -> int:
    return store.query("totals_overall")[0]["total_fen"]


def test_a_gift_submitted_twice_is_recorded_once(console_store):  # noqa: F811
    store = console_store
    at = act_page(store)
    first = at.session_state["gift_submission"]
    fill_gift(at)
    submit(at, "录入捐款")
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [f"已录入 线下现金 捐款 {format_yuan(8_800)}，编号 offline-{first}。"]
    assert total(store) == BEFORE_FEN + 8_800
    assert (
        at.text_input(key=field(at, "gift_amount")).value == ""
        and at.text_area(key=field(at, "gift_reason")).value == ""
    )
    assert at.session_state["gift_submission"] != first
    submit(at, "录入捐款")  # the emptied form, clicked again
    assert [unescaped(e.value) for e in at.error] == ["未提交：请填写金额。"]
    # A second click that left before the first one's answer came back carries the same submission: it stores
    # nothing, and the page says the one outcome there is
    at.session_state["gift_submission"] = first
    at.run()
    fill_gift(at)
    submit(at, "录入捐款")
    assert not at.error
    assert [s.value for s in at.success] == [f"已录入 线下现金 捐款 {format_yuan(8_800)}，编号 offline-{first}。"]
    assert total(store) == BEFORE_FEN + 8_800
    assert store.scalar("select count(*) from audit_log where action = 'gift'") == 1
    reloaded = act_page(store)  # a reload is a new session: it shows the form, and books nothing
    assert not reloaded.exception and not reloaded.success and not reloaded.error
    assert total(store) == BEFORE_FEN + 8_800


def test_a_pledge_submitted_twice_is_registered_once(console_store):  # noqa: F811
    store = console_store
    at = act_page(store)
    first = at.session_state["pledge_submission"]
    for _ in range(2):
        at.session_state["pledge_submission"] = first
        at.run()
        at.text_input(key=field(at, "pledge_donor")).input("某公司")
        at.text_input(key=field(at, "pledge_amount")).input("5000")
        at.text_area(key=field(at, "pledge_reason")).input("电话确认")
        submit(at, "登记认捐")
    assert not at.error
    assert [s.value for s in at.success][0].startswith(f"已登记认捐 {format_yuan(500_000)}，编号 pledge-{first}。")
    assert store.scalar("select count(*) from pledges") == 1


def test_a_refund_says_one_outcome_and_is_not_repeated(console_store):  # noqa: F811
    store = console_store
    at = act_page(store)
    at.text_input(key=field(at, "fix_id")).input("C1").run()
    at.radio(key=field(at, "fix_kind_C1")).set_value("refund")
    at.text_area(key=field(at, "fix_reason_C1")).input("捐赠人要求退款")
    submit(at, "提交")
    assert not at.exception
    assert [s.value for s in at.success] == [f"已退款：C1，{format_yuan(11_000)} 从所有合计中扣除。"]
    assert not at.error and not at.warning  # no "already refunded" beside the success
    assert at.text_input(key=field(at, "fix_id")).value == ""
    assert total(store) == BEFORE_FEN - 11_000
    at.run()  # a second click's run, or the page's refresh, right after: the outcome stays to be read
    assert [s.value for s in at.success] == [f"已退款：C1，{format_yuan(11_000)} 从所有合计中扣除。"]
    at.text_input(key=field(at, "fix_id")).input("C1").run()  # looked up again, or the same click once more
    assert [w.value for w in at.warning] == ["捐款 'C1' 已全额退款。gift 'C1' has already been refunded"]
    assert not [b for b in at.button if b.label == "提交"]
    assert total(store) == BEFORE_FEN - 11_000
    assert store.scalar("select count(*) from adjustments where kind = 'refund'") == 1


def correct_c2_to_40(at: AppTest) -> None:
    at.text_input(key=field(at, "fix_id")).input("C2").run()
    at.text_input(key=field(at, "fix_amount_C2")).input("40")
    at.text_area(key=field(at, "fix_reason_C2")).input("金额录错")
    submit(at, "提交")


def test_a_correction_submitted_twice_changes_the_gift_once_and_says_so_for_both(console_store):  # noqa: F811
    """The second click's run reads the gift already corrected: it says the first click's outcome, not "nothing
    changed"; the same correction asked again later finds nothing left to change."""
    store = console_store
    at = act_page(store)
    for _ in range(2):
        correct_c2_to_40(at)
        assert not at.error
        assert [s.value for s in at.success] == ["已更正：C2。所有合计随之变化。"]
    assert total(store) == BEFORE_FEN - 1_000
    assert store.scalar("select count(*) from audit_log where action = 'correction'") == 1
    widgets._DONE.clear()  # past the double-click window
    correct_c2_to_40(at)
    assert [unescaped(e.value) for e in at.error] == ["未提交：没有任何更改。Nothing was changed."]
    assert store.scalar("select count(*) from audit_log where action = 'correction'") == 1


def test_a_gift_taken_now_is_stamped_to_the_second_of_the_boards_clock(console_store):  # noqa: F811
    store = console_store
    now = dt.datetime(2020, 9, 7, 15, 42, 37, tzinfo=store.event.tz)
    clock.write_clock(store.location, clock.DemoClock(time.time(), now.timestamp(), 0.0, "2020-09-07"))
    at = act_page(store)
    assert at.time_input(key=field(at, "gift_time")).value is None  # empty: the moment it is submitted
    fill_gift(at, None)
    submit(at, "录入捐款")
    assert not at.error
    assert store.scalar("select occurred_at from donations where channel = 'offline'") == now
    at.date_input(key=field(at, "gift_day")).set_value(dt.date(2020, 9, 6))  # another day needs its time
    fill_gift(at, None)
    submit(at, "录入捐款")
    assert [unescaped(e.value) for e in at.error] == [
        "未录入：2020-09-06 不是今天：请填写捐款的时间。A gift of another day needs its time."
    ]
    assert store.scalar("select count(*) from donations where channel = 'offline'") == 1


def test_import_without_a_file_says_to_choose_one_and_stores_nothing(console_store):  # noqa: F811
    at = act_page(console_store)
    submit(at, "导入")
    assert not at.exception and not at.error
    assert [w.value for w in at.warning if "文件" in w.value] == ["请先选择文件。Choose a file first."]
    assert total(console_store) == BEFORE_FEN
    assert console_store.scalar("select count(*) from imports") == 1  # console_store's own file
