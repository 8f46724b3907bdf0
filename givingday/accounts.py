"""Who may sign in and with which role (which pages a role sees: `labels.PAGES`).

Local accounts live in `users.json` beside the store (mode 600), not in the store itself: the command line
must be able to add a user while the running board holds the DuckDB file, which no other process can open. Passwords are
kept only as argon2id hashes. When Streamlit's OIDC sign-in is configured (`[auth]` in secrets.toml), people
sign in there and this file only says which role each e-mail address has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from givingday import config, labels

log = logging.getLogger(__name__)
USERS_FILE = "users.json"
MIN_PASSWORD = 10
MAX_NAME = 64

# Failed sign-ins: free for the first few, then each further failure doubles the wait, up to 15 minutes.
FREE_FAILURES = 3
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 900

_hasher = PasswordHasher()  # argon2id, 64 MiB, 3 passes: deliberately slow to guess


@cache
def _dummy_hash() -> str:
    """Checked when the name is unknown, so a wrong name takes as long as a wrong password."""
    return _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A reason shown to the person at the command line (bad name, role, password)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    external: bool = False  # signs in through OIDC; no password here
    stamp: str = field(default="", compare=False)  # changes when the password does: ends open sessions


def _stamp(entry: dict) -> str:
    return hashlib.sha256(str(entry.get("password_hash", "")).encode()).hexdigest()[:16]


def still_valid(user: User, location: str | None = None) -> bool:
    """A session's user is signed out as soon as the account is removed, its role changes or its password
    does (`users.json` is read again, at most once per change of the file)."""
    entry = _read_cached(users_path(location)).get(user.name)
    if entry is None or entry["role"] != user.role or bool(entry.get("external")) != user.external:
        return False
    return user.external or _stamp(entry) == user.stamp


_cache: dict[Path, tuple[float, dict]] = {}


def _read_cached(path: Path) -> dict[str, dict]:
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        try:
            hit = (mtime, _read(path))
        except AccountsUnreadable:
            log.exception("accounts: keeping the sessions of the last readable users file")
            return hit[1] if hit else {}
        _cache[path] = hit
    return hit[1]


def users_path(location: str | None = None) -> Path:
    return config.beside_store(config.db_location(location), USERS_FILE)


class AccountsUnreadable(AccountError):
    """users.json exists but cannot be read (edited by hand and broken): the message says where."""


def _read(path: Path) -> dict[str, dict]:
    try:
        return config.read_private_json(
            path,
            "users",
            "role",
            "accounts",
            "fix it by hand or add the users again with `python -m givingday user add`",
        )
    except config.PrivateFileError as exc:
        raise AccountsUnreadable(str(exc)) from None


def _write(path: Path, users: dict[str, dict]) -> None:
    config.write_private_json(path, {"users": users})


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError(f"a user name is 1–{MAX_NAME} printable characters without spaces")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if password.strip() != password:
        raise AccountError("the password must not start or end with a space")


def add_user(name: str, role: str, password: str | None, location: str | None = None) -> User:
    """Add a local user (with a password) or an OIDC user (password None: signs in by e-mail)."""
    name = check_name(name)
    if role not in labels.ROLES:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(labels.ROLES)})")
    path = users_path(location)
    users = _read(path)
    if name in users:
        raise AccountError(f"user {name!r} already exists (use `user passwd` or `user remove`)")
    entry = {"role": role, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if password is None:
        entry["external"] = True
    else:
        check_password(password)
        entry["password_hash"] = _hasher.hash(password)
    users[name] = entry
    _write(path, users)
    return User(name, role, password is None)


def set_password(name: str, password: str, location: str | None = None) -> None:
    path = users_path(location)
    users = _read(path)
    if name not in users or users[name].get("external"):
        raise AccountError(f"no local user {name!r}")
    check_password(password)
    users[name]["password_hash"] = _hasher.hash(password)
    _write(path, users)


def remove_user(name: str, location: str | None = None) -> None:
    if not config.drop_private_entry(_read, _write, users_path(location), name):
        raise AccountError(f"no user {name!r}")


def list_users(location: str | None = None) -> list[User]:
    return [User(n, u["role"], bool(u.get("external"))) for n, u in sorted(_read(users_path(location)).items())]


def external_user(email: str | None, location: str | None = None) -> User | None:
    """The role of someone signed in through OIDC, by e-mail; None if nobody gave them one."""
    if not email:
        return None
    try:
        entry = _read(users_path(location)).get(email)
    except AccountsUnreadable as exc:
        log.error("sign-in impossible: %s", exc)
        return None
    if entry is None or not entry.get("external"):
        return None
    return User(email, entry["role"], True)


class Throttle:
    """Slows repeated failed sign-ins per user name and per client address (in this process)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, time of the last)
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> float:
        """How long these keys must still wait before another attempt (0 when they may try now)."""
        with self._lock:
            return self._wait_locked(keys)

    def _wait_locked(self, keys) -> float:
        now = self._clock()
        wait = 0.0
        for key in keys:
            n, last = self._failures.get(key, (0, 0.0))
            if n >= FREE_FAILURES:
                delay = min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** (n - FREE_FAILURES))
                wait = max(wait, last + delay - now)
        return max(0.0, wait)

    def attempt(self, *keys: str) -> float:
        """Counts an attempt as failed before the password is checked (so parallel attempts cannot slip
        past the count); returns how long to wait instead, when the keys must wait."""
        with self._lock:
            wait = self._wait_locked(keys)
            if wait <= 0:
                self._fail_locked(keys)
        return wait

    def failed(self, *keys: str) -> None:
        with self._lock:
            self._fail_locked(keys)

    def _fail_locked(self, keys) -> None:
        now = self._clock()
        for key in keys:
            n, _ = self._failures.get(key, (0, 0.0))
            self._failures[key] = (n + 1, now)
        if len(self._failures) > 10_000:  # nothing grows without bound: forget the oldest
            for key, _ in sorted(self._failures.items(), key=lambda kv: kv[1][1])[:5_000]:
                del self._failures[key]

    def forgive_one(self, key: str) -> None:
        with self._lock:
            n, last = self._failures.get(key, (0, 0.0))
            if n > 1:
                self._failures[key] = (n - 1, last)
            else:
                self._failures.pop(key, None)

    def failures(self, key: str) -> int:
        with self._lock:
            return self._failures.get(key, (0, 0.0))[0]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


