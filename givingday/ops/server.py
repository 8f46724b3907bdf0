"""The board a load run measures: a demo server started on a fresh store, and its CPU and memory sampled."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from givingday import config

DEMO_START = "2020-09-07"


@dataclass
class ProcessSample:
    at: float
    cpu_seconds: float
    rss: int


def sample(proc: psutil.Process) -> ProcessSample:
    procs = [proc, *proc.children(recursive=True)]
    cpu = rss = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            cpu += t.user + t.system
            rss += p.memory_info().rss
    return ProcessSample(time.monotonic(), cpu, rss)


def cores_between(a: ProcessSample, b: ProcessSample) -> float:
    return (b.cpu_seconds - a.cpu_seconds) / max(b.at - a.at, 1e-9)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_demo(env: dict[str, str], backfill_until: str, demo_speed: float = 1.0, scale: float = 1.0) -> None:
    """The demo store of `env`'s GIVINGDAY_DB filled up to `backfill_until` (`scale` 1: the demo's full size)."""
    seed = [sys.executable, "-m", "givingday", "simulate", "--start", DEMO_START, "--backfill-until", backfill_until]
    seed += ["--speed", str(demo_speed), "--scale", str(scale)]
    subprocess.run(seed, cwd=config.ROOT, env=env, check=True, capture_output=True, timeout=600)


@contextlib.contextmanager
def board(port: int, env: dict[str, str], log_path: Path):
    """`serve` on `port` with `env`, its output in `log_path`, until it answers its health check; stopped after.
    Yields (url, pid)."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the server stops
    proc = subprocess.Popen(
        [sys.executable, "-m", "givingday", "serve", "--port", str(port)],
        cwd=config.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the board did not start: " + log_path.read_text()) from None
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def demo_server(
    port: int | None = None,
    demo_speed: float = 1.0,
    backfill_until: str = "20:30",
    folder: Path | None = None,
    live: bool = True,
    scale: float = 1.0,
    prepare: Callable[[Path], None] | None = None,
):
    """A board on a fresh demo store filled up to `backfill_until` (`scale` 1 is the demo's full size), with the
    live demo feeding it at `demo_speed` demo seconds per real second, or, not `live`, with nothing feeding it
    (its figures change only by what a test sends). `prepare(store_path)` runs before the board starts (tokens,
    accounts). Yields (url, pid)."""
    with tempfile.TemporaryDirectory(prefix="givingday-load-", dir=folder) as tmp:
        db = Path(tmp) / "load.duckdb"
        env = config.board_env(db, demo=live)
        seed_demo(env, backfill_until, demo_speed, scale)
        if prepare is not None:
            prepare(db)
        with board(port or free_port(), env, Path(tmp) / "server.log") as (url, pid):
            yield url, pid


@dataclass
class Board:
    url: str
    pid: int
    inbox: Path


@contextlib.contextmanager
def boards_on_postgresql(count: int, backfill_until: str = "20:30"):
    """`count` boards on one demo store in a throw-away PostgreSQL server (givingday/ops/pg_server.py), each with
    its own inbox, nothing feeding them. Yields (the boards, the server's postmaster pid)."""
    from givingday.ops.pg_server import PgServer

    with tempfile.TemporaryDirectory(prefix="givingday-boards-") as tmp, contextlib.ExitStack() as stack:
        server = PgServer().start()
        stack.callback(server.stop)
        env = {**config.board_env(server.database(), demo=False), "GIVINGDAY_HOME": tmp}
        subprocess.run(
            [sys.executable, "-m", "givingday", "init", "--demo"],
            cwd=config.ROOT,
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
        seed_demo(env, backfill_until)
        boards = []
        for k in range(count):
            inbox = Path(tmp) / f"inbox-{k + 1}"
            url, pid = stack.enter_context(
                board(free_port(), {**env, "GIVINGDAY_INBOX": str(inbox)}, Path(tmp) / f"board-{k + 1}.log")
            )
            boards.append(Board(url, pid, inbox))
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        yield boards, postmaster
