"""Money is integer fen (分) everywhere but on screen. Parsing text to fen never goes through a float."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from givingday.labels import both


class AmountError(ValueError):
    """An amount that cannot be taken as money; the message (Chinese, then English) is the reason shown to the
    user. `zh` and `en` are its two halves, for a caller that says which amount it was."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(both(zh, en))
        self.zh, self.en = zh, en


# Full-width forms (０-９, ，, ．, ＋, －) are what Chinese exports and IMEs write; they mean the ASCII ones. Digits of
# any other script (٣, 𝟗) are refused: no export we take writes them, and a person typing one meant something else.
_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"，": ",", "．": ".", "＋": "+", "－": "-"})
_CURRENCY = ("¥", "￥", "元", "RMB", "CNY")


def _amount_pattern(thousands: str, decimal: str) -> re.Pattern[str]:
    """Digits, thousands separators only between groups of three ('1,234', never '1,00' or '1,2,3'), decimals."""
    frac = rf"(?:{re.escape(decimal)}([0-9]*))?"
    if not thousands or thousands == decimal:
        return re.compile(rf"([0-9]+){frac}")
    t = re.escape(thousands)
    return re.compile(rf"([0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]+){frac}")


def parse_fen(text: str, thousands: str = ",", decimal: str = ".") -> int:
    """Parse '1,234.5', '¥99', '１００', '50.000' (with thousands='.') into fen.

    Rejects what a person would not mean as a gift amount: negative or zero values are left to the caller
    (a refund is a separate event, not a negative gift), but signs, more than two decimals, misplaced
    thousands separators, digits of other scripts and stray characters are reasons here.
    """
    shown = text.strip()
    s = shown.translate(_FULL_WIDTH)
    for mark in _CURRENCY:
        s = s.replace(mark, "")
    s = s.strip()
    if not s:
        raise AmountError("金额为空", "amount is empty")
    if s.startswith("-"):
        raise AmountError(f"金额 {shown!r} 是负数", f"amount {shown!r} is negative")
    if s.startswith("+"):
        s = s[1:]
    m = _amount_pattern(thousands, decimal).fullmatch(s)
    if not m:
        if thousands and thousands in s and re.fullmatch(rf"[0-9{re.escape(thousands + decimal)}]+", s):
            raise AmountError(
                f"金额 {shown!r} 的千位分隔符位置不对", f"amount {shown!r} has a thousands separator out of place"
            )
        raise AmountError(f"金额 {shown!r} 不是数字", f"amount {shown!r} is not a number")
    whole = m.group(1).replace(thousands, "") if thousands else m.group(1)
    frac = m.group(2) or ""
    if len(frac) > 2:
        if len(frac.rstrip("0")) > 2:
            raise AmountError(f"金额 {shown!r} 超过两位小数", f"amount {shown!r} has more than two decimals")
        frac = frac[:2]
    return int(whole) * 100 + int((frac + "00")[:2])


def yuan_to_fen(value: int | float | str | Decimal) -> int:
    """Exact conversion of a configured yuan value (TOML gives int or float) to fen."""
    d = Decimal(str(value)) * 100
    if d != d.to_integral_value():
        raise AmountError(f"{value!r} 元不是整分", f"{value!r} yuan is not a whole number of fen")
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
    """'12.3%', rounded half up (a share of a total; a share of a goal is `format_goal_share`)."""
    return f"{(ratio * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)}%"


def goal_share(value_fen: int, goal_fen: int, places: int = 3) -> Decimal:
    """How much of a goal (or a pool) `value_fen` is, as a ratio cut down, never rounded up, to `places` decimals:
    shown at any precision up to that, it says 100% only once the goal is reached. Rounded, a project ¥40 short of
    ¥1,000,000 (99.996%) would read 100% on a plaza screen, beside a report's 未达成. Cut toward zero: a day whose
    refunds outweigh its gifts reads -0.1%, not -1%, and a share that cuts to nothing is 0, never -0.
    0.99996 -> Decimal('0.999')."""
    share = (Decimal(value_fen) / Decimal(goal_fen)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return share + 0  # -0.000 is 0.000


def format_goal_share(value_fen: int, goal_fen: int, digits: int = 0) -> str:
    """A share of a goal (or a pool) as text with `digits` decimals, cut down (`goal_share`): '99%' until the
    goal is reached, then '100%', '137%'."""
    return format_percent(goal_share(value_fen, goal_fen, digits + 2), digits)


def format_column(fens: list[int], lang: str) -> list[str]:
    """Figures read down one column of a big screen, all in one unit (chosen by the largest) so that ¥0.12M never
    stands above ¥64,443: 万元 (zh) from ten thousand yuan, millions (en) from ten million, else yuan."""
    top = max(fens, default=0)
    if lang == "en":
        return [f"¥{f / 100_000_000:,.2f}M" if top >= 1_000_000_000 else f"¥{f / 100:,.0f}" for f in fens]
    return [format_wan(f) + "元" if top >= 1_000_000 else format_yuan(f) for f in fens]
