"""The bulk import's shortcuts give what the long way gives: the usual time read as digits, donors hashed from
one keyed state, a sorted file's ids known distinct, a big file checked against the store by one scan, and the
rollups and sums taken from the staged gifts."""

import datetime as dt
import random

import pyarrow as pa
import pytest

from givingday.ingest import judge
from givingday.ingest.batch import import_file
from givingday.ingest.times import usual_local_seconds
from givingday.masking import DonorHasher
from givingday.store import bulk
from tests.conftest import CANONICAL_HEADER, assert_rollups_match_ledger, write

USUAL = "%Y-%m-%d %H:%M:%S"


def _python_reads(s: str) -> int | None:
    """Local seconds since 1970 when `s` is exactly how Python prints the time it parses from it, else None."""
    try:
        t = dt.datetime.strptime(s, USUAL)
    except ValueError:
        return None
    if t.strftime(USUAL) != s:
        return None
    return int((t - dt.datetime(1970, 1, 1)).total_seconds())


def test_usual_times_are_read_as_python_reads_them():
    rnd = random.Random(42)
    seeds = [
        "2020-09-07 10:01:00",
        "2020-02-29 23:59:59",
        "2021-02-29 00:00:00",
        "2100-02-29 00:00:00",
        "2000-02-29 12:00:00",
        "2020-04-31 08:00:00",
        "2020-9-07 10:01:00",
        "2020-09-07 24:00:00",
        "2020-09-07 10:60:00",
        "2020-09-07 10:00:60",
        "2020-13-01 00:00:00",
        "2020-00-10 00:00:00",
        "2020-09-00 00:00:00",
        "2020/09/07 10:01:00",
        "2020-09-07T10:01:00",
        "２０20-09-07 10:01:00",
        "2020-09-07 10:01:0a",
        "2020-09-07 10:01:00 ",
        "",
    ]
    values = list(seeds)
    for _ in range(5000):  # seeds with a character or two changed
        s = list(rnd.choice(seeds[:6]))
        for _ in range(rnd.randrange(1, 3)):
            s[rnd.randrange(len(s))] = rnd.choice("0123456789-: T/a")
        values.append("".join(s))
    start = dt.datetime(2000, 1, 1)
    values += [(start + dt.timedelta(seconds=rnd.randrange(101 * 365 * 86400))).strftime(USUAL) for _ in range(5000)]
    # every value alone, every value after a row of another width, and a slice not starting at the first value
    for arr in (pa.array(values), pa.array(["x"] + values).slice(1), pa.array(values[::-1])):
        seconds, usual = usual_local_seconds(arr)
        read = [int(s) if u else None for s, u in zip(seconds, usual, strict=True)]
        # Python prints a year before 1000 unpadded; such a time is outside 2000–2100, so Python judges it anyway
        kept = [i for i, v in enumerate(arr.to_pylist()) if not v[:4].isdigit() or v[:4] >= "1000"]
        assert [read[i] for i in kept] == [_python_reads(arr[i].as_py()) for i in kept]
    assert sum(_python_reads(v) is not None for v in values) > 5000  # both kinds were tried


def test_many_hashes_are_the_hashes_one_by_one():
    hasher = DonorHasher(b"a salt of this installation")
    identities = ["张伟", "", "BENCH000000001", "张伟", "x" * 300, "匿名123"]
    assert hasher.many(identities) == [hasher(i) for i in identities]
    assert len(set(hasher.many(identities))) == 5


@pytest.mark.parametrize(
    ("ids", "increasing"),
    [([], True), (["A"], True), (["A1", "A2", "B"], True), (["A1", "A1"], False), (["B", "A"], False)],
)
def test_increasing_ids_are_told_without_hashing(ids, increasing):
    assert judge.increasing(pa.array(ids, pa.string())) is increasing


def _gifts(ids: list[str]) -> str:
    rows = [
        f"{gid},2020-09-07 {9 + i % 12:02d}:{i % 60:02d}:00,{i % 7 + 1}.5,{i % 2},P00{1 + i % 2},T00{1 + i % 2},,qr,"
        f"张{i}"
        for i, gid in enumerate(ids)
    ]
    return CANONICAL_HEADER + "\n".join(rows) + "\n"


@pytest.mark.parametrize("share", [1_000_000, 0], ids=["one scan of the stored ids", "on conflict"])
def test_both_ways_of_inserting_store_the_same(store, tmp_path, monkeypatch, share):
    """A file overlapping what is stored, with a repeated id and unsorted ids: the same gifts, counts, sums and
    rollups whether the stored ids are found by a scan (a file big beside the store) or on insert."""
    monkeypatch.setattr(bulk, "SCAN_SHARE", share)
    first = import_file(store, write(tmp_path, "first.csv", _gifts([f"G{i:03d}" for i in range(0, 40, 2)])))
    assert (first.rows_new, first.rows_duplicate, first.amount_new_fen) == (
        20,
        0,
        sum(i % 7 * 100 + 150 for i in range(20)),
    )
    ids = [f"G{i:03d}" for i in range(39, -1, -1)] + ["G005"]  # every second one stored; G005 twice
    second = import_file(store, write(tmp_path, "second.csv", _gifts(ids)))
    new = [i for i, gid in enumerate(ids[:40]) if int(gid[1:]) % 2]
    assert (second.rows_new, second.rows_duplicate, second.rows_rejected) == (20, 21, 0)
    assert second.amount_new_fen == sum(i % 7 * 100 + 150 for i in new)
    assert second.matched_new_fen == sum(i % 2 * 100 for i in new)
    stored = store.query_rows("select donation_id, amount_fen, source_file from donations order by donation_id")
    assert [r["donation_id"] for r in stored] == [f"G{i:03d}" for i in range(40)]
    assert {r["source_file"] for r in stored if int(r["donation_id"][1:]) % 2} == {"second.csv"}
    assert_rollups_match_ledger(store)
    again = import_file(store, write(tmp_path, "third.csv", _gifts(ids)))
    assert (again.rows_new, again.rows_duplicate, again.amount_new_fen) == (0, 41, 0)
    assert_rollups_match_ledger(store)
