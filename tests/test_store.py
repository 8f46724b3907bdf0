"""Renewing the DuckDB database: nothing lost, settings back, waits for connections in use, and when it is due."""

import contextlib
import os
import subprocess
import sys
import threading

from givingday.ingest.batch import import_file
from givingday.store import database as store_module
from givingday.store.database import Store
from tests.conftest import CANONICAL_HEADER, ROOT, snapshot, wait_until, write

GIFTS = CANONICAL_HEADER + (
    "R1,2020-09-07 09:01:00,10,0,P001,,,qr,张三\nR2,2020-09-07 10:06:00,100.00,0,P001,T001,S001,livestream,王五\n"
)


def test_renewal_keeps_every_row_and_opens_a_new_database(store, tmp_path):
    import_file(store, write(tmp_path, "a.csv", GIFTS))
    before = snapshot(store)
    default = store.scalar("select current_setting('memory_limit')")
    store.scalar("set global memory_limit = '1234MB'")  # a database-wide setting, gone with the old database
    assert store.scalar("select current_setting('memory_limit')") == "1.1 GiB"
    assert store.renew() is True
    assert store.scalar("select current_setting('memory_limit')") == default
    assert store.scalar("select current_setting('TimeZone')") == store.event.timezone
    assert snapshot(store) == before
    again = import_file(store, write(tmp_path, "b.csv", GIFTS + "R3,2020-09-07 11:00:00,0.5,0,P001,,,qr,李四\n"))
    assert (again.rows_new, again.rows_duplicate) == (1, 2)
    assert store.query("totals_overall")[0]["amount_fen"] == 1000 + 10000 + 50


def test_renewal_waits_for_a_connection_in_use(store):
    held, done = threading.Event(), threading.Event()

    def reader():
        with store.engine.connect():
            held.set()
            done.wait(10)

    t = threading.Thread(target=reader)
    t.start()
    held.wait(10)
    renewed = []
    renewal = threading.Thread(target=lambda: renewed.append(store.renew(wait=10)))
    renewal.start()
    wait_until(lambda: store._gate._closed, 10, "the renewal to hold new connections off")
    renewal.join(0.2)
    assert renewed == []  # still waiting for the reader's connection
    done.set()
    renewal.join(10)
    t.join(10)
    assert renewed == [True]
    assert store.scalar("select count(*) from donations") == 0


def test_renewal_gives_up_when_a_connection_stays_in_use(store):
    with store.engine.connect():
        assert store.renew(wait=0.2) is False
        assert store.renewals == 0
    assert store.scalar("select count(*) from projects") > 0  # the gate opened again


def test_after_giving_up_the_next_try_waits(store, monkeypatch):
    monkeypatch.setattr(store_module, "RENEW_WAIT_SECONDS", 0.2)
    tries = []
    renew = store.renew
    monkeypatch.setattr(store, "renew", lambda **kw: tries.append(kw) or renew(**kw))
    least = store_module.RENEW_MIN_SECONDS
    start = store._renewed_at
    store.wrote(store_module.RENEW_AFTER_ROWS)
    with store.engine.connect():
        assert store.renew_if_due(now=start + least) is False  # tried, gave up
    assert len(tries) == 1
    assert store.renew_if_due(now=start + least + 0.1) is False  # the inbox's next poll: no second try yet
    assert len(tries) == 1
    assert store.renew_if_due(now=start + 2 * least) is True
    assert len(tries) == 2


def test_renewal_is_due_after_enough_rows_or_time(store, monkeypatch):
    monkeypatch.setattr(store_module, "RENEW_AFTER_ROWS", 100)
    most, least = store_module.RENEW_MAX_SECONDS, store_module.RENEW_MIN_SECONDS
    start = store._renewed_at
    store.wrote(99)
    assert store.renew_if_due(now=start + most - 1) is False  # not enough rows, not long enough
    store.wrote(1)
    assert store.renew_if_due(now=start + least - 1) is False  # enough rows, but too soon after the last
    assert store.renew_if_due(now=start + least) is True
    store.wrote(1)
    assert store.renew_if_due(now=start + least + most - 1) is False
    assert store.renew_if_due(now=start + least + most) is True
    assert store.renew_if_due(now=start + least + 10 * most) is False  # nothing written since
    assert store.renewals == 2


def test_imports_count_the_rows_they_add(store, tmp_path):
    import_file(store, write(tmp_path, "a.csv", GIFTS))
    import_file(store, write(tmp_path, "a2.csv", GIFTS))  # duplicates add nothing
    assert store._rows_since_renewal == 2


def test_a_database_in_memory_is_never_renewed():
    s = Store("duckdb:///:memory:")
    s.migrate()
    s.wrote(10_000)
    assert (s.renewable, s.renew(), s.renew_if_due(now=10**9)) == (False, False, False)


# A query that allocates ~200 MB inside DuckDB and frees it; prints how much of it the process still holds.
HELD_AFTER_A_BIG_QUERY = """
import sys
from givingday.store.database import Store
s = Store(sys.argv[1])
def anon_mb():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("RssAnon")) // 1024
big = "select count(distinct md5(i::varchar)) from range({}) r(i)"
s.scalar(big.format(100_000))
before = anon_mb()
s.scalar(big.format(3_000_000))
print(anon_mb() - before)
"""


def test_memory_duckdb_frees_goes_back_to_the_system_at_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DUCKDB_JE_MALLOC_CONF"}  # as a fresh process starts
    out = subprocess.run(
        [sys.executable, "-c", HELD_AFTER_A_BIG_QUERY, str(tmp_path / "a.duckdb")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(out.stdout) < 40  # far below what DuckDB's default decay keeps (docs/performance.md)


def test_renewal_waits_for_the_screens_after_a_commit(store, monkeypatch):
    monkeypatch.setattr(store_module, "RENEW_MIN_SECONDS", 0.0)
    told = []
    store.on_commit(lambda: told.append("told"))
    store.wrote(4 * store_module.RENEW_AFTER_ROWS)
    with store.writing():
        pass
    assert told == ["told"]  # the screen feed takes its snapshot now
    assert store.renew_if_due(now=store._committed_at) is True  # a flood of rows does not put it off for ever
    with store.writing() as conn:
        conn.exec_driver_sql("select 1")
    at = store._committed_at
    store.wrote(store_module.RENEW_AFTER_ROWS)
    assert store.renew_if_due(now=at + 0.5) is False  # due, but the snapshot of the new gift goes first
    assert store.renew_if_due(now=at + store_module.RENEW_QUIET_SECONDS) is True
    assert told == ["told", "told", "told", "told"]  # after each renewal too: the feed warms the reopened database


def test_a_failed_write_tells_nobody(store):
    told = []
    store.on_commit(lambda: told.append("told"))
    with contextlib.suppress(RuntimeError), store.writing():
        raise RuntimeError("rolled back")
    assert told == []
