"""`make bench-api`: how long a gift pushed to `POST /api/gifts` takes to be stored and to reach the screens,
with many clients posting at once (never a timed test; the figures go to docs/api.md).

It starts a board on a fresh demo store (the demo's full size, up to 20:30 of day one) with the live demo off,
so the board's count of gifts moves only by the pushes, gives each client a token of its own, and lets every
client post one gift after another for the duration, each on its kept-alive connection. Push→stored is a
post's round trip: the board answers once the gift is committed. Push→/wall/feed: a watcher asks `/wall/feed`
ten times a second; the k-th gift stored (in the order the answers came) has reached the screens when the
feed's count of gifts is up by k.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from givingday import tokens
from givingday.ops.server import demo_server
from givingday.ops.timing import percentile

GIFT_TIME = "2020-09-07 20:00:00"  # before the demo board's now, on the event's first day
WATCH_EVERY = 0.1
COUNT = re.compile(rb'id="headline-donations">([\d,]+)<')


class Client:
    """One system posting gifts with its token, on one kept-alive HTTP connection (a new one when the board
    has closed an idle connection)."""

    def __init__(self, url: str, token: str | None) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = parts.hostname or "127.0.0.1", parts.port or 80, parts.path.rstrip("/")
        self.token = token
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self._conn.request(method, self.base + path, body=body or None, headers=headers or {})
                answer = self._conn.getresponse()
                return answer.status, answer.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
        """POST /api/gifts: the status and the JSON answer."""
        headers = {"Content-Type": content_type}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        status, data = self.request("POST", "/api/gifts", body, headers)
        return status, json.loads(data) if data else {}

    def wall_count(self) -> int:
        """The number of gifts the district's wall screen shows now."""
        status, data = self.request("GET", "/wall/feed")
        found = COUNT.search(data) if status == 200 else None
        if found is None:
            raise RuntimeError(f"/wall/feed answered {status} without a count of gifts")
        return int(found[1].replace(b",", b""))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class Push:
    sent: float
    answered: float
    status: int
    new: int


@dataclass
class Watch:
    samples: list[tuple[float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, client: Client) -> None:
        while not self.stop.is_set():
            count = client.wall_count()
            self.samples.append((time.monotonic(), count))
            time.sleep(WATCH_EVERY)


def gift(client: int, n: int) -> bytes:
    return json.dumps(
        {
            "donation_id": f"bench-{client}-{n}",
            "occurred_at": GIFT_TIME,
            "amount_yuan": "1.00",
            "project": "P001",
            "donor_name": "压测",
        },
        ensure_ascii=False,
    ).encode()


def push_until(client: Client, number: int, deadline: float, pushes: list[Push]) -> None:
    n = 0
    while time.monotonic() < deadline:
        sent = time.monotonic()
        try:
            status, answer = client.post(gift(number, n))
        except OSError:
            status, answer = 0, {}
        pushes.append(Push(sent, time.monotonic(), status, answer.get("new", 0) if status == 200 else 0))
        n += 1


def on_screen_latencies(pushes: list[Push], samples: list[tuple[float, int]]) -> list[float]:
    """Each stored push's time to the wall: the k-th answered has arrived when the count is up by k."""
    base = samples[0][1]
    stored = sorted((p for p in pushes if p.new), key=lambda p: p.answered)
    latencies, i = [], 0
    for k, p in enumerate(stored, start=1):
        while i < len(samples) and samples[i][1] - base < k:
            i += 1
        if i == len(samples):
            break
        latencies.append(samples[i][0] - p.sent)
    return latencies


def run(url: str, names: list[str], secrets: dict[str, str], duration: float) -> dict:
    watch = Watch()
    watcher = Client(url, None)
    watch.samples.append((time.monotonic(), watcher.wall_count()))
    threading.Thread(target=watch.run, args=(watcher,), daemon=True).start()
    pushes: list[Push] = []
    deadline = time.monotonic() + duration
    clients = [Client(url, secrets[name]) for name in names]
    threads = [
        threading.Thread(target=push_until, args=(c, i, deadline, pushes), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = sum(p.new for p in pushes)
    settle = time.monotonic() + 30
    while watch.samples[-1][1] - watch.samples[0][1] < stored and time.monotonic() < settle:
        time.sleep(0.2)
    watch.stop.set()
    to_store = [p.answered - p.sent for p in pushes if p.status == 200]
    on_screen = on_screen_latencies(pushes, watch.samples)
    return {
        "clients": len(names),
        "seconds": duration,
        "pushes": len(pushes),
        "stored": stored,
        "refused": sum(p.status != 200 for p in pushes),
        "on_wall": watch.samples[-1][1] - watch.samples[0][1],
        "store_median": statistics.median(to_store),
        "store_p95": percentile(to_store, 0.95),
        "store_max": max(to_store),
        "wall_median": statistics.median(on_screen),
        "wall_p95": percentile(on_screen, 0.95),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m givingday.ops.bench_api", description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50, help="clients posting at once, each with its token (50)")
    p.add_argument("--duration", type=float, default=60, help="seconds of posting (60)")
    args = p.parse_args(argv)
    names = [f"bench-{i:02d}" for i in range(args.clients)]
    secrets: dict[str, str] = {}

    def make_tokens(db: Path) -> None:
        secrets.update({name: tokens.add_token(name, str(db)) for name in names})

    print(f"starting a demo board and {args.clients} clients posting for {args.duration:g} s …", flush=True)
    with demo_server(live=False, prepare=make_tokens) as (url, _pid):
        load_before = os.getloadavg()[0]
        r = run(url, names, secrets, args.duration)
        load_after = os.getloadavg()[0]
    print(f"machine load average (1 min) {load_before:.1f} before, {load_after:.1f} after")
    print(
        f"{r['clients']} clients, {r['seconds']:g} s: {r['pushes']:,} pushes, {r['stored']:,} stored,"
        f" {r['refused']:,} refused; {r['on_wall']:,} more gifts on /wall/feed\n"
        f"push→stored    median {r['store_median']:.2f} s, p95 {r['store_p95']:.2f} s, max {r['store_max']:.2f} s\n"
        f"push→/wall/feed median {r['wall_median']:.2f} s, p95 {r['wall_p95']:.2f} s"
    )
    return 0 if r["refused"] == 0 and r["on_wall"] == r["stored"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
