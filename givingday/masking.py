"""Personal data stops at the door: names masked, numbers that identify a person scrubbed, donors hashed.

Nothing here is reversible: the store never sees a clear name, phone, ID or account number, so no page,
export or backup can leak one.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
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
# Bounded runs on each side of the '@', so a long text without one costs linear time, not quadratic.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_HAS_DIGITS = re.compile(r"\d{5,}")
REDACTED = "***"
# A cut at `limit` characters is made after scrubbing a little more than that, so a number that straddles the
# cut is scrubbed whole, and no pattern ever reads more than this past the limit.
_CUT_MARGIN = 32


_SPACES = frozenset("\t\n\r\v\f\x85\u2028\u2029")
_DROPPED = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))


def clean_text(text: str | None) -> str:
    """Text with control and format characters gone (U+202E reversing a name, zero-width marks hiding one),
    line breaks and tabs as spaces, and no combining mark left at the start; then trimmed."""
    if not text:
        return ""
    out = []
    started = False  # a letter has been kept: combining marks from here on belong to it
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _SPACES:
            out.append(" ")
        elif cat in _DROPPED or (cat in ("Mn", "Me") and not started):
            continue
        else:
            out.append(ch)
            started = started or not ch.isspace()
    return "".join(out).strip()


_NAME_READ = 256  # a name longer than this is no name; only its first characters are looked at


def mask_name(name: str | None) -> str:
    """'张三丰' -> '张**'; empty or 匿名 -> 爱心人士. The length of the name is not revealed."""
    s = clean_text((name or "")[:_NAME_READ])
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


def scrub(text: str | None, limit: int | None = None) -> str:
    """Remove phone, ID-card, account numbers and e-mail addresses from free text (memos, raw rows), and the
    control and format characters `clean_text` removes; cut to `limit` characters when given.

    Dates and times are left alone: '2020-09-07 10:01:00' is a run of digits but identifies nobody.
    """
    if not text:
        return ""
    if limit is not None:
        text = text[: limit + _CUT_MARGIN]
    parts = _DATE_OR_TIME.split(clean_text(text))
    out = "".join(p if i % 2 else _scrub_part(p) for i, p in enumerate(parts))
    return out[:limit].strip() if limit is not None else out


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
    file hashes each distinct identity once (`many`, from `judge.judge_rows`)."""

    def __init__(self, salt: bytes):
        self._salt = salt[:64]

    def __call__(self, identity: str) -> str:
        return hashlib.blake2b(identity.encode(), key=self._salt, digest_size=12).hexdigest()

    def many(self, identities: list[str]) -> list[str]:
        """Each identity's hash, as `__call__` makes it: the keyed state is made once and copied, not remade."""
        keyed = hashlib.blake2b(key=self._salt, digest_size=12)
        out = []
        for identity in identities:
            h = keyed.copy()
            h.update(identity.encode())
            out.append(h.hexdigest())
        return out
