"""The big screen's site map (givingday/screens/map.py): where most sites are is drawn large, and the names on it
are big enough to read and never overlap."""

import html
import itertools
import random

from givingday.screens import map as site_map


def test_names_of_dots_in_one_place_never_overlap():
    dots = [(f"点位{i}", 500.0, 300.0, 10.0) for i in range(6)]
    labels = site_map.place_labels(dots, (0, 0, 1000, 640))
    assert [(lb.text, lb.box) for lb in labels] == [
        ("点位0", (516.0, 282.0, 594.0, 318.0)),  # right of the dot: two squares and a digit, 30 units high
        ("点位1", (406.0, 282.0, 484.0, 318.0)),  # left; above and below would touch these: the rest go unnamed
    ]
    spread = [("甲", 500.0, 300.0, 10.0), ("乙", 500.0, 200.0, 10.0), ("丙", 500.0, 400.0, 10.0)]
    assert [lb.text for lb in site_map.place_labels(spread, (0, 0, 1000, 640))] == ["甲", "乙", "丙"]


def test_a_name_that_would_leave_the_map_goes_to_another_side():
    (label,) = site_map.place_labels([("德化步行街", 980.0, 300.0, 10.0)], (0, 0, 1000, 640))
    assert label.box[2] <= 1000 and label.box[2] < 980  # written to the left of a dot at the right edge


def test_the_demo_districts_crowded_corner_is_drawn_large_with_readable_names(demo_roster_store):
    rng = random.Random(42)
    sites = [
        {"name": s["name"], "lng": s["lng"], "lat": s["lat"], "total_fen": rng.randrange(1, 10_000_000)}
        for s in demo_roster_store.roster()["sites"]
    ]
    sites.sort(key=lambda s: -s["total_fen"])
    svg, labels = site_map.map_svg(sites, html.escape)
    assert '<clipPath id="whole">' in svg and '<clipPath id="big">' in svg  # the district small, the city large
    assert len(labels) == site_map.MAX_LABELS
    for a, b in itertools.combinations(labels, 2):
        assert not site_map._overlaps(a.box, b.box), (a.text, b.text)
    big = (site_map.WIDTH * 0.3 + site_map.GAP, 0, site_map.WIDTH, site_map.HEIGHT)
    assert all(site_map._inside(lb.box, big) for lb in labels)
    assert svg.count(f'font-size="{site_map.LABEL_UNITS}"') == len(labels)
    # The screen shows the map about 43vw wide (the browser test measures it): at 1920 px, 18 px at least.
    assert site_map.LABEL_UNITS * 0.43 * 1920 / site_map.WIDTH >= 18 * 1.3
