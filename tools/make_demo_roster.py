"""Make the demo roster of Erqi district (data/roster/*.csv), deterministically.

Projects follow the seed report: the parent project 助力慈善、温暖二七 with 88 sub-projects over the four
公益+ categories (the three the report names first) and 汤河乡援建对口扶贫. Sites lie inside the district
outline (../shared/data/real/geo_erqi_410103.json), grouped around an anchor per street. Person teams carry
masked names only. Run from the repository root: `python tools/make_demo_roster.py`.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "roster"
OUTLINE = ROOT.parent / "shared" / "data" / "real" / "geo_erqi_410103.json"

CATEGORY_PROJECTS = {
    "便民利民": [
        "二七商圈青春志愿行",
        "社区便民服务站",
        "环卫工人爱心驿站",
        "社区图书角",
        "老旧小区加装扶手",
        "平安路灯照亮回家路",
        "社区微菜园",
        "爱心理发进社区",
        "便民维修服务队",
        "社区急救箱配备",
        "公交站台爱心座椅",
        "社区四点半课堂",
        "背街小巷微改造",
        "社区共享工具屋",
        "爱心雨伞借用点",
        "楼院垃圾分类小站",
        "新市民融入计划",
        "社区法律援助角",
    ],
    "特殊关爱": [
        "关爱老兵、情暖二七",
        "残疾人康复辅具",
        "孤独症儿童康复",
        "困境儿童微心愿",
        "留守儿童课后托管",
        "失独家庭关爱",
        "重度残疾人托养",
        "听障儿童助听计划",
        "视障人士出行帮扶",
        "精神障碍康复驿站",
        "困境妇女技能培训",
        "特殊儿童融合教育",
        "退役军人关怀",
        "单亲母亲互助",
        "脑瘫儿童康复训练",
        "空巢老人陪伴",
        "罕见病患儿关爱",
        "心智障碍者就业支持",
        "烈士家属慰问",
        "流浪人员救助",
        "服刑人员子女关爱",
        "智障青年日间照料",
    ],
    "困难帮扶": [
        "爱心午餐孝老专享",
        "独居老人助餐",
        "大病救助",
        "困难家庭学子圆梦",
        "低保家庭暖冬",
        "困难职工子女助学",
        "城市困难群体帮扶",
        "临时困难救助",
        "重病患者医疗帮扶",
        "困难老人居家改造",
        "冬季送温暖",
        "困难家庭年夜饭",
        "孤寡老人紧急呼叫",
        "困难残疾人生活补助",
        "因病致贫家庭帮扶",
        "困难家庭儿童营养餐",
        "失业人员再就业",
        "困难党员帮扶",
        "寒门学子助学金",
        "困难家庭住房修缮",
        "困难群众送医送药",
        "困境青少年成长",
        "低收入家庭助浴",
        "困难老人助洁",
        "夏季送清凉",
        "困难家庭水电补助",
        "困难学生爱心书包",
        "失能老人照护",
        "困难家庭心理援助",
        "特困人员供养",
    ],
    "文化惠民": [
        "非遗进社区",
        "二七纪念塔红色宣讲",
        "社区文艺汇演",
        "少儿书法公益课",
        "老年大学进社区",
        "社区电影放映",
        "豫剧公益演出",
        "全民阅读推广",
        "青少年科普课堂",
        "社区合唱团",
        "传统节日文化体验",
        "公益美术课堂",
        "社区读书会",
        "文化志愿者培训",
        "红色故事进校园",
        "社区健身指导",
        "乡村文化大院",
        "戏曲进校园",
    ],
}

STREETS = {  # street -> anchor (GCJ-02); urban streets in the north-east, the two towns south-west
    "淮河路街道": (113.6395, 34.7330), "解放路街道": (113.6640, 34.7575), "铭功路街道": (113.6590, 34.7520),
    "一马路街道": (113.6700, 34.7450), "蜜蜂张街道": (113.6560, 34.7380), "五里堡街道": (113.6470, 34.7430),
    "大学路街道": (113.6500, 34.7270), "建中街街道": (113.6540, 34.7570), "福华街街道": (113.6720, 34.7380),
    "德化街街道": (113.6665, 34.7525), "嵩山路街道": (113.6380, 34.7460), "京广路街道": (113.6630, 34.7290),
    "长江路街道": (113.6400, 34.7190), "人和路街道": (113.6720, 34.7250), "马寨镇": (113.5350, 34.6950),
    "侯寨乡": (113.5950, 34.6600),
}  # fmt: skip

FIXED_SITES = [
    ("升龙广场", "大学路街道", "main_venue", (113.6490, 34.7300)),
    ("德化步行街", "德化街街道", "pedestrian_street", (113.6662, 34.7530)),
    ("二七广场", "德化街街道", "square", (113.6660, 34.7520)),
    ("人民公园", "解放路街道", "park", (113.6620, 34.7620)),
]
KIND_NAMES = {
    "mall": ["购物中心", "百货", "商场", "万达广场", "大上海城", "银基商贸城"],
    "park": ["公园", "游园", "绿地广场", "滨河公园"],
    "office": ["大厦", "写字楼", "商务中心", "金融中心"],
    "community": ["社区党群服务中心", "社区服务站", "家园小区", "花园小区"],
    "market": ["农贸市场", "生鲜市场", "菜市场"],
    "station": ["地铁站口", "公交枢纽"],
    "square": ["文化广场", "市民广场"],
    "other": ["卫生服务中心", "小学门口", "中学门口", "医院门诊楼前"],
}
ORG_TEAMS = [
    "河南省福利彩票发行中心",
    "德化街街道",
    "建中街街道",
    "二七区慈善总会",
    "二七区青年志愿者协会",
    "中国中部电子商务港",
    "二七区民政局",
    "二七区温暖办",
    "郑州市二七区红十字会",
    "二七区巾帼志愿服务队",
    "二七区退役军人服务中心",
    "二七区教育局",
    "二七区卫健委",
    "二七区团委",
    "二七区妇联",
    "二七区工商联",
    "二七区个私协会",
]
ORG_SUFFIXES = [
    "有限公司",
    "商贸公司",
    "实业公司",
    "医院",
    "小学",
    "中学",
    "社工服务中心",
    "志愿服务队",
    "商会",
    "物业公司",
]
ORG_PREFIXES = [
    "豫",
    "中原",
    "嵩",
    "金水",
    "二七",
    "绿城",
    "黄河",
    "商都",
    "京广",
    "福华",
    "华山",
    "长江",
    "大学路",
    "航海",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
PERSON_FORMS = ["{s}**的一起捐", "{s}**爱心小队", "{s}**和朋友们", "{s}**的公益队"]


def _outline() -> list[list[tuple[float, float]]]:
    features = json.loads(OUTLINE.read_text(encoding="utf-8"))
    rings = []
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            rings.append([tuple(p) for p in polygon[0]])
    return rings


def inside(point: tuple[float, float], rings: list[list[tuple[float, float]]]) -> bool:
    """Ray casting, over every polygon's outer ring."""
    x, y = point
    for ring in rings:
        hit = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                hit = not hit
        if hit:
            return True
    return False


