"""Goal moments on the screens (givingday/screens/moments.py) and 人数 (distinct donors, kept at import)."""

import pytest

from givingday.ingest.batch import import_bytes
from givingday.screens import render as bigscreen
from givingday.screens.moments import GOAL_SECONDS, MomentQueue
from givingday.screens.snapshot import take_snapshots
from givingday.store import donors
from tests.conftest import CANONICAL_HEADER
from tests.test_messages import wall_response

# The fixture roster's goals: P002 30,000 yuan, its team T002 (home S001) 1,000 yuan, T001 (S002) 20,000 yuan.
EARLY = CANONICAL_HEADER + (
    "G1,2020-09-07 10:00:00,500,0,P002,T002,,qr,李四\nG2,2020-09-07 10:01:00,100,0,P001,T001,S002,qr,李四\n"
)
# One file takes T002 past its goal and P002 past its own: two goals in one snapshot.
LATER = CANONICAL_HEADER + (
    "G3,2020-09-07 10:02:00,29500,0,P002,T002,,corporate,某公司\nG4,2020-09-07 10:03:00,50,0,P001,,S001,qr,王五\n"
)


def screens(store):
    return take_snapshots(store, [None, "S001", "S002"])


def test_two_goals_in_one_snapshot_are_two_moments_one_after_another_each_once(store):
    import_bytes(store, EARLY.encode(), "early.csv")
    before = screens(store)
    assert [s.goals_reached() for s in before.values()] == [[], [], []]
    district, s001, s002 = MomentQueue(), MomentQueue(), MomentQueue()
    for queue, snap in zip((district, s001, s002), before.values(), strict=True):
        queue.see(snap.goals_reached())  # the first look: nothing to celebrate
        assert queue.current(0) is None
    import_bytes(store, LATER.encode(), "later.csv")
    after = screens(store)
    assert after[None].goals == {"goal:project:P002": "关爱老兵、情暖二七", "goal:team:T002": "张**的一起捐"}
    assert after["S001"].goals == {"goal:team:T002": "张**的一起捐"}  # the team's site; the project is nobody's
    assert after["S002"].goals == {}
    shown = []
    for t in range(0, 4 * GOAL_SECONDS):  # a refresh a second, the same snapshot every time
        for name, queue in (("district", district), ("S001", s001), ("S002", s002)):
            queue.see(after[name if name != "district" else None].goals_reached())
            shown.append((t, name, queue.current(t)))
    moments = [(t, name, key) for t, name, key in shown if key]
    assert [(t, key) for t, name, key in moments if name == "district"] == [
        *((t, "goal:project:P002") for t in range(GOAL_SECONDS)),
        *((t, "goal:team:T002") for t in range(GOAL_SECONDS, 2 * GOAL_SECONDS)),
    ]
    assert [(t, key) for t, name, key in moments if name == "S001"] == [(t, "goal:team:T002") for t in range(8)]
    assert not [m for m in moments if m[1] == "S002"]


def test_a_goal_moment_names_it_and_is_honoured_only_where_reached(store):
    import_bytes(store, EARLY.encode() + LATER.encode().split(b"\n", 1)[1], "all.csv")
    snaps = screens(store)
    page = bigscreen.render(snaps["S001"], celebrate="goal:team:T002", site_id="S001")
    assert '<div class="celebrate goal">张**的一起捐 达成目标！感谢每一份爱心</div>' in page
    english = bigscreen.render(snaps[None], lang="en", celebrate="goal:project:P002")
    assert '<div class="celebrate goal">关爱老兵、情暖二七 reached its goal! Thank you</div>' in english
    assert bigscreen.celebration(snaps["S002"], "goal:team:T002") is None  # not this site's team
    assert bigscreen.celebration(snaps[None], "goal:team:T001") is None  # not reached
    assert bigscreen.celebration(snaps[None], "goal:team:T002") == "goal:team:T002"
    assert 'class="celebrate' not in bigscreen.render(snaps["S002"], celebrate="goal:team:T002", site_id="S002")


def test_the_wall_feed_lists_the_goals_and_shows_the_moment_asked(page_store):
    import_bytes(page_store, EARLY.encode() + LATER.encode().split(b"\n", 1)[1], "all.csv")
    r = wall_response("site=S001")
    assert r.headers["x-goals"] == "goal:team:T002"
    assert 'class="celebrate' not in r.body.decode()
    assert wall_response("").headers["x-goals"] == "goal:project:P002,goal:team:T002"
    asked = wall_response("site=S001&celebrate=goal:team:T002").body.decode()
    assert "张**的一起捐 达成目标！" in asked
    assert 'class="celebrate' not in wall_response("site=S001&celebrate=goal:project:P002").body.decode()


@pytest.mark.both_stores
@pytest.mark.parametrize("few_pairs", [donors.FEW_PAIRS, 0])  # new donors as the insert returns them; by anti-join
def test_donors_are_counted_once_per_district_and_site_across_imports(store, few_pairs, monkeypatch):
    monkeypatch.setattr(donors, "FEW_PAIRS", few_pairs)
    import_bytes(store, EARLY.encode(), "early.csv")  # 李四 twice (S001 via T002's home, S002)
    import_bytes(store, LATER.encode(), "later.csv")  # 某公司 at S001, 王五 at S001
    import_bytes(store, (CANONICAL_HEADER + "G5,2020-09-07 09:00:00,1,0,P001,,S002,qr,王五\n").encode(), "g5.csv")
    rows = store.query("screen_figures", day_start=None, day_end=None, chart_since=None, chart_until=None)
    counts = {r["key"]: r["donations"] for r in rows if r["dim"] == "donors"}
    assert counts == {"": 3, "S001": 3, "S002": 2}
    assert counts[""] == store.scalar("select count(distinct donor_hash) from donations")
    first = store.scalar(
        "select first_at from donor_firsts f join donations d on d.donor_hash = f.donor_hash"
        " where d.donation_id = 'G5' and f.scope = ''"
    )
    assert first == store.scalar("select occurred_at from donations where donation_id = 'G5'")  # earlier, later
    snaps = screens(store)
    assert (snaps[None].totals["donors"], snaps["S001"].site["donors"], snaps["S002"].site["donors"]) == (3, 3, 2)
    page = bigscreen.render(snaps[None])
    assert '人数 <b id="headline-donors">3</b>' in page
    assert '人数 <b id="site-donors">3</b>' in bigscreen.render(snaps["S001"], site_id="S001")
