"""The one definition of a percentile that every measuring tool here prints (load, latency, bench-api)."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `q` of the values at or below it; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
