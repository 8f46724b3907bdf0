"""The console's site map: the district outline and every site as a dot sized by money and coloured by how
long it has been quiet. Drawn by plotly from local data: no map tiles (the sites may have no internet)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from givingday.money import format_yuan
from givingday.screens.map import outline_rings

QUIET_SCALE_MINUTES = 60  # the colour scale runs from "a gift just now" to "an hour or more without one"


def minutes_quiet(last_gift_at: object, now: dt.datetime) -> float | None:
    if last_gift_at is None or pd.isna(last_gift_at):
        return None
    return max(0.0, (now - last_gift_at).total_seconds() / 60)


def figure(sites: pd.DataFrame, roster: dict[str, list[dict]], now: dt.datetime) -> go.Figure:
    """`sites` is the console's site table (key, name, total_fen, donations, last_gift_at)."""
    where = {s["site_id"]: (s["lng"], s["lat"]) for s in roster["sites"] if s["lng"] is not None}
    fig = go.Figure()
    for ring in outline_rings():
        fig.add_scatter(
            x=[p[0] for p in ring],
            y=[p[1] for p in ring],
            mode="lines",
            fill="toself",
            fillcolor="rgba(76,120,168,0.12)",
            line=dict(color="#4c78a8", width=1.5),
            hoverinfo="skip",
            showlegend=False,
        )
    rows = sites[sites["key"].isin(where.keys())]
    top = max(1, int(rows["total_fen"].max())) if len(rows) else 1
    quiet = [minutes_quiet(v, now) for v in rows["last_gift_at"]]
    fig.add_scatter(
        x=[where[k][0] for k in rows["key"]],
        y=[where[k][1] for k in rows["key"]],
        mode="markers",
        marker=dict(
            size=[6 + 34 * math.sqrt(max(0, t) / top) for t in rows["total_fen"]],
            color=[QUIET_SCALE_MINUTES if q is None else min(q, QUIET_SCALE_MINUTES) for q in quiet],
            colorscale=[[0, "#2ca02c"], [0.5, "#ffbf00"], [1, "#d62728"]],
            cmin=0,
            cmax=QUIET_SCALE_MINUTES,
            line=dict(color="#333", width=0.5),
            opacity=0.85,
            colorbar=dict(title="分钟未有捐款", tickvals=[0, 15, 30, 45, 60], ticktext=["0", "15", "30", "45", "≥60"]),
        ),
        text=[
            f"{n}<br>{format_yuan(int(t))} · {d:,} 人次<br>"
            + ("今日范围内无捐款" if q is None else f"{q:.0f} 分钟前有捐款")
            for n, t, d, q in zip(rows["name"], rows["total_fen"], rows["donations"], quiet, strict=True)
        ],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )
    lat0 = sum(p[1] for r in outline_rings() for p in r) / sum(len(r) for r in outline_rings())
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0)))
    fig.update_layout(height=560, margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="rgba(0,0,0,0)")
    return fig
