"""The console's chart of money and gifts per minute, in the event's time zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go


def minutes_chart(frame: pd.DataFrame, tz: dt.tzinfo) -> go.Figure:
    """`frame` is `figures.minutes`: one row per minute of the range, quiet minutes as zeros."""
    local = frame["minute_at"].dt.tz_convert(tz).dt.tz_localize(None) if len(frame) else frame["minute_at"]
    fig = go.Figure()
    fig.add_bar(x=local, y=frame["total_fen"] / 100, name="善款(元)", marker_color="#e4572e")
    fig.add_scatter(x=local, y=frame["donations"], name="人次", yaxis="y2", mode="lines", line_color="#4c78a8")
    fig.update_layout(
        height=280,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
        yaxis=dict(title="元/分钟", rangemode="tozero"),
        yaxis2=dict(title="人次/分钟", overlaying="y", side="right", showgrid=False, rangemode="tozero"),
        bargap=0,
    )
    return fig
