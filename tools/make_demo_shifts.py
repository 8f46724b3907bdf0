"""Make the demo roster's volunteer shifts (data/roster/shifts.csv) from its sites, deterministically.

The seed report (../shared/seed/000_28e39748de01990c.txt) speaks of nearly 4,000 volunteers at 137 public sites.
Here each volunteer works one shift on a day they come: about 4,000 on the first day, fewer on the second and
third. Busy kinds of site (the main venue, the pedestrian street, squares, malls) get more hands, and every site
puts more of them on duty for the 09:00 launch and 10:00 matching surge and for the evening peak; quiet kinds
(offices, communities) staff only the day. Invention for a demo, shaped like the seed, not a survey.

Run from the repository root: `python tools/make_demo_shifts.py`. Standard library only.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "roster"
SEED = 99
# Volunteers on the first day, and each later day's share of it.
FIRST_DAY_VOLUNTEERS = 4_000
DAY_SHARES = (1.0, 0.7, 0.55)
# How many hands a kind of site draws, relatively.
KIND_WEIGHT = {
    "main_venue": 14.0,
    "pedestrian_street": 10.0,
    "square": 4.0,
    "mall": 2.5,
    "station": 1.8,
    "park": 1.6,
    "market": 1.4,
    "other": 0.9,
    "community": 0.8,
    "office": 0.7,
}
# The day's shifts (start, end, relative size): the morning launch and surge, midday, the evening peak.
BLOCKS = (("08:30", "12:00", 1.3), ("12:00", "16:00", 0.8), ("16:00", "19:00", 0.9), ("18:30", "22:00", 1.2))
DAYTIME_KINDS = {"office", "community"}  # no evening shift: offices empty and residents are home


def make_shifts(sites: list[dict[str, str]], rng: random.Random) -> list[dict[str, object]]:
    weights = {s["site_id"]: KIND_WEIGHT[s["kind"]] * rng.uniform(0.6, 1.5) for s in sites}
    total_weight = sum(weights.values())
    rows: list[dict[str, object]] = []
    for day, share in enumerate(DAY_SHARES, start=1):
        for s in sites:
            site_people = FIRST_DAY_VOLUNTEERS * share * weights[s["site_id"]] / total_weight
            blocks = [b for b in BLOCKS if not (s["kind"] in DAYTIME_KINDS and b[0] >= "16:00")]
            block_weight = sum(b[2] for b in blocks)
            for start, end, size in blocks:
                people = round(site_people * size / block_weight * rng.uniform(0.8, 1.2))
                if people >= 1:
                    rows.append({"site_id": s["site_id"], "day": day, "start": start, "end": end, "volunteers": people})
    return rows


def main() -> None:
    with open(OUT / "sites.csv", encoding="utf-8", newline="") as f:
        sites = list(csv.DictReader(f))
    rows = make_shifts(sites, random.Random(SEED))
    with open(OUT / "shifts.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["site_id", "day", "start", "end", "volunteers"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for day in range(1, len(DAY_SHARES) + 1):
        on_day = [r for r in rows if r["day"] == day]
        sites_on = len({r["site_id"] for r in on_day})
        print(
            f"day {day}: {sum(r['volunteers'] for r in on_day)} volunteers in {len(on_day)} shifts at {sites_on} sites"
        )


if __name__ == "__main__":
    main()
