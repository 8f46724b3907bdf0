"""The data-status page renders the store's exact figures (Streamlit's AppTest, no browser)."""

from decimal import Decimal

from streamlit.testing.v1 import AppTest

from givingday import accounts
from givingday.ingest.batch import import_bytes
from givingday.money import format_wan
from givingday.web import board
from tests.conftest import CANONICAL_HEADER

GIFTS = CANONICAL_HEADER + (
    "P1,2020-09-07 10:00:00,12345.67,100,P001,T001,,qr,张三\n"
    "P2,2020-09-07 10:01:00,0.33,0,P002,,,qr,\n"
    "P3,2020-09-07 10:02:00,1,0,P999,,,qr,\n"
)


def _signed_in_data_page(store) -> AppTest:
    """The data page run once by an organizer signed in on this tab."""
    accounts.add_user("ana", "organizer", "a long enough password", store.location)
    at = AppTest.from_file("../pages/data_status.py", default_timeout=30)
    at.session_state["user"] = accounts.sign_in(
        "ana", "a long enough password", location=store.location, throttle=accounts.Throttle()
    )
    return at.run()


def test_data_status_page_shows_exact_totals(page_store):
    store = page_store
    import_bytes(store, GIFTS.encode(), "page.csv")
    at = _signed_in_data_page(store)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["善款合计"] == format_wan(1234600 + 10000) + "元"
    assert metrics["公众捐款"] == format_wan(1234600) + "元"
    assert (metrics["人次"], metrics["人数"]) == ("2", "2")
    projects = at.dataframe[0].value
    assert list(projects.iloc[0]) == ["二七商圈青春志愿行", Decimal("12445.67"), Decimal("100.00"), 2 - 1]
    rejected = at.dataframe[4].value
    assert list(rejected["原因"]) == ["未知项目 'P999'。unknown project 'P999'"]
    assert list(rejected["行"]) == [4]


def test_data_status_page_needs_a_sign_in_even_when_run_directly(page_store):
    at = AppTest.from_file("../pages/data_status.py", default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["请先登录。Please sign in: this page is for signed-in organizers."]
    assert not at.metric and not at.dataframe


def test_import_times_are_on_the_boards_clock_during_a_demo(page_store):
    """One clock: the data page shows when a file came in on the demo's clock, as alerts and gifts do."""
    import datetime as dt
    import time

    from givingday import clock
    from givingday.console import alerts

    store = page_store
    demo_start = dt.datetime(2020, 9, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in the event's zone
    clock.write_clock(store.location, clock.DemoClock(time.time(), demo_start.timestamp(), 1.0, "2020-09-07"))
    import_bytes(store, GIFTS.encode(), "page.csv")
    at = _signed_in_data_page(store)
    assert not at.exception
    imports = next(d.value for d in at.dataframe if "文件" in d.value.columns)
    shown = imports["时间"].iloc[0]
    assert shown.startswith("09-07 10:0"), shown
    flow = alerts.data_flow(store)
    assert flow.imports[0]["started_at"].astimezone(store.event.tz).strftime("%m-%d %H:%M:%S") == shown


def test_the_recent_imports_show_files_first_and_each_origin_on_request(page_store):
    """The demo's one-gift files (or a live feed's API posts) come every few seconds: an operator's own file stays
    in the list, which shows files unless another origin is chosen, each with its count."""
    store = page_store
    one = CANONICAL_HEADER + "{id},2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    names = ["bank.csv", "demo-20200907-1000-1.csv", "api:qr-1", "demo-20200907-1000-2.csv", "console:ana"]
    for i, name in enumerate(names):
        import_bytes(store, one.format(id=f"O{i}").encode(), name)
    assert [r["origin"] for r in store.query("imports_recent", limit_n=9)] == ["console", "demo", "api", "demo", "file"]
    assert [r["file_name"] for r in store.query("imports_recent", limit_n=9, origin="demo")] == names[3:0:-2]
    at = _signed_in_data_page(store)
    assert not at.exception
    [choice] = at.radio
    assert choice.options == ["文件 Files", "接口 API", "录入 Console", "演示 Demo", "全部 All"]
    assert "文件 1 · 接口 1 · 录入 1 · 演示 2 · 共 5 个导入 imports" in [c.value for c in at.caption]

    def listed(at: AppTest) -> list[str]:
        return list(next(d.value for d in at.dataframe if "文件" in d.value.columns)["文件"])

    assert listed(at) == ["bank.csv"]
    assert listed(choice.set_value("demo").run()) == names[3:0:-2]
    import_bytes(store, one.format(id="O9").encode(), "demo-20200907-1001-1.csv")  # a count moves meanwhile
    board.cached_query.clear()  # the page's next refresh reads the store again
    assert listed(at.run()) == ["demo-20200907-1001-1.csv", *names[3:0:-2]]  # the choice stays
    assert listed(at.radio[0].set_value("").run()) == ["demo-20200907-1001-1.csv", *names[::-1]]
    assert store.query("imports_by_origin") == [{"demo_files": 3, "other_files": 3}]
