"""Make the demo roster of Erqi district (data/roster/*.csv), deterministically.

Why a generator rather than hand-edited CSVs: the demo needs 90 projects, 137 sites and 400 teams that agree with
the seed report and with each other (every key resolves, every site lies inside the district outline), and the
same bytes must come out of every run so that a test can compare the committed files with a fresh run.

What follows the seed report (../shared/seed/000_28e39748de01990c.txt): the parent project 助力慈善、温暖二七 with
88 sub-projects over the four 公益+ categories, the first three being the ones the report names; the top-level
汤河乡援建对口扶贫; 137 public sites with the main venue 升龙广场 and 德化步行街; the units the report names as teams.
Everything else is plausible invention for a demo, not a survey of real addresses. Person teams carry masked
names only (张**), because the board is public.

Run from the repository root: `python tools/make_demo_roster.py`. Standard library only.
"""

from __future__ import annotations

import csv
import json
import random
import re
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "roster"
REAL = ROOT.parent / "shared" / "data" / "real"
OUTLINE = REAL / "geo_erqi_410103.json"
PLACES = REAL / "erqi_places_sourced.csv"
SEED = 99
# The name lists (sub-projects, sites per street, communities, units, surnames) are data, kept beside this file.
NAMES = tomllib.loads((Path(__file__).with_name("demo_roster_names.toml")).read_text(encoding="utf-8"))
SUBPROJECTS: dict[str, str] = NAMES["subprojects"]
STREET_SITES: dict[str, str] = NAMES["street_sites"]
COMMUNITIES: dict[str, str] = NAMES["communities"]

Point = tuple[float, float]
Polygon = list[list[Point]]  # the outer ring first, then any holes
Row = dict[str, str]

COLUMNS = {
    "projects.csv": ["project_id", "name", "parent_id", "category", "goal_yuan"],
    "sites.csv": ["site_id", "name", "street", "kind", "lng", "lat"],
    "teams.csv": ["team_id", "name", "project_id", "site_id", "kind", "goal_yuan"],
}

# --- projects ---------------------------------------------------------------------------------------------------

PARENT = ("P000", "助力慈善、温暖二七")
POVERTY = ("P089", "汤河乡援建对口扶贫", "困难帮扶", 500_000)
SEED_SUBPROJECTS = {"二七商圈青春志愿行": "便民利民", "关爱老兵、情暖二七": "特殊关爱", "爱心午餐孝老专享": "困难帮扶"}
CATEGORY_COUNTS = {"困难帮扶": 30, "特殊关爱": 22, "文化惠民": 18, "便民利民": 18}

# --- sites ------------------------------------------------------------------------------------------------------

# Street -> an anchor inside the outline (GCJ-02) and a scatter radius in degrees. The urban streets crowd the
# district's northern tongue around 二七广场; the two towns spread over the rural south and south-west.
STREETS: dict[str, tuple[Point, float]] = {
    "淮河路街道": ((113.6450, 34.7350), 0.0025),
    "解放路街道": ((113.6560, 34.7590), 0.0020),
    "铭功路街道": ((113.6500, 34.7540), 0.0020),
    "一马路街道": ((113.6520, 34.7465), 0.0020),
    "蜜蜂张街道": ((113.6440, 34.7430), 0.0020),
    "五里堡街道": ((113.6350, 34.7460), 0.0020),
    "大学路街道": ((113.6530, 34.7300), 0.0025),
    "建中街街道": ((113.6370, 34.7570), 0.0020),
    "福华街街道": ((113.6600, 34.7420), 0.0020),
    "德化街街道": ((113.6640, 34.7495), 0.0015),
    "嵩山路街道": ((113.6320, 34.7380), 0.0025),
    "京广路街道": ((113.6620, 34.7330), 0.0025),
    "长江路街道": ((113.6500, 34.7170), 0.0030),
    "人和路街道": ((113.6300, 34.7240), 0.0025),
    "马寨镇": ((113.5400, 34.6900), 0.0100),
    "侯寨乡": ((113.6150, 34.6600), 0.0100),
}
TOWNS = ("马寨镇", "侯寨乡")

