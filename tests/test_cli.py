"""The command line as a user meets it: exit codes, printed reports, JSON totals, the inbox hand-off."""

import json
import os
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from givingday.config import ROOT
from tests.conftest import CANONICAL_HEADER, FIXTURES, givingday_process, run_cli, wait_until, write

GIFTS = CANONICAL_HEADER + (
    "C1,2020-09-07 10:00:00,10,1,P001,T001,,qr,张三\n"
    "C2,2020-09-07 10:01:00,20.5,0,P002,,S002,bank,李四\n"
    "C3,2020-09-07 10:02:00,5,0,P001,,,qr,\n"
)


def _init(db):
    r = run_cli("init", "--roster", str(FIXTURES / "roster"), db=db)
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.both_stores
def test_init_import_totals(empty_db, tmp_path):
    out = _init(empty_db).stdout
    assert "4 projects, 2 teams, 2 sites" in out
    f = write(tmp_path, "gifts.csv", GIFTS)
    r = run_cli("import", str(f), db=empty_db)
    assert r.returncode == 0, r.stderr
    assert "gifts.csv: 3 new, 0 duplicate, 0 rejected" in r.stdout
    r = run_cli("totals", "--json", db=empty_db)
    t = json.loads(r.stdout)
    assert (t["amount_fen"], t["matched_fen"], t["total_fen"], t["donations"]) == (3550, 100, 3650, 3)
    r = run_cli("totals", "--by", "site", "--json", db=empty_db)
    rows = json.loads(r.stdout)
    assert [(x["key"], x["name"], x["amount_fen"], x["matched_fen"], x["donations"]) for x in rows] == [
        ("S002", "德化步行街", 3050, 100, 2),  # C1 through T001's home site, C2 given
        (None, "无点位", 500, 0, 1),
        ("S001", "升龙广场", 0, 0, 0),
    ]
    r = run_cli("totals", "--by", "channel", "--json", db=empty_db)
    assert {x["key"]: x["amount_fen"] for x in json.loads(r.stdout)} == {"qr": 1500, "bank": 2050}
    r = run_cli("status", db=empty_db)
    assert "3 donations" in r.stdout and "gifts.csv: committed, 3 new" in r.stdout


@pytest.mark.both_stores
def test_exit_codes(empty_db, tmp_path):
    _init(empty_db)
    bad_rows = write(tmp_path, "some-bad.csv", GIFTS + "C4,2020-09-07 10:03:00,-1,0,P001,,,qr,x\n")
    r = run_cli("import", str(bad_rows), db=empty_db)
    assert r.returncode == 1
    assert "some-bad.csv:5: 金额 '-1' 是负数。amount '-1' is negative" in r.stderr
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x00garbage")
    r = run_cli("import", str(broken), db=empty_db)
    assert r.returncode == 2
    assert "broken.csv: not imported: 二进制内容，不是 CSV、JSON Lines 或 XLSX 文件。binary content" in r.stderr
    r = run_cli("import", str(tmp_path / "missing.csv"), db=empty_db)
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run_cli("import", "--profile", "nope", str(bad_rows), db=empty_db)
    assert r.returncode == 2 and "no import profile 'nope'" in r.stderr
    assert json.loads(run_cli("totals", "--json", db=empty_db).stdout)["donations"] == 3


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
    assert "some-bad.csv:5: 金额 '-1' 是负数。amount '-1' is negative" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_reading_commands_ask_the_running_board(db_path, tmp_path):
    _init(db_path)
    assert run_cli("import", str(write(tmp_path, "gifts.csv", GIFTS)), db=db_path).returncode == 0
    before = json.loads(run_cli("totals", "--json", "--by", "project", db=db_path).stdout)
    port = _free_port()
    board = givingday_process(
        "serve", "--port", str(port), db=db_path, env={"GIVINGDAY_DEMO": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    link = db_path.parent / "board.json"
    try:
        wait_until(link.exists, 60, "board.json written by the board")
        assert stat.S_IMODE(link.stat().st_mode) == 0o600
        wait_until(lambda: _answers(port), 60, "the board answering")

        r = run_cli("totals", "--json", "--by", "project", db=db_path)
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert json.loads(r.stdout) == before
        r = subprocess.run(
            [sys.executable, "-m", "givingday", "report", "--event", "--out", "out/event.xlsx"],
            cwd=tmp_path, env={**os.environ, "GIVINGDAY_DB": str(db_path), "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "out" / "event.xlsx").read_bytes()[:2] == b"PK", "written where the command was typed"
        assert run_cli("status", db=db_path).returncode == 0
        r = run_cli("init", db=db_path)  # writing commands are not asked: the store is the board's
        assert r.returncode == 3 and "held" in r.stderr.lower() or "lock" in r.stderr.lower(), r.stderr

        url = f"http://127.0.0.1:{port}/_givingday/ask"
        token = json.loads(link.read_text())["token"]
        for headers, argv in (({}, ["totals"]), ({"X-Givingday-Token": "wrong"}, ["totals"])):
            req = urllib.request.Request(url, json.dumps({"argv": argv}).encode(), headers)
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(req, timeout=10)
        req = urllib.request.Request(url, json.dumps({"argv": ["user", "list"]}).encode(), {"X-Givingday-Token": token})
        answer = json.loads(urllib.request.urlopen(req, timeout=30).read())
        assert answer["code"] == 2 and "answers only totals, report, status" in answer["stderr"]
    finally:
        board.terminate()
        board.wait(30)
    assert not link.exists(), "a board that stops takes its board.json with it"


def _answers(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False
