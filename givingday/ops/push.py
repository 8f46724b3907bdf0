"""`python -m givingday load --push`: many wall screens holding `/wall/stream`, and every change timed to every one.

A board starts on a fresh demo store with nothing feeding it. `--sessions` screens, dealt round the district and
`--sites` sites (`site=ID`) as at the event, each hold the wall's server-sent-events stream from light clients:
raw sockets on asyncio in `--clients` processes of their own, each with its file descriptor limit raised. Then
a one-row gift is handed to the inbox every `--every` seconds, `--gifts` times. Every screen's headline total is
the district's, so every gift changes every screen: a screen has a change when its stream first carries a total
with that gift in it (`data-fen`, exact to the fen). A first gift before them is not counted, and the server's
CPU is also taken over ten quiet seconds. For each change: the slowest screen, the p95 across screens
and the share within the deadline; the server's CPU in cores (its own process, from /proc) and RSS.

`--boards N --store postgresql`: N boards on one demo store in a throw-away PostgreSQL server, the screens of each
page dealt over them, the gifts handed to each board's inbox in turn; per board, its screens' lags for the gifts
it took in and for the others' (which it hears of through the database), its CPU and its errors, and the
database's CPU. Figures: docs/performance.md."""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from givingday import config
from givingday.ingest.inbox import hand_to_inbox
from givingday.ops.latency import gift
from givingday.ops.load import fmt_load, roster_sites
from givingday.ops.server import Board, ProcessSample, boards_on_postgresql, cores_between, demo_server, sample
from givingday.ops.timing import percentile

RAMP_PER_SECOND = 500  # streams opened per second, over all client processes
OPEN_TIMEOUT = 300.0  # seconds for every screen to hold its stream and have its first screen
SETTLE_SECONDS = 3.0
FIRST_FEN = 100  # the gift before the measured ones: the board's first import since it started may be slow
LATE_SECONDS = 10.0  # after the last gift, before the screens close
QUIET_SECONDS = 10.0  # the server's CPU holding the streams with no gifts: the feed's timer and the refreshes
# The headline total as the stream carries it: the page inside a JSON string, so its quotes are escaped.
TOTAL = re.compile(rb'id=\\"headline-total\\" data-fen=\\"(\d+)\\"')
GZIP_HEADER = 10  # bytes of the gzip stream's header, before its first piece
KNOWN = 10_000  # messages whose total is remembered: every screen of a page gets the same bytes


class Totals:
    """The headline total in each message, read once per distinct message: the screens showing one page all get
    the same bytes (a compressed piece that decompresses on its own, givingday/screens/stream.py)."""

    def __init__(self) -> None:
        self.known: dict[bytes, int | None] = {}

    def of(self, piece: bytes, deflated: bool) -> int | None:
        if piece in self.known:
            return self.known[piece]
        text = zlib.decompressobj(-15).decompress(piece) if deflated else piece
        m = TOTAL.search(text)
        if len(self.known) >= KNOWN:
            self.known.clear()
        self.known[piece] = total = int(m.group(1)) if m else None
        return total


class StreamScreen(asyncio.Protocol):
    """One screen's stream as a browser asks for it (gzip accepted): reads the chunks, each one message, and notes
    when each new headline total first arrives."""

    def __init__(self, request: bytes, ready: asyncio.Event, totals: Totals):
        self.request = request
        self.ready = ready
        self.totals = totals
        self.buffer = bytearray()
        self.status: bytes | None = None
        self.deflated = False
        self.started = False  # past the gzip header
        self.last = -1
        self.seen: list[tuple[int, float]] = []  # (total fen, time.time() it first came)
        self.received = 0
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.received += len(data)
        self.buffer += data
        if self.status is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            self.status = head.split(b"\r\n", 1)[0]
            self.deflated = b"content-encoding: gzip" in head.lower()
            del self.buffer[: end + 4]
            if not self.streaming:
                self.ready.set()  # refused: nothing to wait for
        if not self.streaming:
            self.buffer.clear()
            return
        at = 0
        while True:  # chunked: "SIZE\r\n" then SIZE bytes then "\r\n"
            line = self.buffer.find(b"\r\n", at)
            if line < 0:
                break
            size = int(self.buffer[at:line], 16)
            if len(self.buffer) < line + 2 + size + 2:
                break
            piece = bytes(self.buffer[line + 2 : line + 2 + size])
            at = line + 2 + size + 2
            if self.deflated and not self.started:
                piece, self.started = piece[GZIP_HEADER:], True
            total = self.totals.of(piece, self.deflated)
            if total is not None and total != self.last:
                self.last = total
                self.seen.append((total, now))
                self.ready.set()
        del self.buffer[:at]

    @property
    def streaming(self) -> bool:
        return self.status is not None and b" 200 " in self.status

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.ready.set()


