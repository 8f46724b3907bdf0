"""Make data/demo/day_shape.csv and data/demo/day_levels.csv: the demo's usual day, for the forecast.

From the demo's own model: demo events drawn with seeds 1001–1200 (`forecast.backtest.CALIBRATION_SEEDS`, never
the seeds the backtest reports), at full scale, on the event of data/event.toml. The shape is their pooled
cumulative share of each day's regular money by minute; the levels their mean day, large-gift ratio and
matched rate; the bands the 10th and 90th percentiles of their forecasts' log errors (docs/forecast.md).
Run from the repository root: `python tools/make_day_shape.py` (about a minute).
"""

from givingday import config
from givingday.forecast.backtest import CALIBRATION_SEEDS, make_curve
from givingday.forecast.curve import write_curve


def main() -> None:
    event = config.load_event()
    curve = make_curve(event, CALIBRATION_SEEDS)
    shape, levels = config.DATA_DIR / event.forecast.shape, config.DATA_DIR / event.forecast.levels
    write_curve(curve, shape, levels)
    print(f"{shape}, {levels}: {event.days} days from {len(CALIBRATION_SEEDS)} demo events")


if __name__ == "__main__":
    main()
