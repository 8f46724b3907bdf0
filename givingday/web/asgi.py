"""The server's one ASGI app (`givingday serve` runs it): the Streamlit board of app.py, with the wall's routes
(givingday/screens/wall.py) and the intake API (givingday/ingest/intake.py) beside it on the same port. Imported
by the server only: making the app pins Streamlit's script path for the process."""

import hmac
import ipaddress
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import config as st_config

from givingday import board_link, cli, config, session_cookie
from givingday.ingest import intake
from givingday.screens import stream, wall
from givingday.web.board import oidc_configured, shared_store

# Streamlit's own endpoints that tell a stranger how the board is used (sessions open, cache sizes): answered
# only to this machine, for an operator with a shell on it.
PRIVATE_PATHS = ("/_stcore/metrics",)


def _is_loopback(host: str | None) -> bool:
    """This machine, including IPv4 as a dual-stack socket reports it (`::ffff:127.0.0.1`)."""
    try:
        address = ipaddress.ip_address(host) if host is not None else None
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


class PrivateEndpoints:
    """Refuses the private paths to any client not on this machine, whatever proxy headers say."""

    def __init__(self, app: ASGIApp, base_path: str = ""):
        self.app = app
        prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.paths = {prefix + p for p in PRIVATE_PATHS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") in self.paths:
            client = scope.get("client")
            if not _is_loopback(client[0] if client else None):
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _prefix(base: str) -> str:
    return "/" + base.strip("/") if base.strip("/") else ""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def same_origin(scope: Scope) -> bool:
    """A request with no Origin (not sent by a page), or sent by a page of this board (its host and port)."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc != "" and urlsplit(origin).netloc == _header(scope, b"host")


def _cookie(scope: Scope, name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie") or "")
    except CookieError:  # a malformed Cookie header is no cookie
        return None
    return jar[name].value if name in jar else None


class SessionGuard:
    """What a signed-in browser's cookie must not open to other sites, and what needs a session at all.

    The session cookie is SameSite=Lax, which a page on another port of the same host still counts as the
    same site: so the websocket and the upload endpoint refuse a request whose Origin is another board's or
    another site's page, and `/media/` (the organizers' downloads and the summary's charts; no public page has
    any) answers only a browser with a session."""

    def __init__(self, app: ASGIApp, base_path: str = ""):
        self.app = app
        prefix = _prefix(base_path)
        self.stream = prefix + "/_stcore/stream"
        self.upload = prefix + "/_stcore/upload_file"
        self.media = prefix + "/media/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "websocket" and path == self.stream and not same_origin(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] == "http" and path.startswith(self.upload) and not same_origin(scope):
            await PlainTextResponse("Forbidden: another site's page", status_code=403)(scope, receive, send)
            return
        if scope["type"] == "http" and path.startswith(self.media) and not self._has_session(scope):
            await PlainTextResponse("Forbidden: sign in first", status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _has_session(scope: Scope) -> bool:
        if session_cookie.read(_cookie(scope, session_cookie.COOKIE), shared_store().location) is not None:
            return True
        return oidc_configured() and _cookie(scope, "_streamlit_user") is not None


def _secure(request: Request) -> bool:
    """Served over https: directly, or behind a trusted proxy that says so."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    return peer in config.trusted_proxies() and request.headers.get("x-forwarded-proto", "") == "https"


def cookie_routes(base: str = "") -> list[Route]:
    """`/auth/session` trades a one-time ticket for the session cookie; `/auth/sign-out` drops it. Both only
    for this board's own pages (a POST from another site's page is refused)."""
    prefix = _prefix(base)
    path = prefix or "/"

    async def take(request: Request) -> Response:
        if not same_origin(request.scope):
            return PlainTextResponse("Forbidden: another site's page", status_code=403)
        ticket = (await request.body())[:200].decode("ascii", "replace")
        user = session_cookie.TICKETS.claim(ticket)
        if user is None:
            return PlainTextResponse("Forbidden: no such ticket", status_code=403)
        response = Response(status_code=204)
        response.set_cookie(
            session_cookie.COOKIE,
            session_cookie.make(user, shared_store().location),
            max_age=session_cookie.LIFETIME_SECONDS,
            path=path,
            secure=_secure(request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def drop(request: Request) -> Response:
        if not same_origin(request.scope):
            return PlainTextResponse("Forbidden: another site's page", status_code=403)
        response = Response(status_code=204)
        response.delete_cookie(session_cookie.COOKIE, path=path, secure=_secure(request), httponly=True, samesite="lax")
        return response

    return [
        Route(f"{prefix}/auth/session", take, methods=["POST"]),
        Route(f"{prefix}/auth/sign-out", drop, methods=["POST"]),
    ]


def ask_route(base: str = "") -> Route:
    """`board_link.PATH`: the command line's reading commands, from this machine, with the board's token."""

    async def ask(request: Request) -> Response:
        token = board_link.published_token()
        given = request.headers.get(board_link.TOKEN_HEADER, "")
        peer = request.client.host if request.client else None
        if token is None or not _is_loopback(peer) or not hmac.compare_digest(given.encode(), token.encode()):
            return PlainTextResponse("Not Found", status_code=404)
        try:
            argv = (await request.json())["argv"]
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                raise ValueError(argv)
        except (ValueError, KeyError, TypeError):
            return PlainTextResponse("Bad Request", status_code=400)
        out, err, code = await run_in_threadpool(cli.run_for_board, argv, shared_store())
        return JSONResponse({"stdout": out, "stderr": err, "code": code})

    return Route(_prefix(base) + board_link.PATH, ask, methods=["POST"])


def make_app() -> st.App:
    base = st_config.get_option("server.baseUrlPath")
    return st.App(
        config.ROOT / "app.py",
        routes=wall.routes(base) + stream.routes(base) + intake.routes(base) + cookie_routes(base) + [ask_route(base)],
        middleware=[Middleware(PrivateEndpoints, base_path=base), Middleware(SessionGuard, base_path=base)],
    )


app = make_app()
