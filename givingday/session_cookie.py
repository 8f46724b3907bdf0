"""A signed-in browser's cookie: a reload or a shared console link keeps the session in the same browser.

The cookie holds the user's name, role, password stamp and expiry, signed with HMAC-SHA256 by a key kept
beside the store (`session.key`, made on first use, readable by the board's user only). It is checked on every
new page session against `users.json`, so removing a user, changing a role or a password ends every session at
once. Streamlit cannot set a response header, so a sign-in hands the browser a one-time ticket that it trades
for the cookie at `/auth/session` (see `web/asgi.py`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path

from givingday import accounts, config

COOKIE = "givingday_session"
KEY_FILE = "session.key"
LIFETIME_SECONDS = 12 * 3600  # one giving-day shift: sign in again the next morning
TICKET_SECONDS = 60  # a ticket is traded at once by the page that signed in
TICKETS_KEPT = 1000


def key_path(location: str | None = None) -> Path:
    return config.beside_store(config.db_location(location), KEY_FILE)


_keys: dict[Path, bytes] = {}
_keys_lock = threading.Lock()


def signing_key(location: str | None = None) -> bytes:
    """The key of this store's board: read once, or made (32 random bytes, mode 0600) if there is none."""
    path = key_path(location)
    with _keys_lock:
        if path not in _keys:
            try:
                _keys[path] = path.read_bytes()
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets.token_bytes(32))
                _keys[path] = path.read_bytes()
        return _keys[path]


def _sign(payload: bytes, key: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode().rstrip("=")


def make(user: accounts.User, location: str | None = None, now: float | None = None) -> str:
    """The cookie's value for `user`, valid for LIFETIME_SECONDS from `now`."""
    expires = int((time.time() if now is None else now) + LIFETIME_SECONDS)
    body = json.dumps({"n": user.name, "r": user.role, "s": user.stamp, "e": expires}, separators=(",", ":"))
    payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{payload}.{_sign(payload.encode(), signing_key(location))}"


def read(value: str | None, location: str | None = None, now: float | None = None) -> accounts.User | None:
    """The user a cookie names, if its signature holds, it has not expired and the account still stands."""
    if not value or len(value) > 4096 or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature, _sign(payload.encode(), signing_key(location))):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user = accounts.User(str(body["n"]), str(body["r"]), stamp=str(body["s"]))
        expires = int(body["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    try:
        return user if accounts.still_valid(user, location) else None
    except accounts.AccountsUnreadable:
        return None


class Tickets:
    """One-time tickets: a page that has just signed a user in gets one; the browser trades it for the cookie."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, tuple[float, accounts.User]] = {}

    def issue(self, user: accounts.User) -> str:
        ticket = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._open = {t: v for t, v in self._open.items() if v[0] > now}
            if len(self._open) >= TICKETS_KEPT:  # a flood of sign-ins: the oldest unclaimed tickets go
                self._open.pop(next(iter(self._open)))
            self._open[ticket] = (now + TICKET_SECONDS, user)
        return ticket

    def claim(self, ticket: str) -> accounts.User | None:
        """The ticket's user, once; None for an unknown, used or expired ticket."""
        with self._lock:
            hit = self._open.pop(ticket, None)
        if hit is None or hit[0] <= self._clock():
            return None
        return hit[1]


TICKETS = Tickets()
