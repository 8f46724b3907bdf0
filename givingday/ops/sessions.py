"""The two kinds of open big screen the load tester holds, each the way its page's script holds it.

`ScreenSession` speaks Streamlit's own protocol on `/_stcore/stream`, as the browser's client does: it asks for
the page once (a full script run), then answers the server's `auto_rerun` message with a timer that sends a
fragment rerun every `interval` seconds whether or not the previous one has finished (the browser's
`setInterval`), reporting the cached message hashes it holds. A refresh is one fragment run the server
finishes (`script_finished`); its latency runs from the timer's request to that message. Timer ticks that
arrive while a run is still going are folded into it by the server, as they are for a browser, so they show
as refreshes missing from the ideal count, not as errors. `WallSession` asks the wall's feed over HTTP.
"""

from __future__ import annotations

import asyncio
import collections
import time
import urllib.parse
from dataclasses import dataclass, field

CONNECT_TIMEOUT = 60.0
SCRIPT_RUN_OK = 0  # ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
STOPPED_FOR_RERUN = 2  # FINISHED_EARLY_FOR_RERUN: the next timer tick interrupted a slow run
FRAGMENT_RUN_OK = 3  # ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Counters:
    """What one session saw since the window opened."""

    refreshes: int = 0
    folded: int = 0  # timer ticks the server folded into a running refresh
    interrupted: int = 0  # runs stopped early because the next tick came in
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bytes_in: int = 0
    reconnects: int = 0  # wall: kept-alive connections the server had closed, opened again for the request


class Screen:
    """What the tool reads of any open screen, Streamlit's or the wall's."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.interval = 0.0  # seconds between refreshes, as the server said
        self.ready = asyncio.Event()  # the page's first showing finished
        self.settled = asyncio.Event()  # ready, or failed trying
        self.last_refresh = 0.0
        self.counters = Counters()
        self.closed = False
        self.minute_mark = 0  # soak: where this minute's latencies start

    def start_window(self) -> None:
        """The figures start now; errors while opening still count."""
        self.counters = Counters(errors=self.counters.errors)

    def _failed(self, exc: Exception, stop: asyncio.Event) -> None:
        """The session ended on `exc`: one of its errors, unless the run was stopping anyway."""
        if not stop.is_set():
            self.counters.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    def _over(self) -> None:
        self.closed = True
        self.settled.set()


class ScreenSession(Screen):
    """One open big screen: a websocket, the page's first run, then the fragment's timer."""

    def __init__(self, url: str, query: str) -> None:
        super().__init__(query)
        self.ws_url = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
        self.origin = url.rstrip("/")
        self.page_hash = ""
        self.fragment_id = ""
        self.pending: collections.deque[float] = collections.deque()
        self.cached_hashes: set[str] = set()
        self.run_hashes: set[str] = set()

    def start_window(self) -> None:
        super().start_window()
        self.pending.clear()

    def _rerun(self, fragment: bool) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        rs.page_script_hash = self.page_hash
        rs.cached_message_hashes.extend(sorted(self.cached_hashes))
        rs.context_info.timezone = "Asia/Shanghai"
        rs.context_info.timezone_offset = -480
        rs.context_info.locale = "zh-CN"
        rs.context_info.url = f"{self.origin}/?{self.query}"
        if fragment:
            rs.fragment_id = self.fragment_id
            rs.is_auto_rerun = True
        return msg.SerializeToString()

    def _on_message(self, raw: bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(raw)
        self.counters.bytes_in += len(raw)
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "auto_rerun":
            self.fragment_id = msg.auto_rerun.fragment_id
            self.interval = msg.auto_rerun.interval
        elif kind == "delta":
            if msg.metadata.cacheable:
                self.run_hashes.add(msg.hash)
            if (
                msg.delta.WhichOneof("type") == "new_element"
                and msg.delta.new_element.WhichOneof("type") == "exception"
            ):
                self.counters.errors.append("exception: " + msg.delta.new_element.exception.message[:200])
        elif kind == "ref_hash":
            self.run_hashes.add(msg.ref_hash)
        elif kind == "page_not_found":
            self.counters.errors.append("page not found")
        elif kind == "script_finished":
            self._on_finished(msg.script_finished)

    def _on_finished(self, status: int) -> None:
        now = time.monotonic()
        # The browser keeps the messages of the last runs in its cache and tells the server which it holds.
        self.cached_hashes, self.run_hashes = self.run_hashes, set()
        if status == SCRIPT_RUN_OK and not self.ready.is_set():
            self.last_refresh = now
            self.ready.set()
            self.settled.set()
            return
        if status == STOPPED_FOR_RERUN:  # the refresh carries on in the run that interrupted it
            self.counters.interrupted += 1
            return
        if status != FRAGMENT_RUN_OK:
            self.counters.errors.append(f"script finished with status {status}")
            return
        self.last_refresh = now
        if self.pending:
            self.counters.refreshes += 1
            self.counters.latencies.append(now - self.pending[0])
            self.counters.folded += len(self.pending) - 1
            self.pending.clear()

    async def run(self, stop: asyncio.Event) -> None:
        import websockets

        # A browser offers per-message deflate, and the board declines it (`enableWebsocketCompression = false`):
        # not offering it gives the same connection.
        try:
            async with websockets.connect(
                self.ws_url,
                subprotocols=["streamlit"],
                origin=self.origin,
                max_size=None,
                open_timeout=30,
                compression=None,
            ) as ws:
                await ws.send(self._rerun(fragment=False))
                reader = asyncio.create_task(self._read(ws))
                try:
                    await self._first_run(reader)
                    timer = asyncio.create_task(self._tick(ws, stop))
                    stopping = asyncio.create_task(stop.wait())
                    done, _ = await asyncio.wait({reader, timer, stopping}, return_when="FIRST_COMPLETED")
                    for task in (timer, stopping):
                        task.cancel()
                    for task in (reader, timer):
                        if task in done and not task.cancelled() and task.exception():
                            raise task.exception()
                finally:  # the reader's end (a dropped connection, say) is counted once, above, never left unread
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
        except Exception as exc:
            self._failed(exc, stop)
        finally:
            self._over()

    async def _first_run(self, reader: asyncio.Task) -> None:
        """Wait for the page's first run, or for the connection to end before it."""
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait({reader, ready}, timeout=CONNECT_TIMEOUT, return_when="FIRST_COMPLETED")
        ready.cancel()
        if reader.done():
            raise reader.exception() or ConnectionError("the server closed the connection")
        if not self.ready.is_set():
            raise TimeoutError(f"the page's first run did not finish in {CONNECT_TIMEOUT:g} s")
        if not self.fragment_id:
            raise RuntimeError("the page sent no auto_rerun: it has no run_every fragment")

    async def _read(self, ws) -> None:
        async for raw in ws:
            self._on_message(raw)
        raise ConnectionError("the server closed the connection")

    async def _tick(self, ws, stop: asyncio.Event) -> None:
        """The browser's setInterval: a rerun request every interval, unconditionally."""
        next_at = time.monotonic() + self.interval
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += self.interval
            self.pending.append(time.monotonic())
            await ws.send(self._rerun(fragment=True))


