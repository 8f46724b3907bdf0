"""The query loader: a file that includes another reads as one query, with the shared SQL written once; and
every query file answers on a store with a handful of gifts (tests/seeded.py; test_postgres.py asks the same of
PostgreSQL)."""

import re

import pytest

from givingday import config
from givingday.console.rollup_figures import RollupRows
from givingday.store import database
from givingday.store.database import query_text
from tests.seeded import QUERY_NAMES, at, query_params

FILTERS = RollupRows.FILTERS

INCLUDED = ("console_filtered", "console_cells_filtered", "ledger_window")


def _body(name: str) -> str:
    lines = (config.QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8").rstrip().splitlines()
    return "\n".join(line for line in lines if not line.startswith("--"))


def test_an_include_line_stands_for_the_other_files_body_without_its_header():
    text = query_text("console_minutes")
    assert "-- include:" not in text
    assert "-- console_filtered:" not in text
    body = "\n".join("    " + line for line in _body("console_filtered").splitlines())
    assert f"with filtered as (\n{body}\n)," in text


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_is_whole_once_loaded(name):
    text = query_text(name)
    assert not [line for line in text.splitlines() if line.strip().startswith("-- include:")]
    assert "select" in text


@pytest.mark.parametrize("name", INCLUDED)
def test_a_shared_piece_is_included_where_it_is_used(name):
    users = [p.stem for p in config.QUERIES_DIR.glob("*.sql") if f"-- include: {name}" in p.read_text(encoding="utf-8")]
    assert len(users) >= 4, users
    for user in users:
        assert _body(name).splitlines()[-1].strip() in query_text(user)


@pytest.mark.parametrize("grain", ["hour", "day"])
def test_an_include_with_one_table_for_another_is_the_body_reading_that_table(grain):
    text = query_text(f"console_cells_range_{grain}")
    assert "-- include:" not in text
    minute = _body("console_cells_range_minute")
    assert "from rollup_cells c" in minute
    assert text.rstrip().endswith(minute.replace("from rollup_cells c", f"from rollup_cells_{grain} c"))


def test_an_include_that_swaps_a_table_its_body_does_not_name_is_refused(tmp_path, monkeypatch):
    (tmp_path / "part.sql").write_text("-- part\nselect minute_at from rollup_cells_hour\n", encoding="utf-8")
    (tmp_path / "whole.sql").write_text("-- whole\n-- include: part with rollup_cells_day for rollup_cells\n")
    monkeypatch.setattr(config, "QUERIES_DIR", tmp_path)
    with pytest.raises(ValueError, match="does not name rollup_cells"):  # rollup_cells_hour is another table
        query_text("whole")


@pytest.mark.both_stores
def test_a_line_marked_only_with_a_parameter_is_there_when_the_parameter_has_a_value(tmp_path, monkeypatch, store):
    (tmp_path / "only_with_probe.sql").write_text(
        "-- only_with_probe: the numbers up to 4, at most :most, not :not_this\n"
        "select n from (values (1), (2), (3), (4)) as t(n)\n"
        "where true\n"
        "    and n <= :most  -- only with :most\n"
        "    and n <> :not_this  -- only with :not_this\n"
        "order by n\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(config, "QUERIES_DIR", tmp_path)
    assert "n <= :most\n" in query_text("only_with_probe") and "-- only with" not in query_text("only_with_probe")
    assert "n <= :most" not in query_text("only_with_probe", given=frozenset({"not_this"}))
    ask = lambda **p: [r["n"] for r in store.query("only_with_probe", **p)]  # noqa: E731
    assert ask(most=None, not_this=None) == [1, 2, 3, 4]  # neither line, and the header's names bind nothing
    assert ask(most=3, not_this=None) == [1, 2, 3]
    assert ask(most=None, not_this=2) == [1, 3, 4]
    assert ask(most=3, not_this=2) == [1, 3]
    assert ask(most=0, not_this=None) == []  # a value that is false is still a value


def test_a_query_name_is_a_plain_word():
    with pytest.raises(ValueError):
        query_text("../secrets")


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_no_query_makes_rows_for_a_span_of_time(name):
    """A series of times (one row per minute between two moments) grows with the span of the data, which one
    mis-dated gift makes decades long: queries group the events there are, and a chart's span is bounded in
    Python (console.figures.chart_span)."""
    text = " ".join(query_text(name).lower().split())
    assert not [
        w for w in ("generate_series", "range(", "recursive", "unnest") if w in text.replace("range (", "range(")
    ]


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_answers_on_a_store_with_a_handful_of_gifts(seeded_duckdb, name):
    assert seeded_duckdb.query(name, **query_params(name))


def test_an_each_range_line_is_one_union_branch_a_range_its_parameters_numbered():
    text = query_text("console_cells_by_range", ("day", "ledger"))
    assert "-- each range" not in text
    assert "from rollup_cells_day c" in text and "from donations" in text
    assert ":from_at_0" in text and ":to_at_1" in text and ":piece_1" in text
    assert not re.search(r":(from_at|to_at|piece)\b", text)


def test_the_partial_minutes_of_a_statement_are_one_branch_each_event_tagged_with_its_range():
    text = query_text("console_cells_by_range", ("ledger", "day", "ledger", "minute", "ledger"))
    assert text.count("from donations") == text.count("from adjustments") == 1
    assert "{" not in text and ":from_at_4" in text and "from rollup_cells_day c" in text
    assert "when (occurred_at >= :from_at_2 and occurred_at < :to_at_2) then cast(:piece_2 as integer)" in text


def _epoch(*moment: int) -> int:
    return int(at(*moment).timestamp())


def test_partial_minutes_read_in_one_branch_each_give_their_own_events(seeded_duckdb):
    """D1 at 10:01:30 and D2 at 10:01:50, each in a partial minute of its own, a whole day between them."""
    ranges = [
        ("ledger", at(7, 10, 1, 50), at(7, 10, 2, 0)),
        ("day", at(8, 0, 0), at(9, 0, 0)),
        ("ledger", at(7, 10, 1, 0), at(7, 10, 1, 31)),
        ("ledger", at(7, 10, 0, 0), at(7, 10, 0, 59)),
    ]
    rows = seeded_duckdb.query_ranges("console_cells_by_range", ranges, **dict.fromkeys(FILTERS))
    ledger = [(r["piece"], r["minute_epoch"], r["total_fen"], r["donations"]) for r in rows if r["piece"] != 1]
    assert sorted(ledger) == [(0, _epoch(7, 10, 1, 50), 12_000, 1), (2, _epoch(7, 10, 1, 0), 12_000, 1)]


def test_two_partial_minutes_meeting_at_a_gift_give_it_to_the_one_it_starts(seeded_duckdb):
    """Half open: D2 at 10:01:50 is the second range's, not the first's, which ends there."""
    ranges = [("ledger", at(7, 10, 1, 0), at(7, 10, 1, 50)), ("ledger", at(7, 10, 1, 50), at(7, 10, 2, 0))]
    rows = seeded_duckdb.query_ranges("console_cells_by_range", ranges, **dict.fromkeys(FILTERS))
    assert sorted((r["piece"], r["minute_epoch"], r["donations"]) for r in rows) == [
        (0, _epoch(7, 10, 1, 0), 1),
        (1, _epoch(7, 10, 1, 50), 1),
    ]


@pytest.mark.parametrize("kind", ["ledger", "minute", "day"])
def test_ranges_of_one_kind_may_not_overlap(seeded_duckdb, kind):
    """Read in one branch, an event is the first range's it lies in: overlapping ranges would lose it from the rest."""
    ranges = [(kind, at(7, 10, 1, 30), at(7, 10, 1, 50)), (kind, at(7, 10, 1, 40), at(7, 10, 2, 0))]
    with pytest.raises(ValueError, match="overlap"):
        seeded_duckdb.query_ranges("console_cells_by_range", ranges, **dict.fromkeys(FILTERS))


def test_a_part_read_for_several_ranges_may_only_use_the_macros(monkeypatch):
    monkeypatch.setattr(database, "_included", lambda name, indent, *_: "select {piece(t)}, :from_at from x")
    with pytest.raises(ValueError, match="cannot"):
        database._branches("part", "", ("ledger", "ledger"))


def test_several_ranges_are_read_at_once_each_row_tagged_with_its_range(seeded_duckdb):
    """Day 7 whole from the day cells (D1, D2, D3: D3's refund was on the 8th), and from the ledger the part of
    10:01 from :30 to :50 (D1 only, D2 at :50 is outside)."""
    ranges = [("day", at(7, 0, 0), at(8, 0, 0)), ("ledger", at(7, 10, 1, 30), at(7, 10, 1, 50))]
    rows = seeded_duckdb.query_ranges("console_cells_by_range", ranges, **dict.fromkeys(FILTERS))
    assert sorted((r["piece"], r["minute_epoch"], r["total_fen"], r["donations"]) for r in rows) == [
        (0, _epoch(7, 0, 0), 12_000 + 12_000 + 88_800, 3),
        (1, _epoch(7, 10, 1, 30), 12_000, 1),
    ]
