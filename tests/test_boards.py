"""Several boards on one PostgreSQL store (issue 19, parts 2 and 3): the once-only work led by one board and taken
over when it dies, each shared inbox file taken once, every board hearing every commit, writes from several
processes at once keeping the rollups exact, and the screens reading from a streaming standby."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from givingday.config import ROOT
from givingday.ops.server import free_port as _free_port
from givingday.screens import render as bigscreen
from givingday.screens.feed import ScreenFeed
from givingday.screens.snapshot import take_snapshot
from givingday.store import leader, notices
from givingday.store.database import Store
from tests.conftest import CANONICAL_HEADER, FIXTURES, assert_rollups_match_ledger, open_store, wait_until
from tests.pg_standby import PgStandby
from tests.seeded import seed_gifts

pytestmark = pytest.mark.postgres


def _kill_sessions(url: str, pid: int) -> None:
    """What the server sees when a board dies: its connection gone."""
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_one_board_leads_and_another_takes_over_when_its_connection_drops(pg_store):
    other = Store(pg_store.location)
    said = []
    first = leader.Leadership(pg_store, lambda: said.append("first leads"), lambda: said.append("first stops"))
    second = leader.Leadership(other, lambda: said.append("second leads"), lambda: said.append("second stops"))
    try:
        first.start()
        wait_until(first.leading.is_set, 10, "the first board to lead")
        second.start()
        time.sleep(3 * leader.RETRY_SECONDS)  # the second tries the lock three times meanwhile
        assert (said, second.leading.is_set()) == (["first leads"], False)
        _kill_sessions(pg_store.location, first._conn.info.backend_pid)
        wait_until(second.leading.is_set, 5, "the second board to take over")
        wait_until(lambda: "first stops" in said, 5, "the first board to stop its work")
        assert sorted(said) == ["first leads", "first stops", "second leads"]
        time.sleep(3 * leader.RETRY_SECONDS)
        assert not first.leading.is_set()  # back, it finds the lock taken and waits its turn
    finally:
        first.stop()
        second.stop()
        other.dispose()
    assert said[-1] == "second stops"


def test_boards_sharing_an_inbox_take_each_file_once(pg_store, tmp_path):
    other = Store(pg_store.location)
    mine, theirs = leader.FileClaims(pg_store), leader.FileClaims(other)
    path = tmp_path / "inbox" / "gifts.csv"
    try:
        with mine.claim(path) as first:
            with theirs.claim(path) as second:
                assert (first, second) == (True, False)
            with theirs.claim(path.with_name("other.csv")) as another:
                assert another
        with theirs.claim(path) as after:
            assert after  # freed once the first board is done with it
    finally:
        mine.close()
        theirs.close()
        other.dispose()


def test_every_board_hears_every_commit_and_comes_back_after_a_lost_connection(pg_store):
    writer = Store(pg_store.location)
    heard = []
    listener = notices.listen(pg_store, lambda: heard.append(time.monotonic()))
    try:
        wait_until(listener.listening.is_set, 10, "the listener to listen")
        with pytest.raises(ZeroDivisionError), writer.writing() as conn:
            conn.exec_driver_sql("select 1")
            1 / 0  # noqa: B018 - a write that rolls back tells nobody
        time.sleep(1.5)
        assert heard == []
        seed_gifts(writer)
        wait_until(lambda: len(heard) == 1, 5, "the other board's commit to be heard")
        with psycopg.connect(leader.conninfo(pg_store), autocommit=True) as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen givingday_commits'"
            )
        wait_until(lambda: len(heard) == 2, 10, "the listener to come back and say it may have missed commits")
        wait_until(listener.listening.is_set, 10, "the listener to listen again")
        with writer.writing() as conn:
            conn.exec_driver_sql("select 1")
        wait_until(lambda: len(heard) == 3, 5, "a commit after the reconnection to be heard")
    finally:
        listener.stop()
        writer.dispose()


def gift_files(folder: Path, files: int, seed: int = 42) -> dict[str, int]:
    """`files` small canonical files of GIFTS_PER_FILE gifts each, their ids drawn from one pool in a shuffled
    order (so files share gifts, each in its own order); returns every distinct gift's fen."""
    rng = random.Random(seed)
    fen: dict[str, int] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = []
        for n in rng.sample(range(ID_POOL), GIFTS_PER_FILE):
            fen[f"C{n}"] = 100 + n
            project, team, site, channel = PLACES[n % len(PLACES)]
            when = f"2020-09-07 {9 + n % 12:02d}:{n % 60:02d}:{n % 7:02d}"
            lines.append(f"C{n},{when},{(100 + n) / 100:.2f},0,{project},{team},{site},{channel},张{n}\n")
        part = folder / f".gifts-{seed}-{f:03d}.csv.part"
        part.write_text(CANONICAL_HEADER + "".join(lines), encoding="utf-8")
        part.replace(folder / f"gifts-{seed}-{f:03d}.csv")
    return fen


