"""The summary page's tables, from the hand-written gifts of test_report: exact rows, exact yuan."""

import datetime as dt

import pytest

from givingday.ingest.batch import import_bytes
from givingday.report import tables
from givingday.store.adjustments import refund
from tests.test_report import GIFTS, at, build


@pytest.fixture
def gifts_store(store):
    assert import_bytes(store, GIFTS.encode(), "a.csv").rows_new == 6
    refund(store, "A2", "paid twice", "tester", at=at("2020-09-08 12:00"))
    return store


def cells(frame) -> list[list]:
    return [list(frame.columns), *frame.values.tolist()]


def test_breakdowns_end_with_the_total_and_days_count_donors_once(gifts_store):
    r = build(gifts_store)
    assert cells(tables.by(r, r.channels, "渠道")) == [
        ["渠道", "善款（元）", "公众捐款（元）", "配捐（元）", "人次"],
        ["扫码捐款", "23.00", "22.00", "1.00", "3"],
        ["直播义卖", "3.00", "3.00", "0.00", "1"],
        ["企业捐赠", "100.00", "100.00", "0.00", "1"],
        ["银行转账", "0.00", "0.00", "0.00", "0"],  # A2, refunded
        ["线下现金", "0.00", "0.00", "0.00", "0"],
        ["合计", "126.00", "125.00", "1.00", "5"],
    ]
    assert cells(tables.days(r))[-2:] == [
        ["9月9日", "0.00", "0.00", "0.00", "0", "0"],
        ["合计", "126.00", "125.00", "1.00", "5", "4"],
    ]
    assert cells(tables.headline(r))[:3] == [
        ["指标", "数值"],
        ["善款总额", "¥126.00（126.00元）"],
        ["公众捐款", "¥125.00"],
    ]


def test_top_tens_are_ranked_and_teams_and_sites_leave_out_matching(gifts_store):
    r = build(gifts_store)
    assert cells(tables.top(r, "projects"))[:3] == [
        ["名次", "项目", "类别", "善款（元）", "公众捐款（元）", "配捐（元）", "人次"],
        [1, "汤河乡援建对口扶贫", "困难帮扶", "100.00", "100.00", "0.00", "1"],
        [2, "二七商圈青春志愿行", "便民利民", "16.00", "15.00", "1.00", "2"],
    ]
    assert cells(tables.top(r, "teams")) == [
        ["名次", "队伍", "所属项目", "善款（元）", "公众捐款（元）", "人次"],
        [1, "张**的一起捐", "关爱老兵、情暖二七", "100.00", "100.00", "1"],
        [2, "河南省福利彩票发行中心", "二七商圈青春志愿行", "18.00", "17.00", "2"],
    ]
    assert cells(tables.top(r, "sites"))[0] == ["名次", "点位", "街道", "善款（元）", "公众捐款（元）", "人次"]


def test_goals_of_a_day_show_that_days_money_too(gifts_store):
    assert cells(tables.goals(build(gifts_store)))[:2] == [
        ["编号", "项目", "类别", "目标（元）", "累计筹款（元）", "完成率", "状态"],
        ["P001", "二七商圈青春志愿行", "便民利民", "50,000.00", "16.00", "0.0%", "未达成"],
    ]
    assert cells(tables.goals(build(gifts_store, day=dt.date(2020, 9, 8))))[::2] == [
        ["编号", "项目", "类别", "目标（元）", "累计筹款（元）", "当日（元）", "完成率", "状态"],
        ["P002", "关爱老兵、情暖二七", "特殊关爱", "30,000.00", "7.00", "-13.50", "0.0%", "未达成"],
    ]
