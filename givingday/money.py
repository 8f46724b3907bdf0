"""Money is integer fen (分) everywhere but on screen. Parsing text to fen never goes through a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal


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


def format_yuan(fen: int | Decimal | None, symbol: str = "¥") -> str:
    """'¥1,234.50' (with symbol='': '1,234.50'), exact from integer fen; a derived figure (an average, a
    median) as a Decimal of fen is rounded half up to the fen; None (no such figure) is '—'."""
    if fen is None:
        return "—"
    if isinstance(fen, Decimal):
        fen = int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "-" if fen < 0 else ""
    yuan, f = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{f:02d}"


def format_wan(fen: int, digits: int = 2) -> str:
    """Large sums in 万 ('123.45万'), rounded half up for display only; the stored value stays exact."""
    q = Decimal(fen) / Decimal(1_000_000)
    return f"{q.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,}万"


def format_wan_yuan(fen: int) -> str:
    """A sum in a sentence: '652.31万元'; below ten thousand yuan exact, '9,876.50元'."""
    if abs(fen) < 1_000_000:
        return format_yuan(fen, "") + "元"
    return format_wan(fen) + "元"


def format_short(fen: int, lang: str) -> str:
    """A figure on a big screen: in 万元 (zh) or millions of yuan (en) when large, else in yuan."""
    if lang == "en":
        return f"¥{fen / 100:,.0f}" if fen < 10_000_000 else f"¥{fen / 100_000_000:,.2f}M"
    return format_wan(fen) + "元" if fen >= 1_000_000 else format_yuan(fen)


def format_percent(ratio: Decimal, digits: int = 1) -> str:
    """'12.3%', rounded half up (a share of a goal, of a total)."""
    return f"{(ratio * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)}%"