def _near(rnd: random.Random, anchor: tuple[float, float], rings, spread: float) -> tuple[float, float]:
    for _ in range(10_000):
        p = (anchor[0] + rnd.gauss(0, spread), anchor[1] + rnd.gauss(0, spread * 0.8))
        if inside(p, rings):
            return round(p[0], 6), round(p[1], 6)
    raise RuntimeError(f"no point inside the outline near {anchor}")


def projects() -> list[dict]:
    rows = [{"project_id": "P000", "name": "助力慈善、温暖二七", "parent_id": "", "category": "", "goal_yuan": ""}]
    rnd = random.Random(99)
    names = [(c, n) for c, ns in CATEGORY_PROJECTS.items() for n in ns]
    first = ["二七商圈青春志愿行", "关爱老兵、情暖二七", "爱心午餐孝老专享"]
    names.sort(key=lambda cn: (cn[1] not in first, first.index(cn[1]) if cn[1] in first else 0))
    for i, (category, name) in enumerate(names, start=1):
        goal = rnd.choice([150_000, 200_000, 300_000]) if rnd.random() < 0.1 else rnd.randrange(20, 101) * 1000
        rows.append(
            {"project_id": f"P{i:03d}", "name": name, "parent_id": "P000", "category": category, "goal_yuan": goal}
        )
    rows.append(
        {
            "project_id": "P089",
            "name": "汤河乡援建对口扶贫",
            "parent_id": "",
            "category": "困难帮扶",
            "goal_yuan": 500000,
        }
    )
    return rows


