"""The big screen's site map as SVG, drawn locally (no tiles): the district outline and the sites as dots sized
by money. Most sites crowd the city's corner of a largely rural district, so when they do the map is two
panels: the whole district, small, with a frame around where most sites are, and that frame, large, with the
busiest sites named. Labels are placed one by one where they overlap nothing placed before, or left out.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from functools import cache

from givingday import config

WIDTH, HEIGHT = 1000, 640  # the SVG's units; the screen shows it about 43vw wide
LABEL_UNITS = 30  # a label's font size: about 25 px on a 1920-wide screen, 50 px at 3840
MAX_LABELS = 8
GAP = 16  # units between the two panels
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@cache
def outline_rings() -> list[list[tuple[float, float]]]:
    path = config.DATA_DIR / "demo" / "erqi_outline.json"
    return [[tuple(p) for p in ring] for ring in json.loads(path.read_text(encoding="utf-8"))]


@dataclass(frozen=True)
class Label:
    text: str
    x: float  # where the text starts (anchor start), on its baseline
    y: float
    box: Box


def text_width(text: str, size: float) -> float:
    """A label's width: CJK characters are square, Latin letters and digits about half as wide."""
    return sum(size if ord(c) > 0x2E7F else 0.6 * size for c in text)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a: Box, frame: Box) -> bool:
    return frame[0] <= a[0] and frame[1] <= a[1] and a[2] <= frame[2] and a[3] <= frame[3]


def place_labels(dots: list[tuple[str, float, float, float]], frame: Box, size: float = LABEL_UNITS) -> list[Label]:
    """Name the dots (text, x, y, radius; the most important first) right, left, above or below themselves,
    wherever the name stays in `frame` and overlaps no name placed before nor a named dot; a dot with no such
    place goes unnamed."""
    placed: list[Label] = []
    keep_clear = [(x - r, y - r, x + r, y + r) for _, x, y, r in dots[:MAX_LABELS]]
    for text, x, y, r in dots:
        if len(placed) == MAX_LABELS:
            break
        w, h = text_width(text, size), size * 1.2
        for left, top in (
            (x + r + 6, y - h / 2),
            (x - r - 6 - w, y - h / 2),
            (x - w / 2, y - r - 4 - h),
            (x - w / 2, y + r + 4),
        ):
            box = (left, top, left + w, top + h)
            if not _inside(box, frame) or any(_overlaps(box, p.box) for p in placed):
                continue
            if any(_overlaps(box, c) for c in keep_clear):
                continue
            placed.append(Label(text, left, top + size * 0.95, box))
            break
    return placed