@dataclass
class Held:
    """What one client process reports of one screen."""

    query: int
    status: str
    seen: list[tuple[int, float]]
    received: int
    lost: bool


async def _hold(url: str, queries: list[str], picks: list[int], rate: float, talk, stop) -> list[Held]:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    screens: list[StreamScreen] = []
    totals = Totals()
    transports = []
    for n, i in enumerate(picks):
        request = (
            f"GET /wall/stream?{queries[i]} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n"
            "Accept-Encoding: gzip, deflate\r\n\r\n"
        ).encode()
        screen = StreamScreen(request, asyncio.Event(), totals)
        try:
            transport, _ = await loop.create_connection(lambda s=screen: s, parts.hostname, parts.port)
            transports.append(transport)
        except OSError as exc:
            screen.status, screen.lost = f"connect: {exc}".encode(), True
            screen.ready.set()
        screens.append(screen)
        if n % 20 == 19:
            await asyncio.sleep(20 / rate)
    waiting = [asyncio.create_task(s.ready.wait()) for s in screens]
    await asyncio.wait(waiting, timeout=OPEN_TIMEOUT)
    talk.put(("opened", sum(1 for s in screens if s.seen and not s.lost), len(screens)))
    while not stop.is_set():
        await asyncio.sleep(0.2)
    for t in transports:
        t.close()
    return [
        Held(i, (s.status or b"no answer").decode("latin-1"), s.seen, s.received, s.lost)
        for i, s in zip(picks, screens, strict=True)
    ]


def _client(board: int, url: str, queries: list[str], picks: list[int], rate: float, talk, stop) -> None:
    """A client process: its share of the screens of one board, held until `stop`, then what each saw, put on
    `talk`."""
    config.raise_open_files_limit()
    held = asyncio.run(_hold(url, queries, picks, rate, talk, stop))
    talk.put(("held", board, held, psutil.Process().cpu_times()))


@dataclass
class Change:
    fen: int
    total: int  # the district's headline total with this gift in it
    sent: float
    board: int = 0  # the board it was handed to
    fed: float = float("nan")  # seconds until the board's feed had it (`/wall/feed`, asked every 50 ms)
    lags: list[float] = field(default_factory=list)  # one per screen that got it
    missing: int = 0  # screens that never did

    def share_within(self, seconds: float) -> float:
        screens = len(self.lags) + self.missing
        return sum(1 for x in self.lags if x <= seconds) / screens if screens else 0.0

    @property
    def slowest(self) -> float:
        return float("inf") if self.missing else max(self.lags, default=float("nan"))


@dataclass
class BoardFigures:
    """One board's share of a run over several: its screens, their lags, its CPU."""

    url: str
    held: int
    errors: int  # screens refused or dropped, and changes a screen never got
    own: list[float]  # lags of its screens for the gifts it took in
    other: list[float]  # for the gifts another board took in (heard through the database)
    cores: float

    def line(self, k: int) -> str:
        lags = self.own + self.other
        return (
            f"  board {k} {self.url}: {self.held:,} screens; p50 {percentile(lags, 0.5):.3f} s, p95 "
            f"{percentile(lags, 0.95):.3f} s (its own gifts p95 {percentile(self.own, 0.95):.3f} s, the other's "
            f"{percentile(self.other, 0.95):.3f} s); server {self.cores:.2f} cores; errors {self.errors}"
        )


def by_board(k: int, board: Board, changes: list[Change], held: list[Held], cores: float) -> BoardFigures:
    """The figures of the screens of board `k`: each change judged on them alone."""
    mine = [dataclasses.replace(c, lags=[], missing=0) for c in changes]
    judge(mine, held)
    return BoardFigures(
        board.url,
        sum(1 for h in held if h.seen),
        sum(1 for h in held if not h.seen or h.lost) + sum(c.missing for c in mine),
        [x for c in mine if c.board == k for x in c.lags],
        [x for c in mine if c.board != k for x in c.lags],
        cores,
    )


