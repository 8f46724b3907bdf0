"""Who may post gifts to `POST /api/gifts` (givingday/ingest/intake.py): named bearer tokens.

Kept in `api_tokens.json` beside the store (mode 600), like the accounts, so `token add` and `token revoke` work
while the running board holds the DuckDB file. Only each token's SHA-256 is written: the token itself is printed
once, when it is made. A token is 256 random bits, so a fast hash is enough (no one guesses one), and the board
can check every post without the deliberate slowness of a password hash. The board reads the file again
whenever it changes, so a revoked token is refused from its next post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from givingday import config

log = logging.getLogger(__name__)
TOKENS_FILE = "api_tokens.json"
PREFIX = "gd_"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class TokenError(ValueError):
    """A reason shown at the command line (bad or taken name, unknown token, a broken file)."""


@dataclass(frozen=True)
class Token:
    name: str
    created_at: str


def tokens_path(location: str | None = None) -> Path:
    return config.beside_store(config.db_location(location), TOKENS_FILE)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(path: Path) -> dict[str, dict]:
    try:
        return config.read_private_json(
            path, "tokens", "sha256", "tokens", "fix it by hand, or move it aside and add the tokens again"
        )
    except config.PrivateFileError as exc:
        raise TokenError(str(exc)) from None


def _write(path: Path, tokens: dict[str, dict]) -> None:
    config.write_private_json(path, {"tokens": tokens})


def add_token(name: str, location: str | None = None) -> str:
    """Make a token for `name` (a system or a person that posts gifts) and return it: it is never shown again."""
    if not NAME.fullmatch(name):
        raise TokenError("a token's name is 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    path = tokens_path(location)
    tokens = _read(path)
    if name in tokens:
        raise TokenError(f"a token named {name!r} exists (revoke it first to make a new one)")
    token = PREFIX + secrets.token_urlsafe(32)
    tokens[name] = {"sha256": _digest(token), "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    _write(path, tokens)
    return token


def revoke_token(name: str, location: str | None = None) -> None:
    if not config.drop_private_entry(_read, _write, tokens_path(location), name):
        raise TokenError(f"no token named {name!r}")


def list_tokens(location: str | None = None) -> list[Token]:
    return [Token(name, t.get("created_at", "")) for name, t in sorted(_read(tokens_path(location)).items())]


_cache: dict[Path, tuple[tuple[int, int, int], dict[str, str]]] = {}


def _digests(path: Path) -> dict[str, str]:
    """The file's token digests by name, read again when its inode, size or time changes. A file broken by
    hand lets no token in until it is mended."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _cache.get(path)
    if hit is None or hit[0] != key:
        try:
            hit = (key, {name: t["sha256"] for name, t in _read(path).items()})
        except TokenError as exc:
            log.error("api tokens: %s; no token is accepted until it is mended", exc)
            hit = (key, {})
        _cache[path] = hit
    return hit[1]


def holder(token: str, location: str | None = None) -> str | None:
    """The name a token was made for, or None for a token unknown or revoked."""
    digest = _digest(token)
    found = None
    for name, known in _digests(tokens_path(location)).items():
        if hmac.compare_digest(digest, known):
            found = name
    return found
