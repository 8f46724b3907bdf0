"""The console's chart of money and gifts per minute (per hour or day over a longer span), in the event's zone."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import plotly.graph_objects as go

PER = {"minute": "分钟", "hour": "小时", "day": "天"}
DAY_MS = 86_400_000
WITHIN_A_DAY = "%H:%M"
ACROSS_DAYS = [  # by the distance between ticks: hours on each day's date, then the dates alone
    dict(dtickrange=[None, DAY_MS], value="%-m月%-d日 %H:%M"),
    dict(dtickrange=[DAY_MS, None], value="%-m月%-d日"),
]


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
    fig.add_bar(x=local, y=frame["total_fen"] / 100, name="善款(元)", marker_color="#e4572e")
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
    return fig
