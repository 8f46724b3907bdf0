"""Make data/demo/erqi_outline.json: the outer rings of Erqi district's outline, for the big screen's map.

From ../shared/data/real/geo_erqi_410103.json (DataV GeoAtlas, GCJ-02), so the screens draw the district
without map tiles or the shared folder. Run from the repository root: `python tools/make_outline.py`.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "real" / "geo_erqi_410103.json"
OUT = ROOT / "data" / "demo" / "erqi_outline.json"


def main() -> None:
    rings = [
        [[round(x, 5), round(y, 5)] for x, y in polygon[0]]
        for feature in json.loads(SOURCE.read_text(encoding="utf-8"))
        for polygon in feature["geometry"]["coordinates"]
    ]
    OUT.write_text(json.dumps(rings, separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(rings)} rings, {sum(len(r) for r in rings)} points")


if __name__ == "__main__":
    main()
