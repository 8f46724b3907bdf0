"""The demo giving day: deterministic, realistic in shape, exact, and fed through the import path."""

import datetime as dt

import numpy as np
import pytest

from givingday import clock, config
from givingday.demo import simulate
from givingday.ingest.inbox import process_pending
from givingday.ingest.roster import read_roster

START = dt.date(2020, 9, 7)


@pytest.fixture(scope="module")
def event_and_gifts():
    event = config.load_event()
    return event, simulate.draw_event(event, read_roster(config.ROSTER_DIR), START, seed=5, scale=0.2)


def test_deterministic_for_a_seed(event_and_gifts):
    event, gifts = event_and_gifts
    again = simulate.draw_event(event, read_roster(config.ROSTER_DIR), START, seed=5, scale=0.2)
    assert np.array_equal(gifts.at, again.at) and np.array_equal(gifts.amount, again.amount)
    other = simulate.draw_event(event, read_roster(config.ROSTER_DIR), START, seed=6, scale=0.2)
    assert not np.array_equal(gifts.amount[:1000], other.amount[:1000])


def test_shape_of_the_day(event_and_gifts):
    event, gifts = event_and_gifts
    start = int(dt.datetime.combine(START, dt.time(0), event.tz).timestamp())
    hour = ((gifts.at - start) % 86400) // 3600
    day = (gifts.at - start) // 86400
    per_hour = np.bincount(hour[day == 0], minlength=24)
    assert per_hour[10] > 1.5 * per_hour[9] > per_hour[8]  # launch, then the matching surge
    assert per_hour[3] < per_hour[9] / 20  # quiet nights
    assert per_hour[20] > per_hour[12]  # the evening peak
    assert np.bincount(day)[0] > np.bincount(day)[2]  # day one is the biggest
    assert 25_000 <= len(gifts) <= 36_000  # scale 0.2 of about 150,000
    small = np.isin(gifts.amount, [100, 500, 990, 1000])
    assert small.mean() > 0.5  # most gifts are small
    assert (gifts.channel == "corporate").sum() >= 1 and gifts.amount.max() >= 1_000_000
    live = gifts.channel == "livestream"
    live_hours = hour[live]
    assert live.sum() == 400 and live_hours.min() >= 15 and live_hours.max() < 17


def test_matching_rules(event_and_gifts):
    event, gifts = event_and_gifts
    m = event.matching
    start = int(dt.datetime.combine(START, dt.time(0), event.tz).timestamp())
    day = (gifts.at - start) // 86400
    seconds = (gifts.at - start) % 86400
    assert (gifts.matched[seconds < 10 * 3600] == 0).all()  # nothing before 10:00
    assert (gifts.matched[gifts.channel != "qr"] == 0).all()
    assert (gifts.matched <= gifts.amount).all()
    for d in range(event.days):
        assert gifts.matched[day == d].sum() <= m.daily_pool_fen
        per_donor = {}
        for donor, got in zip(gifts.donor[day == d], gifts.matched[day == d], strict=True):
            per_donor[donor] = per_donor.get(donor, 0) + int(got)
        assert max(per_donor.values()) <= m.per_donor_daily_cap_fen


def test_backfill_through_the_import_path(demo_roster_store, event_and_gifts):
    event, gifts = event_and_gifts
    store = demo_roster_store
    until = dt.datetime.combine(START, dt.time(12, 0), event.tz).timestamp()
    reports = simulate.backfill(store, gifts, until)
    rows = gifts.window(float(gifts.at[0]), until)
    expected = int(gifts.amount[rows].sum()), int(gifts.matched[rows].sum()), rows.stop - rows.start
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"]) == expected
    assert all(r.rows_rejected == 0 for r in reports) and len(reports) == 12
    # about one gift in MESSAGE_EVERY left a message: each waits for an organizer, its phone number scrubbed
    said = [m for m in gifts.message[rows] if m]
    pending = store.query("donor_messages_by_status", status="pending", limit_n=10_000, shown_first="oldest")
    assert len(pending) == len(said) > len(simulate.MESSAGES)
    assert sorted({m["message_text"] for m in pending}) == sorted({m.replace("13912345678", "***") for m in said})
    # the live feed: the next slices, with a re-sent overlap and a broken row on schedule
    demo_clock = clock.DemoClock(0, until, 1, START.isoformat())
    feed = simulate.LiveFeed(store.inbox, event, gifts, demo_clock, until)
    feed.files = 23
    k = 0
    while feed.files < 40 and k < 200:  # some minutes have no gifts and write no file
        k += 1
        feed.step(until + k * 60)
    reports = process_pending(store)
    assert sum(r.rows_duplicate for r in reports) > 0  # file 25 repeats file 24's rows
    assert [r.rejections[0].reason for r in reports if r.rows_rejected] == [
        "时间 '2020-13-45 25:61:00' 不是有效日期。time '2020-13-45 25:61:00' is not a valid date"
    ]  # file 40
    rows = gifts.window(float(gifts.at[0]), until + k * 60)
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["donations"]) == (int(gifts.amount[rows].sum()), rows.stop - rows.start)


def test_start_demo_backfills_once_and_resumes(demo_roster_store):
    store = demo_roster_store
    assert simulate.start_demo(store, START, "09:30", seed=3, scale=0.05, live=False) is None
    first = store.query("totals_overall")[0]
    demo_clock = clock.read_clock(store.location)
    assert demo_clock.first_day == "2020-09-07" and demo_clock.seed == 3
    assert first["last_gift_at"] < dt.datetime(2020, 9, 7, 9, 30, tzinfo=store.event.tz)
    # a restart: no second backfill, the same figures, the event shown on the demo's days
    simulate.start_demo(store, START, "23:00", seed=3, scale=0.05, live=False)
    assert store.query("totals_overall")[0] == first
    assert clock.effective_event(store.event, clock.read_clock(store.location)).first_day == START


def test_the_demo_on_its_own_days_is_taken_whole(demo_roster_store):
    """The demo's days are not the configured event's: its backfill is judged on the demo's clock and days."""
    store = demo_roster_store
    day = dt.date(2031, 5, 4)
    simulate.start_demo(store, day, "12:00", seed=3, scale=0.05, live=False)
    gifts = simulate.draw_event(store.event, read_roster(config.ROSTER_DIR), day, seed=3, scale=0.05)
    rows = gifts.window(float(gifts.at[0]), dt.datetime.combine(day, dt.time(12), store.event.tz).timestamp())
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["donations"]) == (int(gifts.amount[rows].sum()), rows.stop - rows.start)
    assert store.scalar("select count(*) from rejected_rows") == 0