def _core(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where most sites are: those no further from the median site than twice the usual distance to it."""
    mx, my = statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)
    far = [math.dist(p, (mx, my)) for p in points]
    limit = 2 * statistics.median(far)
    return [p for p, d in zip(points, far, strict=True) if d <= limit]


def _fit(extent: Box, panel: Box, pad: float = 0.08):
    """The projection of `extent` (x east, y north) into `panel`, centred, with a margin, one scale for both;
    and the extent the panel then shows (wider or taller than asked, to the panel's shape)."""
    ex0, ey0, ex1, ey1 = extent
    w, h = max(ex1 - ex0, 1e-6), max(ey1 - ey0, 1e-6)
    px0, py0, px1, py1 = panel
    s = min((px1 - px0) / (w * (1 + 2 * pad)), (py1 - py0) / (h * (1 + 2 * pad)))
    cx, cy = (ex0 + ex1) / 2, (ey0 + ey1) / 2
    ox, oy = (px0 + px1) / 2, (py0 + py1) / 2
    hw, hh = (px1 - px0) / 2 / s, (py1 - py0) / 2 / s
    return (lambda x, y: (ox + (x - cx) * s, oy - (y - cy) * s)), (cx - hw, cy - hh, cx + hw, cy + hh)


def _extent(points: list[tuple[float, float]]) -> Box:
    return min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points)


def _panel_svg(rings, sites, proj, panel: Box, clip: str, top: int, size_dots: float) -> str:
    x0, y0, x1, y1 = panel
    paths = "".join(
        '<path d="M'
        + " L".join("{:.1f},{:.1f}".format(*proj(*p)) for p in ring)
        + ' Z" fill="#1e2b4f" stroke="#7aa2ff" stroke-width="2"/>'
        for ring in rings
    )
    dots = "".join(
        '<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="#ffd166" fill-opacity=".75" stroke="#0b1020"/>'.format(
            *proj(s["x"], s["y"]), _radius(s["total_fen"], top, size_dots)
        )
        for s in sites
    )
    return (
        f'<clipPath id="{clip}"><rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/></clipPath>'
        f'<g clip-path="url(#{clip})">{paths}{dots}</g>'
    )


def _radius(total_fen: int, top: int, size: float) -> float:
    return size * (0.2 + 0.8 * (total_fen / top) ** 0.5)


def map_svg(sites: list[dict], esc) -> tuple[str, list[Label]]:
    """The map (SVG text) and the labels on it, for `sites` ranked by money (name, lng, lat, total_fen)."""
    rings = outline_rings()
    lat0 = math.radians(statistics.fmean(p[1] for r in rings for p in r))

    def xy(lng: float, lat: float) -> tuple[float, float]:
        return lng * math.cos(lat0), lat

    shape = [[xy(*p) for p in ring] for ring in rings]
    placed = [{**s, "x": xy(s["lng"], s["lat"])[0], "y": xy(s["lng"], s["lat"])[1]} for s in sites if s["lng"]]
    top = max((s["total_fen"] for s in placed), default=1) or 1
    district = _extent([p for ring in shape for p in ring])
    core = _extent(_core([(s["x"], s["y"]) for s in placed])) if placed else district
    crowded = (core[2] - core[0]) * (core[3] - core[1]) < 0.25 * (district[2] - district[0]) * (
        district[3] - district[1]
    )
    whole: Box = (0, 0, WIDTH * 0.3, HEIGHT) if crowded else (0, 0, WIDTH, HEIGHT)
    big: Box = (whole[2] + GAP, 0, WIDTH, HEIGHT) if crowded else whole
    parts = []
    proj_whole, _ = _fit(district, whole, 0.02)
    parts.append(_panel_svg(shape, placed, proj_whole, whole, "whole", top, 14 if crowded else 30))
    proj = proj_whole
    if crowded:
        proj, shown = _fit(core, big)
        fx0, fy0 = proj_whole(shown[0], shown[3])
        fx1, fy1 = proj_whole(shown[2], shown[1])
        parts.append(
            f'<rect x="{fx0:.1f}" y="{fy0:.1f}" width="{fx1 - fx0:.1f}" height="{fy1 - fy0:.1f}" fill="none" '
            'stroke="#fff" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<rect x="{big[0]}" y="1" width="{big[2] - big[0] - 1}" height="{HEIGHT - 2}" fill="none" '
            'stroke="#ffffff55" stroke-width="2" stroke-dasharray="6 4" rx="8"/>'
        )
        parts.append(_panel_svg(shape, placed, proj, big, "big", top, 30))
    dots = []
    for s in placed:
        x, y = proj(s["x"], s["y"])
        r = _radius(s["total_fen"], top, 30)
        if _inside((x - r, y - r, x + r, y + r), big):
            dots.append((s["name"], x, y, r))
    labels = place_labels(dots, big)
    parts.extend(
        f'<text x="{lb.x:.1f}" y="{lb.y:.1f}" fill="#fff" font-size="{LABEL_UNITS}" font-weight="700" '
        f'stroke="#0b1020" stroke-width="6" paint-order="stroke">{esc(lb.text)}</text>'
        for lb in labels
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(parts)}</svg>'
    return svg, labels