@dataclass
class PushResult:
    sessions: int
    sites: int
    held: int
    refused: collections.Counter
    dropped: int
    changes: list[Change]
    first_gift: float  # seconds until the board's feed had its first gift since it started (not counted)
    quiet_cores: float  # holding the streams, no gifts
    server_cores: float
    server_cores_peak: float  # the busiest second
    client_cores: float
    rss_idle: int
    rss_held: int
    rss_end: int
    received: int
    window: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    boards: list[BoardFigures] = field(default_factory=list)  # each board's, when there are several
    database_cores: float | None = None  # their PostgreSQL server's

    def lags(self) -> list[float]:
        return [x for c in self.changes for x in c.lags]

    def report(self, deadline: float) -> str:
        lags = self.lags()
        slowest = [c.slowest for c in self.changes]
        within = [c.share_within(deadline) for c in self.changes]
        lines = [
            f"{self.sessions:,} wall screens on /wall/stream round the district and {self.sites} sites, "
            f"{len(self.changes)} changes over {self.window:.0f} s (load average before {fmt_load(self.load_before)},"
            f" after {fmt_load(self.load_after)})",
            f"  streams held  {self.held:,}; refused {sum(self.refused.values()):,}, dropped {self.dropped:,}"
            + "".join(f"; {n}× {why}" for why, n in self.refused.most_common(3)),
            f"  every screen  p50 {percentile(lags, 0.5):.3f} s, p95 {percentile(lags, 0.95):.3f} s, "
            f"max {max(lags, default=float('nan')):.3f} s (n={len(lags):,})",
            f"  per change    slowest screen: median {statistics.median(slowest):.3f} s, worst {max(slowest):.3f} s;"
            f" p95 across screens: worst {max(percentile(c.lags, 0.95) for c in self.changes):.3f} s",
            f"  first gift    in the feed after {self.first_gift:.3f} s: the board's first import since it started,"
            " before the changes (not counted)",
            f"  in the feed   median {statistics.median(c.fed for c in self.changes):.3f} s, worst "
            f"{max(c.fed for c in self.changes):.3f} s (the board's own /wall/feed, asked every 50 ms)",
            f"  within {deadline:g} s    {sum(1 for w in within if w == 1.0)} of {len(within)} changes reached every "
            f"screen; least share of screens {min(within):.2%}",
            f"  server CPU    {self.server_cores:.2f} cores over the changes, {self.server_cores_peak:.2f} in the "
            f"busiest second, {self.quiet_cores:.2f} holding the streams with no gifts (clients "
            f"{self.client_cores:.2f} cores)",
            f"  server RSS    {self.rss_idle / 2**20:.0f} MB idle, {self.rss_held / 2**20:.0f} MB holding the "
            f"streams, {self.rss_end / 2**20:.0f} MB at the end",
            f"  received      {self.received / 2**20:.0f} MB, {self.received / max(1, self.held) / 1024:.0f} KB a "
            "screen",
        ]
        lines += [board.line(k + 1) for k, board in enumerate(self.boards)]
        if self.database_cores is not None:
            lines.append(f"  PostgreSQL    {self.database_cores:.2f} cores over the changes (every board's store)")
        lines += [
            f"    change {i + 1:>3}: in the feed {c.fed:.3f} s; slowest screen {c.slowest:.3f} s, "
            f"p95 {percentile(c.lags, 0.95):.3f} s, "
            f"{c.share_within(deadline):.2%} within {deadline:g} s"
            for i, c in enumerate(self.changes)
        ]
        return "\n".join(lines)

    def misses(self, deadline: float, max_cores: float | None) -> list[str]:
        out = []
        if self.held < self.sessions:
            out.append(f"{self.sessions - self.held:,} screens held no stream")
        if self.dropped:
            out.append(f"{self.dropped:,} streams dropped")
        if late := [i + 1 for i, c in enumerate(self.changes) if c.slowest > deadline]:
            out.append(f"changes {late} missed a screen's {deadline:g} s")
        for name, cores in [(b.url, b.cores) for b in self.boards] or [("server", self.server_cores)]:
            if max_cores is not None and not cores <= max_cores:
                out.append(f"{name} CPU {cores:.2f} cores > {max_cores:g}")
        return out


