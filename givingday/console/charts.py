"""The console's chart of money and gifts per minute (per hour or day over a longer span), in the event's zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

PER = {"minute": "分钟", "hour": "小时", "day": "天"}


def minutes_chart(frame: pd.DataFrame, tz: dt.tzinfo, unit: str = "minute") -> go.Figure:
    """`frame` is `figures.minutes`: one row per bar (`unit`) of the chart's span, quiet bars as zeros."""
    local = frame["bar_at"].dt.tz_convert(tz).dt.tz_localize(None) if len(frame) else frame["bar_at"]
    fig = go.Figure()
    fig.add_bar(x=local, y=frame["total_fen"] / 100, name="善款(元)", marker_color="#e4572e")
    fig.add_scatter(x=local, y=frame["donations"], name="人次", yaxis="y2", mode="lines", line_color="#4c78a8")
    fig.update_layout(
        height=280,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
        yaxis=dict(title=f"元/{PER[unit]}", rangemode="tozero"),
        yaxis2=dict(title=f"人次/{PER[unit]}", overlaying="y", side="right", showgrid=False, rangemode="tozero"),
        bargap=0,
    )
    return fig
