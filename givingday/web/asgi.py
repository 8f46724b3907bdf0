"""The server's one ASGI app (`givingday serve` runs it): the Streamlit board of app.py, with the wall's routes
beside it on the same port (givingday/screens/wall.py). Imported by the server only: making the app pins
Streamlit's script path for the process."""

import ipaddress

import streamlit as st
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import config as st_config

from givingday import config
from givingday.screens import wall

# Streamlit's own endpoints that tell a stranger how the board is used (sessions open, cache sizes): answered
# only to this machine, for an operator with a shell on it.
PRIVATE_PATHS = ("/_stcore/metrics",)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def make_app() -> st.App:
    base = st_config.get_option("server.baseUrlPath")
    return st.App(
        config.ROOT / "app.py",
        routes=wall.routes(base),
        middleware=[Middleware(PrivateEndpoints, base_path=base)],
    )


app = make_app()
