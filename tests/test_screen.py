"""The big screen's queries, its shared cache, and its HTML."""

import dataclasses
import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from givingday import clock
from givingday.ingest.batch import import_bytes
from givingday.screens import render as bigscreen
from givingday.screens.feed import ScreenFeed
from givingday.screens.snapshot import TICKER_N, TICKER_WINDOW, _by_ticker, take_snapshot, take_snapshots
from givingday.store import adjustments
from givingday.store.database import Reading, query_text
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

TZ = dt.timezone(dt.timedelta(hours=8))
GIFTS = CANONICAL_HEADER + (
    "S1,2020-09-07 09:59:00,10,0,P001,T001,,qr,张三\n"  # T001's home site is S002
    "S2,2020-09-07 10:00:30,100,50,P001,,S001,qr,李四\n"
    "S3,2020-09-07 10:01:10,2000,0,P002,T002,,corporate,<script>alert(1)</script>\n"
    "S4,2020-09-06 23:59:59,1,0,P089,,,qr,\n"  # the day before
)
NOW = dt.datetime(2020, 9, 7, 10, 2, 0, tzinfo=TZ)


def test_screen_queries_exact_rows(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW)
    t = snap.totals
    assert (t["amount_fen"], t["matched_fen"], t["total_fen"], t["donations"]) == (211100, 5000, 216100, 4)
    assert (t["day_amount_fen"], t["day_matched_fen"], t["day_donations"]) == (211000, 5000, 3)
    assert [(r["key"], r["total_fen"], r["donations"], r["goal_fen"]) for r in snap.projects] == [
        ("P002", 200000, 1, 3000000),
        ("P001", 16000, 2, 5000000),
        ("P089", 100, 1, 50000000),
    ]
    assert [(r["key"], r["total_fen"]) for r in snap.teams] == [("T002", 200000), ("T001", 1000)]
    assert [(r["key"], r["total_fen"], r["goal_fen"]) for r in snap.sites] == [
        ("S001", 215000, 100000),
        ("S002", 1000, 2000000),
    ]
    assert [(g["donor_name_masked"], g["amount_fen"]) for g in snap.latest] == [
        ("<**", 200000),
        ("李**", 10000),
        ("张**", 1000),
    ]  # the gift from the day before is more than the ticker's 10 minutes older than the newest gift
    assert [(r["minute_at"].astimezone(TZ).strftime("%H:%M"), r["donations"]) for r in snap.minutes] == [
        ("09:59", 1),
        ("10:00", 1),
        ("10:01", 1),
    ]


def _gifts_at(times: list[str], first: int = 0) -> bytes:
    rows = "".join(f"B{first + i:03d},2020-09-07 {t},1,0,P001,,S001,qr,王五\n" for i, t in enumerate(times))
    return (CANONICAL_HEADER + rows).encode()


def test_the_ticker_is_the_newest_twelve_whether_the_last_minute_holds_them_or_not(store, monkeypatch):
    asked = []  # the tickers' queries (every pass asks screen_figures first)
    query = Reading.query  # a pass reads through one `Reading`
    monkeypatch.setattr(
        Reading,
        "query",
        lambda s, name, **p: ("latest" in name and asked.append((name, p.get("since")))) or query(s, name, **p),
    )
    busy = NOW.replace(hour=11, minute=30)
    # 14 gifts in the last minute before 11:30, 5 five minutes earlier: the last minute alone is asked
    import_bytes(store, _gifts_at([f"11:24:{s:02d}" for s in range(5)] + [f"11:29:{s:02d}" for s in range(14)]), "a")
    snap = take_snapshot(store, now=busy)
    assert [g["occurred_at"].astimezone(TZ).strftime("%H:%M:%S") for g in snap.latest] == [
        f"11:29:{s:02d}" for s in range(13, 1, -1)
    ]
    assert asked == [("screen_latest_gifts", dt.datetime(2020, 9, 7, 11, 28, 13, tzinfo=TZ))]  # the last minute
    # a quiet hour: 3 gifts in the last minute, the rest of the twelve from minutes before
    quiet = NOW.replace(hour=14, minute=0)
    import_bytes(store, _gifts_at([f"13:5{m}:00" for m in range(3, 10)] + ["13:59:30", "13:59:40"], 100), "b")
    snap = take_snapshot(store, now=quiet)
    assert [g["occurred_at"].astimezone(TZ).strftime("%H:%M:%S") for g in snap.latest] == [
        "13:59:40",
        "13:59:30",
        "13:59:00",
        "13:58:00",
        "13:57:00",
        "13:56:00",
        "13:55:00",
        "13:54:00",
        "13:53:00",
    ]  # nine gifts in the ten minutes before the newest: all of them
    assert asked[1:] == [("screen_latest_gifts", dt.datetime(2020, 9, 7, 13, 49, 40, tzinfo=TZ))]  # the window


