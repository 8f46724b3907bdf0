"""A process killed in the middle of an import leaves all or nothing of that file; importing it again completes."""

import json
import signal
import subprocess

import pytest

from tests.conftest import FIXTURES, givingday_process, run_cli


def _big_file(path, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write("donation_id,occurred_at,amount_yuan,project\n")
        for i in range(n):
            f.write(
                f"K{i:07d},2020-09-07 {10 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d},{1 + i % 100},P001\n"
            )


@pytest.mark.slow
def test_killed_mid_import_then_completed(db_path, tmp_path):
    assert run_cli("init", "--roster", str(FIXTURES / "roster"), db=db_path).returncode == 0
    big = tmp_path / "big.csv"
    n = 50_000
    _big_file(big, n)
    expected_fen = sum((1 + i % 100) * 100 for i in range(n))
    proc = givingday_process(
        "import", str(big), db=db_path, env={"GIVINGDAY_PAUSE_BEFORE_COMMIT": "60"}, stdout=subprocess.PIPE
    )
    try:
        # The rows are written and the transaction is still open: kill the process without mercy.
        assert proc.stdout.readline().strip() == "paused before commit"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    t = json.loads(run_cli("totals", "--json", db=db_path).stdout)
    assert (t["donations"], t["amount_fen"]) == (0, 0)
    r = run_cli("import", str(big), db=db_path)
    assert r.returncode == 0, r.stderr
    t = json.loads(run_cli("totals", "--json", db=db_path).stdout)
    assert (t["donations"], t["amount_fen"]) == (n, expected_fen)
