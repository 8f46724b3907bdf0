"""Money is integer fen (分) everywhere but on screen. Parsing text to fen never goes through a float."""

from __future__ import annotations

import re
from decimal import Decimal


class AmountError(ValueError):
    """An amount that cannot be taken as money; the message is the reason shown to the user."""


_PLAIN = re.compile(r"(\d+)(?:\.(\d*))?")


def parse_fen(text: str, thousands: str = ",", decimal: str = ".") -> int:
    """Parse '1,234.5', '¥99', '50.000' (with thousands='.') into fen.

    Rejects what a person would not mean as a gift amount: negative or zero values are left to the caller
    (a refund is a separate event, not a negative gift), but signs, more than two decimals and stray
    characters are reasons here.
    """
    s = text.strip().replace("¥", "").replace("￥", "").replace("元", "").strip()
    if not s:
        raise AmountError("amount is empty")
    if s.startswith("-"):
        raise AmountError(f"amount {text.strip()!r} is negative")
    if s.startswith("+"):
        s = s[1:]
    if thousands and thousands != decimal:
        s = s.replace(thousands, "")
    if decimal != ".":
        s = s.replace(decimal, ".")
    m = _PLAIN.fullmatch(s)
    if not m:
        raise AmountError(f"amount {text.strip()!r} is not a number")
    whole, frac = m.group(1), m.group(2) or ""
    if len(frac) > 2:
        if frac.rstrip("0") and len(frac.rstrip("0")) > 2:
            raise AmountError(f"amount {text.strip()!r} has more than two decimals")
        frac = frac[:2]
    return int(whole) * 100 + int((frac + "00")[:2])


def yuan_to_fen(value: int | float | str | Decimal) -> int:
    """Exact conversion of a configured yuan value (TOML gives int or float) to fen."""
    d = Decimal(str(value)) * 100
    if d != d.to_integral_value():
        raise AmountError(f"{value!r} yuan is not a whole number of fen")
    return int(d)


def format_yuan(fen: int, symbol: str = "¥") -> str:
    """'¥1,234.50': exact, from integer fen."""
    sign = "-" if fen < 0 else ""
    yuan, f = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{f:02d}"


def format_wan(fen: int, digits: int = 2) -> str:
    """Large sums in 万元 ('123.45万'), rounded half up for display only; the stored value stays exact."""
    q = Decimal(fen) / Decimal(1_000_000)
    return f"{q.quantize(Decimal(1).scaleb(-digits), rounding='ROUND_HALF_UP'):,}万"