def test_the_ticker_asks_the_whole_window_when_moved_gifts_made_the_last_minute_look_full(store):
    import_bytes(store, _gifts_at([f"11:29:{s:02d}" for s in range(11)] + ["11:25:00", "11:24:00"]), "a")
    adjustments.correct(
        store,
        "B012",
        "时间录错",
        "ana",
        occurred_at=dt.datetime(2020, 9, 7, 11, 29, 50, tzinfo=TZ),
        at=dt.datetime(2020, 9, 7, 11, 29, 55, tzinfo=TZ),
    )  # the minutes now count 12 gifts at 11:29; the ticker reads gifts by the time they were given
    snap = take_snapshot(store, now=NOW.replace(hour=11, minute=30))
    expected = [*[f"11:29:{s:02d}" for s in range(10, -1, -1)], "11:25:00"]
    assert [g["occurred_at"].astimezone(TZ).strftime("%H:%M:%S") for g in snap.latest] == expected
    # the same with a site's screen watched: the district's ticker short in the minute, every ticker is asked again
    both = take_snapshots(store, [None, "S001"], now=NOW.replace(hour=11, minute=30))
    for site in (None, "S001"):  # every gift is S001's
        assert [g["occurred_at"].astimezone(TZ).strftime("%H:%M:%S") for g in both[site].latest] == expected


def _site_gifts_at(site: str, times: list[str], first: int) -> str:
    return "".join(f"C{first + i:03d},2020-09-07 {t},1,0,P001,,{site},qr,王五\n" for i, t in enumerate(times))


def test_a_busy_minute_gives_the_busy_tickers_and_the_quiet_sites_are_asked_of_the_window(store, monkeypatch):
    asked = []  # the tickers' queries (every pass asks screen_figures first)
    query = Reading.query
    monkeypatch.setattr(
        Reading,
        "query",
        lambda s, name, **p: (
            ("latest" in name and asked.append((name, p["since"], p.get("site_ids")))) or query(s, name, **p)
        ),
    )
    rows = (
        _site_gifts_at("S001", [f"11:29:{s:02d}" for s in range(0, 42, 3)], 0)  # 14 in the last minute
        + _site_gifts_at("S002", ["11:22:00", "11:29:59"], 100)  # one in it, one older
        + _site_gifts_at("S002", ["11:10:00"], 200)  # older than the window (ten minutes before the newest)
    )
    import_bytes(store, (CANONICAL_HEADER + rows).encode(), "busy.csv")
    busy = NOW.replace(hour=11, minute=30)
    snaps = take_snapshots(store, [None, "S001", "S002"], now=busy)

    def times(site: str | None) -> list[str]:
        return [g["occurred_at"].astimezone(TZ).strftime("%H:%M:%S") for g in snaps[site].latest]

    assert times(None) == ["11:29:59", *[f"11:29:{s:02d}" for s in range(39, 6, -3)]]  # the newest 12
    assert times("S001") == [f"11:29:{s:02d}" for s in range(39, 3, -3)]  # S001's newest 12, of its 14
    assert times("S002") == ["11:29:59", "11:22:00"]  # found in the window, not the minute
    newest = dt.datetime(2020, 9, 7, 11, 29, 59, tzinfo=TZ)
    assert asked == [
        ("screen_sites_latest_gifts", newest - dt.timedelta(minutes=1), None),  # the last minute, every ticker
        ("screen_some_sites_latest_gifts", newest - dt.timedelta(minutes=10), ["S002"]),  # the window, S002 alone
    ]
    # the same gifts as every ticker asked of the whole window at once
    window = store.query("screen_sites_latest_gifts", since=newest - TICKER_WINDOW, until=busy, limit_n=TICKER_N)
    for site, gifts in _by_ticker(window).items():
        assert [g["occurred_at"] for g in gifts] == [g["occurred_at"] for g in snaps[site].latest]


