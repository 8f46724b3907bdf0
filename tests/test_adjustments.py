"""Refunds and corrections are new events; every total follows them and the original gift stays."""

import pytest

from givingday.ingest.batch import import_bytes
from givingday.store.adjustments import AdjustmentError, correct, refund
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

GIFTS = CANONICAL_HEADER + (
    "R1,2020-09-07 10:00:00,100,10,P001,T001,,qr,张三\nR2,2020-09-07 10:01:00,50,0,P002,,,qr,李四\n"
)


def _by(store, query):
    return {
        r["key"]: (r["amount_fen"], r["matched_fen"], r["donations"])
        for r in store.query(query, since=None, until=None)
        if r["donations"] or r["amount_fen"]
    }


def test_refund_takes_the_whole_gift_back(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    refund(store, "R1", "duplicate payment", "tester")
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"]) == (5000, 0, 1)
    assert t["donors"] == 1  # the refunded gift's donor gave nothing
    assert _by(store, "totals_by_project") == {"P002": (5000, 0, 1)}
    assert _by(store, "totals_by_team") == {None: (5000, 0, 1)}
    assert store.scalar("select count(*) from donations") == 2  # history is not edited
    with pytest.raises(AdjustmentError, match="already been refunded"):
        refund(store, "R1", "again", "tester")
    with pytest.raises(AdjustmentError, match="no gift with id"):
        refund(store, "R9", "missing", "tester")


def test_correction_moves_money_between_projects(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    correct(store, "R2", "wrong project and amount", "tester", amount_fen=4000, project_id="P089", channel="offline")
    t = store.query("totals_overall")[0]
    assert (t["amount_fen"], t["matched_fen"], t["donations"], t["donors"]) == (14000, 1000, 2, 2)
    assert _by(store, "totals_by_project") == {"P001": (10000, 1000, 1), "P089": (4000, 0, 1)}
    assert _by(store, "totals_by_channel") == {"qr": (10000, 1000, 1), "offline": (4000, 0, 1)}
    # A second correction starts from the corrected gift, not the original.
    correct(store, "R2", "back to P002", "tester", project_id="P002")
    assert _by(store, "totals_by_project") == {"P001": (10000, 1000, 1), "P002": (4000, 0, 1)}
    with pytest.raises(AdjustmentError, match="unknown project"):
        correct(store, "R2", "x", "tester", project_id="P404")
    with pytest.raises(AdjustmentError, match="needs a reason"):
        correct(store, "R2", " ", "tester", amount_fen=1)
