"""What organizers do from the console: each act is a new event with who and why, and every total follows."""

import datetime as dt
import threading

import pytest

from givingday.console import acts as actions
from givingday.console import figures as console
from givingday.ingest.batch import import_bytes
from givingday.screens.snapshot import take_snapshot
from givingday.store import adjustments
from tests.conftest import CANONICAL_HEADER, assert_rollups_match_ledger, snapshot

pytestmark = pytest.mark.both_stores

GIFTS = CANONICAL_HEADER + (
    "G1,2020-09-07 10:00:00,100,10,P001,T001,,qr,张三\nG2,2020-09-07 10:01:00,50,0,P002,,S001,qr,李四\n"
)


@pytest.fixture
def gifts(store):
    import_bytes(store, GIFTS.encode(), "g.csv")
    return store


def when(store, hh=11, mm=0):
    return dt.datetime(2020, 9, 7, hh, mm, tzinfo=store.event.tz)


def record(store, **fields) -> str:
    """A gift ana records in the console: ¥1 in cash for P001 at 11:00 on day one, unless `fields` say otherwise."""
    gift = {"channel": "offline", "project_id": "P001", "amount_fen": 100, "occurred_at": when(store), "reason": "cash"}
    return actions.record_gift(store, "ana", **{**gift, **fields})


def totals(store) -> dict:
    """Every total a page or a command shows, keyed by where it is shown."""
    t = store.query("totals_overall")[0]
    tables = console.breakdown(store, console.Filters(), store.event, store.roster())
    snap = take_snapshot(store, now=when(store, 23, 0))

    def nonzero(frame):
        return {r.key: (int(r.total_fen), int(r.donations)) for r in frame.itertuples() if r.donations or r.total_fen}

    return {
        "overall": (t["total_fen"], t["donations"]),
        "screen": (snap.totals["total_fen"], snap.totals["donations"]),
        "project": nonzero(tables["project"]),
        "team": nonzero(tables["team"]),
        "site": nonzero(tables["site"]),
        "street": nonzero(tables["street"]),
        "channel": {
            r["key"]: r["amount_fen"] + r["matched_fen"]
            for r in store.query("totals_by_channel", since=None, until=None)
            if r["donations"]
        },
    }


def test_a_recorded_offline_gift_lands_through_ingestion_with_its_audit_row(gifts):
    store = gifts
    gift_id = record(
        store,
        project_id="P002",
        amount_fen=12_345,
        reason="现金箱 #3，志愿者小王收",
        team_id="T002",
        donor_name="赵六",
        reference="收据 0042",
    )
    row = store.query_rows("select * from donations where donation_id = :id", id=gift_id)[0]
    assert (row["amount_fen"], row["matched_fen"], row["channel"], row["site_id"]) == (12_345, 0, "offline", "S001")
    assert row["donor_name_masked"] == "赵**" and row["source_file"] == "console:ana"
    t = totals(store)
    assert t["overall"] == t["screen"] == (11_000 + 5_000 + 12_345, 3)
    assert t["project"]["P002"] == (17_345, 2)
    audit = store.query("audit_recent", limit_n=5)
    assert [(a["user_name"], a["action"], a["target_id"], a["amount_fen"]) for a in audit] == [
        ("ana", "gift", gift_id, 12_345)
    ]
    assert audit[0]["reason"] == "现金箱 #3，志愿者小王收"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"project_id": "P404"}, "unknown project 'P404'"),
        ({"amount_fen": 200_000_000}, "above"),
        ({"amount_fen": 0}, "must be positive"),
        ({"channel": "qr"}, "cannot be recorded by hand"),
        ({"reason": "  "}, "reason is required"),
    ],
)
def test_a_refused_gift_changes_nothing(gifts, fields, reason):
    store = gifts

    def state():
        imports, audit = (store.scalar(f"select count(*) from {t}") for t in ("imports", "audit_log"))
        return snapshot(store), imports, audit

    before = state()
    with pytest.raises(actions.ActionError, match=reason):
        record(store, **{"channel": "bank", "reason": "bank", **fields})
    assert state() == before


