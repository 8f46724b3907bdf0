"""The console's chart of money and gifts per minute (per hour or day over a longer span), in the event's zone."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import plotly.graph_objects as go

from givingday.money import format_yuan

PER = {"minute": "分钟", "hour": "小时", "day": "天"}
DAY_MS = 86_400_000
WITHIN_A_DAY = "%H:%M"
ACROSS_DAYS = [  # by the distance between ticks: hours on each day's date, then the dates alone
    dict(dtickrange=[None, DAY_MS], value="%-m月%-d日 %H:%M"),
    dict(dtickrange=[DAY_MS, None], value="%-m月%-d日"),
]


# At most MARKED bars far above all the others (the tallest more than TALL_TIMES the next one after them: a ¥200,000
# gift in a day of ¥300 minutes) would flatten every other bar: the money axis then stops at TOP_TIMES that next bar,
# the few are drawn cut at the top and their money written there. A busy hour's many tall bars are not few: the
# axis fits them. Only with at least CUT_FROM_BARS bars with money: a short chart shows every bar whole. Bars are
# ranked by their size either way (a refund's bar goes down), counted only when money came in.
MARKED = 5
TALL_TIMES = 3
TOP_TIMES = 1.25
CUT_FROM_BARS = 20


def money_axis_top(yuan: pd.Series) -> float | None:
    """Where the money axis stops when a few bars would flatten the rest, else None: the axis fits every bar."""
    if (yuan > 0).sum() < CUT_FROM_BARS:
        return None
    tallest = yuan.abs().sort_values(ascending=False)
    after_few = float(tallest.iloc[MARKED])
    return after_few * TOP_TIMES if tallest.iloc[0] > after_few * TALL_TIMES else None


def count_step(most: int) -> int:
    """The distance between the count axis's ticks: a whole 1, 2 or 5 × 10ⁿ, at most five steps up to `most`
    (never a tick at 24.2 人次)."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50, …
    while step * 5 < most:
        step = int(step * next(factors))
    return step


def minutes_chart(frame: pd.DataFrame, tz: dt.tzinfo, unit: str = "minute") -> go.Figure:
    """`frame` is `figures.minutes`: one row per bar (`unit`) of the chart's span, quiet bars as zeros."""
    local = frame["bar_at"].dt.tz_convert(tz).dt.tz_localize(None) if len(frame) else frame["bar_at"]
    one_day = len(frame) == 0 or local.min().date() == local.max().date()
    fig = go.Figure()
    yuan = frame["total_fen"] / 100
    fig.add_bar(x=local, y=yuan, name="善款(元)", marker_color="#e4572e")
    fig.add_scatter(x=local, y=frame["donations"], name="人次", yaxis="y2", mode="lines", line_color="#4c78a8")
    most = int(frame["donations"].max()) if len(frame) else 0
    fig.update_layout(
        height=280,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
        xaxis=dict(tickformat=WITHIN_A_DAY if one_day else None, tickformatstops=[] if one_day else ACROSS_DAYS),
        yaxis=dict(title=f"元/{PER[unit]}", rangemode="tozero", tickformat=","),
        yaxis2=dict(
            title=f"人次/{PER[unit]}",
            overlaying="y",
            side="right",
            showgrid=False,
            rangemode="tozero",
            tickmode="linear",
            tick0=0,
            dtick=count_step(most),
            tickformat=",d",
        ),
        hovermode="x unified",
        bargap=0,
    )
    fig.update_xaxes(hoverformat="%-m月%-d日 %H:%M")
    top = money_axis_top(yuan)
    if top is not None:
        _cut_tall_bars(fig, local, frame["total_fen"], top)
    return fig


def _cut_tall_bars(fig: go.Figure, local: pd.Series, fen: pd.Series, top: float) -> None:
    """The money axis from a refund's depth (no lower than -`top`) to `top`; the few bars beyond it drawn cut at
    its edge with their money written there (the hover says every bar's whole money)."""
    yuan = fen / 100
    fig.update_layout(yaxis_range=[max(min(0.0, float(yuan.min()) * 1.1), -top), top])
    beyond = yuan[yuan.abs() > top]
    for i in beyond.abs().sort_values(ascending=False).index[:MARKED]:
        value = float(yuan[i])
        fig.add_annotation(
            x=local[i],
            y=top if value > 0 else -top,
            text=format_yuan(int(fen[i])),
            showarrow=False,
            yanchor="top" if value > 0 else "bottom",
            font=dict(size=11, color="#7a1f0b"),
            bgcolor="rgba(255,255,255,0.8)",
        )
