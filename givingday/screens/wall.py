"""The wall: the big screen for screens that only watch, served beside the Streamlit app on the same port.

`/wall?site=S002&view=overview` is a static page (givingday/screens/wall.html) whose script holds `/wall/stream`
(givingday/screens/stream.py) for each new screen, or, when it cannot, asks `/wall/feed` with the same query
string every `refresh` seconds, and puts the answer in place. The answer is the page the Streamlit
big screen shows, from the same feed (`screen_feed.shared`): one snapshot per commit or two seconds, one rendering per
page shown. A refresh here is one small HTTP request that reads a string; in Streamlit it is a fragment run
with its session, rerun and message machinery, which is what decides how many screens one server holds
(docs/performance.md).

A wall may know several boards and move between them when one stops answering (givingday/screens/boards.py).
`/healthz` is here too: what a reverse proxy in front of several boards asks (docs/deploy/).

Read only and public, like the big screen: nothing here writes; an unknown site is answered 404, with the
message the big screen shows for it, before any snapshot is taken for it, and a milestone the total has not reached is not celebrated, whatever the URL asks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from givingday.screens import boards, moments
from givingday.screens import feed as screen_feed
from givingday.screens import render as bigscreen
from givingday.screens.snapshot import Snapshot
from givingday.store.database import Store, adopted

PAGE_FILE = Path(__file__).with_name("wall.html")
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def store() -> Store:
    store = adopted()
    if store is None:
        raise RuntimeError("the wall needs the store `givingday serve` opens")
    return store


def goals_header(snap: Snapshot) -> str:
    """The goal moments a screen may show, for a header: each key URL-quoted, comma-separated."""
    return ",".join(quote(k, safe=":") for k in snap.goals_reached())


def _screen(page: str, snap: Snapshot | None, p: bigscreen.ScreenParams, status: int = 200) -> Response:
    milestone = snap.milestone_passed() if snap else None
    headers = {
        **HEADERS,
        "X-Milestone": str(milestone or ""),
        "X-Goals": goals_header(snap) if snap else "",
        "X-Refresh": str(p.refresh),
    }
    return HTMLResponse(page, status, headers=headers)


def _answered(request: Request, response: Response) -> Response:
    """A feed answer a page of another of the event's boards may read (givingday/screens/boards.py)."""
    response.headers.update(boards.cross_origin(request, store().event))
    return response


def answer(feed: screen_feed.ScreenFeed, p: bigscreen.ScreenParams, view: str, celebrate: str | None) -> Response:
    """The screen for one refresh when it is not ready: a site's first snapshot, or a page nobody asked for
    yet. It may wait for the database, so it runs off the event loop."""
    if not feed.knows(p.site):  # the big screen's message, as a 404: the screen keeps asking, in case it is added
        return _screen(bigscreen.unknown_site(p.site), None, p, 404)
    snap = feed.snapshot(p.site)
    return _screen(feed.html(p.site, view, p.lang, bigscreen.celebration(snap, celebrate)), snap, p)


async def feed(request: Request) -> Response:
    """A wall screen's refresh. The usual one only reads strings already made, here on the event loop; the
    rest goes to a thread with the same view (a rotation cannot turn between the two)."""
    p = bigscreen.screen_params(request.query_params.get)
    view = p.view_now()
    celebrate = request.query_params.get("celebrate")  # the screen decides when; the feed, whether it may
    shared = screen_feed.shared(store())
    hit = shared.cached(p.site, view, p.lang, celebrate)  # the feed keeps only sites of the roster
    if hit is not None:
        return _answered(request, _screen(*hit, p))
    return _answered(request, await run_in_threadpool(answer, shared, p, view, celebrate))


@cache
def _page() -> str:
    """The page with the screens' own constants filled in, so the script and the Streamlit page agree."""
    text = PAGE_FILE.read_text(encoding="utf-8")
    return (
        text.replace("{{CELEBRATE_MS}}", str(bigscreen.CELEBRATE_SECONDS * 1000))
        .replace("{{GOAL_MS}}", str(moments.GOAL_SECONDS * 1000))
        .replace("{{REFRESH_MS}}", str(bigscreen.REFRESH_SECONDS * 1000))
    )


async def page(request: Request) -> Response:
    """The page, with the boards it asks in turn (an address that is not an http(s) origin is refused, 400)."""
    try:
        listed = boards.listed(request.query_params.get("boards"), store().event)
    except ValueError as exc:
        return PlainTextResponse(str(exc), 400, headers=HEADERS)
    headers = {**HEADERS, "Content-Security-Policy": boards.content_policy(listed)}
    return HTMLResponse(_page().replace("{{BOARDS}}", boards.page_script_value(listed)), headers=headers)


async def health(request: Request) -> Response:
    return await boards.health(store())


def routes(base: str = "") -> list[Route]:
    """The wall's routes under Streamlit's `server.baseUrlPath` (`base`), as its own pages are."""
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [
        Route(f"{prefix}/wall", page, methods=["GET"]),
        Route(f"{prefix}/wall/feed", feed, methods=["GET"]),
        Route(f"{prefix}/healthz", health, methods=["GET"]),
    ]
