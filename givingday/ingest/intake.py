"""`POST /api/gifts`: systems that push gifts as they happen (a relay of the payment channel's callbacks, a
volunteer's phone app, a script polling the platform), on the board's port beside the wall.

A post is a file by another road: its body (one JSON gift, a JSON array, JSON Lines, CSV or XLSX) is imported by
`batch.import_bytes`, judged by the same code and written through the same single writer as the inbox and the
forms, with `api:NAME` (the token's name) as its source. So the same gift posted twice counts once, by its id or
by the stable id a row without one gets. The import runs in a small thread pool of its own: the event loop, which
also answers the wall's screens, never waits for the store.

Checked in this order, so a stranger learns nothing and costs nothing: the bearer token (401), the token's
posts in the last minute (429), the body's size (413), whether the body can be read at all (400, with the
reason). A token is never logged nor echoed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from givingday import tokens
from givingday.ingest.batch import ImportReport, import_bytes
from givingday.store.database import adopted

log = logging.getLogger(__name__)
PATH = "/api/gifts"
WORKERS = 2  # imports take turns at the store's writer; a second thread reads and parses the next body meanwhile
HEADERS = {"Cache-Control": "no-store"}
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class RateLimit:
    """Posts per token in a sliding minute."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._posts: dict[str, deque[float]] = {}

    def wait_seconds(self, name: str, per_minute: int) -> float:
        """0 and the post is counted, or how long until the token may post again."""
        now = self._clock()
        posts = self._posts.setdefault(name, deque())
        while posts and now - posts[0] >= 60:
            posts.popleft()
        if len(posts) >= per_minute:
            return 60 - (now - posts[0])
        posts.append(now)
        return 0.0


LIMITS = RateLimit()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="api-intake")
    return _pool


class BadBody(ValueError):
    """A body that is no file of gifts at all; the reason is the answer's."""


def as_file(body: bytes, content_type: str) -> bytes:
    """The body as the file the import reads, its format found from the content as a file's is (one JSON gift
    or an array of gifts is read as JSON Lines by `formats.read_table`); a form upload is refused."""
    if content_type.split(";")[0].strip().lower().startswith("multipart/"):
        raise BadBody("a form upload: send the file itself as the body (curl --data-binary @FILE)")
    return body


def answer(report: ImportReport) -> dict:
    return {
        "new": report.rows_new,
        "duplicate": report.rows_duplicate,
        "skipped": report.rows_skipped,
        "rejected": [{"line": r.line, "reason": r.reason} for r in report.rejections],
    }


def _refuse(status: int, message: str, **headers: str) -> Response:
    return JSONResponse({"error": message}, status, headers={**HEADERS, **headers})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is larger than `limit` (said by Content-Length, or counted as it arrives)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def gifts(request: Request) -> Response:
    if request.method != "POST":
        return _refuse(405, "only POST: the gifts are the request's body", Allow="POST")
    store = adopted()
    if store is None:
        return _refuse(503, "the board has no store open")
    token = _bearer(request)
    if token is None:
        return _refuse(401, "no token: send Authorization: Bearer TOKEN", **{"WWW-Authenticate": "Bearer"})
    name = tokens.holder(token, store.location)
    if name is None:
        return _refuse(401, "unknown or revoked token", **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
    rules = store.event.api
    wait = LIMITS.wait_seconds(name, rules.posts_per_minute)
    if wait:
        return _refuse(
            429,
            f"more than {rules.posts_per_minute} posts in a minute for this token",
            **{"Retry-After": str(int(wait) + 1)},
        )
    body = await _body(request, rules.max_body_bytes)
    if body is None:
        return _refuse(413, f"the body is larger than {rules.max_body_mb:g} MB ([api] max_body_mb)")
    try:
        data = as_file(body, request.headers.get("content-type", ""))
    except BadBody as exc:
        return _refuse(400, str(exc))
    report = await asyncio.get_running_loop().run_in_executor(_executor(), import_bytes, store, data, f"api:{name}")
    if report.outcome == "unreadable":
        return _refuse(400, report.message)
    if report.outcome != "committed":
        return _refuse(503, report.message)
    log.info("%s", report.summary())
    return JSONResponse(answer(report), headers=HEADERS)


def routes(base: str = "") -> list[Route]:
    """The intake under Streamlit's `server.baseUrlPath` (`base`), as the wall's routes are. Every method is
    routed here, so another than POST is told 405 rather than falling through to Streamlit's page."""
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [Route(prefix + PATH, gifts, methods=ANY_METHOD)]