def test_each_sites_ticker_is_its_newest_gifts_with_ties_and_gifts_of_no_site(store):
    """A gift's place among its site's (`site_rank`), against the same ranking done here: sites with more gifts than
    the ticker holds, one with fewer, gifts of no site, and gifts given in the same second (then by id)."""
    rows = [
        ("T01", "10:00:00", "S001"),
        ("T02", "10:00:00", "S001"),  # the same second as T01: T02 ranks first (a greater id)
        ("T03", "10:01:00", "S001"),
        ("T04", "10:00:30", "S002"),
        ("T05", "10:00:10", ""),  # no site: in the district's ticker alone
        ("T06", "10:01:30", ""),
        ("T07", "10:01:40", "S001"),
        ("T08", "10:01:40", "S001"),
        ("T09", "09:59:00", "S002"),  # S002 has two gifts, fewer than its ticker holds
    ]
    body = "".join(f"{i},2020-09-07 {t},1,0,P001,,{site},qr,王五\n" for i, t, site in rows)
    import_bytes(store, (CANONICAL_HEADER + body).encode(), "ties.csv")
    found = store.query("screen_sites_latest_gifts", since=NOW - dt.timedelta(hours=1), until=NOW, limit_n=4)
    got = {(r["donation_id"], r["district_rank"], r["site_rank"] if r["site_id"] else None) for r in found}
    newest = sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)
    district = {i: n for n, (i, _, _) in enumerate(newest, start=1)}
    by_site: dict[str, list[str]] = {}
    for i, _, site in newest:
        if site:
            by_site.setdefault(site, []).append(i)
    site_rank = {i: n for ids in by_site.values() for n, i in enumerate(ids, start=1)}
    expected = {
        (i, district[i], site_rank.get(i)) for i, _, site in rows if district[i] <= 4 or (site and site_rank[i] <= 4)
    }
    assert got == expected
    assert {i for i, _, _ in got} == {"T08", "T07", "T06", "T03", "T02", "T04", "T09"}  # T02, not T01: S001's 4th


def test_a_sites_screen_shows_its_best_eight_teams_with_money(demo_roster_store):
    """A site's teams, ranked from the pass's team rows and the roster's sites: the eight with the most money (ties
    by id), only teams based there, none without money."""
    import csv

    from givingday import config

    store = demo_roster_store
    teams = list(csv.DictReader((config.ROSTER_DIR / "teams.csv").open(encoding="utf-8")))
    here = [t for t in teams if t["site_id"] == "S001"][:10]
    elsewhere = next(t for t in teams if t["site_id"] == "S002")
    yuan = [50, 20, 90, 20, 70, 10, 30, 60, 40, 5]  # two teams at 20: the smaller id first
    rows = [(t, y) for t, y in zip(here, yuan, strict=True)] + [(elsewhere, 1000)]
    body = "".join(
        f"K{i:02d},2020-09-07 10:00:{i:02d},{y},0,{t['project_id']},{t['team_id']},,qr,王五\n"
        for i, (t, y) in enumerate(rows)
    )
    import_bytes(store, (CANONICAL_HEADER + body).encode(), "teams.csv")
    snap = take_snapshot(store, now=NOW, site_id="S001")
    best = sorted(((-y * 100, t["team_id"]) for t, y in rows[:10]))[:8]
    assert [(r["key"], r["total_fen"]) for r in snap.teams] == [(key, -fen) for fen, key in best]


