"""A screen says when the figures it shows are older than `stale_after_seconds`, whatever the cause (a standby that
lags, a feed that stopped taking snapshots), and not only when the newest gift is that old."""

import dataclasses
import datetime as dt

from givingday.ingest.batch import import_bytes
from givingday.screens import render as bigscreen
from givingday.screens.feed import ScreenFeed
from givingday.screens.snapshot import take_snapshot
from tests.conftest import wait_until
from tests.test_screen import GIFTS, NOW

OLD = "屏幕数字已"
NO_NEW_GIFT = "数据已"


def test_figures_read_from_the_store_itself_are_as_old_as_the_read(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW)
    assert snap.figures_at <= snap.taken_at and snap.figures_age() < 5
    page = bigscreen.render(snap)
    assert not snap.figures_old() and 'role="alert"' not in page


def test_figures_behind_the_store_put_their_age_on_the_screen_with_fresh_gifts(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    snap = take_snapshot(store, now=NOW)
    behind = dataclasses.replace(snap, figures_at=snap.taken_at - dt.timedelta(minutes=7, seconds=5))
    assert not behind.is_stale  # the newest gift is a minute before the board's now
    assert f'<div class="banner" role="alert">{OLD} 7 分钟未刷新，请检查看板与数据库</div>' in bigscreen.render(behind)
    english = bigscreen.render(behind, lang="en")
    assert "These figures are 7 min old: check the board and its database" in english
    unknown = dataclasses.replace(snap, figures_at=None)
    assert "无法确认屏幕数字是否最新" in bigscreen.render(unknown) and unknown.figures_old()
    at_limit = dataclasses.replace(snap, figures_at=snap.taken_at - dt.timedelta(seconds=300))
    assert not at_limit.figures_old() and 'role="alert"' not in bigscreen.render(at_limit)


def test_old_figures_come_before_an_old_gift_on_the_banner(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    late = take_snapshot(store, now=NOW + dt.timedelta(minutes=20))
    assert NO_NEW_GIFT + " 20 分钟未更新" in bigscreen.render(late)
    both = dataclasses.replace(late, figures_at=late.taken_at - dt.timedelta(minutes=6))
    page = bigscreen.render(both)
    assert page.count('role="alert"') == 1 and OLD + " 6 分钟未刷新" in page


def test_a_feed_that_stopped_taking_snapshots_shows_their_age_on_every_screen(store):
    """Nothing refreshes the feed here: its last snapshot grows old, and the pages served from it say so."""
    import_bytes(store, GIFTS.encode(), "g.csv")
    feed = ScreenFeed(store)
    fresh = feed.html(None, "overview", "zh", None)
    assert OLD not in fresh and NO_NEW_GIFT in fresh  # gifts of 2020: their banner, not the figures'
    assert feed.cached(None, "overview", "zh", None)[0] == fresh
    entry = feed._sites[None]
    entry.snapshot = dataclasses.replace(entry.snapshot, figures_at=entry.snapshot.figures_at - dt.timedelta(minutes=9))
    assert feed.cached(None, "overview", "zh", None) is None  # its pages no longer tell the truth
    aged = feed.html(None, "overview", "zh", None)
    assert OLD + " 9 分钟未刷新" in aged and aged.count('role="alert"') == 1
    assert feed.cached(None, "overview", "zh", None)[0] == aged  # made once, then read as before
    feed.refresh()  # a snapshot at last: fresh figures, no banner
    assert OLD not in feed.html(None, "overview", "zh", None)


def test_a_feed_whose_snapshot_fails_still_tells_the_streams(store, monkeypatch):
    """The streams re-send at each screen's refresh what the feed serves now: with its database gone, the pages
    that say how old the figures are."""
    from givingday.screens import feed as feeds

    import_bytes(store, GIFTS.encode(), "g.csv")
    feed = ScreenFeed(store, period=0.05, gap=0.01)
    feed.html(None, "overview", "zh", None)

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("the database does not answer")

    monkeypatch.setattr(feeds, "take_snapshots", unreachable)
    told = []
    feed.on_refresh(told.append)
    feed.start()
    try:
        wait_until(lambda: len(told) >= 3, 10, "the feed to tell the streams after failed snapshots")
    finally:
        feed.stop()
    assert set(told) == {False}  # no commit asked for these: the streams send them at each screen's refresh


def test_an_old_store_says_its_age_in_days_and_hours_not_millions_of_minutes(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    years_on = take_snapshot(store, now=NOW + dt.timedelta(days=2277, hours=18, minutes=5))
    page = bigscreen.render(years_on)
    assert f'<div class="banner" role="alert">{NO_NEW_GIFT} 2277 天 18 小时未更新，请检查数据接入</div>' in page
    assert "No new data for 2277 d 18 h: check the data feed" in bigscreen.render(years_on, lang="en")
    behind = dataclasses.replace(years_on, figures_at=years_on.taken_at - dt.timedelta(hours=3, minutes=29, seconds=9))
    assert f"{OLD} 3 小时 29 分钟未刷新，请检查看板与数据库" in bigscreen.render(behind)
    assert "These figures are 3 h 29 min old" in bigscreen.render(behind, lang="en")


def test_an_old_stores_ticker_says_days_ago_and_a_recent_one_minutes_or_hours(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    last = store.query("totals_overall")[0]["last_gift_at"]
    for later, zh, en in [
        (dt.timedelta(days=2277, hours=8), "2277天前", "2277 d ago"),
        (dt.timedelta(hours=3, minutes=10), "3小时前", "3 h ago"),
        (dt.timedelta(minutes=7, seconds=30), "7分钟前", "7 min ago"),
        (dt.timedelta(seconds=30), "刚刚", "just now"),
    ]:
        snap = take_snapshot(store, now=last + later)
        assert f'<span class="rank">{zh}</span>' in bigscreen.render(snap)
        assert f'<span class="rank">{en}</span>' in bigscreen.render(snap, lang="en")