# The four fixed sites, in id order. A text instead of a point: take that row's coordinate from
# erqi_places_sourced.csv. 升龙广场 and 德化步行街 have no sourced coordinate; theirs are placed by hand, roughly.
FIXED_SITES: list[tuple[str, str, str, Point | str]] = [
    ("升龙广场", "大学路街道", "main_venue", (113.651, 34.727)),
    ("德化步行街", "德化街街道", "pedestrian_street", (113.6675, 34.750)),
    ("二七广场", "德化街街道", "square", "二七广场/二七纪念塔"),
    ("人民公园", "解放路街道", "park", "郑州市人民公园"),
]
SITE_KINDS = "main_venue pedestrian_street square mall park office community market station other"
MIN_GAP = 0.0004  # degrees (~40 m, Manhattan): no two sites share one dot on the map

# --- teams ------------------------------------------------------------------------------------------------------

TEAM_COUNT = 400
ORGANISATION_COUNT = 220  # 55%
# The units the report names, with the project and site it ties them to: name, project, site name, goal.
SEED_TEAMS: list[tuple[str, str, str, int]] = [
    ("河南省福利彩票发行中心", "P001", "德化步行街", 50_000),  # promoted at 德化步行街, the 二七 shopping district
    ("德化街街道", "P003", "德化步行街", 50_000),  # held its 慈善日 at the pedestrian street
    ("建中街街道", "P002", "建中街街道办事处", 30_000),
    ("二七区慈善总会", "P000", "升龙广场", 50_000),  # the organiser, at the main venue
    ("中国中部电子商务港", "P000", "升龙广场", 50_000),  # the livestream's takings go to the parent project
]
# Popularity when drawing a team's project: the seed's three and P089 draw several, the others a random 0.3-3.
PROJECT_WEIGHTS = {"P001": 5.0, "P002": 5.0, "P003": 5.0, "P089": 4.0}
PARENT_TEAMS = 4  # more teams raising for the parent project itself, besides the seed's two
# On top of one team each for every site, S001 and S002 draw many times the teams of an ordinary site.
SITE_WEIGHTS = {"S001": 25.0, "S002": 25.0, "S003": 4.0, "S004": 4.0}

PERSON_FORMS = ["{}**的一起捐", "{}**爱心小队", "{}**和朋友们", "{}**的公益队", "{}**家庭队", "{}**为爱加油"]
MASKED_PERSON = re.compile(r"[\u4e00-\u9fff]\*\*(的一起捐|爱心小队|和朋友们|的公益队|家庭队|为爱加油)")

# --- geometry ---------------------------------------------------------------------------------------------------