def judge(changes: list[Change], held: list[Held]) -> None:
    """Each screen's lag for each change: from the gift's sending to the first total that includes it (totals only
    grow here, so a screen that got two gifts in one snapshot has both)."""
    for h in held:
        if not h.seen:
            continue
        for c in changes:
            t = next((at for fen, at in h.seen if fen >= c.total), None)
            if t is None:
                c.missing += 1
            else:
                c.lags.append(t - c.sent)


def _summed(samples: list[ProcessSample]) -> ProcessSample:
    """The boards' samples as one server's."""
    return ProcessSample(samples[0].at, sum(x.cpu_seconds for x in samples), sum(x.rss for x in samples))


def _dealt(sessions: int, queries: int, boards: int, clients: int) -> list[tuple[int, list[int]]]:
    """Each client process's board and the queries of its screens: screen i shows query i mod `queries`, and the
    screens of each page are dealt over the boards in turn (a page's j-th screen on board page + j, mod boards)."""
    per_board = max(1, clients // boards)
    screens: list[list[int]] = [[] for _ in range(boards)]
    for i in range(sessions):
        screens[(i % queries + i // queries) % boards].append(i % queries)
    return [(b, screens[b][k::per_board]) for b in range(boards) for k in range(per_board) if screens[b][k::per_board]]


def run(boards: list[Board], args: argparse.Namespace, database: int | None = None) -> PushResult:
    """`args.sessions` screens dealt over `boards`, the gifts handed to each board's inbox in turn; `database`:
    the pid of their PostgreSQL server, whose CPU is taken too."""
    servers = [psutil.Process(b.pid) for b in boards]
    watched = [*servers, *([psutil.Process(database)] if database else [])]
    idle = [sample(x) for x in watched]
    load_before = os.getloadavg()
    queries = [""] + [f"site={s}" for s in roster_sites(args.sites)]
    for b in boards:  # each site's first snapshot, one at a time, as screens are switched on at an event
        for q in queries:
            urllib.request.urlopen(f"{b.url}/wall/feed?{q}", timeout=60).read()
    ctx = multiprocessing.get_context("spawn")
    talk, stop = ctx.Queue(), ctx.Event()
    dealt = _dealt(args.sessions, len(queries), len(boards), args.clients)
    rate = RAMP_PER_SECOND / len(dealt)
    procs = [
        ctx.Process(target=_client, args=(b, boards[b].url, queries, picks, rate, talk, stop), daemon=True)
        for b, picks in dealt
    ]
    for p in procs:
        p.start()
    opened = 0
    for _ in procs:
        _, ok, _ = talk.get(timeout=OPEN_TIMEOUT + args.sessions / RAMP_PER_SECOND + 60)
        opened += ok
    print(f"{opened:,} of {args.sessions:,} screens hold their stream", flush=True)
    rng = random.Random(42)
    sites = roster_sites(max(1, args.sites))
    tmp = Path(tempfile.mkdtemp(prefix="givingday-push-"))
    sent = time.time()
    first = _district_total(boards[0].url) + _hand(tmp, boards[0].inbox, "first", FIRST_FEN, sites[0])
    while any(_district_total(b.url) < first for b in boards) and time.time() - sent < OPEN_TIMEOUT:
        time.sleep(0.05)
    first_gift = time.time() - sent
    print(f"the board's first gift since it started was in its feed after {first_gift:.3f} s (not counted)", flush=True)
    time.sleep(SETTLE_SECONDS)
    held_sample = [sample(x) for x in watched]
    time.sleep(QUIET_SECONDS)
    quiet = [sample(x) for x in watched]
    changes: list[Change] = []
    total = _district_total(boards[0].url)
    start = [sample(x) for x in watched]
    last = _summed(start[: len(servers)])
    peak = 0.0
    for k in range(args.gifts):
        fen = 100 + rng.randrange(1, 100_000)
        total += fen
        taker = k % len(boards)
        changes.append(Change(fen, total, time.time(), taker))
        _hand(tmp, boards[taker].inbox, f"{k}-{rng.randrange(10**9)}", fen, sites[k % len(sites)])
        until = time.monotonic() + args.every
        while time.monotonic() < until and _district_total(boards[taker].url) < total:
            time.sleep(0.05)
        changes[-1].fed = time.time() - changes[-1].sent
        while (left := until - time.monotonic()) > 0:
            time.sleep(min(1.0, left))
            now = _summed([sample(x) for x in servers])
            peak = max(peak, cores_between(last, now))
            last = now
    end = [sample(x) for x in watched]
    shutil.rmtree(tmp, ignore_errors=True)
    time.sleep(LATE_SECONDS)  # a change late on some screens is measured late, not missing
    stop.set()
    held: list[list[Held]] = [[] for _ in boards]
    client_cpu = 0.0
    for _ in procs:
        _, b, part, cpu = talk.get(timeout=120)
        held[b] += part
        client_cpu += cpu.user + cpu.system
    for p in procs:
        p.join(10)
    every = [h for of in held for h in of]
    judge(changes, every)
    n = len(servers)
    return PushResult(
        sessions=args.sessions,
        sites=args.sites,
        held=sum(1 for h in every if h.seen),
        refused=collections.Counter(h.status for h in every if not h.seen),
        dropped=sum(1 for h in every if h.seen and h.lost),
        changes=changes,
        first_gift=first_gift,
        quiet_cores=cores_between(_summed(held_sample[:n]), _summed(quiet[:n])),
        server_cores=cores_between(_summed(start[:n]), _summed(end[:n])),
        server_cores_peak=peak,
        client_cores=client_cpu / max(1e-9, end[0].at - idle[0].at),
        rss_idle=_summed(idle[:n]).rss,
        rss_held=_summed(held_sample[:n]).rss,
        rss_end=_summed(end[:n]).rss,
        received=sum(h.received for h in every),
        window=end[0].at - start[0].at,
        load_before=load_before,
        load_after=os.getloadavg(),
        boards=[by_board(i, b, changes, held[i], cores_between(start[i], end[i])) for i, b in enumerate(boards)]
        if n > 1
        else [],
        database_cores=cores_between(start[n], end[n]) if database else None,
    )


def _hand(folder: Path, inbox: Path, name: str, fen: int, site: str) -> int:
    """A one-row gift file handed to the board's inbox; returns its amount."""
    path = folder / f"push-{name}.csv"
    path.write_bytes(gift(f"PUSH-{name}", fen, site))
    hand_to_inbox(path, inbox)
    return fen


def _district_total(url: str) -> int:
    """The district's total now, as the wall's feed shows it."""
    page = urllib.request.urlopen(url + "/wall/feed", timeout=30).read()
    return int(re.search(rb'id="headline-total" data-fen="(\d+)"', page).group(1))


def main(args: argparse.Namespace) -> int:
    config.raise_open_files_limit()
    made: dict[str, Path] = {}

    def prepare(db: Path) -> None:
        made["inbox"] = config.beside_store(str(db), "inbox")  # the board's, as board_env leaves it

    backfill = args.backfill_until or "20:30"
    if args.boards > 1 and args.store_kind != "postgresql":
        print("error: several boards share a PostgreSQL store: add --store postgresql", file=sys.stderr)
        return 2
    if args.store_kind == "postgresql":
        with boards_on_postgresql(args.boards, backfill) as (boards, database):
            print(
                f"boards {', '.join(b.url for b in boards)} on one PostgreSQL (pid {database}), load average "
                f"{fmt_load(os.getloadavg())}",
                flush=True,
            )
            result = run(boards, args, database)
    else:
        with demo_server(args.port, live=False, backfill_until=backfill, prepare=prepare) as (url, pid):
            print(f"board on {url} (pid {pid}), load average {fmt_load(os.getloadavg())}", flush=True)
            result = run([Board(url, pid, made["inbox"])], args)
    print(result.report(args.max_p95))
    max_cores = args.max_cpu / 100 * (psutil.cpu_count() or 1) if args.max_cpu is not None else None
    misses = result.misses(args.max_p95, max_cores)
    print("PASS" if not misses else "FAIL: " + "; ".join(misses))
    return 0 if not misses else 1