class WallSession(Screen):
    """One wall screen (givingday/screens/wall.py) as its page's script holds it: the page once, then a request to
    `/wall/feed` every `refresh` seconds (the feed says how many) on one kept-alive connection. A tick that
    comes while the last request is still out is folded into it, as the script does; its latency runs from
    the request to the last byte of the answer. A request that fails is an error, and the next tick tries
    again on a new connection, as the page does."""

    def __init__(self, url: str, query: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"wall screens are measured over plain HTTP, not {parts.scheme!r}: {url}")
        super().__init__(query)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.base = parts.path.rstrip("/")  # Streamlit's server.baseUrlPath, if the board has one
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _get(self, path: str) -> tuple[int, dict, bytes]:
        if self._conn is None:
            self._conn = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), CONNECT_TIMEOUT)
        reader, writer = self._conn
        writer.write(
            f"GET {self.base}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n"
            "Accept-Encoding: gzip, deflate\r\nUser-Agent: givingday-load\r\n\r\n".encode()
        )  # what a browser's fetch sends that matters to the server: it compresses for browsers that accept it
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines if ": " in line)}
        if "transfer-encoding" in headers:
            raise RuntimeError(
                f"{path} answered in {headers['transfer-encoding']} encoding, which this client does not read"
            )
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.counters.bytes_in += len(head) + len(body)
        return int(status_line.split()[1]), headers, body

    async def _ask(self, path: str) -> tuple[int, dict, bytes]:
        """One request, sent again on a new connection when the server had closed the kept-alive one (uvicorn
        does after 5 s idle, the refresh), as a browser does."""
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionError):
            self._close()
            self.counters.reconnects += 1
            return await self._get(path)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None

    async def run(self, stop: asyncio.Event) -> None:
        feed = f"/wall/feed?{self.query}"
        try:
            status, _, _ = await self._get(f"/wall?{self.query}")
            if status != 200:
                raise RuntimeError(f"/wall answered {status}")
            started = time.monotonic()
            status, headers, body = await asyncio.wait_for(self._get(feed), CONNECT_TIMEOUT)
            if status != 200:
                raise RuntimeError(f"{feed} answered {status}: {body[:200].decode(errors='replace')}")
            self.interval = float(headers["x-refresh"])
            self.last_refresh = time.monotonic()
            self.ready.set()
            self.settled.set()
            next_at = started + self.interval
            while not stop.is_set():
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                if stop.is_set():
                    break
                asked = time.monotonic()
                try:  # the page gives a request two refreshes, 10 s at least
                    status, _, body = await asyncio.wait_for(self._ask(feed), max(10.0, 2 * self.interval))
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    self._close()
                    self.counters.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    status, body = 0, b""
                done = time.monotonic()
                if status == 200:
                    self.last_refresh = done
                    self.counters.refreshes += 1
                    self.counters.latencies.append(done - asked)
                elif status:
                    self.counters.errors.append(f"{feed} answered {status}: {body[:200].decode(errors='replace')}")
                next_at += self.interval
                while next_at <= done:  # ticks that came while the request was out
                    self.counters.folded += 1
                    next_at += self.interval
        except Exception as exc:
            self._failed(exc, stop)
        finally:
            self._over()
            self._close()