def _outline() -> list[Polygon]:
    """The district outline as polygons (outer ring, then holes), from the DataV-style array of Features."""
    polygons: list[Polygon] = []
    for feature in json.loads(OUTLINE.read_text(encoding="utf-8")):
        geometry = feature["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for part in parts:
            polygons.append([[(float(x), float(y)) for x, y in ring] for ring in part])
    return polygons


def _in_ring(point: Point, ring: list[Point]) -> bool:
    """Ray casting: a ray to the east crosses the ring's edges an odd number of times iff the point is inside."""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def inside(point: Point, polygons: list[Polygon]) -> bool:
    """True if the point lies in some polygon's outer ring and in none of that polygon's holes."""
    return any(_in_ring(point, p[0]) and not any(_in_ring(point, hole) for hole in p[1:]) for p in polygons)


def _sourced_point(name: str) -> Point:
    """A landmark's coordinate from erqi_places_sourced.csv, so that the demo and the reference file agree."""
    with open(PLACES, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["name"] == name:
                return float(row["lng"]), float(row["lat"])
    raise KeyError(f"{name!r} is not in {PLACES}")


def _scatter(rng: random.Random, street: str, polygons: list[Polygon], taken: list[Point]) -> Point:
    """A point near the street's anchor, inside the outline and off every other site (rejection sampling)."""
    (lng0, lat0), radius = STREETS[street]
    for _ in range(10_000):
        p = (round(rng.gauss(lng0, radius), 6), round(rng.gauss(lat0, radius * 0.8), 6))
        if inside(p, polygons) and all(abs(p[0] - q[0]) + abs(p[1] - q[1]) >= MIN_GAP for q in taken):
            return p
    raise RuntimeError(f"no free point inside the outline near the anchor of {street}")


# --- the three tables -------------------------------------------------------------------------------------------


def make_projects(rng: random.Random) -> list[Row]:
    """The parent, 88 sub-projects (the seed's three first, then by category), then the poverty project."""
    rows = [{"project_id": PARENT[0], "name": PARENT[1], "parent_id": "", "category": "", "goal_yuan": ""}]
    seed_first = [(c, n) for n, c in SEED_SUBPROJECTS.items()]
    others = [(c, n) for c, names in SUBPROJECTS.items() for n in names.split() if n not in SEED_SUBPROJECTS]
    for number, (category, name) in enumerate(seed_first + others, start=1):
        flagship = rng.random() < 0.09  # a few projects with a big goal
        goal = rng.randrange(15, 31) * 10_000 if flagship else rng.randrange(20, 101) * 1_000
        rows.append(
            {
                "project_id": f"P{number:03d}",
                "name": name,
                "parent_id": PARENT[0],
                "category": category,
                "goal_yuan": str(goal),
            }
        )
    pid, name, category, goal = POVERTY
    rows.append({"project_id": pid, "name": name, "parent_id": "", "category": category, "goal_yuan": str(goal)})
    return rows


def make_sites(rng: random.Random, polygons: list[Polygon]) -> list[Row]:
    """The four fixed sites, then every street's sites scattered around the street's anchor."""
    rows: list[Row] = []
    taken: list[Point] = []
    for name, street, kind, where in FIXED_SITES:
        point = _sourced_point(where) if isinstance(where, str) else where
        rows.append({"name": name, "street": street, "kind": kind, "lng": f"{point[0]:.6f}", "lat": f"{point[1]:.6f}"})
        taken.append(point)
    for street, listing in STREET_SITES.items():
        for item in listing.split():
            name, kind = item.split(":")
            lng, lat = _scatter(rng, street, polygons, taken)
            rows.append({"name": name, "street": street, "kind": kind, "lng": f"{lng:.6f}", "lat": f"{lat:.6f}"})
            taken.append((lng, lat))
    return [{"site_id": f"S{n:03d}", **row} for n, row in enumerate(rows, start=1)]


def _street_office(street: str) -> str:
    return f"{street}人民政府" if street in TOWNS else f"{street}办事处"


def _organisations(rng: random.Random, sites: list[Row]) -> list[tuple[str, str | None]]:
    """Organisation teams besides the seed's: (name, the site it is bound to, or None for any site)."""
    seed_names = {name for name, *_ in SEED_TEAMS}
    bound: list[tuple[str, str | None]] = [
        (street, _street_office(street)) for street in STREETS if street not in seed_names
    ]
    for street, listing in COMMUNITIES.items():
        here = [s["name"] for s in sites if s["street"] == street]
        bound += [(f"{street}{community}", rng.choice(here)) for community in listing.split()]
    free = NAMES["teams"]["district_units"].split() + NAMES["teams"]["social_organisations"].split()
    free += NAMES["teams"]["hospitals_and_schools"].split()
    wanted = ORGANISATION_COUNT - len(SEED_TEAMS) - len(bound) - len(free)
    companies: list[str] = []
    brands, trades = NAMES["teams"]["company_brands"].split(), NAMES["teams"]["company_trades"].split()
    while len(companies) < wanted:
        name = f"郑州{rng.choice(brands)}{rng.choice(trades)}有限公司"
        if name not in companies:
            companies.append(name)
    return bound + [(name, None) for name in free + companies]


def _persons(rng: random.Random, count: int) -> list[str]:
    """Masked person-team names: a surname and ** only, never a full name."""
    names: list[str] = []
    surnames = NAMES["teams"]["surnames"].split()
    while len(names) < count:
        name = rng.choice(PERSON_FORMS).format(rng.choice(surnames))
        if name not in names:
            names.append(name)
    return names


def _pool(rng: random.Random, ids: list[str], weights: dict[str, float], size: int) -> list[str]:
    """`size` ids, shuffled: every id once, so none is left without a team, and the rest drawn by weight."""
    assert size >= len(ids), (size, len(ids))
    pool = ids + rng.choices(ids, [weights.get(i, 1.0) for i in ids], k=size - len(ids))
    rng.shuffle(pool)
    return pool


def make_teams(rng: random.Random, projects: list[Row], sites: list[Row]) -> list[Row]:
    """The seed's units first, then organisations and persons interleaved, each with a project and a home site."""
    site_id = {s["name"]: s["site_id"] for s in sites}
    rest: list[tuple[str, str, str | None]] = [("organisation", n, s) for n, s in _organisations(rng, sites)]
    rest += [("person", n, None) for n in _persons(rng, TEAM_COUNT - ORGANISATION_COUNT)]
    rng.shuffle(rest)

    raisable = [p["project_id"] for p in projects if p["project_id"] != PARENT[0]]
    popularity = {pid: PROJECT_WEIGHTS.get(pid, round(rng.uniform(0.3, 3.0), 3)) for pid in raisable}
    project_pool = _pool(rng, raisable, popularity, len(rest) - PARENT_TEAMS) + [PARENT[0]] * PARENT_TEAMS
    rng.shuffle(project_pool)
    free_teams = sum(1 for *_, site in rest if site is None)
    site_pool = _pool(rng, [s["site_id"] for s in sites], SITE_WEIGHTS, free_teams)

    rows: list[Row] = []
    for name, project, site, goal in SEED_TEAMS:
        rows.append(
            {
                "name": name,
                "project_id": project,
                "site_id": site_id[site],
                "kind": "organisation",
                "goal_yuan": str(goal),
            }
        )
    for (kind, name, site), project in zip(rest, project_pool, strict=True):
        home = site_id[site] if site else site_pool.pop()
        goal = rng.randrange(5, 51) * 1_000 if kind == "organisation" else rng.randrange(5, 51) * 100
        rows.append({"name": name, "project_id": project, "site_id": home, "kind": kind, "goal_yuan": str(goal)})
    return [{"team_id": f"T{n:03d}", **row} for n, row in enumerate(rows, start=1)]


# --- checks, output ---------------------------------------------------------------------------------------------


def check(projects: list[Row], sites: list[Row], teams: list[Row], polygons: list[Polygon]) -> None:
    """Assert the roster's shape (90 projects, the seed's names and categories, goals, sites inside the
    district), so that a later edit of the lists cannot quietly break the demo."""
    ids = [p["project_id"] for p in projects]
    assert ids == [f"P{n:03d}" for n in range(90)], "project ids P000..P089"
    assert len({p["name"] for p in projects}) == 90, "project names are unique"
    assert projects[0] == {
        "project_id": "P000",
        "name": "助力慈善、温暖二七",
        "parent_id": "",
        "category": "",
        "goal_yuan": "",
    }
    subs = projects[1:89]
    assert all(p["parent_id"] == "P000" for p in subs)
    assert [p["name"] for p in subs[:3]] == list(SEED_SUBPROJECTS)
    assert Counter(p["category"] for p in subs) == CATEGORY_COUNTS
    assert all(20_000 <= int(p["goal_yuan"]) <= 300_000 for p in subs)
    assert 3 <= sum(int(p["goal_yuan"]) > 100_000 for p in subs) <= 15, "a few flagship goals"
    assert projects[89] == {
        "project_id": "P089",
        "name": "汤河乡援建对口扶贫",
        "parent_id": "",
        "category": "困难帮扶",
        "goal_yuan": "500000",
    }

    assert [s["site_id"] for s in sites] == [f"S{n:03d}" for n in range(1, 138)], "site ids S001..S137"
    assert len({s["name"] for s in sites}) == 137, "site names are unique"
    assert (sites[0]["name"], sites[0]["kind"]) == ("升龙广场", "main_venue")
    assert (sites[1]["name"], sites[1]["kind"]) == ("德化步行街", "pedestrian_street")
    assert {s["kind"] for s in sites} <= set(SITE_KINDS.split())
    per_street = Counter(s["street"] for s in sites)
    assert set(per_street) == set(STREETS) and min(per_street.values()) >= 4, per_street
    by_name = {s["name"]: s for s in sites}
    assert by_name["德化步行街"]["street"] == by_name["二七广场"]["street"] == "德化街街道"
    for name, source in (("二七广场", "二七广场/二七纪念塔"), ("人民公园", "郑州市人民公园")):
        assert (float(by_name[name]["lng"]), float(by_name[name]["lat"])) == _sourced_point(source), name
    for s in sites:
        assert re.fullmatch(r"\d+\.\d{6}", s["lng"]) and re.fullmatch(r"\d+\.\d{6}", s["lat"]), s
        assert inside((float(s["lng"]), float(s["lat"])), polygons), f"{s['name']} lies outside the outline"
    urban_south = min(float(s["lat"]) for s in sites if s["street"] not in TOWNS)
    assert all(float(s["lat"]) < urban_south for s in sites if s["street"] in TOWNS), "towns lie south of the city"

    assert [t["team_id"] for t in teams] == [f"T{n:03d}" for n in range(1, TEAM_COUNT + 1)]
    assert len({t["name"] for t in teams}) == TEAM_COUNT, "team names are unique"
    kinds = Counter(t["kind"] for t in teams)
    assert set(kinds) == {"organisation", "person"} and 0.50 <= kinds["organisation"] / TEAM_COUNT <= 0.60
    names = {t["name"] for t in teams}
    assert {"河南省福利彩票发行中心", "德化街街道", "建中街街道", "二七区慈善总会", "中国中部电子商务港"} <= names
    assert {"二七区青年志愿者协会", *STREETS} <= names, "every street office and town forms a team"
    site_ids, project_ids = {s["site_id"] for s in sites}, set(ids)
    for t in teams:
        assert t["project_id"] in project_ids and t["site_id"] in site_ids, t
        goal = int(t["goal_yuan"])
        if t["kind"] == "person":
            assert MASKED_PERSON.fullmatch(t["name"]), f"person team {t['name']!r} is not masked"
            assert 500 <= goal <= 5_000, t
        else:
            assert "**" not in t["name"] and 5_000 <= goal <= 50_000, t
    assert (teams[0]["name"], teams[0]["site_id"]) == ("河南省福利彩票发行中心", "S002")
    per_project = Counter(t["project_id"] for t in teams)
    assert set(per_project) == project_ids, "every project has a team"
    assert per_project["P000"] <= 10, "only a few teams raise for the parent project itself"
    per_site = Counter(t["site_id"] for t in teams)
    assert set(per_site) == site_ids, "every site is some team's home"
    others = max(n for sid, n in per_site.items() if sid not in ("S001", "S002"))
    assert min(per_site["S001"], per_site["S002"]) > others, "the main venue and 德化步行街 hold the most teams"


def _write(name: str, rows: list[Row]) -> Path:
    """Write one table with the csv module (UTF-8 without BOM, \\n line ends) and check the bytes."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS[name], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data, path
    assert data.decode("utf-8").split("\n", 1)[0] == ",".join(COLUMNS[name]), path
    return path


def _line(title: str, counts: Counter[str]) -> str:
    return f"{title}: " + ", ".join(f"{k} {n}" for k, n in counts.items())


def summary(projects: list[Row], sites: list[Row], teams: list[Row]) -> str:
    """What the generator made, in a few lines for whoever runs it."""
    subs = [p for p in projects if p["parent_id"] == PARENT[0]]
    goals = sum(int(p["goal_yuan"]) for p in projects if p["goal_yuan"])
    site_name = {s["site_id"]: s["name"] for s in sites}
    project_name = {p["project_id"]: p["name"] for p in projects}
    per_site = Counter(t["site_id"] for t in teams)
    per_project = Counter(t["project_id"] for t in teams)
    per_category = Counter({c: sum(p["category"] == c for p in subs) for c in CATEGORY_COUNTS})
    return "\n".join(
        [
            f"projects: {len(projects)} (1 parent, {len(subs)} sub-projects, 1 top-level); goals total ¥{goals:,}",
            _line("  sub-projects per category", per_category),
            f"sites: {len(sites)} in {len({s['street'] for s in sites})} streets",
            _line("  per street", Counter(s["street"] for s in sites)),
            _line("  per kind", Counter(s["kind"] for s in sites)),
            f"teams: {len(teams)}",
            _line("  per kind", Counter(t["kind"] for t in teams)),
            _line("  busiest sites", Counter({site_name[k]: n for k, n in per_site.most_common(5)})),
            _line("  busiest projects", Counter({project_name[k]: n for k, n in per_project.most_common(5)})),
            f"  for the parent project P000: {per_project['P000']}; for P089: {per_project['P089']}",
        ]
    )


def main() -> None:
    """Generate, check, write, summarise; one generator seeded with 99 makes every run the same."""
    rng = random.Random(SEED)
    polygons = _outline()
    projects = make_projects(rng)
    sites = make_sites(rng, polygons)
    teams = make_teams(rng, projects, sites)
    check(projects, sites, teams, polygons)
    for name, rows in (("projects.csv", projects), ("sites.csv", sites), ("teams.csv", teams)):
        print(f"wrote {_write(name, rows)}")
    print(summary(projects, sites, teams))


if __name__ == "__main__":
    main()
