"""The command line as a user meets it: exit codes, printed reports, JSON totals, the inbox hand-off."""

import json
import subprocess
import sys

from tests.conftest import CANONICAL_HEADER, FIXTURES, givingday_process, run_cli, write

GIFTS = CANONICAL_HEADER + (
    "C1,2020-09-07 10:00:00,10,1,P001,T001,,qr,张三\n"
    "C2,2020-09-07 10:01:00,20.5,0,P002,,S002,bank,李四\n"
    "C3,2020-09-07 10:02:00,5,0,P001,,,qr,\n"
)


def _init(db):
    r = run_cli("init", "--roster", str(FIXTURES / "roster"), db=db)
    assert r.returncode == 0, r.stderr
    return r


def test_init_import_totals(db_path, tmp_path):
    out = _init(db_path).stdout
    assert "4 projects, 2 teams, 2 sites" in out
    f = write(tmp_path, "gifts.csv", GIFTS)
    r = run_cli("import", str(f), db=db_path)
    assert r.returncode == 0, r.stderr
    assert "gifts.csv: 3 new, 0 duplicate, 0 rejected" in r.stdout
    r = run_cli("totals", "--json", db=db_path)
    t = json.loads(r.stdout)
    assert (t["amount_fen"], t["matched_fen"], t["total_fen"], t["donations"]) == (3550, 100, 3650, 3)
    r = run_cli("totals", "--by", "site", "--json", db=db_path)
    rows = json.loads(r.stdout)
    assert [(x["key"], x["name"], x["amount_fen"], x["matched_fen"], x["donations"]) for x in rows] == [
        ("S002", "德化步行街", 3050, 100, 2),  # C1 through T001's home site, C2 given
        (None, "无点位", 500, 0, 1),
        ("S001", "升龙广场", 0, 0, 0),
    ]
    r = run_cli("totals", "--by", "channel", "--json", db=db_path)
    assert {x["key"]: x["amount_fen"] for x in json.loads(r.stdout)} == {"qr": 1500, "bank": 2050}
    r = run_cli("status", db=db_path)
    assert "3 donations" in r.stdout and "gifts.csv: committed, 3 new" in r.stdout


def test_exit_codes(db_path, tmp_path):
    _init(db_path)
    bad_rows = write(tmp_path, "some-bad.csv", GIFTS + "C4,2020-09-07 10:03:00,-1,0,P001,,,qr,x\n")
    r = run_cli("import", str(bad_rows), db=db_path)
    assert r.returncode == 1
    assert "some-bad.csv:5: amount '-1' is negative" in r.stderr
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x00garbage")
    r = run_cli("import", str(broken), db=db_path)
    assert r.returncode == 2
    assert "broken.csv: not imported: binary content" in r.stderr
    r = run_cli("import", str(tmp_path / "missing.csv"), db=db_path)
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run_cli("import", "--profile", "nope", str(bad_rows), db=db_path)
    assert r.returncode == 2 and "no import profile 'nope'" in r.stderr
    assert json.loads(run_cli("totals", "--json", db=db_path).stdout)["donations"] == 3


def test_import_hands_file_to_inbox_when_store_is_held(db_path, tmp_path):
    _init(db_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        f = write(tmp_path, "gifts.csv", GIFTS)
        r = run_cli("import", str(f), "--profile", "bank_statement_vn", db=db_path)
        assert r.returncode == 0, r.stderr
        assert "handed to its inbox" in r.stdout
        inbox = db_path.parent / "inbox"
        names = sorted(p.name for p in inbox.iterdir())
        assert len(names) == 2 and names[0].endswith("-gifts.csv") and names[1].endswith(".profile")
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert json.loads(run_cli("totals", "--json", db=db_path).stdout)["donations"] == 0


def test_python_m_givingday_runs_a_command_and_exits_with_its_code(db_path, tmp_path):
    """The entry point as a shell meets it; the timeout guards against a hang on a lock or the network."""
    _init(db_path)
    f = write(tmp_path, "some-bad.csv", GIFTS + "C4,2020-09-07 10:03:00,-1,0,P001,,,qr,x\n")
    proc = givingday_process("import", str(f), db=db_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "some-bad.csv: 3 new, 0 duplicate, 1 rejected" in out + err
    assert "some-bad.csv:5: amount '-1' is negative" in err