def test_site_screen(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW, site_id="S001")
    assert (snap.site["name"], snap.site["total_fen"], snap.site["donations"]) == ("升龙广场", 215000, 2)
    assert [r["key"] for r in snap.teams] == ["T002"]  # teams whose home is S001
    assert [g["donor_name_masked"] for g in snap.latest] == ["<**", "李**"]  # the site's gifts only, newest first
    html = bigscreen.render(snap, site_id="S001")
    assert 'id="site-total" data-fen="215000"' in html
    assert 'id="headline-total" data-fen="216100"' in html  # the district total stays on a site's screen
    assert (snap.site["goal_fen"], snap.site["rank"], snap.site["of_sites"]) == (100000, 1, 2)  # T002's goal
    assert '<div class="count">2 人次 · 人数 <b id="site-donors">2</b> · 点位第1名/共2个</div>' in html
    assert '<div class="bar"><div style="width:100.0%"></div></div>' in html
    assert '<div class="count" id="site-goal">目标 ¥1,000.00 · <b>215%</b></div>' in html
    en = bigscreen.render(take_snapshot(store, now=NOW, site_id="S002"), lang="en", site_id="S002")
    assert '<div class="count">1 gift · Donors <b id="site-donors">1</b> · #2 of 2 sites</div>' in en
    assert '<div class="count" id="site-goal">Goal ¥20,000 · <b>0%</b></div>' in en
    district = bigscreen.render(take_snapshot(store, now=NOW), lang="en")
    assert re.search(r'<div class="count">Today <b>[^<]+</b> · \d+ gifts</div>', district)  # a count, not a label


