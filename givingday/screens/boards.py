"""A wall screen that survives a server: the boards it may ask, who may ask this board from another board's page,
and the health check a reverse proxy asks.

A wall page lists its boards (the URL's `boards=host1:8501,host2:8501`, else the event's `[screen] boards`);
its script (givingday/screens/wall.html) asks the first and moves to the next when that one stops answering.
The other boards' `/wall/feed` and `/wall/stream` answer a page served by any board of the event's list (CORS),
and nothing else of theirs: the page's Content-Security-Policy lets it connect only to its own board and the
listed ones. `/healthz` says whether this board reaches its store (docs/deploy/ has the proxies' side).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from givingday import config
from givingday.labels import both
from givingday.store.database import Store

# What the wall's script reads from a feed's answer on another board: the browser hides other headers from it.
EXPOSED = "X-Refresh, X-Milestone, X-Goals"


def listed(asked: str | None, event: config.Event) -> list[str]:
    """The boards a wall page asks, in order: the URL's `boards` (comma separated), else the event's. ValueError
    names an address that is not an http(s) origin; an empty list means the page's own board alone."""
    if asked is None or not asked.strip():
        return list(event.boards)
    return list(dict.fromkeys(config.board_origin(b) for b in asked.split(",") if b.strip()))


def page_script_value(boards: list[str]) -> str:
    """The list as a JavaScript literal safe inside `<script>`: origins only, and `<` escaped all the same."""
    return json.dumps(boards).replace("<", "\\u003c")


def content_policy(boards: list[str]) -> str:
    """The wall page may fetch from and stream from its own board and the listed boards, nowhere else."""
    return "connect-src " + " ".join(["'self'", *boards])


def cross_origin(request: Request, event: config.Event) -> dict[str, str]:
    """The CORS headers of a feed or stream answer: for a page of one of the event's boards, else none."""
    origin = request.headers.get("origin")
    headers = {"Vary": "Origin"}
    try:
        allowed = origin is not None and config.board_origin(origin) in event.boards
    except ValueError:
        allowed = False
    if allowed:
        headers |= {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED}
    return headers


def reachable(store: Store) -> str | None:
    """None when the store answers a query; else what failed, in one line."""
    try:
        store.scalar("select 1")
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
    return None


async def health(store: Store) -> Response:
    """200 when the board reaches its store, 503 when it does not: what a proxy's health check asks."""
    failed = await run_in_threadpool(reachable, store)
    headers = {"Cache-Control": "no-store"}
    if failed is None:
        return PlainTextResponse("ok", headers=headers)
    return PlainTextResponse(both("数据库无法访问", f"the store cannot be reached: {failed}"), 503, headers=headers)
