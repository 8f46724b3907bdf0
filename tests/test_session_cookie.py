"""The session cookie: a reload or a shared link keeps a browser signed in, and nothing else does."""

import asyncio
import os
import stat

import pytest

from givingday import accounts, session_cookie
from givingday.web import asgi

PASSWORD = "correct horse battery"


@pytest.fixture
def loc(db_path) -> str:
    accounts.add_user("ana", "organizer", PASSWORD, str(db_path))
    return str(db_path)


def _signed_in(loc: str) -> accounts.User:
    return accounts.sign_in("ana", PASSWORD, location=loc, throttle=accounts.Throttle())


def test_a_cookie_names_its_user_until_it_expires(loc):
    user = _signed_in(loc)
    value = session_cookie.make(user, loc, now=1_000_000)
    assert session_cookie.read(value, loc, now=1_000_000 + 60) == user
    assert session_cookie.read(value, loc, now=1_000_000 + session_cookie.LIFETIME_SECONDS) is None
    mode = stat.S_IMODE(os.stat(session_cookie.key_path(loc)).st_mode)
    assert mode == 0o600, "the signing key is the board's user's only"


@pytest.mark.parametrize("change", ["password", "role", "removed"])
def test_changing_an_account_ends_its_cookie_at_once(loc, change):
    value = session_cookie.make(_signed_in(loc), loc)
    if change == "password":
        accounts.set_password("ana", "another password!", loc)
    elif change == "role":
        accounts.remove_user("ana", loc)
        accounts.add_user("ana", "admin", PASSWORD, loc)
    else:
        accounts.remove_user("ana", loc)
    assert session_cookie.read(value, loc) is None


def test_a_forged_or_broken_cookie_names_nobody(loc):
    value = session_cookie.make(_signed_in(loc), loc)
    payload, signature = value.split(".")
    admin = session_cookie.make(accounts.User("ana", "admin", stamp="x"), loc).split(".")[0]
    for bad in (f"{admin}.{signature}", f"{payload}.{signature[:-2]}AA", payload, "", "a.b.c", "é" * 5000, None):
        assert session_cookie.read(bad, loc) is None, bad


def test_a_ticket_is_traded_once_and_only_while_fresh(loc):
    now = [0.0]
    tickets = session_cookie.Tickets(clock=lambda: now[0])
    user = _signed_in(loc)
    first, second = tickets.issue(user), tickets.issue(user)
    assert tickets.claim(first) == user
    assert tickets.claim(first) is None, "a second trade of the same ticket"
    now[0] = session_cookie.TICKET_SECONDS + 1
    assert tickets.claim(second) is None, "an expired ticket"
    assert tickets.claim("made-up") is None


def _call(app, scope: dict, body: bytes = b"") -> list[dict]:
    """One request through an ASGI app; the messages it sent back."""
    sent: list[dict] = []
    first = {"type": "websocket.connect"} if scope["type"] == "websocket" else {"type": "http.request", "body": body}
    messages = [first]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _scope(kind: str, path: str, method: str = "GET", **headers: str) -> dict:
    h = [(b"host", b"board.local:8501")] + [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": kind, "path": path, "method": method, "headers": h, "scheme": "http", "client": ("10.0.0.9", 5)}


async def _inner(scope, receive, send):
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


@pytest.fixture
def guard(loc, monkeypatch):
    monkeypatch.setattr(asgi, "shared_store", lambda: type("S", (), {"location": loc})())
    monkeypatch.setattr(asgi, "oidc_configured", lambda: False)
    return asgi.SessionGuard(_inner)


def _status(sent: list[dict]) -> int | str:
    return next(m.get("status", m["type"]) for m in sent if m["type"] != "http.response.body")


def test_another_sites_page_cannot_use_the_cookie(guard):
    other = "http://evil.example:8000"
    for port_only in ("http://board.local:9999", other):
        assert _call(guard, _scope("websocket", "/_stcore/stream", origin=port_only)) == [
            {"type": "websocket.close", "code": 1008}
        ]
        assert _status(_call(guard, _scope("http", "/_stcore/upload_file/s/f", "PUT", origin=port_only))) == 403
    own = "http://board.local:8501"
    assert _status(_call(guard, _scope("websocket", "/_stcore/stream", origin=own))) == "websocket.accept"
    assert _status(_call(guard, _scope("http", "/_stcore/upload_file/s/f", "PUT", origin=own))) == 200


def test_a_download_needs_a_session(guard, loc):
    assert _status(_call(guard, _scope("http", "/media/abc.csv"))) == 403
    cookie = f"{session_cookie.COOKIE}={session_cookie.make(_signed_in(loc), loc)}"
    assert _status(_call(guard, _scope("http", "/media/abc.csv", cookie=cookie))) == 200
    assert _status(_call(guard, _scope("http", "/media/abc.csv", cookie=cookie + "x"))) == 403
    assert _status(_call(guard, _scope("http", "/wall"))) == 200, "public pages need nothing"


def test_the_ticket_route_sets_a_strict_cookie_once(loc, monkeypatch):
    monkeypatch.setattr(asgi, "shared_store", lambda: type("S", (), {"location": loc})())
    take = next(r for r in asgi.cookie_routes() if r.path == "/auth/session").app
    ticket = session_cookie.TICKETS.issue(_signed_in(loc))
    own = {"origin": "http://board.local:8501"}
    assert (
        _status(_call(take, _scope("http", "/auth/session", "POST", origin="http://evil.example"), ticket.encode()))
        == 403
    )
    sent = _call(take, _scope("http", "/auth/session", "POST", **own), ticket.encode())
    assert _status(sent) == 204
    header = dict(sent[0]["headers"])[b"set-cookie"].decode()
    assert header.startswith(session_cookie.COOKIE + "=")
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header and "Secure" not in header
    value = header.split(";")[0].split("=", 1)[1]
    assert session_cookie.read(value, loc).name == "ana"
    assert _status(_call(take, _scope("http", "/auth/session", "POST", **own), ticket.encode())) == 403, "used"
