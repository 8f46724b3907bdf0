"""Make data/demo/burst_factors.json: the real shape of bursts in donation arrivals, for the demo.

From SGDQ 2020's minute time series: gifts per minute divided by their 61-minute centred mean, clipped to
0.2–6, the first 4,320 minutes (three days), scaled to mean 1. The demo multiplies its daily rhythm by these.
Run from the repository root with ../shared beside it: `python tools/make_burst_factors.py`.
"""

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "real" / "gdq_sgdq2020_minute_timeseries.json"
OUT = ROOT / "data" / "demo" / "burst_factors.json"
WINDOW = 61


def main() -> None:
    cumulative = np.array([row["d"] for row in json.loads(SOURCE.read_text())], dtype=float)
    per_minute = np.clip(np.diff(cumulative), 0, None)
    padded = np.pad(per_minute, (WINDOW // 2, WINDOW // 2), mode="edge")
    mean = np.convolve(padded, np.ones(WINDOW) / WINDOW, mode="valid")
    ratio = np.clip(np.where(mean > 0, per_minute / np.maximum(mean, 1e-9), 1.0), 0.2, 6.0)[:4320]
    ratio = ratio / ratio.mean()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "source": "SGDQ 2020 minute time series (../shared/data/real/gdq_sgdq2020_minute_timeseries.json): "
                "gifts per minute divided by their 61-minute centred mean, clipped to 0.2-6, first 4320 minutes, mean 1",
                "factors": [round(float(x), 3) for x in ratio],
            }
        )
    )
    print(f"{OUT}: {len(ratio)} factors, max {ratio.max():.2f}")


if __name__ == "__main__":
    main()
