"""Personal data stops at the door: names masked, numbers that identify a person scrubbed, donors hashed.

Nothing here is reversible: the store never sees a clear name, phone, ID or account number, so no page,
export or backup can leak one.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from givingday import config

ANONYMOUS = "爱心人士"
_ANONYMOUS_WORDS = {"", "匿名", "匿名用户", "匿名爱心人士", "爱心人士", "anonymous", "nan", "none", "null", "-"}

# Mainland mobile numbers, 18-digit ID numbers (last may be X), and any run of 8+ digits (accounts, cards,
# landlines with area code). Separators inside a number (spaces, dashes, dots) are tolerated.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d){8}(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_LONG_DIGITS = re.compile(r"\d(?:[- .]?\d){7,}")
_DATE_OR_TIME = re.compile(
    r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}:\d{2}(?::\d{2})?)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_HAS_DIGITS = re.compile(r"\d{5,}")
REDACTED = "***"


def mask_name(name: str | None) -> str:
    """'张三丰' -> '张**'; empty or 匿名 -> 爱心人士. The length of the name is not revealed."""
    s = (name or "").strip()
    if s.lower() in _ANONYMOUS_WORDS:
        return ANONYMOUS
    if _HAS_DIGITS.search(s) or _EMAIL.search(s) or s[0].isdigit():
        return ANONYMOUS
    return s[0] + "**"


def _scrub_part(s: str) -> str:
    s = _EMAIL.sub(REDACTED, s)
    s = _ID_CARD.sub(REDACTED, s)
    s = _MOBILE.sub(REDACTED, s)
    return _LONG_DIGITS.sub(REDACTED, s)


def scrub(text: str | None) -> str:
    """Remove phone, ID-card, account numbers and e-mail addresses from free text (memos, raw rows).

    Dates and times are left alone: '2020-09-07 10:01:00' is a run of digits but identifies nobody.
    """
    if not text:
        return ""
    parts = _DATE_OR_TIME.split(text)
    return "".join(p if i % 2 else _scrub_part(p) for i, p in enumerate(parts))


def load_salt(path: Path) -> bytes:
    """The installation's secret salt, made once on first use and kept beside the store (mode 600).

    `GIVINGDAY_SALT` overrides it, for installations that keep secrets elsewhere.
    """
    override = config.salt_override()
    if override:
        return override
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(salt)
    return salt


class DonorHasher:
    """Counts donors without knowing them: a keyed BLAKE2 hash of whatever identifies the donor.

    Nothing is remembered between calls: a cache of identities would keep donors' names and phone numbers in
    the server's memory for days, and grew with every new donor (the soak in `givingday load` saw it). Each
    file hashes each distinct identity once (`judge._per_value`), about a microsecond each."""

    def __init__(self, salt: bytes):
        self._salt = salt[:64]

    def __call__(self, identity: str) -> str:
        return hashlib.blake2b(identity.encode(), key=self._salt, digest_size=12).hexdigest()