def test_html_escapes_and_labels(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    html = bigscreen.render(take_snapshot(store, now=NOW))
    assert "<script>" not in html and "&lt;**" in html
    assert "演示数据" not in html  # not a demo store
    assert "2,161.00" in html or "¥2,161.00" in html
    assert "配捐开启" not in html and "<div>配捐进行中</div>" in html  # 10:02, matching is on
    early = bigscreen.render(take_snapshot(store, now=NOW - dt.timedelta(hours=2)))
    assert "距配捐开启 <b>1小时58分</b>" in early and "距今日结束 <b>15小时58分</b>" in early
    assert "善款突破 100.00万元" in bigscreen.render(take_snapshot(store, now=NOW), celebrate=100_000_000)
    en = bigscreen.render(take_snapshot(store, now=NOW), lang="en")
    assert "Total raised" in en and "善款总额" not in en
    for view in bigscreen.VIEWS:
        assert 'id="headline-total"' in bigscreen.render(take_snapshot(store, now=NOW), view=view)


def _with_pool(snap, pool_fen: int):
    matching = dataclasses.replace(snap.event.matching, daily_pool_fen=pool_fen)
    return dataclasses.replace(snap, event=dataclasses.replace(snap.event, matching=matching))


def test_countdowns_say_time_left_in_words_and_when_the_pool_is_spent(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW + dt.timedelta(hours=10, minutes=28, seconds=41))  # 20:30:41, day one
    assert bigscreen.countdowns(snap, "zh") == [
        "距今日结束 <b>3小时29分</b>",
        "距活动结束 <b>2天3小时</b>",
        "配捐进行中",
    ]
    spent = _with_pool(snap, 5000)  # today's matching so far is ¥50.00: the pool is used up
    assert bigscreen.countdowns(spent, "zh")[2:] == ["今日配捐额度已用完", "明日 10:00 开启新一轮配捐"]
    assert bigscreen.countdowns(spent, "en")[2:] == ["Today's matching pool is spent", "Next round: tomorrow 10:00"]
    assert "配捐进行中" not in bigscreen.render(spent)
    last_day = _with_pool(take_snapshot(store, now=NOW + dt.timedelta(days=2, hours=13, minutes=57, seconds=30)), 0)
    assert bigscreen.countdowns(last_day, "zh") == [
        "距今日结束 <b>不到1分钟</b>",
        "距活动结束 <b>不到1分钟</b>",
        "今日配捐额度已用完",  # no day follows the last: no next round
    ]
    assert bigscreen.countdowns(last_day, "en")[:1] == ["Day ends in <b>under 1 min</b>"]
    assert bigscreen.duration(dt.timedelta(minutes=59, seconds=59), "zh") == "59分钟"
    assert bigscreen.duration(dt.timedelta(hours=3, minutes=29, seconds=41), "en") == "3 h 29 min"


def test_matching_pool_line_is_short_enough_for_one_line(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    html = bigscreen.render(take_snapshot(store, now=NOW))
    assert "今日配捐池已用 <b>0.01万元</b> / 30.00万元</div>" in html  # one unit for both: ¥50.00 of 30万元
    en = bigscreen.render(take_snapshot(store, now=NOW), lang="en")
    assert "Pool today <b>¥50</b> / ¥300,000</div>" in en


def test_a_ranked_column_has_one_unit(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW)  # P002 ¥2,000.00, P001 ¥160.00, P089 ¥1.00
    amounts = re.findall(r'<span class="amt">([^<]*)</span>', bigscreen.render(snap, "projects", "en"))
    assert amounts[:3] == ["¥2,000", "¥160", "¥1"]
    big = dataclasses.replace(snap, projects=[{**snap.projects[0], "total_fen": 12_345_678}, *snap.projects[1:]])
    amounts = re.findall(r'<span class="amt">([^<]*)</span>', bigscreen.render(big, "projects", "zh"))
    assert amounts[:3] == ["12.35万元", "0.02万元", "0.00万元"]


def test_a_screen_celebrates_a_milestone_it_sees_passed():
    m1, m2 = 100_000_000, 200_000_000
    assert bigscreen.newly_passed(None, m1)  # opened before the first milestone: it celebrates the first
    assert bigscreen.newly_passed(m1, m2)
    assert not bigscreen.newly_passed(m1, m1)  # already seen
    assert not bigscreen.newly_passed(None, None) and not bigscreen.newly_passed(m1, None)


def test_stale_banner_and_demo_label(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    fresh = take_snapshot(store, now=NOW)
    assert not fresh.is_stale and 'role="alert"' not in bigscreen.render(fresh)
    late = take_snapshot(store, now=NOW + dt.timedelta(minutes=20))
    assert late.is_stale
    assert "数据已 20 分钟未更新" in bigscreen.render(late)
    clock.write_clock(store.location, clock.DemoClock(0, 0, 1, "2020-09-07"))
    assert "演示数据" in bigscreen.render(take_snapshot(store, now=NOW))


@pytest.fixture
def counted(store):
    """A screen feed on the test's store (its thread not started: the test says when it refreshes), with every
    query counted."""
    import_bytes(store, GIFTS.encode(), "g.csv")
    store.roster()  # read once per process, then kept
    calls = []

    def count(conn, cursor, statement, *args):
        calls.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    yield ScreenFeed(store), calls
    sa.event.remove(store.engine, "before_cursor_execute", count)


def test_fifty_screens_cost_what_one_costs(counted):
    feed, counted = counted
    feed.html(None, "overview", "zh", None)
    one = len(counted)
    assert one == 2  # the snapshot's two queries, its figures and its ticker, once (every SQL statement counted)

    def screen() -> None:
        for view in ("overview", "overview", "projects"):
            feed.html(None, view, "zh", None)

    threads = [threading.Thread(target=screen) for _ in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(counted) == one  # 50 screens, 150 refreshes: no more database work
    feed.refresh()  # the feed's next period: one more snapshot for everybody, and the pages shown rendered ahead
    assert len(counted) == 2 * one
    shown = feed.html(None, "projects", "zh", None)
    for _ in range(50):
        assert feed.html(None, "projects", "zh", None) is shown  # one string, shared without copying
    assert len(counted) == 2 * one


def test_an_unknown_site_costs_no_query_and_is_not_kept(counted):
    feed, counted = counted
    feed.html(None, "overview", "zh", None)
    before = len(counted)
    page = feed.html("S999<b>", "overview", "en", None)
    assert page == bigscreen.unknown_site("S999<b>")  # the message, in place of anybody's figures
    assert '<div class="big">未知点位 · S999&lt;b&gt;</div>' in page and "data-fen" not in page
    assert "<div>Unknown site S999&lt;b&gt;: not in the roster; check site= in the address (ids in sites.csv)" in page
    assert len(counted) == before and not feed.has("S999<b>")


def test_screen_feed_forgets_sites_nobody_watches(counted):
    feed, counted = counted
    feed.forget_after = 0.0
    feed.html("S001", "overview", "zh", None)
    feed.html(None, "overview", "zh", None)
    before = len(counted)
    feed.refresh()
    assert len(counted) == before  # both forgotten: nobody asked since, so no snapshot was taken
    assert not feed._sites


def test_every_watched_site_in_one_pass(counted):
    feed, counted = counted
    sites = [None, "S001", "S002"]
    for site in [*sites, "S404"]:  # S404 is in no roster: its screen says so, and nothing is kept for it
        feed.html(site, "overview", "zh", None)
    before = len(counted)
    feed.refresh()
    assert len(counted) == before + 2  # the figures (rollups, minutes, goals, 人数, teams), every ticker
    one_by_one = {site: take_snapshot(feed.store, now=feed.snapshot(None).now, site_id=site) for site in sites}
    for site in sites:
        batched, alone = feed.snapshot(site), one_by_one[site]
        assert (batched.site, batched.teams, batched.latest) == (alone.site, alone.teams, alone.latest)
        assert batched.totals == alone.totals
    assert [g["donor_name_masked"] for g in feed.snapshot("S002").latest] == ["张**"]
    assert not feed.has("S404")


def _page_with_indented_html():
    import streamlit as st

    from givingday.web.widgets import AsIsHtml

    st.html(AsIsHtml("  <div>\n    <b>x</b>\n  </div>\n"))


def test_the_screen_html_reaches_the_browser_as_rendered():
    """The big screen passes its HTML through AsIsHtml, so st.html sends it without its dedent-and-strip pass."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_with_indented_html).run()
    assert [e.proto.body for e in at.get("html")] == ["  <div>\n    <b>x</b>\n  </div>\n"]


def test_the_per_minute_chart_says_its_peak_is_a_count_of_gifts(store):
    more = CANONICAL_HEADER + "S5,2020-09-07 10:01:20,5,0,P001,,,qr,\nS6,2020-09-07 10:01:50,5,0,P001,,,qr,\n"
    import_bytes(store, GIFTS.encode(), "g.csv")
    import_bytes(store, more.encode(), "more.csv")  # 10:01 now has three gifts
    snap = take_snapshot(store, now=NOW)
    assert '<h3>近一小时每分钟人次</h3><div class="peak">峰值 3 人次/分钟</div>' in bigscreen.minutes_svg(snap, "zh")
    assert '<div class="peak">Most in a minute: 3</div>' in bigscreen.minutes_svg(snap, "en")


def test_a_parent_project_without_a_goal_says_why_it_has_no_bar(store):
    parent = CANONICAL_HEADER + "S7,2020-09-07 10:01:30,30,0,P000,,,qr,\n"
    import_bytes(store, GIFTS.encode(), "g.csv")
    import_bytes(store, parent.encode(), "parent.csv")
    snap = take_snapshot(store, now=NOW)
    assert [(r["key"], r["is_parent"]) for r in snap.projects] == [
        ("P002", False),
        ("P001", False),
        ("P000", True),
        ("P089", False),
    ]
    html = bigscreen.render(snap, view="projects")
    assert '1 人次<span class="nogoal">目标见各子项目</span></span>' in html
    assert '1 gift<span class="nogoal">see sub-projects</span>' in bigscreen.render(snap, "projects", "en")


def test_the_pieces_a_pass_shares_render_the_same_pages(store):
    """A snapshot pass renders what every site's page shows alike once (`parts`); each page is byte for byte
    what it is rendered alone."""
    import_bytes(store, GIFTS.encode(), "g.csv")
    snaps = take_snapshots(store, [None, "S001", "S002"], now=NOW)
    for lang in ("zh", "en"):
        for view in bigscreen.VIEWS:
            parts: dict = {}
            for site, snap in snaps.items():
                alone = bigscreen.render(snap, view, lang, None, site)
                assert bigscreen.render(snap, view, lang, None, site, parts) == alone, (lang, view, site)
            assert parts and all(key[1] == lang for key in parts)
    site_page = bigscreen.render(snaps["S001"], "overview", "zh", None, "S001", parts={})
    assert 'id="site-total" data-fen="215000"' in site_page and 'id="headline-total" data-fen="216100"' in site_page


def test_rows_of_equal_money_are_ranked_by_key_and_rows_without_gift_or_money_left_out(store):
    """The district's projects and teams and a site's teams are ranked alike: most money (gifts and matching)
    first, ties by key; a project whose every gift was refunded is not ranked."""
    gifts = CANONICAL_HEADER + (
        "E1,2020-09-07 10:00:00,10,0,P002,T001,,qr,张三\n"
        "E2,2020-09-07 10:00:10,5,5,P001,T002,,qr,李四\n"
        "E3,2020-09-07 10:00:20,30,0,P089,,,qr,王五\n"
    )
    import_bytes(store, gifts.encode(), "e.csv")
    adjustments.refund(store, "E3", "退款", "ana", at=dt.datetime(2020, 9, 7, 10, 1, 0, tzinfo=TZ))
    snaps = take_snapshots(store, [None, "S001"], now=NOW)
    assert [(r["key"], r["total_fen"]) for r in snaps[None].projects] == [("P001", 1000), ("P002", 1000)]
    assert [(r["key"], r["total_fen"]) for r in snaps[None].teams] == [("T001", 1000), ("T002", 1000)]
    assert [(r["key"], r["total_fen"]) for r in snaps["S001"].teams] == [("T002", 1000)]


def test_the_ticker_reads_its_row_group_once(store):
    """DuckDB's late materialization would find the newest gifts' row ids, then scan their row group again for
    the columns shown (a third of the ticker's time); the store's connections turn it off."""
    if not store.is_duckdb:
        pytest.skip("a DuckDB plan")
    import_bytes(store, GIFTS.encode(), "g.csv")  # an empty table is not scanned at all
    plan = store.query_rows(
        "explain " + query_text("screen_latest_gifts"), since=NOW - dt.timedelta(minutes=10), until=NOW, limit_n=12
    )
    text = "".join(str(v) for r in plan for v in r.values())
    assert len(re.findall(r"\.donations\b", text)) == 1 and "rowid" not in text  # one scan, no join by row id


def test_a_goal_short_by_a_fen_never_reads_100_percent(store):
    """A plaza screen says 100% only once a goal is reached: 99.6% reads 99%, not a rounded 100% beside no goal
    moment; over it, the share as it is."""
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW, site_id="S001")
    project = {**snap.projects[0], "goal_fen": 1_000_000}
    shares = {}
    for total in (996_000, 999_999, 1_000_000, 1_370_000):
        short = dataclasses.replace(snap, projects=[{**project, "total_fen": total}])
        html = bigscreen.render(short, view="projects")
        shares[total] = re.search(r'<div class="bar">.*?</div></div>([^<]+)</span>', html)[1]
    assert shares == {996_000: "99%", 999_999: "99%", 1_000_000: "100%", 1_370_000: "137%"}
    bars = {}
    for total in (999_999, 1_000_000, 1_370_000):
        html = bigscreen.render(dataclasses.replace(snap, projects=[{**project, "total_fen": total}]), view="projects")
        bars[total] = re.search(r'<li>.*?<div class="bar"><div style="width:([^"]+)"></div></div>', html)[1]
    assert bars == {999_999: "99.9%", 1_000_000: "100.0%", 1_370_000: "100.0%"}  # full only once reached
    site = dataclasses.replace(snap, site={**snap.site, "total_fen": 99_999, "goal_fen": 100_000})
    assert "目标 ¥1,000.00 · <b>99%</b></div>" in bigscreen.render(site, site_id="S001")
    goal = snap.event.goal_fen
    district = dataclasses.replace(snap, totals={**snap.totals, "total_fen": goal - goal // 2000})  # 99.95%
    assert "<b>99.9%</b></div></div>" in bigscreen.render(district)
    no_goal = dataclasses.replace(snap, event=dataclasses.replace(snap.event, goal_fen=0))  # goal_yuan = 0
    assert '<div class="split">未设目标</div></div>' in bigscreen.render(no_goal)
