"""The summary page (汇总报告) renders the store's figures exactly, for the event, a day and a chosen moment
(Streamlit's AppTest, no browser), for the roles that may see it and for no one else."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from givingday import clock
from givingday.ingest.batch import import_bytes
from givingday.money import format_wan_yuan, format_yuan
from givingday.report.scope import parse_as_of
from tests.conftest import CANONICAL_HEADER
from tests.signed_in import add_users, signed_in_page

GIFTS = CANONICAL_HEADER + (
    "S1,2020-09-07 09:59:00,12345.67,0,P001,T001,,qr,张三\n"
    "S2,2020-09-07 10:00:00,100,20,P002,,S001,qr,李四\n"
    "S3,2020-09-08 08:00:00,0.33,0,P089,,,bank,\n"
)


@pytest.fixture
def summary_store(page_store):
    """The page's store with the gifts above and a user of each role that may see the summary."""
    import_bytes(page_store, GIFTS.encode(), "page.csv")
    add_users(page_store, {"lee": "leader", "ana": "organizer", "adm": "admin"})
    return page_store


def summary_page(store, name: str = "lee") -> AppTest:
    """The summary page as a signed-in user of that name sees it."""
    return signed_in_page(store, "summary", name)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _key_figures(at) -> dict[str, str]:
    table = at.table[0].value
    return dict(zip(table["指标"], table["数值"], strict=True))


def _expect(t: dict) -> dict[str, str]:
    return {
        "善款总额": format_yuan(t["total_fen"]),
        "公众捐款": format_yuan(t["amount_fen"]),
        "配捐": format_yuan(t["matched_fen"]),
        "人次": f"{t['donations']:,}",
        "人数": f"{t['donors']:,}",
    }


def _html(at) -> str:
    return "".join(str(getattr(e, "proto", "")) for e in at.get("html"))


def test_summary_page_shows_the_store_totals(summary_store):
    at = summary_page(summary_store).run()
    assert not at.exception
    t = summary_store.query("totals_overall")[0]
    assert _metrics(at) == _expect(t)
    figures = _key_figures(at)
    assert figures["善款总额"] == f"{format_yuan(t['total_fen'])}（{format_wan_yuan(t['total_fen'])}）"
    assert figures["有捐款的点位"] == "2 / 2"
    assert "二七区“99公益日”爱心募捐 · 全程汇总" in at.title[0].value
    assert "共筹集善款1.25万元" in _html(at)
    assert "演示数据" not in _html(at)
    assert "数据核对：" in at.caption[-1].value


@pytest.mark.slow
def test_summary_page_for_a_day_and_a_moment(summary_store):
    at = summary_page(summary_store).run()
    at.button_group[0].set_value("2020-09-07").run()
    assert not at.exception
    assert "9月7日日报" in at.title[0].value
    ev = summary_store.event
    day_one = summary_store.query("report_totals", since=None, until=parse_as_of("2020-09-07", ev))[0]
    assert _metrics(at) == _expect(day_one)
    assert day_one["total_fen"] == 1234567 + 12000
    at.toggle[0].set_value(True).run()
    at.time_input[0].set_value(dt.time(9, 59)).run()
    assert not at.exception
    assert "数据截至9月7日9时59分" in at.caption[0].value
    before_ten = summary_store.query("report_totals", since=None, until=parse_as_of("2020-09-07 09:59", ev))[0]
    assert _metrics(at) == _expect(before_ten)
    assert before_ten["total_fen"] == 1234567  # S1 at 09:59:00 counts (at or before), S2 at 10:00:00 not yet


def test_summary_page_says_demo(summary_store):
    clock.write_clock(summary_store.location, clock.DemoClock(0, 1_599_500_000, 1, "2020-09-07"))
    at = summary_page(summary_store).run()
    assert not at.exception
    assert "演示数据" in _html(at)


@pytest.mark.parametrize("name", ["lee", "ana", "adm"])
def test_the_summary_renders_for_each_role_that_may_see_it(summary_store, name):
    at = summary_page(summary_store, name).run()
    assert not at.exception and not at.error
    assert _metrics(at)


def test_the_summary_is_not_for_a_session_without_sign_in(summary_store):
    at = AppTest.from_file("../pages/summary.py", default_timeout=60).run()
    assert [e.value for e in at.error] == ["请先登录。Please sign in: this page is for signed-in organizers."]
    assert not at.metric and not at.table
    app = AppTest.from_file("../app.py", default_timeout=60).run()
    with pytest.raises(ValueError):
        app.switch_page("pages/summary.py")  # not in a signed-out session's navigation at all
