"""A store whose write-ahead log was cut short or damaged: what processed/ says was committed comes back, loudly,
and a store that cannot be opened says so plainly."""

import os
import subprocess
import sys
import textwrap

import pytest

from givingday.ingest.inbox import process_pending
from givingday.store.database import Store, StoreDamaged
from givingday.web.serve import prepare_store
from tests.conftest import CANONICAL_HEADER, FIXTURES, ROOT


def _import_then_die(db, files: dict[str, str]) -> None:
    """In a new process: import the files through the inbox, then die without closing, as `kill -9` would, so
    the newest commits are only in the write-ahead log."""
    code = textwrap.dedent(
        f"""
        import os, pathlib
        from givingday.ingest.inbox import process_pending
        from givingday.ingest.roster import load_roster
        from givingday.store.database import Store
        s = Store({str(db)!r})
        s.migrate()
        load_roster(s, pathlib.Path({str(FIXTURES / "roster")!r}))
        with s.engine.connect() as c:
            c.exec_driver_sql("checkpoint")
            c.exec_driver_sql("set wal_autocheckpoint = '1GB'")
        s.inbox.mkdir(parents=True, exist_ok=True)
        for name, text in {files!r}.items():
            (s.inbox / name).write_text(text)
            process_pending(s)
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


FILES = {
    f"f{k}.csv": CANONICAL_HEADER
    + "".join(f"G{k}-{i},2020-09-07 10:0{k}:{i:02d},{10 + i}.5{k},0,P001,,,qr,\n" for i in range(30))
    for k in range(3)
}


def _expected_fen() -> int:
    return sum((10 + i) * 100 + 50 + k for k in range(3) for i in range(30))


def test_a_log_cut_short_is_made_good_from_processed(tmp_path, capsys):
    db = tmp_path / "store" / "g.duckdb"
    _import_then_die(db, FILES)
    wal = db.with_name(db.name + ".wal")
    os.truncate(wal, wal.stat().st_size - 200)  # the newest commit is lost without a word
    store = Store(str(db))
    assert store.query("totals_overall")[0]["donations"] < 90
    store.dispose()
    from givingday import cli

    assert cli.main(["--db", str(db), "status"]) == 0
    assert "1 committed file(s) in processed/ (30 gifts) are not in the store" in capsys.readouterr().out
    store = prepare_store(str(db))
    t = store.query("totals_overall")[0]
    assert (t["donations"], t["amount_fen"]) == (90, _expected_fen())
    assert "lacks 1 committed file(s) (30 gifts)" in capsys.readouterr().err
    store.dispose()
    store = prepare_store(str(db))  # a second start finds nothing missing and changes nothing
    assert store.query("totals_overall")[0]["amount_fen"] == _expected_fen()
    assert "lacks" not in capsys.readouterr().err
    store.dispose()


def test_a_damaged_log_is_set_aside_and_its_gifts_come_back(tmp_path, capsys):
    db = tmp_path / "store" / "g.duckdb"
    _import_then_die(db, FILES)
    wal = db.with_name(db.name + ".wal")
    data = bytearray(wal.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 200] = os.urandom(200)
    wal.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged, match="write-ahead log"):
        Store(str(db))
    store = prepare_store(str(db))
    t = store.query("totals_overall")[0]
    assert (t["donations"], t["amount_fen"]) == (90, _expected_fen())
    err = capsys.readouterr().err
    assert "damaged" in err and "importing them again" in err
    assert [p.name for p in db.parent.glob("*.damaged-*")]
    store.dispose()


def test_a_store_that_is_not_a_store_is_said_plainly(tmp_path, capsys):
    from givingday import cli

    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    assert cli.main(["--db", str(bad), "status"]) == 2
    err = capsys.readouterr().err
    assert "cannot be opened as a DuckDB store" in err and "Traceback" not in err


@pytest.mark.postgres
def test_a_new_postgresql_database_takes_no_files_from_processed(pg_store, pg_server, pg_roster_template, capsys):
    """processed/ beside a server store's inbox is no one database's: a board started on a new (or restored)
    database must not import the files another database took in, and `status` must not call them lost."""
    pg_store.inbox.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (pg_store.inbox / name).write_text(text)
    process_pending(pg_store)
    assert len(list((pg_store.inbox.parent / "processed").glob("*.report.json"))) == 3
    other = pg_server.database(template=pg_roster_template)
    store = prepare_store(other)
    t = store.query("totals_overall")[0]
    assert (t["donations"], t["amount_fen"]) == (0, 0)
    store.dispose()
    from givingday import cli

    assert cli.main(["--db", other, "status"]) == 0
    said = capsys.readouterr()
    assert "lacks" not in said.err and "not in the store" not in said.out
    t = pg_store.query("totals_overall")[0]
    assert (t["donations"], t["amount_fen"]) == (90, _expected_fen())
