from decimal import Decimal

import pytest

from givingday.money import (
    AmountError,
    format_column,
    format_goal_share,
    format_percent,
    format_short,
    format_wan,
    format_wan_yuan,
    format_yuan,
    goal_share,
    parse_fen,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1", 100),
        ("9.9", 990),
        ("0.01", 1),
        ("99.90", 9990),
        ("1,000,000", 100_000_000),
        ("¥520", 52000),
        ("  20.5 ", 2050),
        ("100.000", 10000),
        ("3元", 300),
        ("1,234", 123_400),
        ("１００", 10_000),
        ("１，０００．５０", 100_050),
        ("RMB 12", 1200),
    ],
)
def test_parse_fen_exact(text, fen):
    assert parse_fen(text) == fen


def test_parse_fen_dot_thousands():
    assert parse_fen("50.000", thousands=".", decimal=",") == 5_000_000
    assert parse_fen("1.234,5", thousands=".", decimal=",") == 123_450
    with pytest.raises(AmountError, match="out of place"):
        parse_fen("1.00,5", thousands=".", decimal=",")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("-5", "negative"),
        ("1.234", "more than two decimals"),
        ("abc", "not a number"),
        ("1e5", "not a number"),
        ("12.3.4", "not a number"),
        ("1,00", "thousands separator out of place"),
        ("1,2,3", "thousands separator out of place"),
        ("12,34", "thousands separator out of place"),
        ("1,2345", "thousands separator out of place"),
        ("٣٠٠", "not a number"),
        ("𝟗𝟗", "not a number"),
        ("1\u200b00", "not a number"),
    ],
)
def test_parse_fen_rejects(text, reason):
    with pytest.raises(AmountError, match=reason):
        parse_fen(text)


def test_no_float_drift():
    # 0.1 + 0.2 in floats is 0.30000000000000004; in fen it is exact.
    assert sum(parse_fen(x) for x in ["0.1", "0.2"]) == parse_fen("0.3")
    assert yuan_to_fen(6_000_000) == 600_000_000
    with pytest.raises(AmountError):
        yuan_to_fen("0.001")


def test_formats():
    assert format_yuan(123456789) == "¥1,234,567.89"
    assert format_yuan(-5) == "-¥0.05"
    assert format_wan(612_345_678) == "612.35万"


def test_each_formatter_prints_its_own_shape():
    assert format_yuan(123456, "") == "1,234.56"
    assert format_yuan(Decimal("12345.5")) == "¥123.46" and format_yuan(None) == "—"  # derived: half up
    assert format_wan_yuan(6_481_598_76) == "648.16万元" and format_wan_yuan(987_650) == "9,876.50元"
    assert format_short(612_345_678, "zh") == "612.35万元" and format_short(987_650, "zh") == "¥9,876.50"
    assert format_short(612_345_678, "en") == "¥6.12M" and format_short(987_660, "en") == "¥9,877"
    assert format_percent(Decimal(1) / Decimal(3)) == "33.3%"
    assert format_column([12_345_678, 6_444_300], "en") == ["¥123,457", "¥64,443"]  # one unit down a column
    assert format_column([1_234_567_890, 6_444_300], "en") == ["¥12.35M", "¥0.06M"]
    assert format_column([5_970_000, 878_304], "zh") == ["5.97万元", "0.88万元"]
    assert format_column([878_304, 5_000], "zh") == ["¥8,783.04", "¥50.00"] and format_column([], "zh") == []


def test_a_share_of_a_goal_is_cut_down_so_100_percent_means_reached():
    assert goal_share(999_960, 1_000_000) == Decimal("0.999") and goal_share(1_234_600, 5_000_000, 4) == Decimal(
        "0.2469"
    )
    assert [format_goal_share(v, 1_000_000) for v in (0, 4_999, 995_000, 999_999, 1_000_000, 1_370_000)] == [
        "0%",
        "0%",
        "99%",
        "99%",
        "100%",
        "137%",
    ]
    assert (
        format_goal_share(999_960, 1_000_000, 1) == "99.9%" and format_goal_share(1_000_000, 1_000_000, 1) == "100.0%"
    )
    assert format_goal_share(1, 3, 2) == "33.33%" and format_goal_share(2, 3, 2) == "66.66%"  # never up
    assert format_goal_share(-1, 1_000) == "0%" and format_goal_share(-1, 1_000, 1) == "-0.1%"  # toward zero
    assert format_goal_share(-15, 1_000) == "-1%" and str(goal_share(-1, 1_000_000)) == "0.000"