def sites(rings) -> list[dict]:
    rnd = random.Random(99)
    rows, names = [], set()
    for name, street, kind, point in FIXED_SITES:
        assert inside(point, rings), name
        rows.append({"name": name, "street": street, "kind": kind, "lng": point[0], "lat": point[1]})
        names.add(name)
    street_names = list(STREETS)
    kinds = list(KIND_NAMES)
    i = 0
    while len(rows) < 137:
        street = street_names[i % len(street_names)]
        i += 1
        kind = rnd.choices(kinds, [3, 2, 3, 5, 2, 1, 1, 2])[0]
        base = street.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        name = (
            f"{base}{rnd.choice(KIND_NAMES[kind])}"
            if rnd.random() < 0.5
            else f"{rnd.choice(ORG_PREFIXES)}{rnd.choice(KIND_NAMES[kind])}"
        )
        if name in names:
            continue
        names.add(name)
        spread = 0.012 if street in ("马寨镇", "侯寨乡") else 0.004
        lng, lat = _near(rnd, STREETS[street], rings, spread)
        rows.append({"name": name, "street": street, "kind": kind, "lng": lng, "lat": lat})
    for k, row in enumerate(rows, start=1):
        row["site_id"] = f"S{k:03d}"
    return [{k: r[k] for k in ("site_id", "name", "street", "kind", "lng", "lat")} for r in rows]


def teams(project_rows: list[dict], site_rows: list[dict]) -> list[dict]:
    rnd = random.Random(99)
    project_ids = [p["project_id"] for p in project_rows if p["project_id"] != "P000"]
    popularity = [1 / (k + 1) ** 0.7 for k in range(len(project_ids))]
    site_ids = [s["site_id"] for s in site_rows]
    site_weights = [12 if s in ("S001", "S002") else 3 if s in ("S003", "S004") else 1 for s in site_ids]
    rows, names = [], set()
    orgs = list(ORG_TEAMS)
    while len(rows) < 400:
        organisation = rnd.random() < 0.55
        if organisation:
            name = (
                orgs.pop(0)
                if orgs
                else f"{rnd.choice(ORG_PREFIXES)}{rnd.choice('华信达兴隆泰恒安盛和')}{rnd.choice(ORG_SUFFIXES)}"
            )
            goal = rnd.randrange(5, 51) * 1000
        else:
            name = rnd.choice(PERSON_FORMS).format(s=rnd.choice(SURNAMES))
            goal = rnd.randrange(5, 51) * 100
        if name in names:
            continue
        names.add(name)
        project = "P000" if rnd.random() < 0.03 else rnd.choices(project_ids, popularity)[0]
        rows.append({"name": name, "project_id": project, "site_id": rnd.choices(site_ids, site_weights)[0],
                     "kind": "organisation" if organisation else "person", "goal_yuan": goal})  # fmt: skip
    for k, row in enumerate(rows, start=1):
        row["team_id"] = f"T{k:03d}"
    return [{k: r[k] for k in ("team_id", "name", "project_id", "site_id", "kind", "goal_yuan")} for r in rows]


def _write(name: str, rows: list[dict]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / name, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    rings = _outline()
    p, s = projects(), sites(_outline())
    t = teams(p, s)
    assert len(p) == 90 and len(s) == 137 and len(t) == 400
    assert all(inside((r["lng"], r["lat"]), rings) for r in s)
    _write("projects.csv", p)
    _write("sites.csv", s)
    _write("teams.csv", t)
    print(f"{len(p)} projects, {len(s)} sites in {len({r['street'] for r in s})} streets, {len(t)} teams")


if __name__ == "__main__":
    main()
