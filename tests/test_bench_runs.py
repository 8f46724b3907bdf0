"""`make bench` runs to its end: each import benchmark at a few hundred rows, its line printed (a benchmark that
crashed after a change of what it calls was found only when someone ran the whole bench)."""

import re

import pytest

from givingday.ops import bench, bench_pg


@pytest.mark.slow
def test_the_bulk_import_bench_imports_every_row(tmp_path):
    ours, floor, ours_cpu, floor_cpu = bench.bench_bulk(tmp_path, 300)
    assert min(ours, floor, ours_cpu, floor_cpu) > 0


@pytest.mark.postgres
def test_the_postgresql_import_bench_prints_a_line_per_size(pg_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GIVINGDAY_BENCH_PG", pg_server.database())
    bench_pg.bench_postgres(tmp_path, sizes=(200, 300))  # the second size into a store the first one filled
    out = capsys.readouterr().out
    assert re.findall(r"^\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d,]+\s+[\d.]+\s+[\d.]+x$", out, re.M) == ["200", "300"]


@pytest.mark.slow
def test_the_console_bench_checks_each_view_against_the_naive_way(tmp_path, monkeypatch, capsys):
    """Every set of filters the bench times, on a small demo store, agrees with the naive pandas way (which once
    left out the team filter: the bench stopped at its fourth line)."""
    monkeypatch.setattr(bench, "CACHE", tmp_path / "cache")
    bench.bench_console(tmp_path, sizes=(20_000,))
    out = capsys.readouterr().out
    views = re.findall(r"^\s+[\d,]+\s+(.+?)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+x\s+[\d.]+\s", out, re.M)
    assert views == list(bench.console_views()), out
