"""The query loader: a file that includes another reads as one query, with the shared SQL written once; and
every query file answers on a store with a handful of gifts (tests/seeded.py; test_postgres.py asks the same of
PostgreSQL)."""

import pytest

from givingday import config
from givingday.store.database import query_text
from tests.seeded import QUERY_NAMES, query_params

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