ID_POOL, GIFTS_PER_FILE = 60, 5
PLACES = [("P001", "T001", "S002", "qr"), ("P002", "", "S001", "bank"), ("P089", "T002", "", "offline")]
SALT = {"GIVINGDAY_SALT": "one secret for every board"}


def assert_store_holds(store: Store, fen: dict[str, int]) -> None:
    """Every gift once, to the fen, and rollups equal to a recount from the ledger."""
    held = store.query_rows("select donation_id, amount_fen from donations order by donation_id")
    assert {r["donation_id"]: r["amount_fen"] for r in held} == fen
    assert_rollups_match_ledger(store)
    overall = store.query("totals_overall")[0]
    assert (overall["amount_fen"], overall["donations"]) == (sum(fen.values()), len(fen))


def test_imports_from_four_processes_at_once_keep_the_rollups_equal_to_the_ledger(pg_store, tmp_path):
    fen: dict[str, int] = {}
    batches = []
    for n in range(4):
        fen.update(gift_files(tmp_path / f"files{n}", 30, seed=n))
        batches.append(sorted(str(p) for p in (tmp_path / f"files{n}").glob("*.csv")))
    env = {**os.environ, "GIVINGDAY_DB": pg_store.location, **SALT}
    importers = [
        subprocess.Popen(
            [sys.executable, "-m", "givingday", "import", *files],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for files in batches
    ]
    for p in importers:
        said = p.communicate(timeout=300)[0]
        assert p.returncode == 0, said
    assert pg_store.query_rows("select outcome, count(*) as n from imports group by outcome") == [
        {"outcome": "committed", "n": 120}
    ]
    assert_store_holds(pg_store, fen)


@pytest.fixture(scope="module")
def standby(pg_server) -> Iterator[PgStandby]:
    server = PgStandby(pg_server).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def read_from_standby(pg_server, standby) -> Iterator[Store]:
    """A store on the primary whose reader is the standby, with an event that calls figures old after 3 s."""
    url = pg_server.database()
    open_store(url, FIXTURES / "roster").dispose()
    read = standby.same_database(url)
    wait_until(lambda: _answers(read), 30, "the standby to have the new database")
    store = Store(url, read=read)
    store.event = dataclasses.replace(store.event, stale_after_seconds=3)
    yield store
    store.dispose()


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("select count(*) from projects").fetchone()[0] > 0
    except psycopg.Error:
        return False


def _figures(store) -> tuple:
    t = take_snapshot(store, now=dt.datetime(2020, 9, 9, 12, 0, tzinfo=dt.UTC)).totals
    return t["total_fen"], t["donations"], t["day_amount_fen"]


def test_the_screens_read_from_a_standby_and_agree_with_the_primary_within_the_stale_limit(read_from_standby):
    store = read_from_standby
    assert store.reader.scalar("select pg_is_in_recovery()") and not store.scalar("select pg_is_in_recovery()")
    seed_gifts(store)
    written = time.monotonic()
    wait_until(lambda: _figures(store.reader) == _figures(store), 3, "the standby to agree with the primary")
    assert time.monotonic() - written < store.event.stale_after_seconds
    assert _figures(store) == (29_334 + 5_100, 5, 8_100)
    feed = ScreenFeed(store)  # the screens' feed reads the reader
    page = feed.html(None, "overview", "zh", None)
    assert f'data-fen="{29_334 + 5_100}"' in page and "屏幕数字" not in page
    assert feed.snapshot(None).figures_age() < store.event.stale_after_seconds
    with pytest.raises(Exception, match="read-only transaction"):
        store.reader.scalar(
            "insert into audit_log (audit_id, acted_at, user_name, action) values ('x', now(), 'a', 'b')"
        )


def test_a_lagging_standby_puts_the_banner_on_the_screens(read_from_standby, standby):
    store = read_from_standby
    with psycopg.connect(standby.same_database(store.location), autocommit=True) as conn:
        conn.execute("select pg_wal_replay_pause()")
        try:
            seed_gifts(store)
            time.sleep(store.event.stale_after_seconds + 1)
            snap = take_snapshot(store.reader)
            assert snap.totals["donations"] == 0  # the standby has not replayed the gifts
            assert snap.figures_old() and snap.figures_age() > store.event.stale_after_seconds
            assert "屏幕数字已 0 分钟未刷新" in bigscreen.render(snap)
            assert "These figures are 0 min old" in bigscreen.render(snap, lang="en")
        finally:
            conn.execute("select pg_wal_replay_resume()")
    # Deadlines of 30 s: a machine busy with other work (CI's neighbours) replays and answers late, not wrongly.
    wait_until(lambda: take_snapshot(store.reader).totals["donations"] == 5, 30, "the standby to catch up")
    wait_until(lambda: not take_snapshot(store.reader).figures_old(), 30, "the banner to go")
    snap = take_snapshot(store.reader)
    assert snap.totals["donations"] == 5 and "屏幕数字" not in bigscreen.render(snap)


@dataclasses.dataclass
class Board:
    proc: subprocess.Popen
    url: str
    log: Path

    def said(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wall_total(self) -> int | None:
        """The district's total on this board's `/wall/feed` (None while it does not answer)."""
        try:
            page = urllib.request.urlopen(self.url + "/wall/feed", timeout=5).read().decode()
        except OSError:
            return None
        return int(re.search(r'id="headline-total" data-fen="(\d+)"', page)[1])


@contextmanager
def boards(url: str, folder: Path, n: int = 2, shared_inbox: bool = True, **settings: str) -> Iterator[list[Board]]:
    """`n` boards serving one PostgreSQL store (the demo off), one after the other, so the first leads; their
    inbox is `folder/inbox`, or with `shared_inbox` false each its own `folder/inboxN`; `settings`, more of the
    environment."""
    started: list[Board] = []
    try:
        for i in range(n):
            inbox = folder / ("inbox" if shared_inbox else f"inbox{i}")
            env = {**os.environ, "GIVINGDAY_DB": url, "GIVINGDAY_DEMO": "0", "GIVINGDAY_INBOX": str(inbox), **SALT}
            env.update(settings)
            port, log = _free_port(), folder / f"board{i}.log"
            with log.open("w") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "givingday", "serve", "--port", str(port)],
                    cwd=ROOT,
                    env={**env, "GIVINGDAY_LOG_LEVEL": "INFO"},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            board = Board(proc, f"http://127.0.0.1:{port}", log)
            started.append(board)
            wait_until(lambda b=board: b.wall_total() is not None or b.proc.poll() is not None, 90, "a board to start")
            assert board.proc.poll() is None, board.said()
        yield started
    finally:
        for board in started:
            if board.proc.poll() is None:
                board.proc.terminate()
                board.proc.wait(20)


LEADS = "this board leads"


def test_a_gift_taken_in_by_one_board_reaches_the_wall_of_another(pg_store, tmp_path):
    with boards(pg_store.location, tmp_path, shared_inbox=False) as (first, second):
        wait_until(lambda: LEADS in first.said(), 10, "the first board to lead")
        assert LEADS not in second.said()
        assert first.wall_total() == second.wall_total() == 0  # both walls watch the district
        fen = gift_files(tmp_path / "inbox0", 1)  # the first board's own inbox
        arrived = time.monotonic()
        # 30 s: how soon is measured by `make load-pg` (printed below too); here, that it arrives at all
        wait_until(lambda: second.wall_total() == sum(fen.values()), 30, "the gift on the other board's wall")
        took = time.monotonic() - arrived
        # its own board's wall too (which of the two feeds snapshots first after the commit is a race)
        wait_until(lambda: first.wall_total() == sum(fen.values()), 30, "the gift on its own board's wall")
        assert [p.name for p in (tmp_path / "processed").glob("*.csv")] == ["gifts-42-000.csv"]
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"file in the first board's inbox to the second board's /wall/feed: {took:.2f} s (load {load})")