def test_a_correction_moves_every_total_it_should(gifts):
    store = gifts
    before = totals(store)
    assert before["street"] == {"德化街街道": (11_000, 1), "大学路街道": (5_000, 1)}
    adjustments.correct(
        store, "G2", "录错了项目和点位", "ana", amount_fen=4_000, project_id="P001", site_id="S002", at=when(store, 12)
    )
    after = totals(store)
    assert after["overall"] == after["screen"] == (15_000, 2)
    assert after["project"] == {"P001": (15_000, 2)}
    assert after["site"] == {"S002": (15_000, 2)}
    assert after["street"] == {"德化街街道": (15_000, 2)}
    assert after["team"] == {"T001": (11_000, 1), "": (4_000, 1)}
    assert after["channel"] == {"qr": 15_000}
    assert_rollups_match_ledger(store)
    adjustments.refund(store, "G1", "捐赠人要求退款", "lee", at=when(store, 13))
    final = totals(store)
    assert final["overall"] == final["screen"] == (4_000, 1)
    assert final["team"] == {"": (4_000, 1)}
    assert_rollups_match_ledger(store)
    audit = store.query("audit_recent", limit_n=5)
    assert [(a["user_name"], a["action"], a["target_id"], a["amount_fen"]) for a in audit] == [
        ("lee", "refund", "G1", -11_000),
        ("ana", "correction", "G2", -1_000),
    ]
    assert audit[1]["detail"] == "金额：¥50.00 → ¥40.00，项目：P002 → P001，点位：S001 → S002"
    assert store.scalar("select count(*) from donations") == 2  # nothing edited in place


def test_a_pledge_is_shown_apart_and_closed_by_a_new_row(gifts):
    store = gifts
    before = totals(store)
    pid = actions.record_pledge(
        store,
        "ana",
        donor_name="某某建设集团",
        project_id="P089",
        amount_fen=50_000_000,
        reason="电话认捐，联系人 13812345678",
        due_on=dt.date(2020, 9, 9),
    )
    assert totals(store) == before  # a promise is not money raised
    [open_pledge] = store.query("pledges_open")
    assert (open_pledge["pledge_id"], open_pledge["amount_fen"], open_pledge["donor_name_masked"]) == (
        pid,
        50_000_000,
        "某**",
    )
    assert "13812345678" not in open_pledge["reason"]
    with pytest.raises(actions.ActionError, match="no gift with id"):
        actions.close_pledge(store, "ana", pid, "fulfilled", "到账", donation_id="NOPE")
    gift = record(store, channel="bank", project_id="P089", amount_fen=50_000_000, reason="认捐到账")
    actions.close_pledge(store, "ana", pid, "fulfilled", "到账", donation_id=gift)
    assert store.query("pledges_open") == []
    with pytest.raises(actions.ActionError, match="already closed"):
        actions.close_pledge(store, "ana", pid, "cancelled", "again")
    assert store.scalar("select count(*) from pledges") == 1


def test_an_upload_goes_through_ingestion_and_is_audited(store):
    data = (
        CANONICAL_HEADER + "U1,2020-09-07 10:00:00,88,0,P001,,,qr,\nU2,2020-09-07 10:00:00,-5,0,P001,,,qr,\n"
    ).encode()
    report = actions.upload(store, "ana", "export.csv", data)
    assert (report.rows_new, report.rows_rejected) == (1, 1)
    assert report.rejections[0].line == 3 and "negative" in report.rejections[0].reason
    again = actions.upload(store, "ana", "export.csv", data)
    assert (again.rows_new, again.rows_duplicate) == (0, 1)
    assert store.query("totals_overall")[0]["total_fen"] == 8_800
    audit = store.query("audit_recent", limit_n=5)
    assert [(a["action"], a["amount_fen"]) for a in audit] == [("upload", 0), ("upload", 8_800)]


def test_forms_and_the_inbox_worker_write_at_the_same_time_without_conflict(gifts):
    store = gifts
    errors = []

    def files():
        try:
            for i in range(15):
                import_bytes(
                    store, (CANONICAL_HEADER + f"F{i},2020-09-07 10:00:00,1,1,P001,T001,,qr,\n").encode(), f"f{i}.csv"
                )
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    def forms():
        try:
            for _ in range(15):
                record(store, team_id="T001")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=files), threading.Thread(target=forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert totals(store)["overall"] == (16_000 + 15 * 200 + 15 * 100, 32)
    assert_rollups_match_ledger(store)
