"""The forecast in words, Chinese first with English beside, the same on the console, the summary, the report
files and the command line. The band is said in 万元 as every sum in a sentence is (`money.format_wan`), the unit
once and no ¥ beside it: 预计今日 301.2–340.5万元（80%）."""

from __future__ import annotations

from givingday.forecast.model import Estimate, Forecast
from givingday.labels import both
from givingday.money import format_wan

NOT_YET = {
    "before": ("活动尚未开始，暂不预测", "the event has not begun: no forecast yet"),
    "no_gifts": ("今日尚无捐款，暂不预测", "no gifts today yet: no forecast yet"),
    "too_early": ("今日捐款尚少，为时尚早，暂不预测", "too early in the day to tell: no forecast yet"),
}
METHOD = both(
    "按今日进度与往常一天的走势推算；区间为80%把握：演示活动回测中，约十次有八次最终数落在区间内",
    "today's pace over the usual day's shape; the band is 80%: on replayed demo events the final fell inside it"
    " about 8 times in 10",
)


def wan(fen: int) -> str:
    """'301.2' (万元, one decimal): a forecast is not exact to the yuan."""
    return format_wan(fen, 1).removesuffix("万")


def wan_yuan(fen: int) -> str:
    """'301.2万元': one forecast figure in a sentence."""
    return format_wan(fen, 1) + "元"


def wan_band(low_fen: int, high_fen: int) -> str:
    """'301.2–340.5万元': the unit said once, after both ends."""
    return f"{wan(low_fen)}–{wan_yuan(high_fen)}"


def millions(fen: int) -> str:
    return f"{fen / 100_000_000:,.2f}"


def band(what_zh: str, what_en: str, e: Estimate) -> str:
    return both(
        f"预计{what_zh} {wan_band(e.low_fen, e.high_fen)}（80%），中间值 {wan_yuan(e.point_fen)}",
        f"{what_en} expected to end at ¥{millions(e.low_fen)}–{millions(e.high_fen)} million (80%),"
        f" middle ¥{millions(e.point_fen)} million",
    )


def lines(f: Forecast) -> list[str]:
    """What the forecast says: today's band and the event's, or why there is no figure yet."""
    if f.state == "over":
        return [
            both(
                f"活动已结束，全程 {wan_yuan(f.event.point_fen)}",
                f"the event is over at ¥{millions(f.event.point_fen)} million",
            )
        ]
    if f.state != "ok":
        return [both(*NOT_YET[f.state])]
    return [band("今日", "today", f.today), band("全程", "the event", f.event)]