def test_a_board_killed_while_both_import_leaves_the_work_to_the_other(pg_store, tmp_path):
    files = 80
    with boards(pg_store.location, tmp_path) as (first, second):
        wait_until(lambda: LEADS in first.said(), 10, "the first board to lead")
        fen = gift_files(tmp_path / "inbox", files)  # both boards take files from the one inbox
        processed = tmp_path / "processed"
        wait_until(lambda: len(list(processed.glob("*.csv"))) >= 10, 60, "both boards to import")
        os.kill(first.proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: LEADS in second.said(), 10, "the second board to take the once-only work over")
        took_over = time.monotonic() - killed
        wait_until(lambda: not list((tmp_path / "inbox").glob("*.csv")), 120, "the second board to take every file")
        wait_until(lambda: second.wall_total() == sum(fen.values()), 10, "the second board's wall to show it all")
        assert first.proc.wait(5) == -signal.SIGKILL
        assert "INFO givingday.ingest.inbox: " in first.said() and "INFO givingday.ingest.inbox: " in second.said()
    print(f"the second board led {took_over:.2f} s after the first was killed")
    assert took_over < 2 + 3 * leader.RETRY_SECONDS
    assert len(list(processed.glob("*.csv"))) == files and not list((tmp_path / "failed").glob("*"))
    by_board = pg_store.query_rows("select outcome, count(distinct file_name) as n from imports group by outcome")
    assert by_board == [{"outcome": "committed", "n": files}]  # a file the killed board had begun: taken again
    assert_store_holds(pg_store, fen)


def test_a_board_reading_from_a_standby_shows_what_the_primary_holds(pg_store, standby, tmp_path):
    read = standby.same_database(pg_store.location)
    wait_until(lambda: _answers(read), 30, "the standby to have the new database")
    with boards(pg_store.location, tmp_path, n=1, GIVINGDAY_DB_READ=read) as (board,):
        assert board.wall_total() == 0  # the wall watches the district
        fen = gift_files(tmp_path / "inbox", 1)
        arrived = time.monotonic()
        wait_until(lambda: board.wall_total() == sum(fen.values()), 10, "the gifts on the wall, read from the standby")
        took = time.monotonic() - arrived
        page = urllib.request.urlopen(board.url + "/wall/feed", timeout=5).read().decode()
        assert "屏幕数字" not in page  # caught up: no banner about the figures' age
    assert pg_store.query("totals_overall")[0]["amount_fen"] == sum(fen.values())
    assert took < pg_store.event.stale_after_seconds
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"a file in the inbox to the wall read from the standby: {took:.2f} s (load {load})")
