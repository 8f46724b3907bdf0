"""The demo roster of Erqi district, and a roster file's errors."""

import importlib.util
import shutil

import pytest

from givingday import config
from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import RosterError, load_roster, read_roster
from tests.conftest import FIXTURES


def _generator():
    spec = importlib.util.spec_from_file_location("make_demo_roster", config.ROOT / "tools" / "make_demo_roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_roster_matches_the_seed():
    r = read_roster(config.ROSTER_DIR)
    names = {p["name"]: p for p in r.projects}
    parent = names["助力慈善、温暖二七"]
    subs = [p for p in r.projects if p["parent_id"] == parent["project_id"]]
    assert len(subs) == 88
    assert {p["category"] for p in subs} == {"困难帮扶", "特殊关爱", "文化惠民", "便民利民"}
    for seed_name in ("二七商圈青春志愿行", "关爱老兵、情暖二七", "爱心午餐孝老专享"):
        assert names[seed_name]["parent_id"] == parent["project_id"]
    assert names["汤河乡援建对口扶贫"]["parent_id"] is None
    assert 300 <= len(r.teams) <= 500
    team_names = {t["name"] for t in r.teams}
    assert {"河南省福利彩票发行中心", "德化街街道", "建中街街道"} <= team_names
    assert {t["kind"] for t in r.teams} == {"person", "organisation"}
    assert all("**" in t["name"] for t in r.teams if t["kind"] == "person")  # no real-looking names
    assert len(r.sites) == 137
    site_names = {s["name"] for s in r.sites}
    assert {"升龙广场", "德化步行街"} <= site_names
    streets = {s["street"] for s in r.sites}
    assert len(streets) == 16 and {"马寨镇", "侯寨乡", "德化街街道"} <= streets


def test_demo_sites_lie_inside_the_district_outline():
    gen = _generator()
    rings = gen._outline()
    outside = [s["name"] for s in read_roster(config.ROSTER_DIR).sites if not gen.inside((s["lng"], s["lat"]), rings)]
    assert outside == []
    assert not gen.inside((113.70, 34.80), rings)  # 金水区, north-east of Erqi


def test_demo_roster_file_is_what_the_generator_makes(tmp_path, monkeypatch):
    gen = _generator()
    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.main()
    for name in ("projects.csv", "sites.csv", "teams.csv"):
        assert (tmp_path / name).read_text() == (config.ROSTER_DIR / name).read_text(), name


def test_demo_roster_loads_and_takes_gifts_by_name(demo_roster_store):
    store = demo_roster_store
    text = "订单号,捐款时间,捐赠金额(元),项目名称,一起捐队伍\nR1,2020-09-07 09:00:00,99,爱心午餐孝老专享,河南省福利彩票发行中心\n"
    r = import_bytes(store, text.encode("gbk"), "x.csv")
    assert (r.rows_new, r.unknown_teams) == (1, 0)
    sites = {
        x["key"]: x["amount_fen"] for x in store.query("totals_by_site", since=None, until=None) if x["amount_fen"]
    }
    assert sites == {"S002": 9900}  # the team's home site, 德化步行街


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "teams.csv",
            "T001,河南省福利彩票发行中心,P001",
            "T001,河南省福利彩票发行中心,P404",
            "teams.csv:2: unknown project 'P404'",
        ),
        (
            "projects.csv",
            "P002,关爱老兵、情暖二七",
            "P001,关爱老兵、情暖二七",
            "projects.csv:4: duplicate project_id 'P001'",
        ),
        (
            "sites.csv",
            "S002,德化步行街,德化街街道,pedestrian_street",
            "S002,德化步行街,德化街街道,castle",
            "unknown site kind 'castle'",
        ),
        (
            "projects.csv",
            "P001,二七商圈青春志愿行,P000,便民利民,50000",
            "P001,二七商圈青春志愿行,P000,便民利民,5万",
            "goal_yuan: amount '5万' is not a number",
        ),
    ],
)
def test_roster_errors_name_file_and_line(tmp_path, store, file, old, new, message):
    folder = tmp_path / "roster"
    shutil.copytree(FIXTURES / "roster", folder)
    path = folder / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(RosterError, match=message):
        load_roster(store, folder)
    assert store.query("store_counts")[0]["projects"] == 4  # the old roster is still there


def test_roster_refuses_to_orphan_gifts(tmp_path, store):
    import_bytes(store, b"occurred_at,amount_yuan,project\n2020-09-07 10:00:00,5,P089\n", "x.csv")
    folder = tmp_path / "roster"
    shutil.copytree(FIXTURES / "roster", folder)
    p = folder / "projects.csv"
    p.write_text("\n".join(line for line in p.read_text().splitlines() if not line.startswith("P089")) + "\n")
    with pytest.raises(RosterError, match="drops project\\(s\\) P089"):
        load_roster(store, folder)