THROTTLE = Throttle()
_VERIFYING = threading.BoundedSemaphore(2)
REFUSALS_KEPT = 200
_refusals: deque[Refusal] = deque(maxlen=REFUSALS_KEPT)


@dataclass(frozen=True)
class Refusal:
    """A failed or throttled sign-in, as the data page lists it: the name masked, never the password."""

    at: dt.datetime
    name: str
    address: str
    throttled: bool


def recent_refusals() -> list[Refusal]:
    """The latest refused sign-ins in this process, newest first."""
    return list(reversed(_refusals))


def _refused(name: str, address: str, throttled: bool) -> None:
    shown = (name[:1] + "**") if name else "(empty)"
    _refusals.append(Refusal(dt.datetime.now(dt.UTC), shown, address, throttled))
    log.warning("sign-in %s: name %s from %s", "throttled" if throttled else "failed", shown, address)


class SignInRefused(Exception):
    """Wrong name or password, or too many failures: the message is what the person sees."""


def sign_in(
    name: str,
    password: str,
    client: str | None = None,
    location: str | None = None,
    throttle: Throttle = THROTTLE,
    session: str | None = None,
) -> User:
    """Check a local user's password. Unknown names cost the same time as wrong passwords.

    Failures slow down the name from that address and the browser session that made them, before the password
    is checked. Failures from one address across many names slow that address too, but only for sessions
    that have failed themselves: a person opening the page afresh with the right password is let in, so a
    stranger behind the same address (or the same proxy) cannot lock an organizer out.
    """
    name = name.strip()[:MAX_NAME]  # nothing longer than a name is ever kept
    address = client or "unknown"
    strict = [f"user:{name.lower()}|client:{address}"] + ([f"session:{session}"] if session else [])
    shared = f"client:{address}"
    fresh = session is not None and throttle.failures(f"session:{session}") == 0
    wait = throttle.attempt(*strict, *([] if fresh else [shared]))
    if wait > 0:
        _refused(name, address, throttled=True)
        raise SignInRefused(
            f"登录失败次数过多，请 {int(wait) + 1} 秒后再试。Too many failed attempts: wait {int(wait) + 1} s."
        )
    try:
        entry = _read(users_path(location)).get(name)
    except AccountsUnreadable as exc:
        log.error("sign-in impossible: %s", exc)
        raise SignInRefused(
            "账号文件无法读取，请联系管理员。The accounts file cannot be read: ask the administrator"
            f" ({users_path(location).name} is damaged)."
        ) from None
    stored = entry.get("password_hash") if entry and not entry.get("external") else None
    with _VERIFYING:  # each check takes 64 MiB and a core for a moment: at most two at a time
        try:
            _hasher.verify(stored or _dummy_hash(), password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        if fresh:
            throttle.failed(shared)
        _refused(name, address, throttled=False)
        raise SignInRefused("用户名或密码不正确。Wrong user name or password.")
    throttle.succeeded(*strict)  # the address's count stays: other names' failures are not forgiven
    if not fresh:
        throttle.forgive_one(shared)  # counted before the check, in case it failed
    return User(name, entry["role"], stamp=_stamp(entry))


def pages_for(user: User | None) -> tuple[str, ...]:
    """The protected pages this user may open (`labels.PAGES`); none for nobody signed in."""
    return labels.pages_for(user.role) if user else ()
